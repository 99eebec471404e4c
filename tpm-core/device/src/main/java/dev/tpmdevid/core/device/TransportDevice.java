package dev.tpmdevid.core.device;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import tss.TpmDevice;

/**
 * Adapts a {@link TpmTransport} to TSS.Java's {@link TpmDevice}, and is where every command passes
 * through:
 *
 * <ul>
 *   <li>TPM_RC_RETRY, TPM_RC_YIELDED and TPM_RC_TESTING are retried here with bounded back-off (at
 *       most {@link #MAX_TRIES} sends, 50 ms doubling to 500 ms), so TSS.Java's own unbounded RETRY
 *       loop never runs;
 *   <li>any other non-success response becomes a {@link TpmCommandException} thrown from {@link
 *       #getResponse()}, before TSS.Java looks at it, so TSS.Java never prints {@code TPM ERROR: …}
 *       to stdout;
 *   <li>I/O failures become {@link TpmDeviceException};
 *   <li>commands are counted (once each, however often retried).
 * </ul>
 *
 * When {@link GuardedTpm} saw {@code _allowErrors()} / {@code _expectError()} for the next command,
 * that command's error response (a header with its response code) is handed to TSS.Java instead,
 * which then handles it silently.
 */
final class TransportDevice extends TpmDevice {

  static final int MAX_TRIES = 10;
  static final long FIRST_BACKOFF_MS = 50;
  static final long MAX_BACKOFF_MS = 500;

  /** Sleeps between retries; replaceable in tests. */
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private final TpmTransport transport;
  private final Sleeper sleeper;
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final Map<Integer, Long> perCommand = new TreeMap<>();
  private byte[] pending;
  private boolean passErrorsOnce;
  private boolean passErrorsForPending;
  private boolean closed;

  TransportDevice(TpmTransport transport, Sleeper sleeper) {
    this.transport = transport;
    this.sleeper = sleeper;
  }

  @Override
  public boolean connect() {
    return true; // the transport is connected when constructed
  }

  @Override
  public synchronized void dispatchCommand(byte[] command) {
    if (closed) {
      throw new TpmDeviceException("TPM connection to " + transport.description() + " is closed");
    }
    pending = command.clone();
    passErrorsForPending = passErrorsOnce;
    passErrorsOnce = false;
  }

  /**
   * The next dispatched command's error response goes to TSS.Java instead of being thrown (see
   * GuardedTpm).
   */
  synchronized void passErrorsToTssOnce() {
    passErrorsOnce = true;
  }

  @Override
  public synchronized byte[] getResponse() {
    byte[] command = pending;
    pending = null;
    if (command == null) {
      throw new IllegalStateException("getResponse without dispatchCommand");
    }
    boolean passErrors = passErrorsForPending;
    passErrorsForPending = false;
    try {
      return execute(command);
    } catch (TpmCommandException e) {
      // never hand a retryable code to TSS.Java: it would resend it forever
      if (passErrors && !e.responseCode().isRetryable()) {
        return errorResponse(e.rc());
      }
      throw e;
    }
  }

  /**
   * Sends one command (with RETRY handling) and returns the successful response; throws otherwise.
   */
  synchronized byte[] execute(byte[] command) {
    Frames.checkCommand(command);
    int cc = Frames.commandCode(command);
    total.incrementAndGet();
    perCommand.merge(cc, 1L, Long::sum);
    long backoff = FIRST_BACKOFF_MS;
    for (int attempt = 1; ; attempt++) {
      byte[] response;
      try {
        response = transport.transceive(command);
      } catch (IOException e) {
        throw new TpmDeviceException(CommandCodes.name(cc) + " failed: " + e.getMessage(), e);
      }
      ResponseCode rc = ResponseCode.decode(Frames.responseCode(response));
      if (rc.isSuccess()) {
        return response;
      }
      if (!rc.isRetryable() || attempt >= MAX_TRIES) {
        throw TpmErrors.exception(command, rc);
      }
      retries.incrementAndGet();
      try {
        sleeper.sleep(backoff);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TpmDeviceException("interrupted while retrying " + CommandCodes.name(cc), e);
      }
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }

  private static byte[] errorResponse(int rc) {
    byte[] r = new byte[Frames.HEADER];
    r[0] = (byte) 0x80;
    r[1] = 0x01;
    Frames.putU32(r, 2, Frames.HEADER);
    Frames.putU32(r, 6, rc);
    return r;
  }

  @Override
  public synchronized boolean responseReady() {
    return pending != null;
  }

  long totalCommands() {
    return total.get();
  }

  long retries() {
    return retries.get();
  }

  synchronized Map<String, Long> commandCounts() {
    Map<String, Long> named = new TreeMap<>();
    perCommand.forEach((cc, n) -> named.merge(CommandCodes.name(cc), n, Long::sum));
    return named;
  }

  synchronized void resetCounts() {
    total.set(0);
    retries.set(0);
    perCommand.clear();
  }

  String description() {
    return transport.description();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      transport.close();
    } catch (IOException e) {
      // nothing useful to do; the transport is gone either way
    }
  }
}
