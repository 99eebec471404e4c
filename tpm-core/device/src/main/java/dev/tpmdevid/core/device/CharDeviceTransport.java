package dev.tpmdevid.core.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A Linux TPM character device ({@code /dev/tpmrm0} through the kernel resource manager, or {@code
 * /dev/tpm0}), opened read/write for the life of the transport. The kernel driver takes one whole
 * command per {@code write} and hands back one whole response per {@code read}; reads block until
 * the TPM answers (the driver applies the TPM's own command timeouts).
 */
final class CharDeviceTransport implements TpmTransport {

  private final Path path;
  private final FileChannel channel;
  private final ByteBuffer buffer = ByteBuffer.allocate(Frames.MAX_RESPONSE);

  private CharDeviceTransport(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  static CharDeviceTransport open(Path path) throws IOException {
    try {
      return new CharDeviceTransport(
          path, FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE));
    } catch (java.nio.file.AccessDeniedException e) {
      throw new IOException(
          "cannot open TPM device "
              + path
              + ": permission denied (is the user in group "
              + "'tss'?)",
          e);
    } catch (IOException e) {
      throw new IOException("cannot open TPM device " + path + ": " + e, e);
    }
  }

  @Override
  public synchronized byte[] transceive(byte[] command) throws IOException {
    ByteBuffer out = ByteBuffer.wrap(command);
    int written = channel.write(out);
    if (written != command.length) {
      throw new IOException(
          "TPM device " + path + " took " + written + " of " + command.length + " command bytes");
    }
    buffer.clear();
    int n = channel.read(buffer);
    while (n >= 0 && buffer.position() < Frames.HEADER) {
      n = channel.read(buffer);
    }
    if (buffer.position() < Frames.HEADER) {
      throw new IOException("TPM device " + path + " returned no response");
    }
    int size = Frames.checkResponseHeader(buffer.array(), path.toString());
    while (buffer.position() < size) {
      if (channel.read(buffer) < 0) {
        throw new IOException("TPM device " + path + " returned a truncated response");
      }
    }
    byte[] response = new byte[size];
    System.arraycopy(buffer.array(), 0, response, 0, size);
    return response;
  }

  @Override
  public String description() {
    return path.toString();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
