package dev.tpmdevid.core.tpm;

import java.util.Arrays;

/**
 * Bounded big-endian reader over an untrusted byte array (TPM 2.0 Part 1 §8 canonical marshalling).
 * Every read checks the remaining length first, so nothing is allocated from an unchecked length,
 * and every failure is a {@link TpmFormatException} naming the field and offset.
 */
final class TpmReader {
  private final byte[] buf;
  private int pos;

  TpmReader(byte[] buf) {
    this.buf = buf;
    this.pos = 0;
  }

  int offset() {
    return pos;
  }

  int remaining() {
    return buf.length - pos;
  }

  private void need(int n, String field) throws TpmFormatException {
    if (n > remaining()) {
      throw TpmFormatException.at(
          field, "needs " + n + " bytes but only " + remaining() + " remain", pos);
    }
  }

  int u8(String field) throws TpmFormatException {
    need(1, field);
    return buf[pos++] & 0xFF;
  }

  int u16(String field) throws TpmFormatException {
    need(2, field);
    int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
    pos += 2;
    return v;
  }

  long u32(String field) throws TpmFormatException {
    need(4, field);
    long v = 0;
    for (int i = 0; i < 4; i++) {
      v = (v << 8) | (buf[pos + i] & 0xFF);
    }
    pos += 4;
    return v;
  }

  long u64(String field) throws TpmFormatException {
    need(8, field);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (buf[pos + i] & 0xFF);
    }
    pos += 8;
    return v;
  }

  byte[] bytes(int n, String field) throws TpmFormatException {
    need(n, field);
    byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return out;
  }

  /**
   * Reads a TPM2B: {@code u16 size || size bytes}; {@code size} must not exceed {@code maxSize}
   * (the TPM's buffer size for that type) nor the remaining input.
   */
  byte[] tpm2b(String field, int maxSize) throws TpmFormatException {
    int start = pos;
    int size = u16(field + ".size");
    if (size > maxSize) {
      throw TpmFormatException.at(field, "length " + size + " exceeds maximum " + maxSize, start);
    }
    if (size > remaining()) {
      throw TpmFormatException.at(
          field, "length " + size + " exceeds remaining " + remaining() + " bytes", start);
    }
    return bytes(size, field);
  }

  /** Fails unless the whole input was consumed. */
  void expectEnd(String structure) throws TpmFormatException {
    if (remaining() != 0) {
      throw TpmFormatException.at(structure, remaining() + " trailing bytes", pos);
    }
  }
}
