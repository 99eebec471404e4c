package dev.tpmdevid.verifier.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.labpki.TestPki.Ca;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x509.PolicyQualifierInfo;
import org.junit.jupiter.api.Test;

/**
 * Edges of the Go-semantics chain verification that the main {@link ChainVerifierTest} does not
 * reach: the verification time reaching the PKIX step, Go's handling of critical extensions on
 * intermediates (not only on the leaf or directly under the anchor), policy qualifiers, the root
 * sent again as an intermediate, the limit on candidate signature checks, and Go's
 * CheckSignatureFrom issuer constraints.
 */
class ChainVerifierEdgesTest {
  private static final Set<String> SAN = Set.of("2.5.29.17");

  private static Cert c(X509Certificate x) throws Exception {
    return Cert.parse(x.getEncoded());
  }

  private static List<List<Cert>> verify(
      X509Certificate leaf,
      List<X509Certificate> ints,
      X509Certificate root,
      Date at,
      Set<String> exempt)
      throws Exception {
    List<Cert> is = new ArrayList<>();
    for (X509Certificate x : ints) {
      is.add(c(x));
    }
    return ChainVerifier.verify(c(leaf), is, TrustBundle.of(List.of(root)), at, exempt);
  }

  private static X509Certificate leaf(Ca issuer) {
    return TestPki.cert("leaf").issuedBy(issuer).key(TestPki.rsa().getPublic()).build();
  }

