package dev.tpmdevid.core.tpm;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;

/** Strict DER codec for ECDSA-Sig-Value {@code SEQUENCE { r INTEGER, s INTEGER }} (RFC 3279). */
final class EcdsaDer {
  private EcdsaDer() {}

  static byte[] encode(BigInteger r, BigInteger s) {
    byte[] ri = r.toByteArray();
    byte[] si = s.toByteArray();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    writeTlv(body, 0x02, ri);
    writeTlv(body, 0x02, si);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeTlv(out, 0x30, body.toByteArray());
    return out.toByteArray();
  }

  private static void writeTlv(ByteArrayOutputStream out, int tag, byte[] value) {
    out.write(tag);
    int len = value.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len);
    }
    out.write(value, 0, value.length);
  }

  /** Decodes strictly: minimal lengths and integers, positive values, no trailing bytes. */
  static BigInteger[] decode(byte[] der) throws TpmFormatException {
    int[] pos = {0};
    int seqLen = readHeader(der, pos, 0x30, "SEQUENCE");
    if (seqLen != der.length - pos[0]) {
      throw new TpmFormatException("ECDSA DER: SEQUENCE length does not match the input");
    }
    BigInteger r = readInteger(der, pos, "r");
    BigInteger s = readInteger(der, pos, "s");
    if (pos[0] != der.length) {
      throw new TpmFormatException("ECDSA DER: trailing bytes inside SEQUENCE");
    }
    return new BigInteger[] {r, s};
  }

  private static int readHeader(byte[] b, int[] pos, int tag, String what)
      throws TpmFormatException {
    int p = pos[0];
    if (b.length - p < 2 || (b[p] & 0xFF) != tag) {
      throw new TpmFormatException("ECDSA DER: expected " + what + " at offset " + p);
    }
    int first = b[p + 1] & 0xFF;
    int len;
    int hdr;
    if (first < 0x80) {
      len = first;
      hdr = 2;
    } else if (first == 0x81) {
      if (b.length - p < 3 || (b[p + 2] & 0xFF) < 0x80) {
        throw new TpmFormatException("ECDSA DER: non-minimal length at offset " + p);
      }
      len = b[p + 2] & 0xFF;
      hdr = 3;
    } else {
      throw new TpmFormatException("ECDSA DER: unsupported length form at offset " + p);
    }
    if (len > b.length - p - hdr) {
      throw new TpmFormatException("ECDSA DER: " + what + " length exceeds input at offset " + p);
    }
    pos[0] = p + hdr;
    return len;
  }

  private static BigInteger readInteger(byte[] b, int[] pos, String name)
      throws TpmFormatException {
    int start = pos[0];
    int len = readHeader(b, pos, 0x02, "INTEGER " + name);
    int p = pos[0];
    if (len == 0) {
      throw new TpmFormatException("ECDSA DER: empty INTEGER " + name);
    }
    if (len > 1 && b[p] == 0 && (b[p + 1] & 0x80) == 0) {
      throw new TpmFormatException(
          "ECDSA DER: non-minimal INTEGER " + name + " at offset " + start);
    }
    if ((b[p] & 0x80) != 0) {
      throw new TpmFormatException("ECDSA DER: negative INTEGER " + name);
    }
    byte[] v = new byte[len];
    System.arraycopy(b, p, v, 0, len);
    pos[0] = p + len;
    BigInteger x = new BigInteger(1, v);
    if (x.signum() == 0) {
      throw new TpmFormatException("ECDSA DER: zero INTEGER " + name);
    }
    return x;
  }
}
