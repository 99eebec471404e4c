package dev.tpmdevid.core.cred;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * RSAES-OAEP as the TPM uses it for secrets (Part 1 §B.10.3, Part 4 CryptRsaEncrypt): the OAEP hash
 * and the MGF1 hash are both the key's nameAlg, and the label is given including its terminating
 * zero (for credentials {@code "IDENTITY\0"}).
 */
final class RsaOaep {

  /** Smallest EK modulus accepted (TCG EK profiles start at 2048). */
  static final int MIN_MODULUS_BITS = 2048;

  /** Largest modulus accepted; bounds the work an attacker-chosen key can cause. */
  static final int MAX_MODULUS_BITS = 16384;

  private RsaOaep() {}

  static void validate(RSAPublicKey key) throws GeneralSecurityException {
    BigInteger n = key.getModulus();
    BigInteger e = key.getPublicExponent();
    if (n.bitLength() < MIN_MODULUS_BITS || n.bitLength() > MAX_MODULUS_BITS) {
      throw new GeneralSecurityException("RSA modulus size not supported: " + n.bitLength());
    }
    if (!n.testBit(0)
        || !e.testBit(0)
        || e.compareTo(BigInteger.valueOf(3)) < 0
        || e.compareTo(n) >= 0) {
      throw new GeneralSecurityException("RSA public key is malformed");
    }
  }

  static byte[] encrypt(
      RSAPublicKey key, HashAlg hash, byte[] label, byte[] message, SecureRandom rng)
      throws GeneralSecurityException {
    validate(key);
    try {
      Cipher c = Services.cipher("RSA/ECB/OAEPPadding");
      c.init(Cipher.ENCRYPT_MODE, key, params(hash, label), rng);
      return c.doFinal(message);
    } catch (RuntimeException e) {
      throw new GeneralSecurityException("RSA-OAEP encryption failed", e);
    }
  }

  static byte[] decrypt(RSAPrivateKey key, HashAlg hash, byte[] label, byte[] ciphertext)
      throws GeneralSecurityException {
    try {
      Cipher c = Services.cipher("RSA/ECB/OAEPPadding");
      c.init(Cipher.DECRYPT_MODE, key, params(hash, label));
      return c.doFinal(ciphertext);
    } catch (GeneralSecurityException | RuntimeException e) {
      // one terse message for every padding / length failure (no oracle detail)
      throw new GeneralSecurityException("RSA-OAEP decryption failed");
    }
  }

  private static OAEPParameterSpec params(HashAlg hash, byte[] label) {
    return new OAEPParameterSpec(
        hash.digestName(), "MGF1", hash.mgf1Spec(), new PSource.PSpecified(label));
  }
}
