package dev.tpmdevid.core.cred;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECPoint;
import java.util.Arrays;
import java.util.Objects;

/**
 * TPM2_ActivateCredential (Part 3 §12.5) done in software with the EK <em>private</em> key: the
 * counterpart of {@link MakeCredential} for tests and for software stand-in agents. It recovers the
 * seed (RSA-OAEP decryption, or ECDH with the ephemeral point after validating it), checks the
 * integrity HMAC in constant time and only then decrypts the credential value.
 *
 * <p>It performs the checks the TPM performs (seed no longer than the nameAlg digest, integrity
 * size equal to the digest size, credential value size consistent) and a few stricter ones (no
 * trailing bytes after the ephemeral point). Every failure is one {@link GeneralSecurityException}
 * with a terse message.
 */
public final class SoftwareActivation {

  private SoftwareActivation() {}

  /**
   * Recovers the credential value.
   *
   * @param ekPrivate the EK private key (RSA, or ECC on P-256/P-384)
   * @param ekNameAlg TPM_ALG_ID of the EK's nameAlg
   * @param symAlg the EK's symmetric algorithm (TPM_ALG_AES)
   * @param symKeyBits 128 or 256
   * @param objectName Name of the activated object (the AK)
   * @param blob credential and encrypted secret as received (without TPM2B sizes)
   * @return the credential value
   * @throws GeneralSecurityException if the blob was not made for this EK and Name, or was altered
   */
  public static byte[] activate(
      PrivateKey ekPrivate,
      int ekNameAlg,
      int symAlg,
      int symKeyBits,
      byte[] objectName,
      CredentialBlob blob)
      throws GeneralSecurityException {
    Objects.requireNonNull(ekPrivate, "ekPrivate");
    Objects.requireNonNull(blob, "blob");
    HashAlg nameAlg = HashAlg.fromTpmAlgId(ekNameAlg);
    AesCfb.checkParams(symAlg, symKeyBits);
    CredentialProtection.checkObjectName(objectName);

    byte[] seed = null;
    try {
      if (ekPrivate instanceof RSAPrivateKey) {
        seed =
            RsaOaep.decrypt(
                (RSAPrivateKey) ekPrivate,
                nameAlg,
                CredentialProtection.oaepLabel(),
                blob.encryptedSecret());
        if (seed.length == 0 || seed.length > nameAlg.digestSize()) {
          throw new GeneralSecurityException("credential seed has the wrong size");
        }
      } else if (ekPrivate instanceof ECPrivateKey) {
        ECPrivateKey ek = (ECPrivateKey) ekPrivate;
        EccCurve curve = EccCurve.fromParams(ek.getParams());
        ByteBuffer b = ByteBuffer.wrap(blob.encryptedSecret());
        byte[] x = readCoordinate(b);
        byte[] y = readCoordinate(b);
        if (b.hasRemaining()) {
          throw new GeneralSecurityException("trailing bytes after the ephemeral ECC point");
        }
        ECPublicKey ephemeral = curve.publicKey(x, y);
        ECPoint ekPoint = curve.multiplyBase(ek.getS());
        byte[] ekX = curve.toFixed(ekPoint.getAffineX());
        byte[] z = curve.sharedX(ek, ephemeral);
        try {
          seed =
              Kdf.kdfe(
                  nameAlg.tpmAlgId(),
                  z,
                  CredentialProtection.LABEL_IDENTITY,
                  x,
                  ekX,
                  8 * nameAlg.digestSize());
        } finally {
          Arrays.fill(z, (byte) 0);
        }
      } else {
        throw new GeneralSecurityException(
            "unsupported EK key type " + ekPrivate.getAlgorithm() + " (only RSA and EC)");
      }
      return CredentialProtection.credentialToSecret(
          nameAlg, symKeyBits, seed, objectName, blob.credential());
    } finally {
      if (seed != null) {
        Arrays.fill(seed, (byte) 0);
      }
    }
  }

  private static byte[] readCoordinate(ByteBuffer b) throws GeneralSecurityException {
    if (b.remaining() < 2) {
      throw new GeneralSecurityException("ephemeral ECC point truncated");
    }
    int len = b.getShort() & 0xFFFF;
    if (len > b.remaining()) {
      throw new GeneralSecurityException("ephemeral ECC point truncated");
    }
    byte[] c = new byte[len];
    b.get(c);
    return c;
  }
}
