package dev.tpmdevid.core.tpm;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;

/**
 * Equality of two JCA public keys by their mathematical content (RSA n/e, EC curve/point): the one
 * comparison of a certificate's key with a TPM public area's key ({@link
 * TpmtPublic#toPublicKey()}), for the server's checks and the tools.
 */
public final class KeyComparison {
  private KeyComparison() {}

  /** Null when equal, otherwise which part differs (no values). */
  public static String difference(PublicKey a, PublicKey b) {
    if (a instanceof RSAPublicKey && b instanceof RSAPublicKey) {
      RSAPublicKey x = (RSAPublicKey) a;
      RSAPublicKey y = (RSAPublicKey) b;
      if (!x.getPublicExponent().equals(y.getPublicExponent())) {
        return "exponent mismatch";
      }
      return equalConstantTime(x.getModulus(), y.getModulus()) ? null : "modulus mismatch";
    }
    if (a instanceof ECPublicKey && b instanceof ECPublicKey) {
      ECPublicKey x = (ECPublicKey) a;
      ECPublicKey y = (ECPublicKey) b;
      if (!sameCurve(x.getParams(), y.getParams())) {
        return "curve mismatch";
      }
      boolean same =
          equalConstantTime(x.getW().getAffineX(), y.getW().getAffineX())
              & equalConstantTime(x.getW().getAffineY(), y.getW().getAffineY());
      return same ? null : "point mismatch";
    }
    return "key type mismatch";
  }

  /**
   * True if the TPM public area holds {@code key}; false also when the area has no JCA form (a
   * template with an empty unique field).
   */
  public static boolean sameKey(TpmtPublic area, PublicKey key) {
    PublicKey mine;
    try {
      mine = area.toPublicKey();
    } catch (TpmFormatException | RuntimeException e) {
      return false;
    }
    return difference(mine, key) == null;
  }

  public static boolean sameCurve(ECParameterSpec p, ECParameterSpec q) {
    return p.getCurve().equals(q.getCurve())
        && p.getGenerator().equals(q.getGenerator())
        && p.getOrder().equals(q.getOrder());
  }

  private static boolean equalConstantTime(BigInteger x, BigInteger y) {
    return java.security.MessageDigest.isEqual(x.toByteArray(), y.toByteArray());
  }
}
