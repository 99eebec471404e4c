package dev.tpmdevid.testbed.agent;

import dev.tpmdevid.testbed.TempDirs;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small <b>test fixture</b>: a unix-socket proxy between a TPM client (our agent plugin,
 * configured with the proxy's socket as {@code tpm_device_path}) and a real swtpm behind it. It
 * forwards TPM command and response frames unchanged, except that one rule at a time can fault the
 * response to a chosen command: drop it (close, or stay silent), truncate it, corrupt it, delay it,
 * or answer with a TPM response code without forwarding the command at all (as a TPM that refuses a
 * command does not execute it). The upstream swtpm socket can be switched, for swtpm restarts.
 *
 * <p>swtpm's unix socket serves one command per connection for our client (a connection per
 * command, as SPIRE's agent does); the proxy handles any number of frames per connection anyway.
 */
final class TpmFaultProxy implements AutoCloseable {

  enum Fault {
    /** Forward, then close the client connection without answering. */
    DROP_CLOSE,
    /** Forward, then never answer (the client's response timeout has to end it). */
    DROP_SILENT,
    /** Forward, then answer with the first half of the response and close. */
    TRUNCATE,
    /** Forward, then answer with a response whose size field is corrupted. */
    CORRUPT_SIZE,
    /** Forward, then answer with one byte flipped in the middle of the response parameters. */
    CORRUPT_BODY,
    /** Forward, then answer after a delay. */
    DELAY,
    /** Do not forward: answer with a bare response header carrying {@link Rule#rc}. */
    RESPONSE_CODE
  }

  /** Fault the next {@code times} responses to any of {@code commandCodes}. */
  record Rule(java.util.Set<Integer> commandCodes, Fault fault, int rc, Duration delay, int times) {
    Rule(int commandCode, Fault fault, int rc, Duration delay, int times) {
      this(java.util.Set.of(commandCode), fault, rc, delay, times);
    }
  }

  private static final int HEADER = 10;

  private final Path dir;
  private final Path socket;
  private final ServerSocketChannel server;
  private final Thread acceptor;
  private volatile Path upstream;
  private volatile Rule rule;
  private final AtomicInteger remaining = new AtomicInteger();
  private final AtomicInteger faulted = new AtomicInteger();
  private final Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
  private volatile boolean closed;

  TpmFaultProxy(Path upstream) throws IOException {
    this.upstream = upstream;
    this.dir = Files.createTempDirectory("tfp");
    this.socket = dir.resolve("tpm.sock");
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    acceptor = new Thread(this::acceptLoop, "tpm-fault-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The socket to give the client as its TPM. */
  Path socket() {
    return socket;
  }

  /** Points the proxy at another swtpm socket (after a restart). */
  void upstream(Path swtpmSocket) {
    this.upstream = swtpmSocket;
  }

  /** Arms {@code r} (replacing any earlier rule); {@code null} disarms. */
  void arm(Rule r) {
    if (r != null) {
      faulted.set(0);
    }
    remaining.set(r == null ? 0 : r.times());
    rule = r;
  }

  /** Responses faulted since a rule was last armed. */
  int faulted() {
    return faulted.get();
  }

  /** Commands with this code seen so far (faulted or not). */
  int seen(int commandCode) {
    AtomicInteger n = seen.get(commandCode);
    return n == null ? 0 : n.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        SocketChannel client = server.accept();
        Thread t = new Thread(() -> serve(client), "tpm-fault-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (!closed) {
          System.err.println("tpm fault proxy: accept failed: " + e);
        }
        return;
      }
    }
  }

  private void serve(SocketChannel client) {
    SocketChannel up = null;
    try (client) {
      while (true) {
        byte[] command = readFrame(client);
        if (command == null) {
          return; // client closed
        }
        int cc = ByteBuffer.wrap(command, 6, 4).getInt();
        seen.computeIfAbsent(cc, k -> new AtomicInteger()).incrementAndGet();
        Rule r = rule;
        boolean fault =
            r != null && r.commandCodes().contains(cc) && remaining.getAndDecrement() > 0;
        if (fault) {
          faulted.incrementAndGet();
        }
        if (fault && r.fault() == Fault.RESPONSE_CODE) {
          ByteBuffer resp =
              ByteBuffer.allocate(HEADER).putShort((short) 0x8001).putInt(HEADER).putInt(r.rc());
          write(client, resp.array());
          continue;
        }
        if (up == null) {
          up = SocketChannel.open(UnixDomainSocketAddress.of(upstream));
        }
        write(up, command);
        byte[] response = readFrame(up);
        if (response == null) {
          return; // swtpm went away: the client sees the connection close
        }
        if (!fault) {
          write(client, response);
          continue;
        }
        switch (r.fault()) {
          case DROP_CLOSE -> {
            return;
          }
          case DROP_SILENT -> {
            // hold the connection open without answering until the client gives up
            while (client.read(ByteBuffer.allocate(1)) >= 0) {
              // discard
            }
            return;
          }
          case TRUNCATE -> {
            write(client, java.util.Arrays.copyOf(response, response.length / 2));
            return;
          }
          case CORRUPT_SIZE -> {
            byte[] bad = response.clone();
            ByteBuffer.wrap(bad).putInt(2, 0x7fff_fff0);
            write(client, bad);
          }
          case CORRUPT_BODY -> {
            byte[] bad = response.clone();
            bad[HEADER + (bad.length - HEADER) / 2] ^= 0x5a;
            write(client, bad);
          }
          case DELAY -> {
            Thread.sleep(r.delay().toMillis());
            write(client, response);
          }
          default -> throw new IllegalStateException(r.fault().toString());
        }
      }
    } catch (IOException | InterruptedException e) {
      // the client or swtpm went away; the client sees the connection close
    } finally {
      if (up != null) {
        try {
          up.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }
  }

  /** One TPM frame (command or response): 10-byte header with the total size at offset 2. */
  private static byte[] readFrame(SocketChannel ch) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    if (!readFully(ch, header)) {
      return null;
    }
    int size = header.getInt(2);
    if (size < HEADER || size > 1 << 16) {
      throw new IOException("bad TPM frame size " + size);
    }
    ByteBuffer frame = ByteBuffer.allocate(size).put(header.array());
    if (!readFully(ch, frame)) {
      return null;
    }
    return frame.array();
  }

  private static boolean readFully(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        return false;
      }
    }
    return true;
  }

  private static void write(SocketChannel ch, byte[] data) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(data);
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    TempDirs.deleteQuietly(dir);
  }
}
