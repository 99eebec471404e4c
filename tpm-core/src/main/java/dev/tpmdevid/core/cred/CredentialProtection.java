package dev.tpmdevid.core.cred;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;

/**
 * The seed-keyed part of credential protection (TPM 2.0 Part 1 §24, "Credential Protection"; Part 4
 * SecretToCredential / CredentialToSecret): everything after the seed is known, so it is
 * deterministic and shared by {@link MakeCredential} and {@link SoftwareActivation}.
 *
 * <pre>
 * symKey      = KDFa(nameAlg, seed, "STORAGE", objectName, empty, symKeyBits)
 * encIdentity = AES-CFB(symKey, IV = 0, u16 len(cv) || cv)
 * hmacKey     = KDFa(nameAlg, seed, "INTEGRITY", empty, empty, 8 * digestSize(nameAlg))
 * integrity   = HMAC-nameAlg(hmacKey, encIdentity || objectName)
 * credential  = u16 len(integrity) || integrity || encIdentity      (TPM2B_ID_OBJECT body)
 * </pre>
 */
final class CredentialProtection {

  static final String LABEL_IDENTITY = "IDENTITY";
  static final String LABEL_STORAGE = "STORAGE";
  static final String LABEL_INTEGRITY = "INTEGRITY";

  /** OAEP label for the seed: "IDENTITY" with its terminating zero (9 bytes). */
  static byte[] oaepLabel() {
    return (LABEL_IDENTITY + "\0").getBytes(StandardCharsets.US_ASCII);
  }

  private static final byte[] EMPTY = new byte[0];

  private CredentialProtection() {}

  /**
   * Checks that {@code name} is an object Name: {@code u16 nameAlg || H(publicArea)} with a known
   * hash and a digest of exactly that hash's size (Part 1 §16).
   */
  static void checkObjectName(byte[] name) throws GeneralSecurityException {
    if (name == null || name.length < 2) {
      throw new GeneralSecurityException("object name too short");
    }
    HashAlg h = HashAlg.fromTpmAlgId(((name[0] & 0xFF) << 8) | (name[1] & 0xFF));
    if (name.length != 2 + h.digestSize()) {
      throw new GeneralSecurityException("object name length does not match its hash algorithm");
    }
  }

  /**
   * The credential value must fit the EK nameAlg digest (Part 3 §12.6, TPM2_MakeCredential returns
   * TPM_RC_SIZE otherwise) and must not be empty.
   */
  static void checkCredentialValue(HashAlg nameAlg, byte[] cv) throws GeneralSecurityException {
    if (cv == null || cv.length == 0 || cv.length > nameAlg.digestSize()) {
      throw new GeneralSecurityException(
          "credential value must be 1.." + nameAlg.digestSize() + " bytes");
    }
  }

  /** SecretToCredential: returns the TPM2B_ID_OBJECT body. Inputs must be validated. */
  static byte[] secretToCredential(
      HashAlg nameAlg, int symKeyBits, byte[] seed, byte[] objectName, byte[] cv)
      throws GeneralSecurityException {
    byte[] symKey =
        Kdf.kdfa(nameAlg.tpmAlgId(), seed, LABEL_STORAGE, objectName, EMPTY, symKeyBits);
    byte[] plain = ByteBuffer.allocate(2 + cv.length).putShort((short) cv.length).put(cv).array();
    byte[] encIdentity;
    try {
      encIdentity = AesCfb.encrypt(symKey, plain);
    } finally {
      Arrays.fill(symKey, (byte) 0);
      Arrays.fill(plain, (byte) 0);
    }
    byte[] integrity = integrity(nameAlg, seed, encIdentity, objectName);
    return ByteBuffer.allocate(2 + integrity.length + encIdentity.length)
        .putShort((short) integrity.length)
        .put(integrity)
        .put(encIdentity)
        .array();
  }

  /**
   * CredentialToSecret: checks the integrity HMAC in constant time, then decrypts and returns the
   * credential value. Any tampering ends in one {@link GeneralSecurityException}.
   */
  static byte[] credentialToSecret(
      HashAlg nameAlg, int symKeyBits, byte[] seed, byte[] objectName, byte[] credential)
      throws GeneralSecurityException {
    if (credential.length < 2) {
      throw new GeneralSecurityException("credential too short");
    }
    int integritySize = ((credential[0] & 0xFF) << 8) | (credential[1] & 0xFF);
    if (integritySize != nameAlg.digestSize()) {
      throw new GeneralSecurityException("credential integrity has the wrong size");
    }
    // encIdentity holds at least the u16 size of the credential value and one byte of it
    if (credential.length < 2 + integritySize + 3) {
      throw new GeneralSecurityException("credential too short");
    }
    byte[] integrity = Arrays.copyOfRange(credential, 2, 2 + integritySize);
    byte[] encIdentity = Arrays.copyOfRange(credential, 2 + integritySize, credential.length);
    byte[] hmacKey = integrityKey(nameAlg, seed);
    try {
      verifyHmac(nameAlg, hmacKey, encIdentity, objectName, integrity);
    } finally {
      Arrays.fill(hmacKey, (byte) 0);
    }
    byte[] symKey =
        Kdf.kdfa(nameAlg.tpmAlgId(), seed, LABEL_STORAGE, objectName, EMPTY, symKeyBits);
    byte[] plain;
    try {
      plain = AesCfb.decrypt(symKey, encIdentity);
    } finally {
      Arrays.fill(symKey, (byte) 0);
    }
    try {
      int size = ((plain[0] & 0xFF) << 8) | (plain[1] & 0xFF);
      if (size != plain.length - 2 || size == 0 || size > nameAlg.digestSize()) {
        throw new GeneralSecurityException("credential value has the wrong size");
      }
      return Arrays.copyOfRange(plain, 2, plain.length);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  private static byte[] integrity(
      HashAlg nameAlg, byte[] seed, byte[] encIdentity, byte[] objectName)
      throws GeneralSecurityException {
    byte[] hmacKey = integrityKey(nameAlg, seed);
    try {
      return hmac(nameAlg, hmacKey, encIdentity, objectName);
    } finally {
      Arrays.fill(hmacKey, (byte) 0);
    }
  }

  private static byte[] integrityKey(HashAlg nameAlg, byte[] seed) throws GeneralSecurityException {
    return Kdf.kdfa(
        nameAlg.tpmAlgId(), seed, LABEL_INTEGRITY, EMPTY, EMPTY, 8 * nameAlg.digestSize());
  }

  /** {@code HMAC-h(key, first || second)}: the integrity MAC over encIdentity and the Name. */
  static byte[] hmac(HashAlg h, byte[] key, byte[] first, byte[] second)
      throws GeneralSecurityException {
    Mac mac = h.newHmac(key);
    mac.update(first);
    mac.update(second);
    return mac.doFinal();
  }

  /**
   * Recomputes the HMAC and compares in constant time. The tag must be the full digest: the TPM
   * never truncates the credential integrity value.
   */
  static void verifyHmac(HashAlg h, byte[] key, byte[] first, byte[] second, byte[] tag)
      throws GeneralSecurityException {
    byte[] expected = hmac(h, key, first, second);
    if (tag.length != expected.length || !MessageDigest.isEqual(expected, tag)) {
      throw new GeneralSecurityException("credential integrity check failed");
    }
  }
}
