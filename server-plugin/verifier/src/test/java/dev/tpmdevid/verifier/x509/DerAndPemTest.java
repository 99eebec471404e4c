package dev.tpmdevid.verifier.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.labpki.TestPki;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The strict DER reader (Go's cryptobyte rules: definite minimal lengths, minimal tags, DER
 * primitive encodings) and the PEM bundle reader, each on the encodings just inside and just
 * outside the rule. A wrong answer here means one certificate with two encodings (two SHA-1
 * fingerprints, two agent IDs) or a bundle read differently from Go's {@code pem.Decode}.
 */
class DerAndPemTest {
  private static byte[] hex(String h) {
    return HexFormat.of().parseHex(h.replace(" ", ""));
  }

  private static byte[] withContent(String header, int contentLength) {
    byte[] h = hex(header);
    return Arrays.copyOf(h, h.length + contentLength);
  }

  private static Der.Element read(byte[] b) throws Der.DerException {
    return Der.read(b, 0, b.length);
  }

  private static void assertNotDer(String h) {
    assertThatThrownBy(() -> read(hex(h))).as(h).isInstanceOf(Der.DerException.class);
  }

  @Test
  void read_lengths_definiteAndMinimal() throws Exception {
    assertThat(read(hex("04 00"))).isEqualTo(new Der.Element(0x04, 0, 2, 2));
    assertThat(read(withContent("04 7F", 127)).end()).isEqualTo(129);
    assertThat(read(withContent("04 81 80", 128))).isEqualTo(new Der.Element(0x04, 0, 3, 131));
    assertThat(read(withContent("04 82 01 00", 256)).contentLength()).isEqualTo(256);
    assertThat(read(withContent("04 83 01 00 00", 65536)).end()).isEqualTo(65541);
    assertNotDer("04"); // no length
    assertNotDer("04 80 00 00"); // indefinite (BER)
    assertThatThrownBy(
            () -> read(withContent("04 80", 128))) // indefinite, even with 128 bytes after it
        .isInstanceOf(Der.DerException.class);
    assertThat(read(withContent("04 84 01 00 00 00", 1 << 24)).end()).isEqualTo(6 + (1 << 24));
    assertNotDer("04 81 7F" + "00".repeat(127)); // fits the short form
    assertNotDer("04 82 00 80" + "00".repeat(128)); // leading zero length byte
    assertNotDer("04 85 00 00 00 00 01 00"); // more than 4 length bytes
    assertNotDer("04 02 00"); // runs past the end
    assertNotDer("04 81"); // length bytes missing
    assertThatThrownBy(() -> Der.read(hex("04 01 00"), 0, 2)).isInstanceOf(Der.DerException.class);
    assertThat(Der.read(hex("04 01 00 05"), 0, 3).end()).isEqualTo(3);
    assertThatThrownBy(() -> read(withContent("04 82 01 00", 255)))
        .isInstanceOf(Der.DerException.class);
  }

  @Test
  void read_highTagNumbers_minimalAndAtLeast31() throws Exception {
    assertThat(read(hex("9F 1F 00")).tag()).isEqualTo(0x9F | (31 << 8));
    assertThat(read(hex("9F 81 00 00")).tag()).isEqualTo(0x9F | (128 << 8));
    assertNotDer("9F 1E 00"); // 30 fits the low form
    assertNotDer("9F 80 1F 00"); // leading 0x80: non-minimal
    assertNotDer("9F 81 81 81 81 01 00"); // more than 4 base-128 digits
    assertNotDer("9F 81"); // tag runs past the end
    assertThat(read(hex("9F 81 81 81 01 00")).end()).isEqualTo(6); // 4 digits
    assertThat(read(hex("A0 00")).constructed()).isTrue();
    assertThat(read(hex("80 00")).constructed()).isFalse();
  }

  private static void assertDer(String h) {
    byte[] b = hex(h);
    assertThatCode(() -> Der.requireDer(b, 0, b.length)).as(h).doesNotThrowAnyException();
  }

  private static void assertBer(String h) {
    byte[] b = hex(h);
    assertThatThrownBy(() -> Der.requireDer(b, 0, b.length))
        .as(h)
        .isInstanceOf(Der.DerException.class);
  }

  @Test
  void requireDer_primitiveEncodings() {
    assertDer("01 01 FF");
    assertDer("01 01 00");
    assertBer("01 01 01");
    assertBer("01 02 00 00");
    assertDer("02 01 00");
    assertDer("02 02 00 80");
    assertDer("02 02 FF 7F");
    assertBer("02 02 00 7F");
    assertBer("02 02 FF 80");
    assertBer("02 00");
    assertDer("0A 01 05");
    assertBer("0A 02 00 01");
    assertDer("03 01 00");
    assertDer("03 02 01 02");
    assertDer("03 02 07 80");
    assertBer("03 02 01 01"); // unused bit set
    assertBer("03 02 07 81");
    assertBer("03 01 01"); // unused bits without content
    assertBer("03 02 08 00"); // more than 7 unused bits
    assertBer("03 00");
    assertDer("05 00");
    assertBer("05 01 00");
    assertDer("06 03 2A 81 01");
    assertBer("06 02 2A 81"); // last arc unfinished
    assertBer("06 02 80 01"); // non-minimal arc
    assertBer("06 03 2A 80 01");
    assertBer("06 00");
    assertBer("24 03 04 01 00"); // constructed OCTET STRING
    assertDer("30 03 04 01 00");
    assertDer("31 03 04 01 00");
    assertDer("A0 03 01 01 FF");
    assertBer("A0 03 01 01 01"); // rules apply inside context-specific wrappers
    assertDer("80 01 01"); // context-specific primitive: no universal rules
    assertBer("30 03 01 01 02");
  }

