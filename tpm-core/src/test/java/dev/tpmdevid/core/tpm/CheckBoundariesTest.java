package dev.tpmdevid.core.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The edges of the security checks in this package that the other tests left open (found by PIT,
 * see docs/robustness.md): curve-point coordinate bounds, the RSA-PSS salt lengths accepted, name
 * comparison and name-algorithm decoding, and the symmetric/scheme/KDF definitions refused.
 */
class CheckBoundariesTest {

  // ------------------------------------------------------------------ isOnCurve

  @Test
  void isOnCurve_coordinateBounds() throws Exception {
    ECParameterSpec params = TpmtPublic.ecParameters("secp256r1");
    BigInteger p = ((ECFieldFp) params.getCurve().getField()).getP();
    ECPoint g = params.getGenerator();
    assertThat(TpmtPublic.isOnCurve(params, g)).isTrue();
    assertThat(
            TpmtPublic.isOnCurve(
                params, new ECPoint(g.getAffineX(), g.getAffineY().add(BigInteger.ONE))))
        .isFalse();
    // the same point with a coordinate shifted by p is congruent but out of range
    assertThat(TpmtPublic.isOnCurve(params, new ECPoint(g.getAffineX().add(p), g.getAffineY())))
        .isFalse();
    assertThat(TpmtPublic.isOnCurve(params, new ECPoint(g.getAffineX(), g.getAffineY().add(p))))
        .isFalse();
    assertThat(
            TpmtPublic.isOnCurve(params, new ECPoint(g.getAffineX().subtract(p), g.getAffineY())))
        .isFalse();
    assertThat(
            TpmtPublic.isOnCurve(params, new ECPoint(g.getAffineX(), g.getAffineY().subtract(p))))
        .isFalse();

    // x = 0 is a point of P-256 (b is a square mod p); x = p is the same residue, out of range
    BigInteger b = params.getCurve().getB();
    BigInteger y0 = b.modPow(p.add(BigInteger.ONE).shiftRight(2), p); // p = 3 mod 4
    assertThat(y0.multiply(y0).mod(p)).as("b is a square mod p for P-256").isEqualTo(b);
    assertThat(TpmtPublic.isOnCurve(params, new ECPoint(BigInteger.ZERO, y0))).isTrue();
    assertThat(TpmtPublic.isOnCurve(params, new ECPoint(p, y0))).isFalse();
    assertThat(TpmtPublic.isOnCurve(params, new ECPoint(BigInteger.ZERO, p.subtract(y0)))).isTrue();
  }

  // ------------------------------------------------------------------ RSA-PSS salt lengths

  @Test
  void rsapssVerify_acceptsDigestAndMaximumSaltOnly() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    byte[] msg = "attest".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    int modBytes = (((RSAPublicKey) kp.getPublic()).getModulus().bitLength() + 7) / 8;
    assertThat(TpmtSignature.rsapss(TpmAlg.SHA256, pss(kp, msg, 32)).verify(kp.getPublic(), msg))
        .isTrue();
    assertThat(
            TpmtSignature.rsapss(TpmAlg.SHA256, pss(kp, msg, modBytes - 32 - 2))
                .verify(kp.getPublic(), msg))
        .isTrue();
    assertThat(TpmtSignature.rsapss(TpmAlg.SHA256, pss(kp, msg, 20)).verify(kp.getPublic(), msg))
        .isFalse();
    assertThat(TpmtSignature.rsapss(TpmAlg.SHA256, pss(kp, msg, 0)).verify(kp.getPublic(), msg))
        .isFalse();
    assertThat(
            TpmtSignature.rsapss(TpmAlg.SHA256, pss(kp, msg, 32))
                .verify(
                    kp.getPublic(), "other".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
        .isFalse();
  }

  private static byte[] pss(KeyPair kp, byte[] msg, int salt) throws Exception {
    Signature s = Signature.getInstance("RSASSA-PSS");
    s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, salt, 1));
    s.initSign(kp.getPrivate());
    s.update(msg);
    return s.sign();
  }

  // ------------------------------------------------------------------ names

  @Test
  void names_matchOnlyEqualContents() {
    byte[] d = new byte[32];
    TpmName a = TpmName.ofDigest(TpmAlg.SHA256, d);
    byte[] d2 = d.clone();
    d2[31] = 1;
    assertThat(a.matches(TpmName.ofDigest(TpmAlg.SHA256, d.clone()))).isTrue();
    assertThat(a.matches(TpmName.ofDigest(TpmAlg.SHA256, d2))).isFalse();
    assertThat(a.matches(TpmName.EMPTY)).isFalse();
  }

  @Test
  void names_algorithmIsTheWholeFirstTwoBytes() throws Exception {
    byte[] sha256 = new byte[34];
    sha256[1] = 0x0B;
    assertThat(TpmName.of(sha256).nameAlg()).isEqualTo(TpmAlg.SHA256);
    byte[] highByte = sha256.clone();
    highByte[0] = 0x01; // 0x010B is no hash algorithm
    assertThatThrownBy(() -> TpmName.of(highByte))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("not a hash algorithm");
    // two bytes: an algorithm without a digest, not a malformed handle
    assertThatThrownBy(() -> TpmName.of(Arrays.copyOf(sha256, 2)))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("digest name of")
        .hasMessageContaining("must be 34 bytes");
    assertThatThrownBy(() -> TpmName.of(new byte[1]))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("neither a handle nor a digest name");
  }

  // ------------------------------------------------------------------ definitions refused

  @Test
  void symmetricDefinitions_refused() {
    assertThatThrownBy(() -> new TpmtPublic.Symmetric(TpmAlg.AES, 100, TpmAlg.CFB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported keyBits 100");
    assertThatThrownBy(() -> new TpmtPublic.Symmetric(TpmAlg.AES, 128, 0x0099))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported mode");
    assertThatThrownBy(() -> new TpmtPublic.Symmetric(TpmAlg.NULL, 128, TpmAlg.NULL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NULL takes no keyBits");
    assertThatThrownBy(() -> new TpmtPublic.Symmetric(TpmAlg.NULL, 0, TpmAlg.CFB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NULL takes no keyBits");
    assertThat(new TpmtPublic.Symmetric(TpmAlg.AES, 192, TpmAlg.CFB).keyBits()).isEqualTo(192);
  }
}
