package dev.tpmdevid.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.labpki.TestPki;
import java.security.KeyPair;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's ECDSA verification provider: first for verify, absent for signing, same verdicts.
 */
class EcdsaVerificationTest {
  static final byte[] DATA = "nonce".getBytes();

  @BeforeAll
  static void install() {
    EcdsaVerification.install();
    EcdsaVerification.install(); // idempotent
  }

  static byte[] sign(KeyPair kp, String alg) throws Exception {
    Signature s = Signature.getInstance(alg);
    s.initSign(kp.getPrivate());
    s.update(DATA);
    assertThat(s.getProvider().getName()).isEqualTo("SunEC");
    return s.sign();
  }

  static boolean verify(KeyPair kp, String alg, byte[] sig) throws Exception {
    Signature v = Signature.getInstance(alg);
    v.initVerify(kp.getPublic());
    assertThat(v.getProvider().getName()).isEqualTo(EcdsaVerification.NAME);
    v.update(DATA);
    return v.verify(sig);
  }

  @Test
  void verifiesWhatSunEcSignsOnP256AndP384() throws Exception {
    for (String curve : new String[] {"secp256r1", "secp384r1"}) {
      KeyPair kp = TestPki.ec(curve);
      for (String alg : new String[] {"SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA"}) {
        byte[] sig = sign(kp, alg);
        assertThat(verify(kp, alg, sig)).as(curve + " " + alg).isTrue();
        byte[] bad = sig.clone();
        bad[bad.length - 1] ^= 1;
        assertThat(verify(kp, alg, bad)).as("flipped bit").isFalse();
      }
    }
  }

  @Test
  void rejectsOtherKeysAndNonCanonicalEncodings() throws Exception {
    KeyPair kp = TestPki.p256();
    byte[] sig = sign(kp, "SHA256withECDSA");
    assertThat(verify(TestPki.p256(), "SHA256withECDSA", sig)).as("other key").isFalse();
    byte[] trailing = Arrays.copyOf(sig, sig.length + 1);
    assertThat(verifyOrThrow(kp, trailing)).as("trailing byte").isFalse();
    byte[] longForm = new byte[sig.length + 1]; // SEQUENCE length in long form: BER, not DER
    longForm[0] = 0x30;
    longForm[1] = (byte) 0x81;
    longForm[2] = sig[1];
    System.arraycopy(sig, 2, longForm, 3, sig.length - 2);
    assertThat(verifyOrThrow(kp, longForm)).as("long-form length").isFalse();
  }

  @Test
  void refusesToSign() {
    assertThatThrownBy(
            () -> {
              Signature s =
                  Signature.getInstance(
                      "SHA256withECDSA",
                      java.security.Security.getProvider(EcdsaVerification.NAME));
              s.initSign(TestPki.p256().getPrivate());
            })
        .isInstanceOf(java.security.InvalidKeyException.class);
  }

  static boolean verifyOrThrow(KeyPair kp, byte[] sig) throws Exception {
    try {
      return verify(kp, "SHA256withECDSA", sig);
    } catch (SignatureException e) {
      return false;
    }
  }
}
