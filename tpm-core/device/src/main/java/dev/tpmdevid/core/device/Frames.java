package dev.tpmdevid.core.device;

import java.io.IOException;

/** TPM 2.0 command/response header helpers (Part 1 §18: {@code tag u16 ‖ size u32 ‖ code u32}). */
final class Frames {

  /** Size of the common header of commands and responses. */
  static final int HEADER = 10;

  /** Upper bound on what we accept as a response size; real TPMs use 4 KiB, swtpm 4 KiB. */
  static final int MAX_RESPONSE = 64 * 1024;

  static final int TAG_NO_SESSIONS = 0x8001;
  static final int TAG_SESSIONS = 0x8002;

  private Frames() {}

  static int u16(byte[] b, int off) {
    return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
  }

  static int u32(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24)
        | ((b[off + 1] & 0xFF) << 16)
        | ((b[off + 2] & 0xFF) << 8)
        | (b[off + 3] & 0xFF);
  }

  static void putU32(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  /** The command code of a raw command, or -1 if it is too short. */
  static int commandCode(byte[] command) {
    return command.length >= HEADER ? u32(command, 6) : -1;
  }

  /** The response code of a raw response. */
  static int responseCode(byte[] response) {
    return u32(response, 6);
  }

  /**
   * Checks a response header and returns the total size it announces.
   *
   * @throws IOException if the tag or size cannot belong to a TPM 2.0 response
   */
  static int checkResponseHeader(byte[] header, String from) throws IOException {
    int tag = u16(header, 0);
    int size = u32(header, 2);
    if (tag != TAG_NO_SESSIONS
        && tag != TAG_SESSIONS
        && tag != 0x00C4) { // 0x00C4: TPM 1.2 RSP_COMMAND
      throw new IOException(
          String.format("%s sent a response with unknown tag 0x%04X; not a TPM 2.0?", from, tag));
    }
    if (size < HEADER || size > MAX_RESPONSE) {
      throw new IOException(
          String.format("%s sent a response with impossible size %d", from, size & 0xFFFFFFFFL));
    }
    return size;
  }

  /** Checks that a command is at least a header and that its size field matches its length. */
  static void checkCommand(byte[] command) {
    if (command.length < HEADER || u32(command, 2) != command.length) {
      throw new IllegalArgumentException("malformed TPM command: " + command.length + " bytes");
    }
  }
}
