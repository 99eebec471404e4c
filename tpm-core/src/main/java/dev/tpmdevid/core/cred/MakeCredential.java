package dev.tpmdevid.core.cred;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECPoint;
import java.util.Arrays;
import java.util.Objects;

/**
 * MakeCredential in software (TPM 2.0 Part 1 §24 "Credential Protection"; the TPM's own
 * TPM2_MakeCredential is Part 3 §12.6): wraps a credential value so that only a TPM holding the
 * private part of {@code ekKey} <em>and</em> a loaded object with Name {@code objectName} can
 * recover it with TPM2_ActivateCredential. This is what the tpm_devid server sends as the
 * credential activation challenge (SPIRE {@code CredActivation}).
 *
 * <p>The seed is protected to the EK as the TPM defines for its key type (Part 1 §B.10.3 RSA,
 * §C.6.4 ECC):
 *
 * <ul>
 *   <li>RSA: {@code seed} = {@code symKeyBits/8} random bytes (16 for AES-128, as the Go server
 *       does; a TPM accepts any seed up to the nameAlg digest size), encrypted with RSA-OAEP
 *       (hash and MGF1 = EK nameAlg, label {@code "IDENTITY\0"}).
 *   <li>ECC (P-256, P-384): an ephemeral key pair on the EK's curve; {@code Z} = x-coordinate of
 *       the ECDH product; {@code seed = KDFe(nameAlg, Z, "IDENTITY", ephemeral.x, ek.x,
 *       8*digestSize)}; the encrypted secret is {@code TPM2B(ephemeral.x) || TPM2B(ephemeral.y)}
 *       with fixed-length coordinates. The EK point is validated before any ECDH.
 * </ul>
 *
 * <p>All hashing uses the EK's nameAlg, as the TPM does in TPM2_ActivateCredential.
 */
public final class MakeCredential {

  private MakeCredential() {}

  /**
   * Builds the credential blob.
   *
   * @param ekKey EK public key: RSA (2048 bits or more) or ECC on NIST P-256/P-384
   * @param ekNameAlg TPM_ALG_ID of the EK's nameAlg (SHA-1/256/384/512)
   * @param symAlg the EK's symmetric algorithm, must be TPM_ALG_AES (0x0006); the mode is CFB
   * @param symKeyBits the EK's symmetric key size, 128 or 256
   * @param objectName Name of the object to activate (the AK): {@code u16 alg || digest}
   * @param credentialValue the secret to protect, 1 to digestSize(ekNameAlg) bytes
   * @param rng source of the seed / ephemeral key and OAEP randomness; in production always a
   *     fresh {@code new SecureRandom()} (deterministic sources are for known-answer tests only)
   * @return {@code credential} (TPM2B_ID_OBJECT body) and {@code encryptedSecret}
   *     (TPM2B_ENCRYPTED_SECRET body), both without their TPM2B size, as on the SPIRE wire
   * @throws GeneralSecurityException on any unsupported or invalid input
   */
  public static CredentialBlob make(
      PublicKey ekKey,
      int ekNameAlg,
      int symAlg,
      int symKeyBits,
      byte[] objectName,
      byte[] credentialValue,
      SecureRandom rng)
      throws GeneralSecurityException {
    Objects.requireNonNull(ekKey, "ekKey");
    Objects.requireNonNull(rng, "rng");
    HashAlg nameAlg = HashAlg.fromTpmAlgId(ekNameAlg);
    AesCfb.checkParams(symAlg, symKeyBits);
    CredentialProtection.checkObjectName(objectName);
    CredentialProtection.checkCredentialValue(nameAlg, credentialValue);

    byte[] seed = null;
    try {
      byte[] encryptedSecret;
      if (ekKey instanceof RSAPublicKey) {
        int seedSize = symKeyBits / 8;
        if (seedSize > nameAlg.digestSize()) {
          // ActivateCredential rejects a seed longer than the EK nameAlg digest (TPM_RC_VALUE)
          throw new GeneralSecurityException("EK nameAlg too short for its symmetric key size");
        }
        seed = new byte[seedSize];
        rng.nextBytes(seed);
        encryptedSecret =
            RsaOaep.encrypt(
                (RSAPublicKey) ekKey, nameAlg, CredentialProtection.oaepLabel(), seed, rng);
      } else if (ekKey instanceof ECPublicKey) {
        ECPublicKey ek = (ECPublicKey) ekKey;
        EccCurve curve = EccCurve.fromParams(ek.getParams());
        curve.validate(ek);
        BigInteger d = curve.randomScalar(rng);
        ECPoint q = curve.multiplyBase(d);
        ECPrivateKey ephemeral = curve.privateKey(d);
        byte[] ephX = curve.toFixed(q.getAffineX());
        byte[] ephY = curve.toFixed(q.getAffineY());
        byte[] ekX = curve.toFixed(ek.getW().getAffineX());
        byte[] z = curve.sharedX(ephemeral, ek);
        try {
          seed =
              Kdf.kdfe(
                  nameAlg.tpmAlgId(),
                  z,
                  CredentialProtection.LABEL_IDENTITY,
                  ephX,
                  ekX,
                  8 * nameAlg.digestSize());
        } finally {
          Arrays.fill(z, (byte) 0);
        }
        encryptedSecret = eccPoint(ephX, ephY);
      } else {
        throw new GeneralSecurityException(
            "unsupported EK key type " + ekKey.getAlgorithm() + " (only RSA and EC)");
      }
      byte[] credential =
          CredentialProtection.secretToCredential(
              nameAlg, symKeyBits, seed, objectName, credentialValue);
      return new CredentialBlob(credential, encryptedSecret);
    } finally {
      if (seed != null) {
        Arrays.fill(seed, (byte) 0);
      }
    }
  }

  /** TPMS_ECC_POINT marshalled: {@code TPM2B(x) || TPM2B(y)}. */
  static byte[] eccPoint(byte[] x, byte[] y) {
    return ByteBuffer.allocate(4 + x.length + y.length)
        .putShort((short) x.length)
        .put(x)
        .putShort((short) y.length)
        .put(y)
        .array();
  }
}
