package dev.tpmdevid.core.tpm;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The contents of a TPM2B_NAME (TPM 2.0 Part 1 §16; docs/protocol.md#tpm-name): empty, a 4-byte
 * handle, or a digest name {@code u16 nameAlg || digest} whose length matches the algorithm.
 */
public final class TpmName {
  /** Largest name: {@code u16 alg} + a 64-byte digest. */
  static final int MAX_SIZE = 2 + 64;

  public static final TpmName EMPTY = new TpmName(new byte[0]);

  private final byte[] bytes;

  private TpmName(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A digest name {@code alg || digest}; {@code digest} must have the algorithm's size. */
  public static TpmName ofDigest(int hashAlg, byte[] digest) {
    int size = TpmAlg.digestSize(hashAlg);
    if (size == 0) {
      throw new IllegalArgumentException("not a hash algorithm: " + TpmAlg.name(hashAlg));
    }
    if (digest.length != size) {
      throw new IllegalArgumentException(
          "digest of "
              + TpmAlg.name(hashAlg)
              + " must be "
              + size
              + " bytes, got "
              + digest.length);
    }
    return new TpmName(new TpmWriter().u16(hashAlg).bytes(digest).toByteArray());
  }

  /** The Name of an entity identified by its handle (PCR, session, permanent handles). */
  public static TpmName ofHandle(int handle) {
    return new TpmName(new TpmWriter().u32(handle & 0xFFFFFFFFL).toByteArray());
  }

  /**
   * Validates name contents (without the TPM2B size).
   *
   * @throws TpmFormatException if the contents are none of: empty, handle, digest name
   */
  public static TpmName of(byte[] contents) throws TpmFormatException {
    String problem = check(contents);
    if (problem != null) {
      throw new TpmFormatException("TPM2B_NAME: " + problem);
    }
    return new TpmName(contents.clone());
  }

  /** Reads a TPM2B_NAME. */
  static TpmName read(TpmReader r, String field) throws TpmFormatException {
    int start = r.offset();
    byte[] b = r.tpm2b(field, MAX_SIZE);
    String problem = check(b);
    if (problem != null) {
      throw TpmFormatException.at(field, problem, start);
    }
    return new TpmName(b);
  }

  private static String check(byte[] b) {
    if (b.length == 0 || b.length == 4) {
      return null;
    }
    if (b.length < 2) {
      return "length " + b.length + " is neither a handle nor a digest name";
    }
    int alg = ((b[0] & 0xFF) << 8) | (b[1] & 0xFF);
    int size = TpmAlg.digestSize(alg);
    if (size == 0) {
      return "name algorithm " + TpmAlg.name(alg) + " is not a hash algorithm";
    }
    if (b.length != 2 + size) {
      return "digest name of "
          + TpmAlg.name(alg)
          + " must be "
          + (2 + size)
          + " bytes, got "
          + b.length;
    }
    return null;
  }

  /**
   * The Name of an object: {@code nameAlg || H_nameAlg(publicArea)} (docs/protocol.md#tpm-name).
   *
   * @throws IllegalArgumentException if {@code nameAlg} is not a supported hash
   */
  public static TpmName compute(int nameAlg, byte[] encodedPublicArea) {
    MessageDigest md = Digests.get(nameAlg);
    return ofDigest(nameAlg, md.digest(encodedPublicArea));
  }

  void write(TpmWriter w) {
    w.tpm2b(bytes);
  }

  /** The name contents (no TPM2B size). */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** {@code u16 size || contents}. */
  public byte[] toTpm2b() {
    return new TpmWriter().tpm2b(bytes).toByteArray();
  }

  public int size() {
    return bytes.length;
  }

  public boolean isEmpty() {
    return bytes.length == 0;
  }

  public boolean isHandle() {
    return bytes.length == 4;
  }

  public boolean isDigest() {
    return bytes.length > 4;
  }

  /** Name algorithm of a digest name, or {@link TpmAlg#NULL} for empty and handle names. */
  public int nameAlg() {
    return isDigest() ? ((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF) : TpmAlg.NULL;
  }

  /** Digest of a digest name; empty for other names. */
  public byte[] digest() {
    return isDigest() ? Arrays.copyOfRange(bytes, 2, bytes.length) : new byte[0];
  }

  /** Constant-time comparison of the name contents. */
  public boolean matches(TpmName other) {
    return MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TpmName && Arrays.equals(bytes, ((TpmName) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    if (isEmpty()) {
      return "TpmName(empty)";
    }
    if (isHandle()) {
      return "TpmName(handle " + Hex.encode(bytes) + ")";
    }
    return "TpmName(" + TpmAlg.name(nameAlg()) + " " + Hex.encode(digest()) + ")";
  }
}
