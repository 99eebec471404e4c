package dev.tpmdevid.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A unix-socket relay in front of swtpm's command socket that counts TPM commands: each command is
 * a 10-byte header (tag, size, code) and its body, answered by one response of the same framing.
 * Handles any number of connections (SPIRE's Go agent reconnects per command; ours keeps one).
 * Bytes are relayed unchanged and never logged.
 */
final class CountingTpmProxy implements AutoCloseable {
  private final ServerSocketChannel server;
  private final Path upstream;
  private final AtomicLong commands = new AtomicLong();
  private final Thread acceptor;

  CountingTpmProxy(Path listen, Path upstream) throws IOException {
    this.upstream = upstream;
    Files.deleteIfExists(listen);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(listen));
    acceptor = new Thread(this::accept, "tpm-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  long commands() {
    return commands.get();
  }

  private void accept() {
    while (server.isOpen()) {
      try {
        SocketChannel client = server.accept();
        Thread t = new Thread(() -> relay(client), "tpm-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void relay(SocketChannel client) {
    try (client;
        SocketChannel tpm = SocketChannel.open(UnixDomainSocketAddress.of(upstream))) {
      while (true) {
        ByteBuffer cmd = frame(client);
        if (cmd == null) {
          return;
        }
        commands.incrementAndGet();
        write(tpm, cmd);
        ByteBuffer rsp = frame(tpm);
        if (rsp == null) {
          return;
        }
        write(client, rsp);
      }
    } catch (IOException e) {
      // connection closed by either side
    }
  }

  /** One TPM frame, or null at end of stream before its first byte. */
  private static ByteBuffer frame(SocketChannel ch) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(10);
    if (!fill(ch, head, true)) {
      return null;
    }
    int size = head.getInt(2);
    if (size < 10 || size > 1 << 20) {
      throw new IOException("bad TPM frame size");
    }
    ByteBuffer all = ByteBuffer.allocate(size);
    head.flip();
    all.put(head);
    fill(ch, all, false);
    all.flip();
    return all;
  }

  private static boolean fill(SocketChannel ch, ByteBuffer b, boolean eofOk) throws IOException {
    boolean first = true;
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        if (eofOk && first && b.position() == 0) {
          return false;
        }
        throw new IOException("short TPM frame");
      }
      first = false;
    }
    return true;
  }

  private static void write(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
