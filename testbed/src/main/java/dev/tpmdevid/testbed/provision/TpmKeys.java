package dev.tpmdevid.testbed.provision;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_ECC_POINT;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPM_ECC_CURVE;

/** TPM public areas → JCA keys (RSA with exponent 0 meaning 65537; NIST P-256). */
public final class TpmKeys {

  private TpmKeys() {}

  /** The JCA public key of an RSA or NIST P-256 TPM public area. */
  public static PublicKey toPublicKey(TPMT_PUBLIC pub) {
    try {
      if (pub.parameters instanceof TPMS_RSA_PARMS rsa) {
        byte[] modulus = ((TPM2B_PUBLIC_KEY_RSA) pub.unique).buffer;
        long exponent = rsa.exponent == 0 ? 65537 : Integer.toUnsignedLong(rsa.exponent);
        return KeyFactory.getInstance("RSA")
            .generatePublic(
                new RSAPublicKeySpec(new BigInteger(1, modulus), BigInteger.valueOf(exponent)));
      }
      if (pub.parameters instanceof TPMS_ECC_PARMS ecc) {
        if (!TPM_ECC_CURVE.NIST_P256.equals(ecc.curveID)) {
          throw new IllegalArgumentException("unsupported curve " + ecc.curveID);
        }
        TPMS_ECC_POINT point = (TPMS_ECC_POINT) pub.unique;
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
        return KeyFactory.getInstance("EC")
            .generatePublic(
                new ECPublicKeySpec(
                    new ECPoint(new BigInteger(1, point.x), new BigInteger(1, point.y)), spec));
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot convert TPM public key", e);
    }
    throw new IllegalArgumentException("unsupported TPM key type " + pub.type());
  }
}
