package dev.tpmdevid.core.cred;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import java.util.Arrays;
import javax.crypto.KeyAgreement;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * The NIST prime curves an ECC EK may use (TPM_ECC_CURVE, Part 2 §6.4), with the point checks and
 * the ECDH the credential seed needs (Part 1 §11.4.10.3, Part 4 CryptEccGetSecret).
 *
 * <p>Points are handled in TPMS_ECC_POINT form: x and y as unsigned big-endian integers of exactly
 * the curve's coordinate size. Every point from outside is validated (length, range, curve
 * equation; the cofactor is 1 so that also puts it in the prime-order group) before it meets a
 * private key.
 */
enum EccCurve {
  P256(0x0003, "secp256r1", 32),
  P384(0x0004, "secp384r1", 48);

  private final int tpmCurveId;
  private final String jcaName;
  private final int coordinateSize;
  private final ECParameterSpec spec;
  private final X9ECParameters bcParams;

  EccCurve(int tpmCurveId, String jcaName, int coordinateSize) {
    this.tpmCurveId = tpmCurveId;
    this.jcaName = jcaName;
    this.coordinateSize = coordinateSize;
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec(jcaName));
      this.spec = p.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("JDK lacks curve " + jcaName, e);
    }
    this.bcParams = CustomNamedCurves.getByName(jcaName);
  }

  static EccCurve fromTpmCurveId(int id) throws GeneralSecurityException {
    for (EccCurve c : values()) {
      if (c.tpmCurveId == id) {
        return c;
      }
    }
    throw new GeneralSecurityException(String.format("unsupported ECC curve 0x%04X", id & 0xFFFF));
  }

  /** Identifies a curve by its full domain parameters (not by name, which a key may not carry). */
  static EccCurve fromParams(ECParameterSpec params) throws GeneralSecurityException {
    for (EccCurve c : values()) {
      if (sameDomain(c.spec, params)) {
        return c;
      }
    }
    throw new GeneralSecurityException("unsupported ECC curve (only NIST P-256 and P-384)");
  }

  private static boolean sameDomain(ECParameterSpec a, ECParameterSpec b) {
    EllipticCurve ca = a.getCurve();
    EllipticCurve cb = b.getCurve();
    return ca.getField().equals(cb.getField())
        && ca.getA().equals(cb.getA())
        && ca.getB().equals(cb.getB())
        && a.getGenerator().equals(b.getGenerator())
        && a.getOrder().equals(b.getOrder())
        && a.getCofactor() == b.getCofactor();
  }

  int tpmCurveId() {
    return tpmCurveId;
  }

  String jcaName() {
    return jcaName;
  }

  /** Size in bytes of one coordinate (and of a scalar). */
  int coordinateSize() {
    return coordinateSize;
  }

  ECParameterSpec spec() {
    return spec;
  }

  /**
   * Builds a public key from TPMS_ECC_POINT coordinates after checking that each coordinate is
   * exactly {@link #coordinateSize()} bytes and the point is on the curve.
   */
  ECPublicKey publicKey(byte[] x, byte[] y) throws GeneralSecurityException {
    if (x == null || y == null || x.length != coordinateSize || y.length != coordinateSize) {
      throw new GeneralSecurityException(
          "ECC point coordinates must be " + coordinateSize + " bytes for " + jcaName);
    }
    ECPoint w = new ECPoint(new BigInteger(1, x), new BigInteger(1, y));
    checkOnCurve(w);
    return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
  }

  /** Checks that a JCA public key is a valid point of this curve. */
  void validate(ECPublicKey key) throws GeneralSecurityException {
    if (fromParams(key.getParams()) != this) {
      throw new GeneralSecurityException("ECC key is not on " + jcaName);
    }
    checkOnCurve(key.getW());
  }

  private void checkOnCurve(ECPoint w) throws GeneralSecurityException {
    if (w == null || ECPoint.POINT_INFINITY.equals(w)) {
      throw new GeneralSecurityException("ECC point is the point at infinity");
    }
    BigInteger p = ((ECFieldFp) spec.getCurve().getField()).getP();
    BigInteger x = w.getAffineX();
    BigInteger y = w.getAffineY();
    if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
      throw new GeneralSecurityException("ECC point coordinate out of range");
    }
    BigInteger lhs = y.multiply(y).mod(p);
    BigInteger rhs =
        x.multiply(x).add(spec.getCurve().getA()).multiply(x).add(spec.getCurve().getB()).mod(p);
    if (!lhs.equals(rhs)) {
      throw new GeneralSecurityException("ECC point is not on " + jcaName);
    }
  }

  /** Unsigned big-endian, left-padded to {@link #coordinateSize()} bytes. */
  byte[] toFixed(BigInteger v) throws GeneralSecurityException {
    byte[] raw = v.toByteArray();
    int start = 0;
    while (start < raw.length - 1 && raw[start] == 0) {
      start++;
    }
    int len = raw.length - start;
    if (v.signum() < 0 || len > coordinateSize) {
      throw new GeneralSecurityException("value does not fit " + jcaName + " coordinate size");
    }
    byte[] out = new byte[coordinateSize];
    System.arraycopy(raw, start, out, coordinateSize - len, len);
    return out;
  }

  /**
   * A private scalar drawn from {@code rng} by rejection sampling: {@link #coordinateSize()} bytes
   * read as an unsigned integer, accepted when {@code 1 <= d < n}.
   */
  BigInteger randomScalar(SecureRandom rng) throws GeneralSecurityException {
    BigInteger n = spec.getOrder();
    byte[] buf = new byte[coordinateSize];
    try {
      for (int attempt = 0; attempt < 64; attempt++) {
        rng.nextBytes(buf);
        BigInteger d = new BigInteger(1, buf);
        if (d.signum() > 0 && d.compareTo(n) < 0) {
          return d;
        }
      }
    } finally {
      Arrays.fill(buf, (byte) 0);
    }
    throw new GeneralSecurityException("random source produced no usable ECC scalar");
  }

  /** {@code d * G} in affine coordinates (fixed-base comb, regular in the scalar). */
  ECPoint multiplyBase(BigInteger d) {
    org.bouncycastle.math.ec.ECPoint q =
        new FixedPointCombMultiplier().multiply(bcParams.getG(), d).normalize();
    return new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
  }

  ECPrivateKey privateKey(BigInteger d) throws GeneralSecurityException {
    if (d.signum() <= 0 || d.compareTo(spec.getOrder()) >= 0) {
      throw new GeneralSecurityException("ECC private scalar out of range");
    }
    return (ECPrivateKey)
        KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, spec));
  }

  /**
   * ECDH: the x-coordinate of {@code priv * pub}, {@link #coordinateSize()} bytes. The public key
   * is validated first.
   */
  byte[] sharedX(ECPrivateKey priv, ECPublicKey pub) throws GeneralSecurityException {
    validate(pub);
    if (fromParams(priv.getParams()) != this) {
      throw new GeneralSecurityException("ECC private key is not on " + jcaName);
    }
    try {
      KeyAgreement ka = KeyAgreement.getInstance("ECDH");
      ka.init(priv);
      ka.doPhase(pub, true);
      byte[] z = ka.generateSecret();
      if (z.length == coordinateSize) {
        return z;
      }
      return toFixed(new BigInteger(1, z));
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw new GeneralSecurityException("ECDH failed", e);
    }
  }
}
