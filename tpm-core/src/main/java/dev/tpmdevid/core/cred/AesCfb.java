package dev.tpmdevid.core.cred;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The symmetric half of credential protection (Part 1 §24.4): AES in full-block CFB mode (CFB-128,
 * TPM_ALG_CFB) with an all-zero IV and no padding, so the ciphertext is as long as the plaintext.
 * Only the EK symmetric definitions TCG profiles use are accepted: AES-128 and AES-256.
 */
final class AesCfb {

  /** TPM_ALG_AES. */
  static final int TPM_ALG_AES = 0x0006;

  /** AES block size in bytes; also the IV size. Not to be confused with the key size. */
  static final int BLOCK_SIZE = 16;

  private AesCfb() {}

  /** Checks the EK's symmetric algorithm and key size; returns the key size in bytes. */
  static int checkParams(int symAlg, int symKeyBits) throws GeneralSecurityException {
    if (symAlg != TPM_ALG_AES) {
      throw new GeneralSecurityException(
          String.format("unsupported symmetric algorithm 0x%04X (only AES)", symAlg & 0xFFFF));
    }
    if (symKeyBits != 128 && symKeyBits != 256) {
      throw new GeneralSecurityException("unsupported AES key size: " + symKeyBits);
    }
    return symKeyBits / 8;
  }

  static byte[] encrypt(byte[] key, byte[] plaintext) throws GeneralSecurityException {
    return crypt(Cipher.ENCRYPT_MODE, key, plaintext);
  }

  static byte[] decrypt(byte[] key, byte[] ciphertext) throws GeneralSecurityException {
    return crypt(Cipher.DECRYPT_MODE, key, ciphertext);
  }

  private static byte[] crypt(int mode, byte[] key, byte[] in) throws GeneralSecurityException {
    if (key.length != 16 && key.length != 32) {
      throw new GeneralSecurityException("AES key must be 16 or 32 bytes");
    }
    try {
      Cipher c = Services.cipher("AES/CFB/NoPadding");
      c.init(mode, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[BLOCK_SIZE]));
      return c.doFinal(in);
    } catch (RuntimeException e) {
      throw new GeneralSecurityException("AES-CFB failed", e);
    }
  }
}
