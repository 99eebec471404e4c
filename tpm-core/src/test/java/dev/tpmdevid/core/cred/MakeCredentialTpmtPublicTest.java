package dev.tpmdevid.core.cred;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.tpm.ObjectAttribute;
import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmtPublic;
import java.io.InputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The TpmtPublic entry point: parameters come from the EK public area. */
class MakeCredentialTpmtPublicTest {

  private static final HexFormat HEX = HexFormat.of();
  private static final SecureRandom RNG = new SecureRandom();
  private static final ObjectAttributes EK_ATTRS =
      ObjectAttributes.of(
          ObjectAttribute.FIXED_TPM, ObjectAttribute.FIXED_PARENT,
          ObjectAttribute.SENSITIVE_DATA_ORIGIN, ObjectAttribute.ADMIN_WITH_POLICY,
          ObjectAttribute.RESTRICTED, ObjectAttribute.DECRYPT);

  private static final String KL_ECC_EK =
      "007a0023000b000300b20020837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1"
          + "da1b331469aa0006008000430010000300100020d31f0e190c36691abdc5c8cef7201139664f"
          + "93bcc45e68861a62d649d9a157d400209bf3cc57da9b2c09539cae40f0518e651b65befaab84"
          + "f26a3285d88be134b0cf";

  @Test
  void keylimeEccVectorThroughTpmtPublic() throws Exception {
    TpmtPublic ek = TpmtPublic.parseTpm2b(HEX.parseHex(KL_ECC_EK));
    BigInteger d =
        new BigInteger(
            "75548318724506252006992803713632448754009807765151974952668642988315053146586");
    CredentialBlob blob =
        MakeCredential.make(
            ek,
            HEX.parseHex("000b9f7f75b0564ea96bd70ef98baafbf6bf779641d17576bd11b5c6979273d2ba21"),
            HEX.parseHex("7756666e6e4574706552556d717932656e7954474c64434f576a523545654a69"),
            new FixedRandom(EccCurve.P256.toFixed(d), (byte) 0));
    assertThat(HEX.formatHex(blob.toTpm2ToolsFormat()))
        .isEqualTo(
            "badcc0de00000001004400207d7934f023133b07f7d9bce3062451ea4da5f1917c95e1"
                + "42da1c3277e658f66bbea694a7c1b30d006a09b28dc534876d59b644b9223c5f3c3432"
                + "d8bae35f3ea3fba600440020361ce888d5152797aaca04838003976967c0c0a0a0e969"
                + "8b7b5e6e5294e21711002078daa91b35fb5efc70052a470064a96dd556bd53a784d737"
                + "e40966edc5f36ce8");
  }

  @Test
  void goTpmRsaVectorThroughTpmtPublic() throws Exception {
    RSAPublicKey key =
        (RSAPublicKey)
            MakeCredentialKatTest.spki(
                "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArIqmuAvuIcakIEPd2hZl"
                    + "avob21ehQ7zaHduJQNbNuKVSc1HTlvw9DkWN03b0SktcRIfsjw/omqPl60RhCx0j"
                    + "qxsYnf5Gk4jhfCnUeQVicAqHnUGrKjMkLIGTZVOpyqBEXHsdhugw6M5HVIKyfwNO"
                    + "KhvLZKRH8JkvtElVhLQ6E2+H83XoSpkt9oCnGPyN2Z5qRP+fhQiRylMCD8Rz8ABn"
                    + "YVqGBBrG+2cBt/0uFLjxHx2mm/4sI/1scG5xrcrDLva9WZB40MehW5VlS6Fwqq05"
                    + "dKtLGpk7ludjH38m2zhM5/UdKZ34skJaS/Aiyj+P5AT1BpJL2ZtjCbBdnMDUSbRF"
                    + "1QIDAQAB");
    TpmtPublic ek =
        TpmtPublic.fromPublicKey(key, TpmAlg.SHA256, EK_ATTRS, TpmtPublic.Scheme.NULL).toBuilder()
            .symmetric(TpmtPublic.Symmetric.AES_128_CFB)
            .build();
    byte[] akName =
        MakeCredentialKatTest.concat(
            new byte[] {0x00, 0x0B},
            Base64.getDecoder().decode("5snpf9qRfKD2Tb72eLAZqC/a/MyUhg+IvdwDZkTJK9w="));
    byte[] secret = Base64.getDecoder().decode("AQIDBAUGBwgBAgMEBQYHCAECAwQFBgcIAQIDBAUGBwg=");
    CredentialBlob viaTpmt = MakeCredential.make(ek, akName, secret, FixedRandom.zeros());
    CredentialBlob viaJca =
        MakeCredential.make(key, 0x000B, 0x0006, 128, akName, secret, FixedRandom.zeros());
    assertThat(viaTpmt).isEqualTo(viaJca);
    assertThat(HEX.formatHex(viaTpmt.credential())).startsWith("002058ca640528dd69a0c6ef82a8");
  }

