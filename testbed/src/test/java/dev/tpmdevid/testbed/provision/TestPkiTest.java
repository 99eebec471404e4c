package dev.tpmdevid.testbed.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.labpki.KeyType;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TestPkiTest {

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void ekCertificateHasTheTcgShapeAndValidatesToTheManufacturerRoot(KeyType caType)
      throws Exception {
    TestPki pki = TestPki.create(caType);
    for (KeyType ekType : KeyType.values()) {
      KeyPair ek = TestCa.generateKeyPair(ekType);
      X509Certificate cert = pki.issueEkCertificate(ek.getPublic(), TpmIdentity.SWTPM);

      assertThat(cert.getSubjectX500Principal().getEncoded()).containsExactly(0x30, 0x00);
      assertThat(cert.getSerialNumber().signum()).isPositive();
      assertThat(cert.getSigAlgName()).startsWith("SHA256");
      assertThat(cert.getCriticalExtensionOIDs()).contains("2.5.29.17", "2.5.29.19", "2.5.29.15");
      assertThat(cert.getExtendedKeyUsage()).containsExactly("2.23.133.8.1");
      assertThat(cert.getBasicConstraints()).isEqualTo(-1);
      boolean[] ku = cert.getKeyUsage();
      assertThat(ku[2]).as("keyEncipherment").isEqualTo(ekType == KeyType.RSA);
      assertThat(ku[4]).as("keyAgreement").isEqualTo(ekType == KeyType.ECC);
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      assertThat(sans).hasSize(1);
      List<?> san = sans.iterator().next();
      assertThat(san.get(0)).isEqualTo(4);
      X500Name dir = new X500Name((String) san.get(1));
      assertThat(dir.getRDNs(TestCa.TPM_MANUFACTURER)[0].getFirst().getValue().toString())
          .isEqualTo("id:49424D00");
      assertThat(dir.getRDNs(TestCa.TPM_MODEL)[0].getFirst().getValue().toString())
          .isEqualTo("swtpm");
      assertThat(dir.getRDNs(TestCa.TPM_VERSION)[0].getFirst().getValue().toString())
          .isEqualTo("id:20191023");

      validate(
          List.of(cert, pki.manufacturerIntermediate().certificate()),
          pki.manufacturerRoot().certificate());
      // as the Go server does it: intermediate as an anchor, no intermediates in the path
      validate(List.of(cert), pki.manufacturerIntermediate().certificate());
    }
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void devIdChainValidatesWithAndWithoutIntermediate(KeyType caType) throws Exception {
    TestPki pki = TestPki.create(caType);
    KeyPair devId = TestCa.generateKeyPair(KeyType.ECC);
    List<X509Certificate> chain =
        pki.issueDevIdChain(
            devId.getPublic(), "devid-leaf", Validity.fromNow(Duration.ofDays(1)), true);
    assertThat(chain).hasSize(2);
    assertThat(chain.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=devid-leaf");
    assertThat(chain.get(0).getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(chain.get(0).getPublicKey()).isEqualTo(devId.getPublic());
    validate(chain, pki.devIdRoot().certificate());

    List<X509Certificate> direct =
        pki.issueDevIdChain(
            devId.getPublic(), "node-1", Validity.fromNow(Duration.ofDays(1)), false);
    assertThat(direct).hasSize(1);
    validate(direct, pki.devIdRoot().certificate());
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void expiredDevIdCertificateFailsPkix(KeyType caType) {
    TestPki pki = TestPki.create(caType);
    KeyPair devId = TestCa.generateKeyPair(KeyType.RSA);
    List<X509Certificate> chain =
        pki.issueDevIdChain(
            devId.getPublic(), "devid-leaf", Validity.expiredSince(Duration.ofHours(2)), true);
    assertThatThrownBy(() -> validate(chain, pki.devIdRoot().certificate()))
        .isInstanceOfSatisfying(
            CertPathValidatorException.class,
            e ->
                assertThat(e.getReason())
                    .isEqualTo(CertPathValidatorException.BasicReason.EXPIRED));
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void ekCertificateDoesNotChainToTheDevIdRoot(KeyType caType) {
    TestPki pki = TestPki.create(caType);
    X509Certificate ek =
        pki.issueEkCertificate(TestCa.generateKeyPair(KeyType.RSA).getPublic(), TpmIdentity.SWTPM);
    assertThatThrownBy(
            () ->
                validate(
                    List.of(ek, pki.manufacturerIntermediate().certificate()),
                    pki.devIdRoot().certificate()))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @org.junit.jupiter.api.Test
  void pemHasOneBlockPerCertificateInOrder() throws Exception {
    TestPki pki = TestPki.create(KeyType.ECC);
    String pem = Pem.encode(pki.endorsementCaCertificates());
    assertThat(pem.split("-----BEGIN CERTIFICATE-----", -1)).hasSize(3);
    List<java.security.cert.Certificate> parsed =
        new java.util.ArrayList<>(
            CertificateFactory.getInstance("X.509")
                .generateCertificates(
                    new java.io.ByteArrayInputStream(
                        pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
    assertThat(parsed).isEqualTo(List.copyOf(pki.endorsementCaCertificates()));
  }

  static void validate(List<X509Certificate> path, X509Certificate anchor) throws Exception {
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
  }
}
