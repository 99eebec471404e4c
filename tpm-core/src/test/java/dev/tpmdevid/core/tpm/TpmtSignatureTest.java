package dev.tpmdevid.core.tpm;

import static dev.tpmdevid.core.tpm.Fixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TpmtSignatureTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "certify-rsa-rsa.sig",
        "certify-rsa-ecc.sig",
        "certify-ecc-rsa.sig",
        "sign-rsapss.sig"
      })
  void swtpmSignaturesRoundTrip(String file) throws Exception {
    byte[] b = Fixtures.swtpm(file);
    TpmtSignature s = TpmtSignature.parse(b);
    assertThat(s.encode()).isEqualTo(b);
    assertThat(s.hashAlg()).isEqualTo(TpmAlg.SHA256);
  }

  @Test
  void goAgentShape() throws Exception {
    TpmtSignature s = TpmtSignature.parse(Fixtures.swtpm("certify-rsa-rsa.sig"));
    assertThat(s.sigAlg()).isEqualTo(TpmAlg.RSASSA);
    assertThat(Arrays.copyOf(s.encode(), 6)).isEqualTo(hex("0014 000B 0100"));
    assertThat(s.encode()).hasSize(262);
  }

  @Test
  void rsapssFromTpmVerifies() throws Exception {
    TpmtSignature s = TpmtSignature.parse(Fixtures.swtpm("sign-rsapss.sig"));
    assertThat(s.sigAlg()).isEqualTo(TpmAlg.RSAPSS);
    TpmtPublic key = TpmtPublic.parse(Fixtures.swtpm("sign-rsapss.tpmt"));
    assertThat(s.verify(key.toPublicKey(), Fixtures.swtpm("msg.bin"))).isTrue();
    assertThat(s.verify(key.toPublicKey(), new byte[] {1})).isFalse();
  }

  @Test
  void ecdsaDerConversionMatchesJca() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    byte[] msg = "hello".getBytes();
    for (int i = 0; i < 50; i++) {
      Signature signer = Signature.getInstance("SHA256withECDSA");
      signer.initSign(kp.getPrivate());
      signer.update(msg);
      byte[] der = signer.sign();
      TpmtSignature t = TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, der, 32);
      assertThat(t.ecdsaR()).hasSize(32);
      assertThat(t.ecdsaS()).hasSize(32);
      assertThat(t.toDerEcdsa()).isEqualTo(der);
      assertThat(TpmtSignature.parse(t.encode())).isEqualTo(t);
      assertThat(t.verify(kp.getPublic(), msg)).isTrue();
    }
    TpmtSignature tpm = TpmtSignature.parse(Fixtures.swtpm("certify-ecc-rsa.sig"));
    assertThat(tpm.toDerEcdsa()[0]).isEqualTo((byte) 0x30);
  }

  @Test
  void rejectsUnsupportedAndMalformed() {
    assertThatThrownBy(() -> TpmtSignature.parse(hex("0010")))
        .isInstanceOf(TpmFormatException.class)
        .hasMessage(
            "TPMT_SIGNATURE.sigAlg: unsupported signature algorithm 0x0010 (NULL), only RSASSA,"
                + " RSAPSS and ECDSA at offset 0");
    assertThatThrownBy(() -> TpmtSignature.parse(hex("001A 000B 0001 00 0001 00")))
        .hasMessageContaining("0x001A (ECDAA)");
    assertThatThrownBy(() -> TpmtSignature.parse(hex("0014 0010 0001 00")))
        .hasMessage("TPMT_SIGNATURE.hash: unsupported hash 0x0010 (NULL) at offset 2");
    assertThatThrownBy(() -> TpmtSignature.parse(hex("0014 000B 0000")))
        .hasMessage("TPMT_SIGNATURE.signature.rsassa.sig: empty at offset 4");
    assertThatThrownBy(() -> TpmtSignature.parse(hex("0014 000B 0001 00 00")))
        .hasMessage("TPMT_SIGNATURE: 1 trailing bytes at offset 7");
    assertThatThrownBy(
            () -> TpmtSignature.parse(hex("0018 000B 0043" + "01".repeat(67) + "0001 01")))
        .hasMessage(
            "TPMT_SIGNATURE.signature.ecdsa.signatureR: length 67 exceeds maximum 66 at offset 4");
    assertThatThrownBy(
            () -> TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, hex("3006 020100 020101"), 32))
        .hasMessageContaining("zero INTEGER r");
    assertThatThrownBy(
            () -> TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, hex("3007 02020001 020101"), 32))
        .hasMessageContaining("non-minimal");
    assertThatThrownBy(
            () -> TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, hex("3080 020101 020101 0000"), 32))
        .isInstanceOf(TpmFormatException.class);
  }
}
