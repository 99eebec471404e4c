package dev.tpmdevid.core.device;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import tss.Tpm;
import tss.tpm.GetCapabilityResponse;
import tss.tpm.TPML_HANDLE;
import tss.tpm.TPML_TAGGED_TPM_PROPERTY;
import tss.tpm.TPMS_TAGGED_PROPERTY;
import tss.tpm.TPM_CAP;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_PT;

/**
 * An open connection to one TPM 2.0, giving a TSS.Java {@link Tpm} ({@link #tpm()}).
 *
 * <p>Targets ({@link #open(String)}): a Linux character device ({@code /dev/tpmrm0}, {@code
 * /dev/tpm0}), a unix socket path (swtpm {@code --server type=unixio}), or {@code tcp://host:port}
 * (swtpm {@code --server type=tcp}; raw framing, one write per command, TCP_NODELAY). {@link
 * #autodetect()} picks the device as SPIRE does (docs/protocol.md#agent-config). Opening probes
 * {@code GetCapability(TPM_PROPERTIES, TPM_PT_MANUFACTURER)}.
 *
 * <p>Through this connection:
 *
 * <ul>
 *   <li>a failed command throws {@link TpmCommandException} with a readable message, and nothing is
 *       printed on stdout (TSS.Java's {@code TPM ERROR} print is never reached). TSS.Java's {@code
 *       _allowErrors()} and {@code _expectError(rc)} keep their meaning for the next command
 *       (returns / {@code _getLastResponseCode()} / TSS.Java's own exception), also silently;
 *   <li>TPM_RC_RETRY / YIELDED / TESTING are retried at most 10 times with 50→500 ms back-off;
 *   <li>transport failures throw {@link TpmDeviceException} naming the device (sockets have
 *       timeouts);
 *   <li>commands are counted ({@link #commandCount()}, {@link #commandCounts()}).
 * </ul>
 *
 * Use {@link #scope()} to flush every transient object and session on every path. Like TSS.Java's
 * {@code Tpm}, a connection is for one thread at a time.
 */
public final class TpmConnection implements AutoCloseable {

  /**
   * How long to wait for a response on socket transports (RSA key generation on slow TPMs takes
   * tens of s).
   */
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(120);

  /** How long to wait for a TCP connection. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private static final Path DEV = Path.of("/dev");
  private static final Pattern TPMRM = Pattern.compile("tpmrm\\d+$");
  private static final Pattern TPM = Pattern.compile("tpm\\d+$");
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;
  private static final int S_IFCHR = 0020000;

  private final TransportDevice device;
  private final Tpm tpm;
  private final String manufacturer;

  private TpmConnection(TransportDevice device) {
    this.device = device;
    this.tpm = new GuardedTpm(device);
    this.manufacturer = probe();
  }

  /** Opens a target with {@link #DEFAULT_RESPONSE_TIMEOUT}; see {@link #open(String, Duration)}. */
  public static TpmConnection open(String target) {
    return open(target, DEFAULT_RESPONSE_TIMEOUT);
  }

