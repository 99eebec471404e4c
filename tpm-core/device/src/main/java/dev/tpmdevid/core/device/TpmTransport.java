package dev.tpmdevid.core.device;

import java.io.Closeable;
import java.io.IOException;

/**
 * Moves one raw TPM 2.0 command to a TPM and its raw response back (TPM 2.0 Part 3 framing: {@code
 * tag(2) ‖ size(4) ‖ code(4) ‖ …}). No retries, no interpretation: {@link TpmConnection} does that.
 *
 * <p>Implementations: character devices ({@code /dev/tpmrm0}), swtpm over TCP (raw framing) and
 * swtpm over a unix socket. Tests may supply their own, e.g. to script responses.
 */
public interface TpmTransport extends Closeable {

  /**
   * Sends {@code command} (complete, in one write) and returns the complete response.
   *
   * @throws IOException on any I/O failure or timeout; the transport should then be considered
   *     broken
   */
  byte[] transceive(byte[] command) throws IOException;

  /**
   * Human-readable target, e.g. {@code tcp://127.0.0.1:2321} or {@code /dev/tpmrm0}; used in error
   * messages.
   */
  String description();
}