  @Test
  void verificationTime_appliesToEveryCertificateOfThePath() throws Exception {
    Instant now = Instant.now();
    Instant then = now.minus(Duration.ofDays(30));
    KeyPair rkp = TestPki.rsa();
    X509Certificate root =
        TestPki.cert("time root")
            .selfSigned(rkp)
            .ca(null)
            .validity(then.minus(Duration.ofDays(30)), now.plus(Duration.ofDays(30)))
            .build();
    KeyPair ikp = TestPki.rsa();
    X509Certificate inter =
        TestPki.cert("time intermediate")
            .issuedBy(new Ca(root, rkp.getPrivate()))
            .key(ikp.getPublic())
            .ca(null)
            .validity(then.minus(Duration.ofDays(1)), then.plus(Duration.ofDays(1)))
            .build();
    X509Certificate leaf =
        TestPki.cert("time leaf")
            .issuedBy(new Ca(inter, ikp.getPrivate()))
            .key(TestPki.rsa().getPublic())
            .validity(then.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)))
            .build();
    // the intermediate was valid then, not now: then passes, now does not
    assertThat(verify(leaf, List.of(inter), root, Date.from(then), Set.of())).hasSize(1);
    assertThatThrownBy(() -> verify(leaf, List.of(inter), root, Date.from(now), Set.of()))
        .isInstanceOf(ChainVerificationException.class)
        .hasMessageContaining("certificate has expired or is not yet valid");
  }

  @Test
  void criticalSan_exemptOnTheLeafOnly_goNamesHandleItEverywhere() throws Exception {
    Ca root = TestPki.rootCa("san root");
    KeyPair ikp = TestPki.rsa();
    X509Certificate dirNameInter =
        TestPki.cert("i").issuedBy(root).key(ikp.getPublic()).ca(null).tcgEkSan().build();
    X509Certificate underIt = leaf(new Ca(dirNameInter, ikp.getPrivate()));
    // an intermediate with a critical dirName-only SAN: Go refuses, the EK exemption is for the
    // leaf
    assertThatThrownBy(() -> verify(underIt, List.of(dirNameInter), root.cert(), new Date(), SAN))
        .hasMessageContaining("unhandled critical extension");

    Ca inter = TestPki.intermediateCa("i2", root);
    X509Certificate ekLeaf =
        TestPki.cert("").issuedBy(inter).key(TestPki.rsa().getPublic()).tcgEkSan().build();
    assertThat(verify(ekLeaf, List.of(inter.cert()), root.cert(), new Date(), SAN))
        .hasSize(1)
        .first()
        .asList()
        .hasSize(3);
    assertThatThrownBy(
            () -> verify(ekLeaf, List.of(inter.cert()), root.cert(), new Date(), Set.of()))
        .hasMessageContaining("unhandled critical extension");

    // a critical SAN with a DNS name is handled by Go on an intermediate too
    KeyPair dkp = TestPki.rsa();
    X509Certificate dnsInter =
        TestPki.cert("i3")
            .issuedBy(root)
            .key(dkp.getPublic())
            .ca(null)
            .extension(
                Extension.subjectAlternativeName,
                true,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "ca.example.org")))
            .build();
    assertThat(
            verify(
                leaf(new Ca(dnsInter, dkp.getPrivate())),
                List.of(dnsInter),
                root.cert(),
                new Date(),
                Set.of()))
        .hasSize(1);
  }

  private static X509Certificate withExtension(
      ASN1ObjectIdentifier oid, boolean critical, org.bouncycastle.asn1.ASN1Encodable value) {
    Ca root = TestPki.rootCa("ext root");
    return TestPki.cert("ext")
        .issuedBy(root)
        .key(TestPki.rsa().getPublic())
        .extension(oid, critical, value)
        .build();
  }

  @Test
  void unhandledCritical_whatGoHandles() throws Exception {
    String san = "2.5.29.17";
    String nc = "2.5.29.30";
    for (int type :
        new int[] {
          GeneralName.dNSName, GeneralName.rfc822Name, GeneralName.uniformResourceIdentifier
        }) {
      String value =
          type == GeneralName.rfc822Name
              ? "a@example.org"
              : type == GeneralName.dNSName ? "example.org" : "spiffe://example.org/x";
      X509Certificate x =
          withExtension(
              Extension.subjectAlternativeName,
              true,
              new GeneralNames(new GeneralName(type, value)));
      assertThat(GoExtensionRules.unhandledCritical(x, Set.of())).as("SAN type %d", type).isEmpty();
    }
    X509Certificate ip =
        withExtension(
            Extension.subjectAlternativeName,
            true,
            new GeneralNames(new GeneralName(GeneralName.iPAddress, "192.0.2.1")));
    assertThat(GoExtensionRules.unhandledCritical(ip, Set.of())).isEmpty();
    X509Certificate dirName =
        TestPki.cert("")
            .issuedBy(TestPki.rootCa("r"))
            .key(TestPki.rsa().getPublic())
            .tcgEkSan()
            .build();
    assertThat(GoExtensionRules.unhandledCritical(dirName, Set.of())).containsExactly(san);
    assertThat(GoExtensionRules.unhandledCritical(dirName, SAN)).isEmpty();
    X509Certificate nonCriticalSan =
        withExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(new GeneralName(GeneralName.directoryName, "CN=x")));
    assertThat(GoExtensionRules.unhandledCritical(nonCriticalSan, Set.of())).isEmpty();

    X509Certificate unknown =
        TestPki.cert("u")
            .issuedBy(TestPki.rootCa("r"))
            .key(TestPki.rsa().getPublic())
            .unknownCriticalExtension()
            .build();
    assertThat(GoExtensionRules.unhandledCritical(unknown, Set.of()))
        .containsExactly(TestPki.UNKNOWN_EXT.getId());
    assertThat(GoExtensionRules.unhandledCritical(unknown, Set.of(TestPki.UNKNOWN_EXT.getId())))
        .isEmpty();
    // keyUsage and basicConstraints critical: always handled
    assertThat(GoExtensionRules.unhandledCritical(TestPki.rootCa("r").cert(), Set.of())).isEmpty();

    X509Certificate dnsConstraint =
        withExtension(
            Extension.nameConstraints,
            true,
            new NameConstraints(
                new GeneralSubtree[] {
                  new GeneralSubtree(new GeneralName(GeneralName.dNSName, "example.org"))
                },
                null));
    assertThat(GoExtensionRules.unhandledCritical(dnsConstraint, Set.of())).isEmpty();
    X509Certificate excludedDirName =
        withExtension(
            Extension.nameConstraints,
            true,
            new NameConstraints(
                null,
                new GeneralSubtree[] {
                  new GeneralSubtree(new GeneralName(GeneralName.directoryName, "CN=x"))
                }));
    assertThat(GoExtensionRules.unhandledCritical(excludedDirName, Set.of())).containsExactly(nc);
    X509Certificate permittedDirName =
        withExtension(
            Extension.nameConstraints,
            true,
            new NameConstraints(
                new GeneralSubtree[] {
                  new GeneralSubtree(new GeneralName(GeneralName.directoryName, "CN=x"))
                },
                null));
    assertThat(GoExtensionRules.unhandledCritical(permittedDirName, Set.of())).containsExactly(nc);
  }

  @Test
  void criticalPoliciesWithQualifiers_acceptedLikeGo() throws Exception {
    Ca root = TestPki.rootCa("policy root");
    Ca inter = TestPki.intermediateCa("policy intermediate", root);
    PolicyInformation policy =
        new PolicyInformation(
            new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.7"),
            new DERSequence(new PolicyQualifierInfo("https://example.org/cps")));
    X509Certificate leaf =
        TestPki.cert("policy leaf")
            .issuedBy(inter)
            .key(TestPki.rsa().getPublic())
            .extension(Extension.certificatePolicies, true, new CertificatePolicies(policy))
            .build();
    assertThat(verify(leaf, List.of(inter.cert()), root.cert(), new Date(), Set.of())).hasSize(1);
  }

  @Test
  void rootSentAgainAsIntermediate_oneChain() throws Exception {
    Ca root = TestPki.rootCa("loop root");
    X509Certificate leaf = leaf(root);
    List<List<Cert>> chains =
        verify(leaf, List.of(root.cert(), root.cert()), root.cert(), new Date(), Set.of());
    assertThat(chains).hasSize(1);
    assertThat(chains.get(0)).extracting(Cert::x509).containsExactly(leaf, root.cert());
  }

  @Test
  void candidateSignatureChecks_atMost100() throws Exception {
    Ca root = TestPki.rootCa("limit root");
    Ca inter = TestPki.intermediateCa("limit intermediate", root);
    X509Certificate leaf = leaf(inter);
    // same subject as the real intermediate, other key: each costs one signature check
    List<X509Certificate> junk = new ArrayList<>();
    for (int i = 0; i < ChainVerifier.MAX_CANDIDATE_CHECKS; i++) {
      junk.add(TestPki.intermediateCa("limit intermediate", root).cert());
    }
    // 98 junk + the intermediate + the anchor = 100 checks: verified
    List<X509Certificate> fits = new ArrayList<>(junk.subList(0, 98));
    fits.add(inter.cert());
    assertThat(verify(leaf, fits, root.cert(), new Date(), Set.of())).hasSize(1);
    // one more junk candidate: the anchor would be check 101
    List<X509Certificate> over = new ArrayList<>(junk.subList(0, 99));
    over.add(inter.cert());
    assertThatThrownBy(() -> verify(leaf, over, root.cert(), new Date(), Set.of()))
        .isInstanceOf(ChainVerificationException.class)
        .hasMessage(
            "x509: signature check attempts limit reached while verifying certificate chain");
  }

  @Test
  void issuerConstraints_ofCheckSignatureFrom() throws Exception {
    String refused =
        "x509: invalid signature: parent certificate cannot sign this kind of certificate";
    Ca root = TestPki.rootCa("issuer root");
    KeyPair kp = TestPki.rsa();
    assertThat(ChainVerifier.issuerConstraintProblem(root.cert())).isNull();
    assertThat(
            ChainVerifier.issuerConstraintProblem(
                TestPki.cert("no ku").issuedBy(root).key(kp.getPublic()).ca(null).build()))
        .isNull();
    assertThat(
            ChainVerifier.issuerConstraintProblem(
                TestPki.cert("no bc")
                    .issuedBy(root)
                    .key(kp.getPublic())
                    .noBasicConstraints()
                    .build()))
        .isEqualTo(refused);
    assertThat(
            ChainVerifier.issuerConstraintProblem(
                TestPki.cert("not ca").issuedBy(root).key(kp.getPublic()).notCa().build()))
        .isEqualTo(refused);
    assertThat(
            ChainVerifier.issuerConstraintProblem(
                TestPki.cert("sig only")
                    .issuedBy(root)
                    .key(kp.getPublic())
                    .ca(null)
                    .keyUsage(KeyUsage.digitalSignature)
                    .build()))
        .isEqualTo(refused);
    assertThat(
            ChainVerifier.issuerConstraintProblem(
                TestPki.cert("cert sign")
                    .issuedBy(root)
                    .key(kp.getPublic())
                    .ca(null)
                    .keyUsage(KeyUsage.keyCertSign)
                    .build()))
        .isNull();
  }
}
