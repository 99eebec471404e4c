package dev.tpmdevid.verifier.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.labpki.TestPki;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.junit.jupiter.api.Test;

/**
 * {@link CertificateParser} at the edges Go's parser draws: the certificates the JDK refuses but Go
 * takes (an empty subject with a non-critical SAN: parsed by Bouncy Castle, usable in a chain) and
 * those both refuse, the extensions Go refuses as critical, the outer length form.
 */
class CertificateParserTest {
  private static final X500Name EMPTY = new X500Name(new RDN[0]);

  private static GeneralNames tcgSan() {
    return new GeneralNames(
        new GeneralName(
            GeneralName.directoryName,
            new X500Name(new RDN[] {new RDN(TestPki.TPM_MODEL, new DERUTF8String("swtpm"))})));
  }

  @Test
  void emptySubjectWithNonCriticalSan_parsedAndVerified_likeGo() throws Exception {
    TestPki.Ca ekCa = TestPki.rootCa("ek-ca");
    X509Certificate ek =
        TestPki.cert("")
            .subject(EMPTY)
            .issuedBy(ekCa)
            .key(TestPki.p256().getPublic())
            .extension(Extension.subjectAlternativeName, false, tcgSan())
            .build();
    Cert parsed = Cert.parse(ek.getEncoded());
    assertThat(parsed.subjectCommonName()).isEmpty();
    assertThat(parsed.issuerCommonName()).isEqualTo("ek-ca");
    assertThat(parsed.sans().present()).isTrue();
    List<List<Cert>> chains =
        ChainVerifier.verify(
            parsed,
            List.of(),
            TrustBundle.of(List.of(ekCa.cert())),
            new java.util.Date(),
            Set.of());
    assertThat(chains).hasSize(1);
    // the same certificate under a bad signature is still refused
    byte[] der = ek.getEncoded();
    der[der.length - 5] ^= 1;
    Cert broken = Cert.parse(der);
    assertThatThrownBy(
            () ->
                ChainVerifier.verify(
                    broken,
                    List.of(),
                    TrustBundle.of(List.of(ekCa.cert())),
                    new java.util.Date(),
                    Set.of()))
        .hasMessageContaining("x509: invalid signature");
  }

  @Test
  void emptySubjectWithoutSan_jdkAndGoBothAccept_criticalSanToo() throws Exception {
    TestPki.Ca ekCa = TestPki.rootCa("ek-ca");
    X509Certificate noSan =
        TestPki.cert("").subject(EMPTY).issuedBy(ekCa).key(TestPki.p256().getPublic()).build();
    assertThat(Cert.parse(noSan.getEncoded()).sans().present()).isFalse();
    X509Certificate critical =
        TestPki.cert("")
            .subject(EMPTY)
            .issuedBy(ekCa)
            .key(TestPki.p256().getPublic())
            .extension(Extension.subjectAlternativeName, true, tcgSan())
            .build();
    assertThat(Cert.parse(critical.getEncoded()).x509().getClass().getName())
        .startsWith("sun.security");
  }

  @Test
  void extensionsGoRefusesAsCritical() throws Exception {
    TestPki.Ca ca = TestPki.rootCa("ca");
    X509Certificate ski =
        TestPki.cert("l")
            .issuedBy(ca)
            .key(TestPki.p256().getPublic())
            .extension(
                Extension.subjectKeyIdentifier,
                true,
                new org.bouncycastle.asn1.DEROctetString(new byte[] {1}))
            .build();
    assertThatThrownBy(() -> Cert.parse(ski.getEncoded()))
        .hasMessage("x509: extension incorrectly marked critical");
    X509Certificate aia =
        TestPki.cert("l")
            .issuedBy(ca)
            .key(TestPki.p256().getPublic())
            .extension(
                Extension.authorityInfoAccess,
                true,
                new org.bouncycastle.asn1.x509.AuthorityInformationAccess(
                    org.bouncycastle.asn1.x509.AccessDescription.id_ad_caIssuers,
                    new GeneralName(
                        GeneralName.uniformResourceIdentifier, "http://ca.example/ca.crt")))
            .build();
    assertThatThrownBy(() -> Cert.parse(aia.getEncoded()))
        .hasMessage("x509: extension incorrectly marked critical");
    X509Certificate nonCritical =
        TestPki.cert("l")
            .issuedBy(ca)
            .key(TestPki.p256().getPublic())
            .extension(
                Extension.subjectKeyIdentifier,
                false,
                new org.bouncycastle.asn1.DEROctetString(new byte[] {1}))
            .build();
    assertThat(Cert.parse(nonCritical.getEncoded())).isNotNull();
  }

