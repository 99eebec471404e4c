package dev.tpmdevid.core.cred;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Inputs MakeCredential must refuse, each with a clear error and before any ECDH / OAEP. */
class MakeCredentialValidationTest {

  private static final int SHA256 = 0x000B;
  private static final int AES = 0x0006;
  private static final SecureRandom RNG = new SecureRandom();
  private static KeyPair rsa;
  private static KeyPair p256;
  private static byte[] akName;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator r = KeyPairGenerator.getInstance("RSA");
    r.initialize(2048);
    rsa = r.generateKeyPair();
    KeyPairGenerator e = KeyPairGenerator.getInstance("EC");
    e.initialize(new ECGenParameterSpec("secp256r1"));
    p256 = e.generateKeyPair();
    akName = SoftwareActivationTest.name(HashAlg.SHA256);
  }

  private static void rejects(
      PublicKey ek, int nameAlg, int sym, int bits, byte[] name, byte[] cv, String message) {
    assertThatThrownBy(() -> MakeCredential.make(ek, nameAlg, sym, bits, name, cv, RNG))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining(message);
  }

  @Test
  void parameters() throws Exception {
    PublicKey ek = rsa.getPublic();
    byte[] cv = new byte[32];
    rejects(ek, 0x0010, AES, 128, akName, cv, "hash algorithm 0x0010");
    rejects(ek, 0x0012, AES, 128, akName, cv, "hash algorithm 0x0012");
    rejects(ek, SHA256, 0x0025, 128, akName, cv, "symmetric algorithm 0x0025");
    rejects(ek, SHA256, AES, 192, akName, cv, "AES key size");
    rejects(ek, 0x0004, AES, 256, akName, new byte[20], "nameAlg too short");
    rejects(ek, SHA256, AES, 128, akName, new byte[0], "credential value");
    rejects(ek, SHA256, AES, 128, akName, new byte[33], "credential value");
    rejects(ek, SHA256, AES, 128, new byte[] {0x00, 0x0B}, cv, "object name");
    rejects(ek, SHA256, AES, 128, new byte[34], cv, "hash algorithm 0x0000");
    byte[] shortName = java.util.Arrays.copyOf(akName, 33);
    rejects(ek, SHA256, AES, 128, shortName, cv, "object name length");
  }

  @Test
  void rsaKeys() throws Exception {
    KeyPairGenerator r = KeyPairGenerator.getInstance("RSA");
    r.initialize(1024);
    rejects(
        r.generateKeyPair().getPublic(), SHA256, AES, 128, akName, new byte[32], "modulus size");
    KeyFactory kf = KeyFactory.getInstance("RSA");
    java.security.interfaces.RSAPublicKey good =
        (java.security.interfaces.RSAPublicKey) rsa.getPublic();
    PublicKey evenE =
        kf.generatePublic(
            new java.security.spec.RSAPublicKeySpec(good.getModulus(), BigInteger.valueOf(65536)));
    rejects(evenE, SHA256, AES, 128, akName, new byte[32], "malformed");
  }

  @Test
  void eccEkPointIsValidatedBeforeEcdh() throws Exception {
    ECPublicKey good = (ECPublicKey) p256.getPublic();
    ECPoint w = good.getW();
    KeyFactory kf = KeyFactory.getInstance("EC");
    // off the curve: y + 1
    PublicKey off =
        kf.generatePublic(
            new ECPublicKeySpec(
                new ECPoint(w.getAffineX(), w.getAffineY().add(BigInteger.ONE)), good.getParams()));
    rejects(off, SHA256, AES, 128, akName, new byte[32], "not on secp256r1");
    // coordinate >= p
    BigInteger p = ((java.security.spec.ECFieldFp) good.getParams().getCurve().getField()).getP();
    // (the JDK's KeyFactory refuses such a point, a foreign ECPublicKey implementation need not)
    PublicKey big =
        foreignKey(new ECPoint(w.getAffineX().add(p), w.getAffineY()), good.getParams());
    rejects(big, SHA256, AES, 128, akName, new byte[32], "out of range");
    // TPMS_ECC_POINT form: identity-like (0,0), empty and wrong-length coordinates
    assertThatThrownBy(() -> EccCurve.P256.publicKey(new byte[32], new byte[32]))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("not on");
    assertThatThrownBy(() -> EccCurve.P256.publicKey(new byte[0], new byte[0]))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("32 bytes");
    byte[] x = EccCurve.P256.toFixed(w.getAffineX());
    byte[] y = EccCurve.P256.toFixed(w.getAffineY());
    assertThatThrownBy(() -> EccCurve.P256.publicKey(java.util.Arrays.copyOf(x, 33), y))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> EccCurve.P384.publicKey(x, y))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("48 bytes");
    // an unsupported curve
    KeyPairGenerator e = KeyPairGenerator.getInstance("EC");
    e.initialize(new ECGenParameterSpec("secp521r1"));
    rejects(
        e.generateKeyPair().getPublic(),
        SHA256,
        AES,
        128,
        akName,
        new byte[32],
        "unsupported ECC curve");
  }

  @Test
  void otherKeyTypes() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
    rejects(
        g.generateKeyPair().getPublic(),
        SHA256,
        AES,
        128,
        akName,
        new byte[32],
        "unsupported EK key type");
  }

  private static ECPublicKey foreignKey(ECPoint w, java.security.spec.ECParameterSpec params) {
    return new ECPublicKey() {
      private static final long serialVersionUID = 1L;

      @Override
      public ECPoint getW() {
        return w;
      }

      @Override
      public java.security.spec.ECParameterSpec getParams() {
        return params;
      }

      @Override
      public String getAlgorithm() {
        return "EC";
      }

      @Override
      public String getFormat() {
        return null;
      }

      @Override
      public byte[] getEncoded() {
        return null;
      }
    };
  }
}
