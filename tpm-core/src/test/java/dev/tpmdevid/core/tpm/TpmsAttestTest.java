package dev.tpmdevid.core.tpm;

import static dev.tpmdevid.core.tpm.Fixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TpmsAttestTest {

  @ParameterizedTest
  @CsvSource({
    "certify-rsa-rsa, ak-rsa.pub",
    "certify-rsa-ecc, ak-rsa.pub",
    "certify-ecc-rsa, ak-ecc.pub"
  })
  void swtpmCertifyRoundTripsAndBindsTheCertifiedKey(String stem, String ak) throws Exception {
    byte[] b = Fixtures.swtpm(stem + ".attest");
    TpmsAttest a = TpmsAttest.parse(b);
    assertThat(a.encode()).isEqualTo(b);
    assertThat(a.type()).isEqualTo(TpmsAttest.TPM_ST_ATTEST_CERTIFY);
    assertThat(a.extraData()).isEqualTo(hex("00FF55AA")); // tpm2_certify default qualifying data

    TpmtPublic devid = TpmtPublic.parse(Fixtures.swtpm(stem + ".devid.tpmt"));
    assertThat(a.certifiedName()).isEqualTo(devid.name());
    assertThat(a.certifiedName().matches(devid.name())).isTrue();

    TpmtPublic akPub = TpmtPublic.parseTpm2b(Fixtures.swtpm(ak));
    assertThat(a.qualifiedSigner().nameAlg()).isEqualTo(TpmAlg.SHA256);

    TpmtSignature sig = TpmtSignature.parse(Fixtures.swtpm(stem + ".sig"));
    assertThat(sig.verify(akPub.toPublicKey(), b)).isTrue();
    byte[] tampered = b.clone();
    tampered[tampered.length - 1] ^= 1;
    assertThat(sig.verify(akPub.toPublicKey(), tampered)).isFalse();
    assertThat(sig.verify(devid.toPublicKey(), b)).isFalse();
  }

  @Test
  void constructorEncodesLikeTheTpm() throws Exception {
    TpmsAttest a = TpmsAttest.parse(Fixtures.swtpm("certify-rsa-rsa.attest"));
    TpmsAttest built =
        new TpmsAttest(
            a.qualifiedSigner(),
            a.extraData(),
            a.clock(),
            a.resetCount(),
            a.restartCount(),
            a.safe(),
            a.firmwareVersion(),
            a.certifiedName(),
            a.certifiedQualifiedName());
    assertThat(built).isEqualTo(a);
    assertThat(built.encode()).isEqualTo(a.encode());

    TpmsAttest goAgent =
        new TpmsAttest(
            a.qualifiedSigner(),
            new byte[0],
            1,
            2,
            3,
            true,
            4,
            a.certifiedName(),
            a.certifiedQualifiedName());
    assertThat(goAgent.encode()).hasSize(141); // docs/protocol.md#attestation-request
  }

  @Test
  void rejectsOtherAttestationTypesByName() {
    byte[] b = Fixtures.swtpm("certify-rsa-rsa.attest");
    byte[] quote = b.clone();
    quote[5] = 0x18;
    assertThatThrownBy(() -> TpmsAttest.parse(quote))
        .isInstanceOf(TpmFormatException.class)
        .hasMessage(
            "TPMS_ATTEST.type: attestation type 0x8018 (TPM_ST_ATTEST_QUOTE) is not supported,"
                + " only 0x8017 (TPM_ST_ATTEST_CERTIFY) at offset 4");
    byte[] creation = b.clone();
    creation[5] = 0x1A;
    assertThatThrownBy(() -> TpmsAttest.parse(creation))
        .hasMessageContaining("0x801A (TPM_ST_ATTEST_CREATION)");
  }

  @Test
  void rejectsBadMagicTrailingBytesAndBadNames() {
    byte[] b = Fixtures.swtpm("certify-rsa-rsa.attest");
    byte[] magic = b.clone();
    magic[0] = 0;
    assertThatThrownBy(() -> TpmsAttest.parse(magic))
        .hasMessage(
            "TPMS_ATTEST.magic: 0x00544347 is not TPM_GENERATED_VALUE (0xFF544347) at offset 0");
    assertThatThrownBy(() -> TpmsAttest.parse(Arrays.copyOf(b, b.length + 1)))
        .hasMessage("TPMS_ATTEST: 1 trailing bytes at offset " + b.length);
    byte[] sha1Name = b.clone();
    sha1Name[9] = 0x04; // qualifiedSigner alg SHA256 -> SHA1 with 32-byte digest
    assertThatThrownBy(() -> TpmsAttest.parse(sha1Name))
        .hasMessage(
            "TPMS_ATTEST.qualifiedSigner: digest name of 0x0004 (SHA1) must be 22 bytes,"
                + " got 34 at offset 6");
    byte[] safe = b.clone();
    int safeOffset = 6 + 36 + 6 + 8 + 4 + 4;
    safe[safeOffset] = 2;
    assertThatThrownBy(() -> TpmsAttest.parse(safe))
        .hasMessage("TPMS_ATTEST.clockInfo.safe: value 2 is not YES/NO at offset " + safeOffset);
  }

  @Test
  void tpmNameShapes() throws Exception {
    assertThat(TpmName.ofHandle(0x40000001).toBytes()).isEqualTo(hex("40000001"));
    assertThat(TpmName.of(hex("40000001")).isHandle()).isTrue();
    assertThat(TpmName.of(new byte[0]).isEmpty()).isTrue();
    assertThat(TpmName.ofDigest(TpmAlg.SHA256, new byte[32]).toTpm2b()).hasSize(36);
    assertThatThrownBy(() -> TpmName.of(hex("000B00"))).isInstanceOf(TpmFormatException.class);
    assertThatThrownBy(() -> TpmName.of(hex("0010" + "00".repeat(32))))
        .hasMessageContaining("not a hash algorithm");
  }
}
