package dev.tpmdevid.core.cred;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The edges of the credential checks that the other tests left open (found by PIT, see
 * docs/robustness.md): a fresh seed per credential, the ECDH peer-key validation, and the object
 * name and credential length checks at their exact boundaries.
 */
class CheckBoundariesTest {
  private static final int SHA256 = 0x000B;
  private static final int AES = 0x0006;
  private static final SecureRandom RNG = new SecureRandom();

  private static byte[] akName() {
    byte[] n = new byte[34];
    n[1] = 0x0B;
    RNG.nextBytes(n);
    n[0] = 0;
    n[1] = 0x0B;
    return n;
  }

  @Test
  void rsaEk_everyCredentialHasAFreshSeed() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair ek = g.generateKeyPair();
    byte[] name = akName();
    byte[] secret = new byte[32];
    CredentialBlob a = MakeCredential.make(ek.getPublic(), SHA256, AES, 128, name, secret, RNG);
    CredentialBlob b = MakeCredential.make(ek.getPublic(), SHA256, AES, 128, name, secret, RNG);
    // same EK, name and secret: only the seed differs, so the protected credential must differ
    assertThat(a.credential()).isNotEqualTo(b.credential());
  }

  @Test
  void ecdh_peerKeyOffTheCurve_refusedByOurValidation() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    ECPublicKey pub = (ECPublicKey) kp.getPublic();
    ECPoint w = pub.getW();
    ECPublicKey off =
        (ECPublicKey)
            KeyFactory.getInstance("EC")
                .generatePublic(
                    new ECPublicKeySpec(
                        new ECPoint(w.getAffineX(), w.getAffineY().add(BigInteger.ONE)),
                        pub.getParams()));
    assertThatThrownBy(() -> EccCurve.P256.sharedX((ECPrivateKey) kp.getPrivate(), off))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("not on secp256r1");
    assertThat(EccCurve.P256.sharedX((ECPrivateKey) kp.getPrivate(), pub)).hasSize(32);
  }

  @Test
  void objectName_boundaries() throws Exception {
    byte[] good = akName();
    CredentialProtection.checkObjectName(good);
    assertThatThrownBy(() -> CredentialProtection.checkObjectName(new byte[1]))
        .hasMessageContaining("object name too short");
    // two bytes: a hash algorithm without its digest
    assertThatThrownBy(() -> CredentialProtection.checkObjectName(Arrays.copyOf(good, 2)))
        .hasMessageContaining("does not match its hash algorithm");
    byte[] highByte = good.clone();
    highByte[0] = 0x01; // 0x010B is no hash algorithm
    assertThatThrownBy(() -> CredentialProtection.checkObjectName(highByte))
        .isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void credential_lengthBoundaries() throws Exception {
    byte[] seed = new byte[16];
    byte[] name = akName();
    // integrity size 32 and exactly the 3 bytes of encIdentity the format needs: long enough,
    // refused by the integrity check rather than as too short
    byte[] minimal = new byte[2 + 32 + 3];
    minimal[1] = 32;
    assertThatThrownBy(
            () -> CredentialProtection.credentialToSecret(HashAlg.SHA256, 128, seed, name, minimal))
        .isInstanceOf(GeneralSecurityException.class)
        .message()
        .doesNotContain("too short");
    byte[] oneShort = Arrays.copyOf(minimal, minimal.length - 1);
    assertThatThrownBy(
            () ->
                CredentialProtection.credentialToSecret(HashAlg.SHA256, 128, seed, name, oneShort))
        .hasMessageContaining("credential too short");
    // the integrity size is the whole first two bytes
    byte[] highByte = minimal.clone();
    highByte[0] = 0x01;
    assertThatThrownBy(
            () ->
                CredentialProtection.credentialToSecret(HashAlg.SHA256, 128, seed, name, highByte))
        .hasMessageContaining("integrity has the wrong size");
  }
}