  @Test
  void requireDer_nestingLimit() {
    assertDer("30 00".repeat(2));
    String inner = "05 00";
    String h = inner;
    for (int i = 0; i < 32; i++) {
      h = "30 " + String.format("%02X", hex(h).length) + " " + h;
    }
    assertDer(h); // 32 levels below the top
    assertBer("30 " + String.format("%02X", hex(h).length) + " " + h);
  }

  @Test
  void headerLengthAndNames_longForm() throws Exception {
    byte[] b = withContent("30 82 01 00", 256);
    assertThat(Der.headerEnd(b, 0)).isEqualTo(4);
    assertThat(Der.length(b, 0)).isEqualTo(256);
    assertThat(Der.next(b, 0)).isEqualTo(260);
    byte[] s = hex("30 03 02 01 05 04 00");
    assertThat(Der.headerEnd(s, 0)).isEqualTo(2);
    assertThat(Der.length(s, 0)).isEqualTo(3);
    assertThat(Der.next(s, 5)).isEqualTo(7);
    assertThat(Der.length(withContent("30 81 80", 128), 0)).isEqualTo(128);
    assertThat(Der.headerEnd(withContent("30 81 80", 128), 0)).isEqualTo(3);

    X509Certificate c =
        TestPki.cert("subject cn")
            .issuedBy(TestPki.rootCa("issuer cn"))
            .key(TestPki.rsa().getPublic())
            .build();
    byte[][] names = Der.issuerAndSubject(c.getTBSCertificate());
    assertThat(names[0]).isEqualTo(c.getIssuerX500Principal().getEncoded());
    assertThat(names[1]).isEqualTo(c.getSubjectX500Principal().getEncoded());
  }

  @Test
  void certificateOuterLength_exactlyOneDerTlv() {
    assertThat(CertificateParser.derElementLength(new byte[0])).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(hex("30"))).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(hex("31 00"))).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(hex("30 00"))).isEqualTo(2);
    assertThat(CertificateParser.derElementLength(hex("30 7F"))).isEqualTo(129);
    assertThat(CertificateParser.derElementLength(hex("30 80 00 00"))).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(withContent("30 81 80", 128))).isEqualTo(131);
    assertThat(CertificateParser.derElementLength(withContent("30 81 80", 127))).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(withContent("30 81 7F", 127))).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(withContent("30 82 01 00", 256))).isEqualTo(260);
    assertThat(CertificateParser.derElementLength(withContent("30 82 00 80", 128))).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(withContent("30 83 01 00 00", 65536)))
        .isEqualTo(65541);
    assertThat(CertificateParser.derElementLength(withContent("30 84 00 01 00 00", 65536)))
        .isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(hex("30 82 01"))).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(hex("30 81"))).isEqualTo(-1);
  }

  // ---------------------------------------------------------------- PEM

  private static String pemOf(X509Certificate... cs) {
    return TestPki.pem(cs);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void pem_blocksInOrder_otherTypesHeadersAndBadBase64Skipped() throws Exception {
    X509Certificate a = TestPki.rootCa("pem a").cert();
    X509Certificate b = TestPki.rootCa("pem b").cert();
    String pa = pemOf(a);
    String pb = pemOf(b);
    assertThat(PemCertificates.parse(ascii(pa))).containsExactly(a); // block at offset 0
    assertThat(PemCertificates.parse(ascii(pa + pb))).containsExactly(a, b);
    assertThat(PemCertificates.parse(ascii("junk\n" + pa + "junk\n" + pb))).containsExactly(a, b);
    assertThat(PemCertificates.parse(new byte[0])).isEmpty();

    String key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assertThat(PemCertificates.parse(ascii(key + pa))).containsExactly(a);
    String body = pa.substring(pa.indexOf('\n') + 1);
    String withHeader = "-----BEGIN CERTIFICATE-----\nProc-Type: 4,CLEAR\n\n" + body;
    assertThat(PemCertificates.parse(ascii(withHeader))).containsExactly(a);
    String badBase64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
    assertThat(PemCertificates.parse(ascii(badBase64 + pb))).containsExactly(b);
    // a BEGIN without its END: nothing after it is a block
    assertThat(PemCertificates.parse(ascii(pa + "-----BEGIN CERTIFICATE-----\nAAAA\n")))
        .containsExactly(a);
    assertThat(PemCertificates.parse(ascii(pa + "-----BEGIN CERTIFICATE"))).containsExactly(a);

    String notDer = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
    assertThatThrownBy(() -> PemCertificates.parse(ascii(notDer)))
        .isInstanceOf(CertificateException.class);
  }
}
