package dev.tpmdevid.core.cred;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;

/**
 * The two TPM key derivation functions (TPM 2.0 Part 1 §11.4.10).
 *
 * <p>Both take the hash as a TPM_ALG_ID (SHA-1 0x0004, SHA-256 0x000B, SHA-384 0x000C, SHA-512
 * 0x000D) and a label given as a string without a terminator: the functions append the single 0x00
 * octet that the TPM puts after every label. The result is {@code ceil(bits/8)} bytes; when {@code
 * bits} is not a multiple of 8 the unused high-order bits of the first octet are cleared, as the
 * TPM reference implementation does.
 */
public final class Kdf {

  /** Largest output we derive; far above any key the TPM uses, small enough to bound loops. */
  static final int MAX_BITS = 8 * 1024 * 8;

  private Kdf() {}

  /**
   * KDFa (Part 1 §11.4.10.2): SP800-108 counter-mode KDF with HMAC as PRF. Block {@code i} (from 1)
   * is {@code HMAC(key, u32 i || label || 0x00 || contextU || contextV || u32 bits)}.
   *
   * @param hashAlg TPM_ALG_ID of the hash
   * @param key HMAC key (the seed); must not be empty
   * @param label ASCII label without terminator, e.g. {@code "STORAGE"}
   * @param contextU first context value (may be empty)
   * @param contextV second context value (may be empty)
   * @param bits number of bits to derive, 1 to {@value #MAX_BITS}
   */
  public static byte[] kdfa(
      int hashAlg, byte[] key, String label, byte[] contextU, byte[] contextV, int bits)
      throws GeneralSecurityException {
    HashAlg h = HashAlg.fromTpmAlgId(hashAlg);
    Objects.requireNonNull(key, "key");
    if (key.length == 0) {
      throw new GeneralSecurityException("KDFa key must not be empty");
    }
    byte[] fixed = fixedInput(label, contextU, contextV);
    checkBits(bits);
    Mac mac = h.newHmac(key);
    int outLen = (bits + 7) / 8;
    byte[] out = new byte[outLen];
    int counter = 1;
    for (int off = 0; off < outLen; off += h.digestSize(), counter++) {
      mac.update(u32(counter));
      mac.update(fixed);
      mac.update(u32(bits));
      byte[] block = mac.doFinal();
      System.arraycopy(block, 0, out, off, Math.min(block.length, outLen - off));
      Arrays.fill(block, (byte) 0);
    }
    maskHighBits(out, bits);
    return out;
  }

  /**
   * KDFe (Part 1 §11.4.10.3): the SP800-56A concatenation KDF as the TPM defines it. Block {@code
   * i} (from 1) is {@code H(u32 i || Z || label || 0x00 || partyUInfo || partyVInfo)}; no length
   * field is hashed.
   *
   * @param hashAlg TPM_ALG_ID of the hash
   * @param z the shared secret (x-coordinate of the ECDH product)
   * @param label ASCII label without terminator, e.g. {@code "IDENTITY"}
   * @param partyUInfo initiator's public x-coordinate (the ephemeral key)
   * @param partyVInfo responder's public x-coordinate (the EK)
   * @param bits number of bits to derive, 1 to {@value #MAX_BITS}
   */
  public static byte[] kdfe(
      int hashAlg, byte[] z, String label, byte[] partyUInfo, byte[] partyVInfo, int bits)
      throws GeneralSecurityException {
    HashAlg h = HashAlg.fromTpmAlgId(hashAlg);
    Objects.requireNonNull(z, "z");
    if (z.length == 0) {
      throw new GeneralSecurityException("KDFe shared secret must not be empty");
    }
    byte[] otherInfo = fixedInput(label, partyUInfo, partyVInfo);
    checkBits(bits);
    MessageDigest md = h.newDigest();
    int outLen = (bits + 7) / 8;
    byte[] out = new byte[outLen];
    int counter = 1;
    for (int off = 0; off < outLen; off += h.digestSize(), counter++) {
      md.update(u32(counter));
      md.update(z);
      md.update(otherInfo);
      byte[] block = md.digest();
      System.arraycopy(block, 0, out, off, Math.min(block.length, outLen - off));
      Arrays.fill(block, (byte) 0);
    }
    maskHighBits(out, bits);
    return out;
  }

  /** {@code label || 0x00 || u || v}. */
  private static byte[] fixedInput(String label, byte[] u, byte[] v)
      throws GeneralSecurityException {
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(u, "context/party U");
    Objects.requireNonNull(v, "context/party V");
    if (label.indexOf('\0') >= 0) {
      throw new GeneralSecurityException("KDF label must not contain NUL; the terminator is added");
    }
    byte[] l = label.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(l.length + 1 + u.length + v.length)
        .put(l)
        .put((byte) 0)
        .put(u)
        .put(v)
        .array();
  }

  private static void checkBits(int bits) throws GeneralSecurityException {
    if (bits <= 0 || bits > MAX_BITS) {
      throw new GeneralSecurityException("KDF output size out of range: " + bits + " bits");
    }
  }

  private static void maskHighBits(byte[] out, int bits) {
    if (bits % 8 != 0) {
      out[0] &= (byte) ((1 << (bits % 8)) - 1);
    }
  }

  static byte[] u32(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }
}
