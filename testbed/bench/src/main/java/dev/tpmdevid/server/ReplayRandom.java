package dev.tpmdevid.server;

import java.security.SecureRandom;

/**
 * A <b>benchmark-only</b> random source that repeats the same byte stream after each {@link
 * #reset}: the server then issues the same challenge (nonce, credential seed or ephemeral key) on
 * every iteration, so the agent's answer can be computed once, outside the timed code. Never for
 * production (the point of the nonce and seed is that they are fresh).
 */
final class ReplayRandom extends SecureRandom {
  private static final long serialVersionUID = 1L;
  private long counter;

  void reset() {
    counter = 0;
  }

  @Override
  public void nextBytes(byte[] bytes) {
    long x = counter;
    for (int i = 0; i < bytes.length; i++) {
      // splitmix64 step per byte position: cheap, deterministic, well mixed
      long z = (x += 0x9E3779B97F4A7C15L);
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      bytes[i] = (byte) (z ^ (z >>> 31));
    }
    counter = x;
  }

  @Override
  public byte[] generateSeed(int numBytes) {
    byte[] b = new byte[numBytes];
    nextBytes(b);
    return b;
  }

  @Override
  public void setSeed(long seed) {
    // ignored: the stream is fixed (SecureRandom's constructor calls this)
  }

  @Override
  public void setSeed(byte[] seed) {
    // ignored
  }
}
