package dev.tpmdevid.core.device;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * swtpm's unix-socket data channel ({@code swtpm socket --server type=unixio,path=…}), raw TPM 2.0
 * framing.
 *
 * <p><b>One connection per command</b> (connect, write the command in one write, read the response,
 * close), as SPIRE's agent does for a socket {@code tpm_device_path}
 * (docs/protocol.md#agent-config). Why: swtpm serves a single data client at a time, so a kept
 * connection would lock out every other client (tpm2-tools, a second plugin instance, a
 * provisioning step) for the life of ours; with a connection per command they interleave between
 * our commands, exactly as with the Go agent. TPM state (loaded objects, sessions) does not depend
 * on the connection, and a unix-socket connect costs only tens of microseconds. {@link #kept} gives
 * the other behaviour for comparison.
 *
 * <p>Reads use a selector so a silent peer fails after the response timeout instead of hanging.
 */
final class UnixSocketTransport implements TpmTransport {

  private final Path path;
  private final boolean keepConnection;
  private final Duration responseTimeout;
  private SocketChannel kept;

  private UnixSocketTransport(Path path, boolean keepConnection, Duration responseTimeout) {
    this.path = path;
    this.keepConnection = keepConnection;
    this.responseTimeout = responseTimeout;
  }

  /**
   * Connection per command (the default, SPIRE's behaviour). Checks once that the socket accepts
   * connections.
   */
  static UnixSocketTransport perCommand(Path path, Duration responseTimeout) throws IOException {
    UnixSocketTransport t = new UnixSocketTransport(path, false, responseTimeout);
    t.open().close();
    return t;
  }

  /** One connection kept for the life of the transport. */
  static UnixSocketTransport kept(Path path, Duration responseTimeout) throws IOException {
    UnixSocketTransport t = new UnixSocketTransport(path, true, responseTimeout);
    t.kept = t.open();
    return t;
  }

  private SocketChannel open() throws IOException {
    try {
      return SocketChannel.open(UnixDomainSocketAddress.of(path));
    } catch (IOException e) {
      throw new IOException("cannot connect to TPM unix socket " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized byte[] transceive(byte[] command) throws IOException {
    if (keepConnection) {
      if (kept == null) {
        throw new IOException("TPM unix socket " + path + " is closed");
      }
      try {
        return exchange(kept, command);
      } catch (IOException e) {
        kept.close(); // the stream may be out of step; do not pair a late response with a new
        // command
        kept = null;
        throw e;
      }
    }
    try (SocketChannel ch = open()) {
      return exchange(ch, command);
    }
  }

  private byte[] exchange(SocketChannel ch, byte[] command) throws IOException {
    ch.configureBlocking(true);
    ByteBuffer out = ByteBuffer.wrap(command);
    while (out.hasRemaining()) {
      ch.write(out); // a blocking unix stream socket takes a ≤4 KiB command in one write
    }
    ch.configureBlocking(false);
    try (Selector selector = Selector.open()) {
      ch.register(selector, SelectionKey.OP_READ);
      long deadline = System.nanoTime() + responseTimeout.toNanos();
      ByteBuffer header = ByteBuffer.allocate(Frames.HEADER);
      readFully(ch, selector, header, deadline);
      int size = Frames.checkResponseHeader(header.array(), path.toString());
      ByteBuffer response = ByteBuffer.allocate(size);
      response.put(header.array());
      readFully(ch, selector, response, deadline);
      return response.array();
    } // closing the selector deregisters the channel, so a kept one can go back to blocking mode
  }

  private void readFully(SocketChannel ch, Selector selector, ByteBuffer buf, long deadline)
      throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf);
      if (n < 0) {
        throw new IOException("TPM unix socket " + path + " closed the connection mid-response");
      }
      if (n == 0) {
        long waitMs = (deadline - System.nanoTime()) / 1_000_000;
        if (waitMs <= 0) {
          throw new IOException(
              "no response from TPM unix socket "
                  + path
                  + " within "
                  + responseTimeout.toMillis()
                  + " ms (another client holding swtpm's single data "
                  + "connection?)");
        }
        selector.select(waitMs);
        selector.selectedKeys().clear();
      }
    }
  }

  @Override
  public String description() {
    return path.toString();
  }

  @Override
  public synchronized void close() throws IOException {
    if (kept != null) {
      kept.close();
      kept = null;
    }
  }
}
