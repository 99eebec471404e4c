package dev.tpmdevid.testbed.swtpm;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.device.TpmDeviceException;
import dev.tpmdevid.testbed.Processes;
import dev.tpmdevid.testbed.TempDirs;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One software TPM ({@code swtpm socket --tpm2}) in its own temporary directory, for tests and
 * demos.
 *
 * <p>Each instance owns a fresh temp dir holding the TPM state ({@code state/}), the log ({@code
 * swtpm.log}) and, for {@link Transport#UNIX}, the two sockets. swtpm is started in the foreground
 * with {@code --flags not-need-init,startup-clear}, so clients need neither CMD_INIT nor
 * TPM2_Startup (docs/tpm-access.md#swtpm). Readiness is checked on the <b>control</b> channel only
 * (CMD_GET_CAPABILITY answered): swtpm serves one data-channel client at a time, and a probe
 * connection there would occupy that slot (docs/tpm-access.md#swtpm).
 *
 * <p>swtpm has no resource manager and only 3 transient-object slots, and transient objects outlive
 * client connections: give every test its own instance. To get an EK certificate cheaply,
 * manufacture one state dir once and start each test from a copy ({@link #startFromCopy},
 * docs/tpm-access.md#state-copies).
 *
 * <p>{@link #close()} stops the process by its id (SIGTERM, then SIGKILL after 5 s) and deletes the
 * temp dir ({@link #startIn} instead keeps a caller-chosen directory, e.g. for the demo). {@link
 * #connect()} is the one way to talk to it from Java: a {@link TpmConnection} (whose {@code tpm()}
 * is a TSS.Java {@code Tpm}).
 *
 * <p>This is the testbed's only swtpm launcher: tests, the demo and the CLI all use it.
 */
public final class Swtpm implements AutoCloseable {

  /** How the TPM's data and control channels are exposed. */
  public enum Transport {
    /** {@code --server type=tcp,port=P --ctrl type=tcp,port=P+1}, both bound to 127.0.0.1. */
    TCP,
    /**
     * {@code --server type=unixio,path=… --ctrl type=unixio,path=…} (what SPIRE's own tests use).
     */
    UNIX
  }

  private static final String EXECUTABLE = "swtpm";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final int START_ATTEMPTS = 5;
  private static final Duration CONNECT_RETRY = Duration.ofSeconds(3);

  /**
   * swtpm control-channel command 1 (tpm_ioctl.h CMD_GET_CAPABILITY), big-endian u32, no payload.
   */
  private static final byte[] CMD_GET_CAPABILITY = {0, 0, 0, 1};

  private static final Set<Swtpm> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (Swtpm s : RUNNING) {
                    s.process.destroyForcibly();
                  }
                },
                "swtpm-reaper"));
  }

  private final Transport transport;
  private final Path baseDir;
  private final Path stateDir;
  private final Path logFile;
  private final Process process;
  private final int port;
  private final Path serverSocket;
  private final Path ctrlSocket;
  private final boolean ownsBaseDir;
  private volatile boolean closed;

  private Swtpm(
      Transport transport,
      Path baseDir,
      boolean ownsBaseDir,
      Path stateDir,
      Path logFile,
      Process process,
      int port,
      Path serverSocket,
      Path ctrlSocket) {
    this.transport = transport;
    this.ownsBaseDir = ownsBaseDir;
    this.baseDir = baseDir;
    this.stateDir = stateDir;
    this.logFile = logFile;
    this.process = process;
    this.port = port;
    this.serverSocket = serverSocket;
    this.ctrlSocket = ctrlSocket;
  }

  /**
   * Starts a fresh (unmanufactured: no EK certificate, no persistent EK) TPM on a free TCP port
   * pair.
   */
  public static Swtpm start() throws IOException {
    return start(Transport.TCP);
  }

  /** Starts a fresh (unmanufactured) TPM with the given transport. */
  public static Swtpm start(Transport transport) throws IOException {
    return launch(transport, null, null);
  }

  /**
   * Starts a TPM whose state, log and sockets live in {@code dir} (created if missing) instead of a
   * temp dir. An existing state there is reused; {@link #close()} stops the process but keeps
   * {@code dir}. For unix sockets keep {@code dir} short (socket paths are limited to 107 bytes).
   */
  public static Swtpm startIn(Path dir, Transport transport) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Files.createDirectories(dir);
    return launch(transport, null, dir);
  }

  /** {@link #startFromCopy(Path, Transport)} on a free TCP port pair. */
  public static Swtpm startFromCopy(Path sourceStateDir) throws IOException {
    return startFromCopy(sourceStateDir, Transport.TCP);
  }

  /**
   * Starts a TPM whose state is a copy of {@code sourceStateDir} (e.g. one manufactured once by
   * {@code swtpm_setup --create-ek-cert}). The source is only read; the copy lives in this
   * instance's temp dir. All copies share the source's seeds, EK and SRK, so key blobs created on
   * one load on the others.
   */
  public static Swtpm startFromCopy(Path sourceStateDir, Transport transport) throws IOException {
    Objects.requireNonNull(sourceStateDir, "sourceStateDir");
    if (!Files.isDirectory(sourceStateDir)) {
      throw new IOException("swtpm state directory " + sourceStateDir + " does not exist");
    }
    return launch(transport, sourceStateDir, null);
  }

  /** True when the {@code swtpm} executable is on the PATH. */
  public static boolean isInstalled() {
    return findExecutable(EXECUTABLE) != null;
  }

  private static Path findExecutable(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  private static Swtpm launch(Transport transport, Path sourceStateDir, Path givenDir)
      throws IOException {
    Objects.requireNonNull(transport, "transport");
    Path exe = findExecutable(EXECUTABLE);
    if (exe == null) {
      throw new IOException(
          "swtpm is not installed (no 'swtpm' executable on the PATH; Debian/Ubuntu package "
              + "'swtpm', plus 'swtpm-tools' for swtpm_setup)");
    }
    boolean owned = givenDir == null;
    // short path: unix socket paths are limited to 107 bytes
    Path baseDir =
        owned
            ? Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "swtpm")
            : givenDir;
    try {
      Path stateDir = Files.createDirectories(baseDir.resolve("state"));
      if (sourceStateDir != null) {
        copyState(sourceStateDir, stateDir);
      }
      Path logFile = baseDir.resolve("swtpm.log");
      IOException last = null;
      for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        try {
          Swtpm s = launchOnce(exe, transport, baseDir, owned, stateDir, logFile);
          RUNNING.add(s);
          return s;
        } catch (PortTakenException e) {
          last = e; // another process grabbed the port pair between our probe and swtpm's bind
        }
      }
      throw last;
    } catch (IOException | RuntimeException e) {
      if (owned) {
        TempDirs.delete(baseDir);
      }
      throw e;
    }
  }

  private static Swtpm launchOnce(
      Path exe, Transport transport, Path baseDir, boolean ownsBaseDir, Path stateDir, Path logFile)
      throws IOException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                exe.toString(),
                "socket",
                "--tpm2",
                "--tpmstate",
                "dir=" + stateDir,
                "--flags",
                "not-need-init,startup-clear",
                "--log",
                "file="
                    + logFile
                    + ",level=1")); // level 2 would log every command, auth areas included
    int port = -1;
    Path server = null;
    Path ctrl = null;
    if (transport == Transport.TCP) {
      port = freePortPair();
      cmd.addAll(
          List.of(
              "--server",
              "type=tcp,port=" + port + ",bindaddr=127.0.0.1",
              "--ctrl",
              "type=tcp,port=" + (port + 1) + ",bindaddr=127.0.0.1"));
    } else {
      server = baseDir.resolve("tpm.sock");
      ctrl = baseDir.resolve("ctrl.sock");
      Files.deleteIfExists(server);
      Files.deleteIfExists(ctrl);
      cmd.addAll(
          List.of("--server", "type=unixio,path=" + server, "--ctrl", "type=unixio,path=" + ctrl));
    }
    Path out = baseDir.resolve("swtpm.out");
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    Swtpm s = new Swtpm(transport, baseDir, ownsBaseDir, stateDir, logFile, p, port, server, ctrl);
    try {
      s.awaitReady();
    } catch (IOException | RuntimeException e) {
      s.stopProcess();
      throw e;
    }
    return s;
  }

  private static void copyState(Path source, Path target) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(source)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.equals(".lock") || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        Files.copy(f, target.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
  }

  /** A free port P on 127.0.0.1 with P+1 also free at the time of the check. */
  private static int freePortPair() throws IOException {
    for (int i = 0; i < 50; i++) {
      try (ServerSocket a = new ServerSocket()) {
        a.bind(new InetSocketAddress("127.0.0.1", 0));
        int p = a.getLocalPort();
        if (p >= 65535) {
          continue;
        }
        try (ServerSocket b = new ServerSocket()) {
          b.bind(new InetSocketAddress("127.0.0.1", p + 1));
          return p;
        } catch (IOException taken) {
          // try another pair
        }
      }
    }
    throw new IOException("no free TCP port pair on 127.0.0.1");
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        String log = tail(baseDir.resolve("swtpm.out")) + tail(logFile);
        if (transport == Transport.TCP && log.contains("ddress already in use")) {
          throw new PortTakenException(log);
        }
        throw new IOException(
            "swtpm exited with status "
                + process.exitValue()
                + " before it was ready: "
                + log.strip());
      }
      if (ctrlChannelAccepts()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "swtpm did not open its control channel within "
                + READY_TIMEOUT.toSeconds()
                + " s; log: "
                + tail(logFile).strip());
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for swtpm", e);
      }
    }
  }

  /**
   * True when swtpm answers CMD_GET_CAPABILITY on the control channel. A mere connect is not
   * enough: the kernel accepts on the ctrl socket as soon as it listens, which can be before swtpm
   * has opened its data socket; swtpm answers ctrl commands only from its main loop, after both are
   * set up.
   */
  private boolean ctrlChannelAccepts() {
    if (transport == Transport.TCP) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port + 1), 200);
        s.setSoTimeout(500);
        s.getOutputStream().write(CMD_GET_CAPABILITY);
        return s.getInputStream().readNBytes(4).length == 4;
      } catch (IOException notYet) {
        return false;
      }
    }
    if (!Files.exists(ctrlSocket)) {
      return false;
    }
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(ctrlSocket));
        Selector selector = Selector.open()) {
      c.write(ByteBuffer.wrap(CMD_GET_CAPABILITY));
      c.configureBlocking(false);
      c.register(selector, SelectionKey.OP_READ);
      ByteBuffer answer = ByteBuffer.allocate(4);
      long deadline = System.nanoTime() + 500_000_000L;
      while (answer.hasRemaining()) {
        if (c.read(answer) < 0) {
          return false;
        }
        long waitMs = (deadline - System.nanoTime()) / 1_000_000;
        if (answer.hasRemaining()) {
          if (waitMs <= 0) {
            return false;
          }
          selector.select(waitMs);
          selector.selectedKeys().clear();
        }
      }
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  private static String tail(Path file) {
    try {
      if (!Files.exists(file)) {
        return "";
      }
      byte[] b = Files.readAllBytes(file);
      int from = Math.max(0, b.length - 2000);
      return new String(b, from, b.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * A new connection to this TPM ({@code TpmConnection.open(devicePath())}), retried for up to 3 s
   * while the device refuses. The retry is a safety net: seen under load as "Connection refused"
   * right after start when readiness was still judged by a mere connect; {@link #awaitReady} now
   * waits for CMD_GET_CAPABILITY. swtpm serves one client at a time: close the connection before
   * anyone else (e.g. an agent plugin) connects.
   */
  public TpmConnection connect() {
    long deadline = System.nanoTime() + CONNECT_RETRY.toNanos();
    while (true) {
      try {
        return TpmConnection.open(devicePath());
      } catch (TpmDeviceException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** The transport this instance was started with. */
  public Transport transport() {
    return transport;
  }

  /**
   * What to give {@code TpmConnection.open} or SPIRE's {@code tpm_device_path}: {@link
   * #tcpAddress()} for TCP, {@link #unixSocketPath()} for unix sockets.
   */
  public String devicePath() {
    return transport == Transport.TCP ? tcpAddress() : unixSocketPath().toString();
  }

  /** {@code tcp://127.0.0.1:P}, the data channel. Only for {@link Transport#TCP}. */
  public String tcpAddress() {
    requireTransport(Transport.TCP);
    return "tcp://127.0.0.1:" + port;
  }

  /** Data-channel port P (the control channel is P+1). Only for {@link Transport#TCP}. */
  public int port() {
    requireTransport(Transport.TCP);
    return port;
  }

  /** The data-channel unix socket. Only for {@link Transport#UNIX}. */
  public Path unixSocketPath() {
    requireTransport(Transport.UNIX);
    return serverSocket;
  }

  /** The control-channel unix socket. Only for {@link Transport#UNIX}. */
  public Path ctrlSocketPath() {
    requireTransport(Transport.UNIX);
    return ctrlSocket;
  }

  /**
   * The {@code TPM2TOOLS_TCTI} / {@code -T} value for tpm2-tools, e.g. {@code
   * swtpm:host=127.0.0.1,port=P}. tpm2-tss's swtpm TCTI speaks TCP only (docs/tpm-access.md#swtpm),
   * so this needs {@link Transport#TCP}.
   */
  public String tpm2ToolsTcti() {
    if (transport != Transport.TCP) {
      throw new IllegalStateException(
          "tpm2-tss's swtpm TCTI supports only TCP; start this swtpm with "
              + "Transport.TCP to use tpm2-tools");
    }
    return "swtpm:host=127.0.0.1,port=" + port;
  }

  /**
   * The TPM state directory ({@code tpm2-00.permall}); copy it while the TPM is stopped or idle.
   */
  public Path stateDir() {
    return stateDir;
  }

  /** swtpm's log file. */
  public Path logFile() {
    return logFile;
  }

  /** The process id of the swtpm process. */
  public long pid() {
    return process.pid();
  }

  /** True until {@link #close()} or until swtpm died on its own. */
  public boolean isRunning() {
    return !closed && process.isAlive();
  }

  private void requireTransport(Transport wanted) {
    if (transport != wanted) {
      throw new IllegalStateException(
          "this swtpm was started with " + transport + ", not " + wanted);
    }
  }

  /**
   * Stops swtpm but keeps the temp dir, so {@link #stateDir()} can be copied after a clean shutdown
   * (SIGTERM makes swtpm write its state). {@link #close()} still has to be called.
   */
  public void stop() {
    if (!closed) {
      stopProcess();
    }
  }

  /**
   * Stops swtpm (SIGTERM, SIGKILL after 5 s) and deletes the temp dir (not a {@link #startIn} dir).
   * Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopProcess();
    RUNNING.remove(this);
    if (ownsBaseDir) {
      TempDirs.delete(baseDir);
    }
  }

  private void stopProcess() {
    Processes.terminate(process, STOP_GRACE);
  }

  @Override
  public String toString() {
    return "swtpm[pid "
        + process.pid()
        + ", "
        + (transport == Transport.TCP ? tcpAddress() : serverSocket.toString())
        + "]";
  }

  private static final class PortTakenException extends IOException {
    PortTakenException(String log) {
      super("swtpm could not bind its TCP ports: " + log.strip());
    }
  }
}
