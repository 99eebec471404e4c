package dev.tpmdevid.core.tpm;

import java.io.ByteArrayOutputStream;

/** Big-endian writer for TPM 2.0 canonical marshalling (the inverse of {@link TpmReader}). */
final class TpmWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(128);

  TpmWriter u8(int v) {
    out.write(v & 0xFF);
    return this;
  }

  TpmWriter u16(int v) {
    out.write((v >>> 8) & 0xFF);
    out.write(v & 0xFF);
    return this;
  }

  TpmWriter u32(long v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift) & 0xFF);
    }
    return this;
  }

  TpmWriter u64(long v) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (v >>> shift) & 0xFF);
    }
    return this;
  }

  TpmWriter bytes(byte[] b) {
    out.write(b, 0, b.length);
    return this;
  }

  /** {@code u16 length || bytes}; callers guarantee {@code b.length <= 0xFFFF}. */
  TpmWriter tpm2b(byte[] b) {
    if (b.length > 0xFFFF) {
      throw new IllegalStateException("TPM2B longer than 65535 bytes");
    }
    u16(b.length);
    return bytes(b);
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }
}
