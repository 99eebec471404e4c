package dev.tpmdevid.testbed.host;

import dev.tpmdevid.core.device.CommandCodes;
import dev.tpmdevid.core.device.ResponseCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP relay in front of swtpm's command port that records every TPM command passing
 * through it: the command name, the response code and how long the TPM took. A plugin process is
 * pointed at {@link #devicePath()} instead of swtpm's own port, so its TPM traffic can be shown
 * without any change to the plugin. Frames are forwarded byte for byte (raw TPM 2.0 framing: a
 * 10-byte header whose bytes 2-5 are the total size).
 */
public final class TpmWiretap implements AutoCloseable {

  /** One command and its response. {@code connection} numbers the TPM connections from 1. */
  public record Command(
      int connection,
      String name,
      int rawResponseCode,
      String responseCode,
      Instant sentAt,
      Duration took,
      int commandBytes,
      int responseBytes) {
    public boolean succeeded() {
      return rawResponseCode == 0;
    }
  }

  private static final int HEADER = 10;
  private static final int MAX_FRAME = 64 * 1024;

  private final ServerSocket listener;
  private final int targetPort;
  private final List<Command> commands = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean closed;

  private TpmWiretap(ServerSocket listener, int targetPort) {
    this.listener = listener;
    this.targetPort = targetPort;
  }

  /** Listens on a free loopback port and relays to swtpm's command port {@code targetPort}. */
  public static TpmWiretap start(int targetPort) throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    TpmWiretap t = new TpmWiretap(s, targetPort);
    Thread acceptor = new Thread(t::acceptLoop, "tpm-wiretap-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return t;
  }

  /** The {@code tpm_device_path} that reaches the TPM through this relay. */
  public String devicePath() {
    return "tcp://127.0.0.1:" + listener.getLocalPort();
  }

  /** The commands recorded so far, in order. */
  public synchronized List<Command> commands() {
    return List.copyOf(commands);
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      int n = connections.incrementAndGet();
      Thread relay = new Thread(() -> relay(client, n), "tpm-wiretap-" + n);
      relay.setDaemon(true);
      relay.start();
    }
  }

  private void relay(Socket client, int connection) {
    try (client;
        Socket tpm = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
      synchronized (this) {
        sockets.add(client);
        sockets.add(tpm);
      }
      client.setTcpNoDelay(true);
      tpm.setTcpNoDelay(true);
      InputStream fromClient = client.getInputStream();
      OutputStream toClient = client.getOutputStream();
      InputStream fromTpm = tpm.getInputStream();
      OutputStream toTpm = tpm.getOutputStream();
      while (!closed) {
        byte[] command = readFrame(fromClient);
        if (command == null) {
          return;
        }
        Instant sent = Instant.now();
        long start = System.nanoTime();
        toTpm.write(command);
        toTpm.flush();
        byte[] response = readFrame(fromTpm);
        if (response == null) {
          return;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        int rc = u32(response, 6);
        synchronized (this) {
          commands.add(
              new Command(
                  connection,
                  CommandCodes.name(u32(command, 6)),
                  rc,
                  rc == 0 ? "TPM_RC_SUCCESS" : ResponseCode.decode(rc).toString(),
                  sent,
                  took,
                  command.length,
                  response.length));
        }
        toClient.write(response);
        toClient.flush();
      }
    } catch (IOException e) {
      // a side closed the connection: nothing more to relay
    }
  }

  /** One frame, or {@code null} at end of stream. */
  private static byte[] readFrame(InputStream in) throws IOException {
    byte[] header = in.readNBytes(HEADER);
    if (header.length < HEADER) {
      return null;
    }
    int size = u32(header, 2);
    if (size < HEADER || size > MAX_FRAME) {
      throw new IOException("bad TPM frame size " + size);
    }
    byte[] frame = new byte[size];
    System.arraycopy(header, 0, frame, 0, HEADER);
    int got = in.readNBytes(frame, HEADER, size - HEADER);
    return got == size - HEADER ? frame : null;
  }

  private static int u32(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24)
        | ((b[off + 1] & 0xFF) << 16)
        | ((b[off + 2] & 0xFF) << 8)
        | (b[off + 3] & 0xFF);
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException e) {
      // already closed
    }
    synchronized (this) {
      for (Socket s : sockets) {
        try {
          s.close();
        } catch (IOException e) {
          // already closed
        }
      }
    }
  }
}
