package dev.tpmdevid.core.device;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * swtpm's TCP data channel ({@code swtpm socket --server type=tcp,port=P}) with raw TPM 2.0
 * framing.
 *
 * <p>One kept connection (swtpm serves one data client at a time, and a connection per command
 * would cost an accept per command). Each command goes out in a single {@code write} with
 * TCP_NODELAY: swtpm 0.7.1 treats the first ≥10 bytes it reads as a whole command, and Nagle +
 * delayed ACK would add ~40 ms per command (docs/tpm-access.md#swtpm-tcp). The control channel
 * (P+1) is never touched.
 */
final class SwtpmTcpTransport implements TpmTransport {

  private final String description;
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private IOException failure;

  private SwtpmTcpTransport(String description, Socket socket) throws IOException {
    this.description = description;
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static SwtpmTcpTransport connect(
      String host, int port, Duration connectTimeout, Duration responseTimeout) throws IOException {
    String description = "tcp://" + host + ":" + port;
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
      s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, responseTimeout.toMillis()));
      return new SwtpmTcpTransport(description, s);
    } catch (IOException e) {
      s.close();
      throw new IOException("cannot connect to TPM at " + description + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized byte[] transceive(byte[] command) throws IOException {
    if (failure != null) {
      // after a timeout or partial read the stream may be out of step: never pair a late response
      // with a
      // new command
      throw new IOException(
          "connection to TPM at "
              + description
              + " is unusable after an earlier failure ("
              + failure.getMessage()
              + ")");
    }
    try {
      out.write(command);
      out.flush();
      return readResponse(in, description);
    } catch (IOException e) {
      failure = e;
      socket.close();
      throw e;
    }
  }

  static byte[] readResponse(InputStream stream, String from) throws IOException {
    DataInputStream din = stream instanceof DataInputStream d ? d : new DataInputStream(stream);
    byte[] header = new byte[Frames.HEADER];
    try {
      din.readFully(header);
      int size = Frames.checkResponseHeader(header, from);
      byte[] response = new byte[size];
      System.arraycopy(header, 0, response, 0, Frames.HEADER);
      din.readFully(response, Frames.HEADER, size - Frames.HEADER);
      return response;
    } catch (SocketTimeoutException e) {
      throw new IOException(
          "no response from TPM at "
              + from
              + " within the response timeout "
              + "(another client holding swtpm's single data connection?)",
          e);
    } catch (java.io.EOFException e) {
      throw new IOException("TPM at " + from + " closed the connection", e);
    }
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
