package dev.tpmdevid.core.ek;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.TestData;
import dev.tpmdevid.core.tpm.TpmFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The DER chain of {@code devid_cert_nv_index}: real certificates back to back, padded or not. */
class NvCertificateChainTest {
  static byte[] leaf(String name) throws Exception {
    return Files.readAllBytes(TestData.file("realcerts", "ek-leaf/" + name + ".der"));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  @Test
  void oneCertificateIsAChainOfOne() throws Exception {
    byte[] a = leaf("google_1");
    assertThat(NvCertificateChain.fromNvContents(a)).containsExactly(a);
  }

  @Test
  void certificatesBackToBackComeOutInOrder() throws Exception {
    byte[] a = leaf("google_1");
    byte[] b = leaf("nuvoton_1");
    byte[] c = leaf("intel_1");
    List<byte[]> chain = NvCertificateChain.fromNvContents(concat(a, b, c));
    assertThat(chain).hasSize(3);
    assertThat(chain.get(0)).isEqualTo(a);
    assertThat(chain.get(1)).isEqualTo(b);
    assertThat(chain.get(2)).isEqualTo(c);
  }

  @ParameterizedTest
  @ValueSource(ints = {0x00, 0xFF, 0x11})
  void paddingAfterTheLastCertificateIsIgnored(int filler) throws Exception {
    byte[] a = leaf("google_1");
    byte[] b = leaf("nuvoton_1");
    List<byte[]> chain = NvCertificateChain.fromNvContents(concat(a, b, filled(40, filler)));
    assertThat(chain).hasSize(2);
    assertThat(chain.get(1)).isEqualTo(b);
  }

  @Test
  void bytesThatAreNeitherACertificateNorPaddingAreRefused() throws Exception {
    byte[] a = leaf("google_1");
    byte[] junk = concat(new byte[] {0x05, 0x00}, filled(8, 0xFF));
    assertThatThrownBy(() -> NvCertificateChain.fromNvContents(concat(a, junk)))
        .isInstanceOf(TpmFormatException.class)
        .hasMessage(
            String.format(
                "certificate chain NV contents: after certificate 1, expected another"
                    + " DER certificate (0x30) or padding at offset %d, found 0x05",
                a.length));
  }

  @Test
  void aTruncatedSecondCertificateIsRefusedWithItsOffset() throws Exception {
    byte[] a = leaf("google_1");
    byte[] b = leaf("nuvoton_1");
    byte[] cut = Arrays.copyOf(b, b.length - 10);
    assertThatThrownBy(() -> NvCertificateChain.fromNvContents(concat(a, cut)))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageStartingWith(
            "certificate chain NV contents: certificate 2 at offset " + a.length + ": ");
  }

  @Test
  void anEmptyOrBlankIndexHoldsNoChain() {
    assertThatThrownBy(() -> NvCertificateChain.fromNvContents(filled(64, 0xFF)))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("no certificate (all bytes are 0xFF)");
  }

  @Test
  void theChainIsBounded() throws Exception {
    byte[] a = leaf("google_1");
    byte[][] many = new byte[NvCertificateChain.MAX_CERTIFICATES + 1][];
    Arrays.fill(many, a);
    assertThatThrownBy(() -> NvCertificateChain.fromNvContents(concat(many)))
        .isInstanceOf(TpmFormatException.class)
        .hasMessage("certificate chain NV contents: more than 16 certificates");
  }
}
