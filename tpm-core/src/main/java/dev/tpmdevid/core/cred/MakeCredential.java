package dev.tpmdevid.core.cred;

import dev.tpmdevid.core.tpm.ObjectAttribute;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmtPublic;
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
 *   <li>RSA: {@code seed} = {@code symKeyBits/8} random bytes (16 for AES-128), encrypted with
 *       RSA-OAEP (hash and MGF1 = EK nameAlg, label {@code "IDENTITY\0"}). This is the seed size of
 *       SPIRE's Go server (go-tpm); TPM2_MakeCredential and tpm2-tools use digestSize(nameAlg)
 *       instead. TPM2_ActivateCredential accepts any seed of 1..digestSize(nameAlg) bytes and
 *       returns TPM_RC_VALUE for a longer one (checked on swtpm 0.7.1 / libtpms 0.9.2).
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
   * Builds the credential challenge for an EK given as its TPMT_PUBLIC (SPIRE's {@code EKPub}):
   * nameAlg, symmetric definition and key are read from the public area. This is the server's entry
   * point (docs/protocol.md#server-checks step 13).
   *
   * <p>The EK must be a decryption key (ActivateCredential refuses others) with an AES-128/256 CFB
   * symmetric definition; an ECC EK's coordinates must have the curve's full length.
   *
   * @param ekPub the EK public area
   * @param akName Name of the AK ({@code u16 nameAlg || H(AKPub)})
   * @param secret the credential value, 1 to digestSize(ekPub.nameAlg) bytes
   * @param rng always {@code new SecureRandom()} outside known-answer tests
   */
  public static CredentialBlob make(
      TpmtPublic ekPub, byte[] akName, byte[] secret, SecureRandom rng)
      throws GeneralSecurityException {
    Objects.requireNonNull(ekPub, "ekPub");
    if (!ekPub.objectAttributes().contains(ObjectAttribute.DECRYPT)) {
      throw new GeneralSecurityException("EK public area is not a decryption key");
    }
    TpmtPublic.Symmetric sym = ekPub.symmetric();
    if (sym.mode() != TpmAlg.CFB) {
      throw new GeneralSecurityException(
          String.format("EK symmetric mode 0x%04X is not CFB", sym.mode() & 0xFFFF));
    }
    PublicKey key;
    try {
      key = ekPub.toPublicKey();
    } catch (TpmFormatException e) {
      throw new GeneralSecurityException("EK public key unusable: " + e.getMessage(), e);
    }
    if (ekPub.isEcc()) {
      EccCurve curve = EccCurve.fromTpmCurveId(ekPub.curveId());
      if (ekPub.eccX().length != curve.coordinateSize()
          || ekPub.eccY().length != curve.coordinateSize()) {
        throw new GeneralSecurityException(
            "EK point coordinates must be " + curve.coordinateSize() + " bytes");
      }
    }
    return make(key, ekPub.nameAlg(), sym.algorithm(), sym.keyBits(), akName, secret, rng);
  }

  /**
   * Builds the credential blob from JCA key and primitive parameters.
   *
   * @param ekKey EK public key: RSA (2048 bits or more) or ECC on NIST P-256/P-384
   * @param ekNameAlg TPM_ALG_ID of the EK's nameAlg (SHA-1/256/384/512)
   * @param symAlg the EK's symmetric algorithm, must be TPM_ALG_AES (0x0006); the mode is CFB
   * @param symKeyBits the EK's symmetric key size, 128 or 256
   * @param objectName Name of the object to activate (the AK): {@code u16 alg || digest}
   * @param credentialValue the secret to protect, 1 to digestSize(ekNameAlg) bytes
   * @param rng source of the seed / ephemeral key and OAEP randomness; in production always a fresh
   *     {@code new SecureRandom()} (deterministic sources are for known-answer tests only)
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
