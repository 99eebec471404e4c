package dev.tpmdevid.core.cred;

import java.security.SecureRandom;

/**
 * A deterministic "SecureRandom" for known-answer tests only: returns {@code prefix} first, then
 * repeats {@code fill}. Never use outside tests.
 */
final class FixedRandom extends SecureRandom {
  private static final long serialVersionUID = 1L;

  private final byte[] prefix;
  private final byte fill;
  private int pos;

  FixedRandom(byte[] prefix, byte fill) {
    super(new byte[0]);
    this.prefix = prefix.clone();
    this.fill = fill;
  }

  static FixedRandom zeros() {
    return new FixedRandom(new byte[0], (byte) 0);
  }

  @Override
  public synchronized void nextBytes(byte[] bytes) {
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = pos < prefix.length ? prefix[pos++] : fill;
    }
  }

  @Override
  public byte[] generateSeed(int n) {
    byte[] b = new byte[n];
    nextBytes(b);
    return b;
  }
}
