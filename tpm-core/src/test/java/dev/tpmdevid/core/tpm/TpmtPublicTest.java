package dev.tpmdevid.core.tpm;

import static dev.tpmdevid.core.tpm.Fixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TpmtPublicTest {
  // docs/protocol.md#templates
  static final String EK_L1 =
      "0001 / 000B / 000300B2 / 0020 837197674484B3F81A90CC8D46A5D724FD52D76E06520B64F2A1DA1B331469AA"
          + " / 0006 0080 0043 / 0010 / 0800 / 00000000 / 0100"
          + "00".repeat(256);
  static final String SRK_H1 =
      "0001 / 000B / 00030472 / 0000 / 0006 0080 0043 / 0010 / 0800 / 00000000 / 0000";
  static final String SRK_H2 =
      "0023 / 000B / 00030472 / 0000 / 0006 0080 0043 / 0010 / 0003 / 0010 / 0000 / 0000";
  static final String AK_RSA =
      "0001 / 000B / 00050072 / 0000 / 0010 / 0014 000B / 0800 / 00000000 / 0000";
  static final byte[] EK_POLICY =
      hex("837197674484B3F81A90CC8D46A5D724FD52D76E06520B64F2A1DA1B331469AA");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "srk-rsa.tpmt",
        "srk-ecc.tpmt",
        "ek-rsa.tpmt",
        "ek-ecc.tpmt",
        "certify-rsa-rsa.devid.tpmt",
        "certify-rsa-ecc.devid.tpmt",
        "certify-ecc-rsa.devid.tpmt",
        "sign-rsapss.tpmt"
      })
  void swtpmTpmtRoundTripsByteExact(String file) throws Exception {
    byte[] b = Fixtures.swtpm(file);
    TpmtPublic p = TpmtPublic.parse(b);
    assertThat(p.encode()).isEqualTo(b);
    assertThat(TpmtPublic.parse(p.encode())).isEqualTo(p);
    assertThat(p.toBuilder().build()).isEqualTo(p);
    assertThat(p.toPublicKey()).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"devid-rsa.pub", "devid-ecc.pub", "devid-ecc384.pub", "ak-rsa.pub", "ak-ecc.pub"})
  void tpm2ToolsTpm2bRoundTripsByteExact(String file) throws Exception {
    byte[] b = Fixtures.swtpm(file);
    TpmtPublic p = TpmtPublic.parseTpm2b(b);
    assertThat(p.encodeTpm2b()).isEqualTo(b);
    assertThat(p.encode()).isEqualTo(Arrays.copyOfRange(b, 2, b.length));
  }

  @Test
  void swtpmKeysHaveTheRequestedTemplates() throws Exception {
    TpmtPublic ek = TpmtPublic.parse(Fixtures.swtpm("ek-rsa.tpmt"));
    assertThat(ek.objectAttributes().bits()).isEqualTo(0x000300B2);
    assertThat(ek.authPolicy()).isEqualTo(EK_POLICY);
    assertThat(ek.symmetric()).isEqualTo(TpmtPublic.Symmetric.AES_128_CFB);
    assertThat(ek.rsaKeyBits()).isEqualTo(2048);
    assertThat(ek.rsaExponent()).isZero();
    assertThat(((RSAPublicKey) ek.toPublicKey()).getPublicExponent())
        .isEqualTo(BigInteger.valueOf(65537));

    TpmtPublic srk = TpmtPublic.parse(Fixtures.swtpm("srk-rsa.tpmt"));
    assertThat(srk.objectAttributes().bits()).isEqualTo(0x00030472);
    TpmtPublic srkTemplate = TpmtPublic.parse(hex(SRK_H1));
    assertThat(srk.toBuilder().rsaModulus(new byte[0]).build()).isEqualTo(srkTemplate);

    TpmtPublic devid = TpmtPublic.parseTpm2b(Fixtures.swtpm("devid-ecc.pub"));
    assertThat(devid.isEcc()).isTrue();
    assertThat(devid.objectAttributes().bits()).isEqualTo(0x00040072);
    assertThat(devid.scheme()).isEqualTo(TpmtPublic.Scheme.ECDSA_SHA256);
    assertThat(devid.curveId()).isEqualTo(TpmAlg.ECC_NIST_P256);
    assertThat(devid.eccX()).hasSize(32);

    TpmtPublic devid384 = TpmtPublic.parseTpm2b(Fixtures.swtpm("devid-ecc384.pub"));
    ECPublicKey k = (ECPublicKey) devid384.toPublicKey();
    assertThat(k.getParams().getCurve().getField().getFieldSize()).isEqualTo(384);
  }

  @Test
  void specTemplatesParseAndBuildIdentically() throws Exception {
    TpmtPublic ek =
        TpmtPublic.builder()
            .type(TpmAlg.RSA)
            .nameAlg(TpmAlg.SHA256)
            .attributes(
                ObjectAttributes.of(
                    ObjectAttribute.FIXED_TPM,
                    ObjectAttribute.FIXED_PARENT,
                    ObjectAttribute.SENSITIVE_DATA_ORIGIN,
                    ObjectAttribute.ADMIN_WITH_POLICY,
                    ObjectAttribute.RESTRICTED,
                    ObjectAttribute.DECRYPT))
            .authPolicy(EK_POLICY)
            .symmetric(TpmtPublic.Symmetric.AES_128_CFB)
            .scheme(TpmtPublic.Scheme.NULL)
            .rsaKeyBits(2048)
            .rsaExponent(0)
            .rsaModulus(new byte[256])
            .build();
    assertThat(ek.encode()).isEqualTo(hex(EK_L1));
    assertThat(TpmtPublic.parse(hex(EK_L1))).isEqualTo(ek);

    TpmtPublic ak =
        TpmtPublic.builder()
            .attributes(ObjectAttributes.fromBits(0x00050072))
            .scheme(TpmtPublic.Scheme.RSASSA_SHA256)
            .build();
    assertThat(ak.encode()).isEqualTo(hex(AK_RSA));
    assertThat(TpmtPublic.parse(hex(SRK_H2)).encode()).isEqualTo(hex(SRK_H2));
    assertThat(TpmtPublic.parse(hex(SRK_H2)).isEcc()).isTrue();
  }

  @Test
  void nameIsNameAlgAndDigestOfEncoding() throws Exception {
    byte[] b = Fixtures.swtpm("certify-rsa-rsa.devid.tpmt");
    TpmName n = TpmtPublic.parse(b).name();
    byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(b);
    assertThat(n.toBytes()).hasSize(34);
    assertThat(Arrays.copyOfRange(n.toBytes(), 0, 2)).isEqualTo(new byte[] {0x00, 0x0B});
    assertThat(n.digest()).isEqualTo(digest);
    assertThat(TpmtPublic.parse(b).nameBytes()).isEqualTo(n.toBytes());
  }

  @Test
  void nameOfNullNameAlgIsAnError() throws Exception {
    TpmtPublic p = TpmtPublic.builder().nameAlg(TpmAlg.NULL).build();
    assertThatThrownBy(p::name)
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("nameAlg");
  }

  @Test
  void fromPublicKeyRoundTripsSoftwareKeys() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    PublicKey rk = rsa.generateKeyPair().getPublic();
    ObjectAttributes ak = ObjectAttributes.fromBits(0x00050072);
    TpmtPublic rp = TpmtPublic.fromPublicKey(rk, ak);
    assertThat(rp.rsaExponent()).isZero();
    assertThat(rp.scheme()).isEqualTo(TpmtPublic.Scheme.RSASSA_SHA256);
    assertThat(rp.toPublicKey()).isEqualTo(rk);
    assertThat(TpmtPublic.parse(rp.encode())).isEqualTo(rp);

    for (String curve : new String[] {"secp256r1", "secp384r1"}) {
      KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
      ec.initialize(new ECGenParameterSpec(curve));
      PublicKey ek = ec.generateKeyPair().getPublic();
      TpmtPublic ep = TpmtPublic.fromPublicKey(ek, ak);
      assertThat(ep.toPublicKey()).isEqualTo(ek);
      assertThat(TpmtPublic.parse(ep.encode())).isEqualTo(ep);
    }
  }

  @Test
  void documentedMessageFormat() {
    // RSA template whose unique.rsa claims 300 bytes with 12 left
    byte[] b = hex("0001 000B 00040072 0000 0010 0014 000B 0800 00000000 012C" + "00".repeat(12));
    assertThatThrownBy(() -> TpmtPublic.parse(b))
        .isInstanceOf(TpmFormatException.class)
        .hasMessage("TPMT_PUBLIC.unique.rsa: length 300 exceeds remaining 12 bytes at offset 22");
  }

  @Test
  void rejectsTrailingBytes() {
    byte[] b = Arrays.copyOf(hex(AK_RSA), hex(AK_RSA).length + 1);
    assertThatThrownBy(() -> TpmtPublic.parse(b))
        .isInstanceOf(TpmFormatException.class)
        .hasMessage("TPMT_PUBLIC: 1 trailing bytes at offset 24");
  }

  @Test
  void rejectsOtherTypesByName() {
    assertThatThrownBy(() -> TpmtPublic.parse(hex("0008 000B 00040072 0000 0010")))
        .hasMessageContaining("TPMT_PUBLIC.type: unsupported type 0x0008 (KEYEDHASH)")
        .hasMessageEndingWith("at offset 0");
    assertThatThrownBy(() -> TpmtPublic.parse(hex("0025 000B 00040072 0000 0010")))
        .hasMessageContaining("0x0025 (SYMCIPHER)");
  }

  @Test
  void rejectsReservedAttributesAndBadLengths() {
    assertThatThrownBy(() -> TpmtPublic.parse(hex(AK_RSA.replace("00050072", "00050073"))))
        .hasMessage("TPMT_PUBLIC.objectAttributes: reserved bits set: 0x00000001 at offset 4");
    assertThatThrownBy(
            () -> TpmtPublic.parse(hex(AK_RSA.replace("/ 0000 / 0010", "/ 0001 00 / 0010"))))
        .hasMessageContaining(
            "TPMT_PUBLIC.authPolicy: length 1 is neither 0 nor the nameAlg digest size 32");
    assertThatThrownBy(() -> TpmtPublic.parse(hex(AK_RSA.replace("0800", "0801"))))
        .hasMessageContaining("TPMT_PUBLIC.keyBits: unsupported RSA key size 2049");
    assertThatThrownBy(
            () -> TpmtPublic.parse(hex(AK_RSA.replace("/ 0000", "/ 0002 0000").substring(0))))
        .isInstanceOf(TpmFormatException.class);
    assertThatThrownBy(() -> TpmtPublic.parse(hex(AK_RSA.replace("0014 000B", "0018 000B"))))
        .hasMessageContaining("TPMT_PUBLIC.scheme: 0x0018 (ECDSA) is not an RSA scheme");
    assertThatThrownBy(() -> TpmtPublic.parse(hex(AK_RSA.replace("0014 000B", "0014 0010"))))
        .hasMessageContaining(
            "TPMT_PUBLIC.scheme.details.hashAlg: 0x0010 (NULL) is not a hash algorithm");
    assertThatThrownBy(() -> TpmtPublic.parse(hex(AK_RSA.replace("000B / 0005", "0099 / 0005"))))
        .hasMessageContaining("TPMT_PUBLIC.nameAlg: unsupported name algorithm 0x0099 (unknown)");
    assertThatThrownBy(() -> TpmtPublic.parse(hex(SRK_H2.replace("0003 / 0010", "0010 / 0010"))))
        .hasMessageContaining("TPMT_PUBLIC.curveID: unsupported curve 0x0010 (BN_P256)");
    assertThatThrownBy(
            () -> TpmtPublic.parse(hex(SRK_H2.replace("0006 0080 0043", "0006 0081 0043"))))
        .hasMessageContaining("TPMT_PUBLIC.symmetric: unsupported keyBits 129");
  }

  @Test
  void rejectsPointNotOnCurveAndWeirdRsaKeys() throws Exception {
    TpmtPublic devid = TpmtPublic.parseTpm2b(Fixtures.swtpm("devid-ecc.pub"));
    byte[] y = devid.eccY();
    y[31] ^= 1;
    TpmtPublic bad = devid.toBuilder().eccPoint(devid.eccX(), y).build();
    assertThatThrownBy(bad::toPublicKey)
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("not on secp256r1");
    TpmtPublic zero = devid.toBuilder().eccPoint(new byte[32], new byte[32]).build();
    assertThatThrownBy(zero::toPublicKey).isInstanceOf(TpmFormatException.class);

    TpmtPublic rsa = TpmtPublic.parse(Fixtures.swtpm("certify-rsa-rsa.devid.tpmt"));
    byte[] even = rsa.rsaModulus();
    even[255] &= (byte) 0xFE;
    assertThatThrownBy(() -> rsa.toBuilder().rsaModulus(even).build().toPublicKey())
        .hasMessageContaining("not an odd 2048-bit number");
    assertThatThrownBy(() -> rsa.toBuilder().rsaExponent(4).build().toPublicKey())
        .hasMessageContaining("exponent");
    assertThatThrownBy(() -> TpmtPublic.parse(hex(SRK_H1)).toPublicKey())
        .hasMessageContaining("template");
    TpmtPublic p521 =
        TpmtPublic.builder()
            .type(TpmAlg.ECC)
            .curveId(TpmAlg.ECC_NIST_P521)
            .eccPoint(new byte[66], new byte[66])
            .build();
    assertThatThrownBy(p521::toPublicKey).hasMessageContaining("not supported for keys");
  }

  @Test
  void builderValidatesLikeTheParser() {
    assertThatThrownBy(() -> TpmtPublic.builder().rsaModulus(new byte[10]).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unique.rsa");
    assertThatThrownBy(() -> TpmtPublic.builder().type(TpmAlg.KEYEDHASH).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> TpmtPublic.builder().type(TpmAlg.ECC).eccPoint(new byte[32], new byte[0]).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ObjectAttributes.fromBits(0x1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void attributesPrintByName() {
    assertThat(ObjectAttributes.fromBits(0x00050072).toString())
        .isEqualTo(
            "fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|restricted|sign (0x00050072)");
    assertThat(
            ObjectAttributes.fromBits(0x00050072)
                .containsAll(ObjectAttributes.fromBits(0x00050032)))
        .isTrue();
  }
}