  /**
   * Opens {@code target}: {@code tcp://host:port}, a unix socket path or a character device path
   * (the file type decides), then probes TPM_PT_MANUFACTURER.
   *
   * @param responseTimeout how long a socket transport waits for one response (character devices
   *     rely on the kernel driver's timeouts)
   * @throws TpmDeviceException if the target does not exist, cannot be opened, or is not a TPM 2.0
   */
  public static TpmConnection open(String target, Duration responseTimeout) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(responseTimeout, "responseTimeout");
    if (target.isBlank()) {
      throw new IllegalArgumentException("empty TPM device path; use TpmConnection.autodetect()");
    }
    TpmTransport transport;
    try {
      transport =
          target.startsWith("tcp://")
              ? openTcp(target, responseTimeout)
              : openPath(Path.of(target), responseTimeout);
    } catch (IOException e) {
      throw new TpmDeviceException(e.getMessage(), e);
    }
    return over(transport);
  }

  /**
   * Finds the TPM as SPIRE's agent does when {@code tpm_device_path} is empty
   * (docs/protocol.md#agent-config): list {@code /dev}; exactly one name matching {@code tpmrm\d+$}
   * wins; if there is none, exactly one matching {@code tpm\d+$}.
   *
   * @throws TpmDeviceException "more than one possible TPM device was found" / "no TPM device was
   *     found in /dev"
   */
  public static TpmConnection autodetect() {
    return open(detectDevice(DEV).toString());
  }

  /**
   * The device {@link #autodetect()} would open, searching {@code dir}; package-private for tests.
   */
  static Path detectDevice(Path dir) {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        names.add(p.getFileName().toString());
      }
    } catch (IOException e) {
      throw new TpmDeviceException(
          "tpm autodetection failed: cannot list " + dir + ": " + e.getMessage(), e);
    }
    Collections.sort(names);
    for (Pattern pattern : List.of(TPMRM, TPM)) {
      List<String> matches = names.stream().filter(n -> pattern.matcher(n).find()).toList();
      if (matches.size() > 1) {
        throw new TpmDeviceException(
            "tpm autodetection failed: more than one possible TPM device was found: "
                + String.join(", ", matches));
      }
      if (matches.size() == 1) {
        return dir.resolve(matches.get(0));
      }
    }
    throw new TpmDeviceException(
        "tpm autodetection failed: not found (no tpmrm* or tpm* device in " + dir + ")");
  }

  /**
   * Wraps any transport (e.g. a scripted one in tests) and probes it like {@link #open}. The
   * connection owns the transport and closes it.
   */
  public static TpmConnection over(TpmTransport transport) {
    return over(transport, Thread::sleep);
  }

  static TpmConnection over(TpmTransport transport, TransportDevice.Sleeper sleeper) {
    TransportDevice device = new TransportDevice(transport, sleeper);
    try {
      return new TpmConnection(device);
    } catch (RuntimeException e) {
      device.close();
      throw e;
    }
  }

  private static TpmTransport openTcp(String target, Duration responseTimeout) throws IOException {
    URI uri;
    try {
      uri = new URI(target);
    } catch (URISyntaxException e) {
      throw new IOException("invalid TPM address " + target + ": " + e.getReason(), e);
    }
    if (uri.getHost() == null
        || uri.getPort() < 0
        || (uri.getPath() != null && !uri.getPath().isEmpty())) {
      throw new IOException("invalid TPM address " + target + ": expected tcp://host:port");
    }
    return SwtpmTcpTransport.connect(
        uri.getHost(), uri.getPort(), CONNECT_TIMEOUT, responseTimeout);
  }

  private static TpmTransport openPath(Path path, Duration responseTimeout) throws IOException {
    int mode;
    try {
      mode = (Integer) Files.getAttribute(path, "unix:mode");
    } catch (NoSuchFileException e) {
      throw new IOException("TPM device " + path + " does not exist", e);
    } catch (UnsupportedOperationException e) {
      throw new IOException("cannot tell the file type of " + path + " on this platform", e);
    }
    return switch (mode & S_IFMT) {
      case S_IFSOCK -> UnixSocketTransport.perCommand(path, responseTimeout);
      case S_IFCHR -> CharDeviceTransport.open(path);
      default ->
          throw new IOException(
              "TPM device " + path + " is neither a character device nor a unix socket");
    };
  }

  private String probe() {
    try {
      GetCapabilityResponse r =
          tpm.GetCapability(TPM_CAP.TPM_PROPERTIES, TPM_PT.MANUFACTURER.toInt(), 1);
      if (r.capabilityData instanceof TPML_TAGGED_TPM_PROPERTY props) {
        for (TPMS_TAGGED_PROPERTY p : props.tpmProperty) {
          if (p.property.toInt() == TPM_PT.MANUFACTURER.toInt()) {
            return manufacturerString(p.value);
          }
        }
      }
      throw new TpmDeviceException(
          device.description() + ": device is not a TPM 2.0 (no TPM_PT_MANUFACTURER)");
    } catch (TpmCommandException e) {
      throw new TpmDeviceException(
          device.description() + ": device is not a TPM 2.0 (" + e.getMessage() + ")", e);
    } catch (TpmDeviceException e) {
      throw new TpmDeviceException(
          device.description() + ": device is not a TPM 2.0 (" + e.getMessage() + ")", e);
    } catch (RuntimeException e) {
      throw new TpmDeviceException(
          device.description() + ": device is not a TPM 2.0 (" + e + ")", e);
    }
  }

  private static String manufacturerString(int v) {
    byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    StringBuilder sb = new StringBuilder();
    for (byte c : b) {
      if (c >= 0x20 && c < 0x7F) {
        sb.append((char) c);
      }
    }
    return sb.toString().strip();
  }

  /**
   * The TSS.Java TPM, for issuing commands. Do not call its {@code _setDevice} or {@code close}.
   */
  public Tpm tpm() {
    return tpm;
  }

  /**
   * Sends a command marshalled by the caller (e.g. {@code dev.tpmdevid.core.tpm.TpmCommands})
   * through the same path as TSS.Java's commands: counted, TPM_RC_RETRY handled, a failure thrown
   * as {@link TpmCommandException}.
   *
   * @return the successful response frame
   */
  public byte[] transact(byte[] command) {
    return device.execute(command);
  }

  /** The device or address this connection talks to. */
  public String description() {
    return device.description();
  }

  /** TPM_PT_MANUFACTURER as text, e.g. {@code IBM} for swtpm/libtpms. */
  public String manufacturer() {
    return manufacturer;
  }

  /** A new scope whose registered transient objects and sessions are flushed when it closes. */
  public HandleScope scope() {
    return new HandleScope(this);
  }

  /**
   * Number of TPM commands sent since opening (or the last {@link #resetCommandCounts()}), retries
   * excluded.
   */
  public long commandCount() {
    return device.totalCommands();
  }

  /** Commands sent per command name (e.g. {@code Sign → 1}), sorted by name; retries excluded. */
  public Map<String, Long> commandCounts() {
    return device.commandCounts();
  }

  /** How many times a command was re-sent after TPM_RC_RETRY / YIELDED / TESTING. */
  public long retryCount() {
    return device.retries();
  }

  /** Sets the command counters to zero, e.g. after the open probe, to count one attestation. */
  public void resetCommandCounts() {
    device.resetCounts();
  }

  /**
   * Transient object handles currently loaded in the TPM ({@code GetCapability(HANDLES,
   * 0x80000000)}).
   */
  public List<Integer> transientHandles() {
    return handles(0x80000000, 0x80, 0x80);
  }

  /**
   * Handles of all sessions the TPM holds: loaded ({@code GetCapability(HANDLES, 0x02000000)}) and
   * saved ({@code 0x03000000}). HMAC session handles start with 0x02, policy session handles with
   * 0x03.
   */
  public List<Integer> sessionHandles() {
    Set<Integer> all = new TreeSet<>(handles(0x02000000, 0x02, 0x03));
    all.addAll(handles(0x03000000, 0x02, 0x03));
    return List.copyOf(all);
  }

  private List<Integer> handles(int first, int minType, int maxType) {
    List<Integer> out = new ArrayList<>();
    int next = first;
    while (true) {
      GetCapabilityResponse r = tpm.GetCapability(TPM_CAP.HANDLES, next, 64);
      TPM_HANDLE[] hs = ((TPML_HANDLE) r.capabilityData).handle;
      for (TPM_HANDLE h : hs) {
        int type = h.handle >>> 24;
        if (type < minType || type > maxType) {
          return out;
        }
        out.add(h.handle);
      }
      if (r.moreData == 0 || hs.length == 0) {
        return out;
      }
      next = hs[hs.length - 1].handle + 1;
    }
  }

  /** Closes the transport. Does not flush anything; close scopes first. */
  @Override
  public void close() {
    device.close();
  }

  @Override
  public String toString() {
    return "TpmConnection[" + device.description() + ", " + manufacturer + "]";
  }
}