  /** EK public areas written by a real swtpm (tpm2_createek), fixtures of the tpm package. */
  @Test
  void swtpmEkPublicAreas() throws Exception {
    byte[] akName = SoftwareActivationTest.name(HashAlg.SHA256);
    TpmtPublic rsa = TpmtPublic.parse(tpmFixture("ek-rsa.tpmt"));
    CredentialBlob r = MakeCredential.make(rsa, akName, new byte[32], RNG);
    assertThat(r.credential()).hasSize(68);
    assertThat(r.encryptedSecret()).hasSize(256);
    TpmtPublic ecc = TpmtPublic.parse(tpmFixture("ek-ecc.tpmt"));
    CredentialBlob e = MakeCredential.make(ecc, akName, new byte[32], RNG);
    assertThat(e.credential()).hasSize(68);
    assertThat(e.encryptedSecret()).hasSize(2 + 32 + 2 + 32);
  }

  @Test
  void rejectsUnusableEkPublicAreas() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    TpmtPublic good =
        TpmtPublic.fromPublicKey(kp.getPublic(), TpmAlg.SHA256, EK_ATTRS, TpmtPublic.Scheme.NULL)
            .toBuilder()
            .symmetric(TpmtPublic.Symmetric.AES_128_CFB)
            .build();
    byte[] akName = SoftwareActivationTest.name(HashAlg.SHA256);
    byte[] secret = new byte[32];
    CredentialBlob ok = MakeCredential.make(good, akName, secret, RNG);
    assertThat(SoftwareActivation.activate(kp.getPrivate(), 0x000B, 0x0006, 128, akName, ok))
        .isEqualTo(secret);

    TpmtPublic noSym = good.toBuilder().symmetric(TpmtPublic.Symmetric.NULL).build();
    assertThatThrownBy(() -> MakeCredential.make(noSym, akName, secret, RNG))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("not CFB");
    TpmtPublic cbc =
        good.toBuilder().symmetric(new TpmtPublic.Symmetric(TpmAlg.AES, 128, TpmAlg.CBC)).build();
    assertThatThrownBy(() -> MakeCredential.make(cbc, akName, secret, RNG))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("not CFB");
    TpmtPublic aes192 =
        good.toBuilder().symmetric(new TpmtPublic.Symmetric(TpmAlg.AES, 192, TpmAlg.CFB)).build();
    assertThatThrownBy(() -> MakeCredential.make(aes192, akName, secret, RNG))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("AES key size");
    TpmtPublic signing =
        good.toBuilder().attributes(EK_ATTRS.without(ObjectAttribute.DECRYPT)).build();
    assertThatThrownBy(() -> MakeCredential.make(signing, akName, secret, RNG))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("not a decryption key");
    byte[] x = good.eccX();
    byte[] y = good.eccY();
    y[31] ^= 1;
    TpmtPublic offCurve = good.toBuilder().eccPoint(x, y).build();
    assertThatThrownBy(() -> MakeCredential.make(offCurve, akName, secret, RNG))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("not on");
    TpmtPublic template = good.toBuilder().eccPoint(new byte[0], new byte[0]).build();
    assertThatThrownBy(() -> MakeCredential.make(template, akName, secret, RNG))
        .isInstanceOf(GeneralSecurityException.class);
  }

  private static byte[] tpmFixture(String name) throws Exception {
    try (InputStream in =
        MakeCredentialTpmtPublicTest.class.getResourceAsStream(
            "/dev/tpmdevid/core/tpm/swtpm/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }
}