  @Test
  void outerHeader_definiteMinimalSequence() {
    assertThat(CertificateParser.derElementLength(HexFormat.of().parseHex("3000"))).isEqualTo(2);
    assertThat(CertificateParser.derElementLength(HexFormat.of().parseHex("30017f"))).isEqualTo(3);
    assertThat(CertificateParser.derElementLength(HexFormat.of().parseHex("3100"))).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(HexFormat.of().parseHex("30"))).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(HexFormat.of().parseHex("3080"))).isEqualTo(-1);
    assertThat(CertificateParser.derElementLength(HexFormat.of().parseHex("3084000000800000")))
        .isEqualTo(-1);
    assertThat(
            CertificateParser.derElementLength(
                HexFormat.of().parseHex("30817f" + "00".repeat(127))))
        .isEqualTo(-1);
    assertThat(
            CertificateParser.derElementLength(
                HexFormat.of().parseHex("308180" + "00".repeat(128))))
        .isEqualTo(131);
    assertThat(
            CertificateParser.derElementLength(
                HexFormat.of().parseHex("308180" + "00".repeat(127))))
        .isEqualTo(-1);
    assertThat(
            CertificateParser.derElementLength(
                HexFormat.of().parseHex("30820080" + "00".repeat(128))))
        .isEqualTo(-1);
    assertThat(
            CertificateParser.derElementLength(
                HexFormat.of().parseHex("30820100" + "00".repeat(256))))
        .isEqualTo(260);
    assertThat(CertificateParser.derElementLength(HexFormat.of().parseHex("308201"))).isEqualTo(-1);
    assertThat(
            CertificateParser.derElementLength(
                HexFormat.of().parseHex("30830100" + "00".repeat(65537))))
        .isEqualTo(65541);
    assertThat(
            CertificateParser.derElementLength(
                HexFormat.of().parseHex("3083000100" + "00".repeat(256))))
        .isEqualTo(-1);
  }

  @Test
  void serialZero_acceptedLikeGo_namesAndFingerprintAsParsed() throws Exception {
    TestPki.Ca ca = TestPki.rootCa("issuer-ca");
    X509Certificate zero =
        TestPki.cert("node-0")
            .issuedBy(ca)
            .key(TestPki.p256().getPublic())
            .serial(java.math.BigInteger.ZERO)
            .build();
    Cert c = Cert.parse(zero.getEncoded());
    assertThat(c.subjectCommonName()).isEqualTo("node-0");
    assertThat(c.issuerCommonName()).isEqualTo("issuer-ca");
    assertThat(Cert.commonNameOf(zero.getSubjectX500Principal().getEncoded())).isEqualTo("node-0");
    assertThat(c.der()).isEqualTo(zero.getEncoded());
    assertThat(c.fingerprint())
        .isEqualTo(
            HexFormat.of()
                .formatHex(
                    java.security.MessageDigest.getInstance("SHA-1").digest(zero.getEncoded())));
    assertThat(c.fingerprint()).isSameAs(c.fingerprint());
  }

  @Test
  void notACertificate_malformed() {
    assertThatThrownBy(() -> Cert.parse(HexFormat.of().parseHex("3003020101")))
        .hasMessage("x509: malformed tbs certificate");
    assertThatThrownBy(() -> CertificateParser.parse(null))
        .hasMessage("x509: malformed certificate");
    assertThatThrownBy(() -> CertificateParser.parse(HexFormat.of().parseHex("0400")))
        .hasMessage("x509: malformed certificate");
  }
}
