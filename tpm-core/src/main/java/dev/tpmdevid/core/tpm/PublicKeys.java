package dev.tpmdevid.core.tpm;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECParameterSpec;

/** Equality of public keys by their mathematical content (RSA n and e; EC curve and point). */
public final class PublicKeys {
  private PublicKeys() {}

  /** Null when {@code a} and {@code b} are the same key, otherwise which part differs (no values). */
  public static String difference(PublicKey a, PublicKey b) {
    if (a instanceof RSAPublicKey x && b instanceof RSAPublicKey y) {
      if (!x.getPublicExponent().equals(y.getPublicExponent())) {
        return "exponent mismatch";
      }
      return equal(x.getModulus(), y.getModulus()) ? null : "modulus mismatch";
    }
    if (a instanceof ECPublicKey x && b instanceof ECPublicKey y) {
      if (!sameCurve(x.getParams(), y.getParams())) {
        return "curve mismatch";
      }
      boolean same =
          equal(x.getW().getAffineX(), y.getW().getAffineX())
              & equal(x.getW().getAffineY(), y.getW().getAffineY());
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

  private static boolean sameCurve(ECParameterSpec p, ECParameterSpec q) {
    return p.getCurve().equals(q.getCurve())
        && p.getGenerator().equals(q.getGenerator())
        && p.getOrder().equals(q.getOrder());
  }

  private static boolean equal(BigInteger x, BigInteger y) {
    return MessageDigest.isEqual(x.toByteArray(), y.toByteArray());
  }
}
