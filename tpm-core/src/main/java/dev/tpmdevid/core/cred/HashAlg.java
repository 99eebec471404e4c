package dev.tpmdevid.core.cred;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.spec.MGF1ParameterSpec;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The TPM hash algorithms (TPM 2.0 Part 2 §6.3, TPM_ALG_ID) that credential protection may use,
 * with their JCA names.
 */
enum HashAlg {
  SHA1(0x0004, "SHA-1", "HmacSHA1", MGF1ParameterSpec.SHA1, 20),
  SHA256(0x000B, "SHA-256", "HmacSHA256", MGF1ParameterSpec.SHA256, 32),
  SHA384(0x000C, "SHA-384", "HmacSHA384", MGF1ParameterSpec.SHA384, 48),
  SHA512(0x000D, "SHA-512", "HmacSHA512", MGF1ParameterSpec.SHA512, 64);

  private final int tpmAlgId;
  private final String digestName;
  private final String hmacName;
  private final MGF1ParameterSpec mgf1Spec;
  private final int digestSize;

  HashAlg(
      int tpmAlgId,
      String digestName,
      String hmacName,
      MGF1ParameterSpec mgf1Spec,
      int digestSize) {
    this.tpmAlgId = tpmAlgId;
    this.digestName = digestName;
    this.hmacName = hmacName;
    this.mgf1Spec = mgf1Spec;
    this.digestSize = digestSize;
  }

  /** Looks up a TPM_ALG_ID; anything but SHA-1/256/384/512 is rejected. */
  static HashAlg fromTpmAlgId(int tpmAlgId) throws GeneralSecurityException {
    for (HashAlg h : values()) {
      if (h.tpmAlgId == tpmAlgId) {
        return h;
      }
    }
    throw new GeneralSecurityException(
        String.format("unsupported hash algorithm 0x%04X", tpmAlgId & 0xFFFF));
  }

  int tpmAlgId() {
    return tpmAlgId;
  }

  String digestName() {
    return digestName;
  }

  MGF1ParameterSpec mgf1Spec() {
    return mgf1Spec;
  }

  /** Digest size in bytes. */
  int digestSize() {
    return digestSize;
  }

  MessageDigest newDigest() throws NoSuchAlgorithmException {
    return Services.digest(digestName);
  }

  /**
   * A keyed HMAC. An empty key is legal for HMAC but not for {@link SecretKeySpec}, so it is
   * replaced by the equivalent single zero byte (HMAC pads keys with zeros to the block size).
   */
  Mac newHmac(byte[] key) throws GeneralSecurityException {
    Mac mac = Services.mac(hmacName);
    mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, hmacName));
    return mac;
  }
}
