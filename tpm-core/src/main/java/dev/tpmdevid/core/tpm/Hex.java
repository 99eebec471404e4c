package dev.tpmdevid.core.tpm;

/** Lower-case hex for toString output. */
final class Hex {
  private Hex() {}

  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  static String encode(byte[] b) {
    char[] c = new char[b.length * 2];
    for (int i = 0; i < b.length; i++) {
      c[2 * i] = DIGITS[(b[i] >> 4) & 0xF];
      c[2 * i + 1] = DIGITS[b[i] & 0xF];
    }
    return new String(c);
  }
}
