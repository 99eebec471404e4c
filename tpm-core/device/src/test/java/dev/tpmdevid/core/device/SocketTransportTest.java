package dev.tpmdevid.core.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket transports against tiny in-process servers that play a TPM (no swtpm needed). */
class SocketTransportTest {

  /** Reads one command (header + body) from a stream, or returns null on EOF. */
  private static byte[] readCommand(InputStream in) throws IOException {
    DataInputStream d = new DataInputStream(in);
    byte[] header = new byte[Frames.HEADER];
    try {
      d.readFully(header);
    } catch (java.io.EOFException e) {
      return null;
    }
    byte[] cmd = new byte[Frames.u32(header, 2)];
    System.arraycopy(header, 0, cmd, 0, Frames.HEADER);
    d.readFully(cmd, Frames.HEADER, cmd.length - Frames.HEADER);
    return cmd;
  }

  @Test
  void tcpStreamIsUnusableAfterATimeout() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  readCommand(s.getInputStream()); // probe
                  s.getOutputStream().write(ScriptedTransport.manufacturerResponse());
                  readCommand(s.getInputStream()); // never answered
                  Thread.sleep(3000);
                } catch (IOException | InterruptedException e) {
                  // test over
                }
              });
      t.setDaemon(true);
      t.start();
      String address = "tcp://127.0.0.1:" + server.getLocalPort();
      try (TpmConnection c = TpmConnection.open(address, Duration.ofMillis(300))) {
        assertThatThrownBy(() -> c.tpm().GetRandom(8))
            .isInstanceOf(TpmDeviceException.class)
            .hasMessageContaining("no response from TPM at " + address);
        assertThatThrownBy(() -> c.tpm().GetRandom(8))
            .isInstanceOf(TpmDeviceException.class)
            .hasMessageContaining("unusable after an earlier failure");
      }
    }
  }

  @Test
  void unixSocketUsesOneConnectionPerCommand(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("tpm.sock");
    AtomicInteger connections = new AtomicInteger();
    AtomicInteger commands = new AtomicInteger();
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      Thread t =
          new Thread(
              () -> {
                try {
                  while (true) {
                    try (SocketChannel ch = server.accept()) {
                      connections.incrementAndGet();
                      InputStream in = Channels.newInputStream(ch);
                      byte[] cmd;
                      while ((cmd = readCommand(in)) != null) {
                        commands.incrementAndGet();
                        byte[] resp =
                            Frames.commandCode(cmd) == CommandCodes.GET_CAPABILITY
                                ? ScriptedTransport.manufacturerResponse()
                                : ScriptedTransport.randomResponse(new byte[] {1, 2});
                        ch.write(ByteBuffer.wrap(resp));
                      }
                    }
                  }
                } catch (IOException e) {
                  // server closed
                }
              });
      t.setDaemon(true);
      t.start();
      try (TpmConnection c = TpmConnection.open(path.toString())) {
        assertThat(c.manufacturer()).isEqualTo("IBM");
        for (int i = 0; i < 3; i++) {
          assertThat(c.tpm().GetRandom(2)).containsExactly(1, 2);
        }
      }
      // open() checks once that the socket accepts, then probe + 3 commands, each on its own
      // connection
      assertThat(commands.get()).isEqualTo(4);
      assertThat(connections.get()).isEqualTo(5);
    }
  }

  @Test
  void silentUnixPeerTimesOut(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("tpm.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(path));
      assertThatThrownBy(() -> TpmConnection.open(path.toString(), Duration.ofMillis(300)))
          .isInstanceOf(TpmDeviceException.class)
          .hasMessageContaining("no response from TPM unix socket " + path + " within 300 ms");
    }
  }
}
