package dev.tpmdevid.core.ek;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.TestData;
import dev.tpmdevid.core.tpm.TpmFormatException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EkCertificatesTest {
  /** A file of the vendored real EK certificates ({@code testdata/realcerts}). */
  static byte[] real(String rel) throws Exception {
    return Files.readAllBytes(TestData.file("realcerts", rel));
  }

  @ParameterizedTest
  @CsvSource({
    "other/nv-raw/stmicro_1.nv-padded-0xFF.bin, ek-leaf/stmicro_1.der",
    "other/nv-raw/nuvoton_2.padded-0x11.bin, ek-leaf/nuvoton_2.der",
    "other/nv-raw/infineon_1.tcg-nv-header.bin, ek-leaf/infineon_1.der",
    "other/nv-raw/stmicro_5.tcg-nv-header.bin, ek-leaf/stmicro_5.der"
  })
  void realNvDumpsGiveTheLeafDer(String nv, String der) throws Exception {
    byte[] expected = real(der);
    assertThat(EkCertificates.fromNvContents(real(nv))).isEqualTo(expected);
    assertThat(EkCertificates.certificateFromNvContents(real(nv)).getEncoded()).isEqualTo(expected);
  }

  @Test
  void plainDerIsReturnedAsIs() throws Exception {
    for (String f : new String[] {"stmicro_2", "google_1", "nuvoton_1", "intel_1"}) {
      byte[] der = real("ek-leaf/" + f + ".der");
      assertThat(EkCertificates.fromNvContents(der)).isEqualTo(der);
      byte[] zeroPadded = Arrays.copyOf(der, der.length + 16);
      assertThat(EkCertificates.fromNvContents(zeroPadded)).isEqualTo(der);
    }
  }

  @Test
  void rejectsWhatIsNotOneDerCertificate() throws Exception {
    byte[] der = real("ek-leaf/stmicro_1.der");
    assertThatThrownBy(() -> EkCertificates.fromNvContents(new byte[0]))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("empty");
    byte[] ff = new byte[64];
    Arrays.fill(ff, (byte) 0xFF);
    assertThatThrownBy(() -> EkCertificates.fromNvContents(ff))
        .hasMessageContaining("no certificate (all bytes are 0xFF)");
    byte[] indefinite = der.clone();
    indefinite[1] = (byte) 0x80;
    assertThatThrownBy(() -> EkCertificates.fromNvContents(indefinite))
        .hasMessageContaining("BER indefinite length");
    assertThatThrownBy(
            () -> EkCertificates.fromNvContents(HexFormat.of().parseHex("3081050102030405")))
        .hasMessageContaining("non-minimal DER length");
    assertThatThrownBy(
            () -> EkCertificates.fromNvContents(HexFormat.of().parseHex("30820005010203040506")))
        .hasMessageContaining("non-minimal DER length");
    assertThatThrownBy(() -> EkCertificates.fromNvContents(Arrays.copyOf(der, der.length - 1)))
        .hasMessageContaining("exceeds");
    byte[] vendorHeader = new byte[der.length + 4];
    System.arraycopy(der, 0, vendorHeader, 4, der.length);
    assertThatThrownBy(() -> EkCertificates.fromNvContents(vendorHeader))
        .hasMessageContaining("expected a DER SEQUENCE (0x30) at offset 0");
    // TCG header whose certSize is too small for the certificate
    byte[] hdr = real("other/nv-raw/infineon_1.tcg-nv-header.bin");
    hdr[4] = (byte) (hdr[4] - 2);
    assertThatThrownBy(() -> EkCertificates.fromNvContents(hdr)).hasMessageContaining("exceeds");
    byte[] hdr2 = real("other/nv-raw/stmicro_5.tcg-nv-header.bin");
    hdr2[3] = (byte) 0x7F;
    assertThatThrownBy(() -> EkCertificates.fromNvContents(hdr2))
        .hasMessageContaining("TCG header certSize");
    assertThatThrownBy(
            () -> EkCertificates.certificateFromNvContents(HexFormat.of().parseHex("3003020101")))
        .hasMessageContaining("not an X.509 certificate");
  }

  @Test
  void truncationsOfNvContentsAreRejectedCleanly() throws Exception {
    for (String nv :
        new String[] {"other/nv-raw/infineon_1.tcg-nv-header.bin", "ek-leaf/stmicro_1.der"}) {
      byte[] b = real(nv);
      int derEnd = nv.contains("infineon") ? 7 + 1397 : b.length;
      for (int len = 0; len < derEnd; len++) {
        byte[] prefix = Arrays.copyOf(b, len);
        try {
          EkCertificates.fromNvContents(prefix);
          throw new AssertionError("accepted truncated contents of length " + len);
        } catch (TpmFormatException expected) {
          // ok
        }
      }
    }
  }

  @Test
  void nvIndicesMatchTheTcgEkProfile() {
    assertThat(EkCertificates.NV_INDEX_RSA_2048).isEqualTo(0x01C00002);
    assertThat(EkCertificates.NV_INDEX_ECC_P256).isEqualTo(0x01C0000A);
    assertThat(EkCertificates.NV_INDEX_RSA_2048_H1).isEqualTo(0x01C00012);
    assertThat(EkCertificates.NV_INDEX_ECC_P256_H2).isEqualTo(0x01C00014);
    assertThat(EkCertificates.NV_INDEX_ECC_P384_H3).isEqualTo(0x01C00016);
    assertThat(EkCertificates.NV_INDEX_RSA_3072_H6).isEqualTo(0x01C0001C);
  }
}
