package dev.tpmdevid.verifier.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.labpki.TestPki.Ca;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CertPolicyId;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.PolicyConstraints;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.asn1.x509.PolicyMappings;
import org.junit.jupiter.api.Test;

/**
 * The path validation that replaced the JDK's PKIX validator, case by case against Go's {@code
 * Verify} (crypto/x509 verify.go, Go 1.26): name constraints of intermediates inside the path by
 * Go's rules (the JDK's false reject), the RSA key-size floor of {@code CheckSignatureFrom},
 * pathLen and depth boundaries, and certificate-policy validation (RFC 5280 with RFC 9618's graph,
 * SPIRE's options) including the parse errors Go gives for the four policy extensions.
 */
class GoPathValidationTest {
  private static final Date NOW = new Date();
  private static final String P = "1.3.6.1.4.1.99999.7";
  private static final String Q = "1.3.6.1.4.1.99999.8";
  private static final String ANY = "2.5.29.32.0";

  private static Cert c(X509Certificate x) throws Exception {
    return Cert.parse(x.getEncoded());
  }

  private static List<List<Cert>> verify(
      X509Certificate leaf, List<X509Certificate> ints, X509Certificate root) throws Exception {
    List<Cert> is = new ArrayList<>();
    for (X509Certificate x : ints) {
      is.add(c(x));
    }
    return ChainVerifier.verify(c(leaf), is, TrustBundle.of(List.of(root)), NOW, Set.of());
  }

  private static Ca intermediate(String cn, Ca parent, TestPki.CertSpec spec, KeyPair k) {
    return new Ca(spec.build(), k.getPrivate());
  }

  private static Ca ca(String cn, Ca parent, Object[]... extensions) {
    KeyPair k = TestPki.p256();
    TestPki.CertSpec s = TestPki.cert(cn).issuedBy(parent).key(k.getPublic()).ca(null);
    for (Object[] e : extensions) {
      s.extension((ASN1ObjectIdentifier) e[0], (Boolean) e[1], (ASN1Encodable) e[2]);
    }
    return intermediate(cn, parent, s, k);
  }

  private static X509Certificate leaf(Ca issuer, Object[]... extensions) {
    TestPki.CertSpec s = TestPki.cert("node-1").issuedBy(issuer).key(TestPki.p256().getPublic());
    for (Object[] e : extensions) {
      s.extension((ASN1ObjectIdentifier) e[0], (Boolean) e[1], (ASN1Encodable) e[2]);
    }
    return s.build();
  }

  private static Object[] ext(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable v) {
    return new Object[] {oid, critical, v};
  }

  private static Object[] permitDns(boolean critical, String name) {
    return ext(
        Extension.nameConstraints,
        critical,
        new NameConstraints(
            new GeneralSubtree[] {new GeneralSubtree(new GeneralName(GeneralName.dNSName, name))},
            null));
  }

  private static Object[] sanDns(String name) {
    return ext(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
  }

  // ------------------------------------------------------------------ name constraints inside the
  // path

  @Test
  void intermediateNameConstraints_appliedByGoRules_notTheJdks() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca inter = ca("constrained", root, permitDns(true, "example.com"));
    // no SAN, CN "node-1": Go never treats the CN as a DNS name (the JDK's PKIX did and refused)
    assertThat(verify(leaf(inter), List.of(inter.cert()), root.cert())).hasSize(1);
    assertThat(
            verify(leaf(inter, sanDns("node-1.example.com")), List.of(inter.cert()), root.cert()))
        .hasSize(1);
    assertThatThrownBy(
            () ->
                verify(leaf(inter, sanDns("node-1.evil.com")), List.of(inter.cert()), root.cert()))
        .hasMessage(
            "x509: a root or intermediate certificate is not authorized to sign for this name: "
                + "DNS name \"node-1.evil.com\" is not permitted by any constraint");
    // a non-critical directoryName constraint: Go ignores it (the JDK applied it to the subject)
    Ca dirConstrained =
        ca(
            "dir",
            root,
            ext(
                Extension.nameConstraints,
                false,
                new NameConstraints(
                    new GeneralSubtree[] {
                      new GeneralSubtree(new GeneralName(new X500Name("O=elsewhere")))
                    },
                    null)));
    assertThat(verify(leaf(dirConstrained), List.of(dirConstrained.cert()), root.cert()))
        .hasSize(1);
    // ...but critical, Go cannot handle it: unhandled critical extension on the intermediate
    Ca dirCritical =
        ca(
            "dirc",
            root,
            ext(
                Extension.nameConstraints,
                true,
                new NameConstraints(
                    new GeneralSubtree[] {
                      new GeneralSubtree(new GeneralName(new X500Name("O=elsewhere")))
                    },
                    null)));
    assertThatThrownBy(() -> verify(leaf(dirCritical), List.of(dirCritical.cert()), root.cert()))
        .hasMessageContaining("x509: unhandled critical extension");
  }

  @Test
  void constraintsOfTwoIntermediates_bothApply() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca upper = ca("upper", root, permitDns(true, "example.com"));
    Ca lower = ca("lower", upper, permitDns(true, "eu.example.com"));
    assertThat(
            verify(
                leaf(lower, sanDns("a.eu.example.com")),
                List.of(lower.cert(), upper.cert()),
                root.cert()))
        .hasSize(1);
    assertThatThrownBy(
            () ->
                verify(
                    leaf(lower, sanDns("a.us.example.com")),
                    List.of(lower.cert(), upper.cert()),
                    root.cert()))
        .hasMessageContaining("DNS name \"a.us.example.com\" is not permitted");
  }

  // ------------------------------------------------------------------ CheckSignatureFrom / isValid

  @Test
  void rsaIssuerKey_atLeast1024Bits_likeGosCryptoRsa() throws Exception {
    KeyPair k1024 = TestPki.newRsa(1024);
    Ca r1024 = new Ca(TestPki.cert("r1024").selfSigned(k1024).ca(null).build(), k1024.getPrivate());
    assertThat(verify(leaf(r1024), List.of(), r1024.cert())).hasSize(1);
    KeyPair k1016 = TestPki.newRsa(1016);
    Ca r1016 = new Ca(TestPki.cert("r1016").selfSigned(k1016).ca(null).build(), k1016.getPrivate());
    assertThatThrownBy(() -> verify(leaf(r1016), List.of(), r1016.cert()))
        .hasMessageContaining("crypto/rsa: 1016-bit keys are insecure");
  }

  @Test
  void v1Intermediate_mayPassCheckSignatureFrom_butIsNotACa() throws Exception {
    Ca root = TestPki.rootCa("root");
    KeyPair k = TestPki.p256();
    X500Name subject = new X500Name("CN=v1-intermediate");
    org.bouncycastle.cert.X509v1CertificateBuilder b =
        new org.bouncycastle.cert.jcajce.JcaX509v1CertificateBuilder(
            X500Name.getInstance(root.cert().getSubjectX500Principal().getEncoded()),
            BigInteger.TEN,
            new Date(System.currentTimeMillis() - 3_600_000L),
            new Date(System.currentTimeMillis() + 86_400_000L),
            subject,
            k.getPublic());
    X509Certificate v1 =
        new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
            .getCertificate(
                b.build(
                    new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                        .build(root.key())));
    assertThat(v1.getVersion()).isEqualTo(1);
    X509Certificate l = leaf(new Ca(v1, k.getPrivate()));
    assertThatThrownBy(() -> verify(l, List.of(v1), root.cert()))
        .hasMessage(
            "x509: certificate signed by unknown authority (possibly because of \"x509: certificate "
                + "is not authorized to sign other certificates\" while trying to verify candidate authority "
                + "certificate)");
    // as an anchor, the same v1 certificate may issue (Go's isValid asks CA=true of intermediates
    // only)
    assertThat(verify(l, List.of(), v1)).hasSize(1);
  }

  @Test
  void intermediatePathLen_countsIntermediatesBelow() throws Exception {
    Ca root = TestPki.rootCa("root");
    KeyPair k0 = TestPki.p256();
    Ca i0 =
        new Ca(
            TestPki.cert("i0").issuedBy(root).key(k0.getPublic()).ca(0).build(), k0.getPrivate());
    assertThat(verify(leaf(i0), List.of(i0.cert()), root.cert())).hasSize(1);
    KeyPair k1 = TestPki.p256();
    Ca i1 =
        new Ca(
            TestPki.cert("i1").issuedBy(root).key(k1.getPublic()).ca(1).build(), k1.getPrivate());
    Ca below = ca("below", i1);
    assertThat(verify(leaf(below), List.of(below.cert(), i1.cert()), root.cert())).hasSize(1);
    Ca below2 = ca("below2", below);
    assertThatThrownBy(
            () ->
                verify(leaf(below2), List.of(below2.cert(), below.cert(), i1.cert()), root.cert()))
        .hasMessageContaining("too many intermediates for path length constraint");
  }

  @Test
  void depth_atMost16CertificatesBelowTheAnchor() throws Exception {
    Ca root = TestPki.rootCa("root");
    List<Ca> cas = new ArrayList<>();
    Ca parent = root;
    for (int i = 0; i < 16; i++) {
      parent = ca("i" + i, parent);
      cas.add(parent);
    }
    List<X509Certificate> fifteen = new ArrayList<>();
    for (int i = 14; i >= 0; i--) {
      fifteen.add(cas.get(i).cert());
    }
    assertThat(verify(leaf(cas.get(14)), fifteen, root.cert()).get(0)).hasSize(17);
    List<X509Certificate> sixteen = new ArrayList<>();
    for (int i = 15; i >= 0; i--) {
      sixteen.add(cas.get(i).cert());
    }
    assertThatThrownBy(() -> verify(leaf(cas.get(15)), sixteen, root.cert()))
        .hasMessageStartingWith("x509: certificate signed by unknown authority");
  }

  // ------------------------------------------------------------------ policies

  private static Object[] policies(String... oids) {
    PolicyInformation[] infos = new PolicyInformation[oids.length];
    for (int i = 0; i < oids.length; i++) {
      infos[i] = new PolicyInformation(new ASN1ObjectIdentifier(oids[i]));
    }
    return ext(Extension.certificatePolicies, false, new CertificatePolicies(infos));
  }

  private static Object[] requireExplicit(int n) {
    return ext(
        Extension.policyConstraints, true, new PolicyConstraints(BigInteger.valueOf(n), null));
  }

  private static Object[] requireExplicitAndInhibitMapping(int require, int inhibit) {
    return ext(
        Extension.policyConstraints,
        true,
        new PolicyConstraints(BigInteger.valueOf(require), BigInteger.valueOf(inhibit)));
  }

  private static Object[] inhibitAny(int n) {
    return ext(Extension.inhibitAnyPolicy, true, new ASN1Integer(n));
  }

  private static Object[] mapping(String from, String to) {
    return ext(
        Extension.policyMappings,
        true,
        new PolicyMappings(
            CertPolicyId.getInstance(new ASN1ObjectIdentifier(from)),
            CertPolicyId.getInstance(new ASN1ObjectIdentifier(to))));
  }

  private static boolean valid(X509Certificate... chain) throws Exception {
    List<Cert> l = new ArrayList<>();
    for (X509Certificate x : chain) {
      l.add(c(x));
    }
    return GoPolicies.valid(l);
  }

  @Test
  void policies_noneRequired_anythingGoes() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca inter = ca("i", root, policies(P));
    assertThat(valid(leaf(inter), inter.cert(), root.cert())).isTrue();
    assertThat(valid(leaf(inter, policies(Q)), inter.cert(), root.cert())).isTrue();
    assertThat(valid(root.cert())).isTrue();
  }

  @Test
  void requireExplicitPolicy_countsCertificatesBelow() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca req0 = ca("i", root, policies(P), requireExplicit(0));
    assertThat(valid(leaf(req0), req0.cert(), root.cert())).isFalse();
    assertThat(valid(leaf(req0, policies(P)), req0.cert(), root.cert())).isTrue();
    assertThat(valid(leaf(req0, policies(Q)), req0.cert(), root.cert())).isFalse();
    assertThat(valid(leaf(req0, policies(ANY)), req0.cert(), root.cert())).isTrue();
    assertThat(valid(leaf(req0, policies(Q, P)), req0.cert(), root.cert())).isTrue();
    Ca req1 = ca("i", root, policies(P), requireExplicit(1));
    assertThat(valid(leaf(req1), req1.cert(), root.cert())).isFalse();
    Ca req2 = ca("i", root, policies(P), requireExplicit(2));
    assertThat(valid(leaf(req2), req2.cert(), root.cert())).isTrue();
    // an intermediate without policies below one that requires them
    Ca none = ca("n", req0);
    assertThat(valid(leaf(none, policies(P)), none.cert(), req0.cert(), root.cert())).isFalse();
    // the leaf's own requireExplicitPolicy 0 counts (RFC 5280 6.1.5 (b))
    Ca plain = ca("p", root);
    assertThat(valid(leaf(plain, policies(P), requireExplicit(0)), plain.cert(), root.cert()))
        .isFalse();
    assertThat(valid(leaf(plain, policies(P), requireExplicit(1)), plain.cert(), root.cert()))
        .isTrue();
    Ca anyInter = ca("a", root, policies(ANY));
    assertThat(valid(leaf(anyInter, policies(P), requireExplicit(0)), anyInter.cert(), root.cert()))
        .isTrue();
  }

  @Test
  void inhibitAnyPolicy_stopsAnyPolicyBelow() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca any = ca("i", root, policies(ANY), requireExplicit(0));
    assertThat(valid(leaf(any, policies(ANY)), any.cert(), root.cert())).isTrue();
    Ca inhibited = ca("i", root, policies(ANY), requireExplicit(0), inhibitAny(0));
    assertThat(valid(leaf(inhibited, policies(ANY)), inhibited.cert(), root.cert())).isFalse();
    assertThat(valid(leaf(inhibited, policies(P)), inhibited.cert(), root.cert())).isTrue();
    Ca inhibited1 = ca("i", root, policies(ANY), requireExplicit(0), inhibitAny(1));
    assertThat(valid(leaf(inhibited1, policies(ANY)), inhibited1.cert(), root.cert())).isTrue();
  }

  @Test
  void policyMappings_mapDown_anyPolicyMappingInvalid_inhibitable() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca mapper = ca("m", root, policies(P), requireExplicit(0), mapping(P, Q));
    Ca below = ca("b", mapper, policies(Q));
    assertThat(valid(leaf(below, policies(Q)), below.cert(), mapper.cert(), root.cert())).isTrue();
    Ca belowP = ca("b", mapper, policies(P));
    assertThat(valid(leaf(belowP, policies(P)), belowP.cert(), mapper.cert(), root.cert()))
        .isFalse();
    Ca anyMapper = ca("m", root, policies(P), mapping(ANY, Q));
    Ca b2 = ca("b", anyMapper, policies(Q));
    assertThat(valid(leaf(b2), b2.cert(), anyMapper.cert(), root.cert())).isFalse();
    // a mapping from a policy the issuer only has through anyPolicy
    Ca anyP = ca("m", root, policies(ANY), requireExplicit(0), mapping(P, Q));
    Ca b3 = ca("b", anyP, policies(Q));
    assertThat(valid(leaf(b3, policies(Q)), b3.cert(), anyP.cert(), root.cert())).isTrue();
    // inhibitPolicyMapping 0 above the mapping certificate: the mapped policy is deleted instead
    Ca top = ca("t", root, policies(P), requireExplicitAndInhibitMapping(0, 0));
    Ca m2 = ca("m", top, policies(P), mapping(P, Q));
    Ca b4 = ca("b", m2, policies(Q));
    assertThat(valid(leaf(b4, policies(Q)), b4.cert(), m2.cert(), top.cert(), root.cert()))
        .isFalse();
    Ca top1 = ca("t", root, policies(P), requireExplicitAndInhibitMapping(0, 1));
    Ca m3 = ca("m", top1, policies(P), mapping(P, Q));
    Ca b5 = ca("b", m3, policies(Q));
    assertThat(valid(leaf(b5, policies(Q)), b5.cert(), m3.cert(), top1.cert(), root.cert()))
        .isTrue();
  }

  @Test
  void constraintValues_countDownThroughTheCertificatesBelow() throws Exception {
    Ca root = TestPki.rootCa("root");
    // inhibitAnyPolicy 1: one more certificate may use anyPolicy, the leaf below it may not
    Ca i2 = ca("i2", root, policies(ANY), requireExplicit(0), inhibitAny(1));
    Ca i1 = ca("i1", i2, policies(ANY));
    assertThat(valid(leaf(i1, policies(ANY)), i1.cert(), i2.cert(), root.cert())).isFalse();
    assertThat(valid(leaf(i1, policies(P)), i1.cert(), i2.cert(), root.cert())).isTrue();
    // inhibitPolicyMapping 1: the next certificate may still map, the one after it may not
    Ca top = ca("t", root, policies(P), requireExplicitAndInhibitMapping(0, 1));
    Ca mid = ca("m", top, policies(P));
    Ca mapper = ca("x", mid, policies(P), mapping(P, Q));
    Ca below = ca("b", mapper, policies(Q));
    assertThat(
            valid(
                leaf(below, policies(Q)),
                below.cert(),
                mapper.cert(),
                mid.cert(),
                top.cert(),
                root.cert()))
        .isFalse();
    Ca mapper2 = ca("x", top, policies(P), mapping(P, Q));
    Ca below2 = ca("b", mapper2, policies(Q));
    assertThat(
            valid(
                leaf(below2, policies(Q)), below2.cert(), mapper2.cert(), top.cert(), root.cert()))
        .isTrue();
    // a negative inhibitAnyPolicy is ignored, as Go ignores it
    Ca negative =
        ca(
            "n",
            root,
            policies(ANY),
            requireExplicit(0),
            ext(Extension.inhibitAnyPolicy, false, new ASN1Integer(-1)));
    assertThat(valid(leaf(negative, policies(ANY)), negative.cert(), root.cert())).isTrue();
  }

  @Test
  void selfIssuedCertificate_mayPassAnyPolicyOnEvenWhenInhibited() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca a = ca("a", root, policies(ANY), requireExplicit(0), inhibitAny(0));
    KeyPair k = TestPki.p256();
    Ca self =
        new Ca(
            TestPki.cert("a")
                .issuedBy(a)
                .key(k.getPublic())
                .ca(null)
                .extension(
                    Extension.certificatePolicies,
                    false,
                    new CertificatePolicies(new PolicyInformation(new ASN1ObjectIdentifier(ANY))))
                .build(),
            k.getPrivate());
    assertThat(valid(leaf(self, policies(P)), self.cert(), a.cert(), root.cert())).isTrue();
    Ca other = ca("o", a, policies(ANY));
    assertThat(valid(leaf(other, policies(P)), other.cert(), a.cert(), root.cert())).isFalse();
  }

  @Test
  void selfIssuedIntermediate_doesNotCountForTheConstraints() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca req1 = ca("i", root, policies(P), requireExplicit(1));
    // a key-rollover certificate: same subject as its issuer
    KeyPair k = TestPki.p256();
    Ca self =
        new Ca(
            TestPki.cert("i")
                .issuedBy(req1)
                .key(k.getPublic())
                .ca(null)
                .extension(
                    Extension.certificatePolicies,
                    false,
                    new CertificatePolicies(new PolicyInformation(new ASN1ObjectIdentifier(P))))
                .build(),
            k.getPrivate());
    // with the self-issued certificate not counted, explicit policy is still 1 at the leaf
    assertThat(valid(leaf(self), self.cert(), req1.cert(), root.cert())).isFalse();
    Ca req2 = ca("i", root, policies(P), requireExplicit(2));
    Ca self2 =
        new Ca(
            TestPki.cert("i")
                .issuedBy(req2)
                .key(k.getPublic())
                .ca(null)
                .extension(
                    Extension.certificatePolicies,
                    false,
                    new CertificatePolicies(new PolicyInformation(new ASN1ObjectIdentifier(P))))
                .build(),
            k.getPrivate());
    assertThat(valid(leaf(self2), self2.cert(), req2.cert(), root.cert())).isTrue();
  }

  @Test
  void invalidPolicies_throughTheVerifier_goMessage() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca req0 = ca("i", root, policies(P), requireExplicit(0));
    assertThatThrownBy(() -> verify(leaf(req0), List.of(req0.cert()), root.cert()))
        .hasMessage("x509: no valid chains built: 1 candidate chains with invalid policies");
  }

  @Test
  void policyExtensions_parsedAsStrictlyAsGo() throws Exception {
    Ca root = TestPki.rootCa("root");
    // non-critical, so the JDK keeps the certificate and Go's parse rule is what refuses it
    PolicyInformation p = new PolicyInformation(new ASN1ObjectIdentifier(P));
    assertThatThrownBy(
            () ->
                c(
                    TestPki.cert("l")
                        .issuedBy(root)
                        .key(TestPki.p256().getPublic())
                        .extension(
                            Extension.certificatePolicies,
                            false,
                            new DERSequence(new ASN1Encodable[] {p, p}))
                        .build()))
        .hasMessage("x509: invalid certificate policies");
    assertThatThrownBy(
            () ->
                c(
                    TestPki.cert("l")
                        .issuedBy(root)
                        .key(TestPki.p256().getPublic())
                        .extension(
                            Extension.certificatePolicies,
                            false,
                            new DERSequence(new ASN1Integer(1)))
                        .build()))
        .hasMessage("x509: invalid certificate policies");
    assertThatThrownBy(
            () ->
                c(
                    TestPki.cert("l")
                        .issuedBy(root)
                        .key(TestPki.p256().getPublic())
                        .extension(Extension.policyConstraints, false, new ASN1Integer(1))
                        .build()))
        .hasMessage("x509: invalid policy constraints extension");
    assertThatThrownBy(
            () ->
                c(
                    TestPki.cert("l")
                        .issuedBy(root)
                        .key(TestPki.p256().getPublic())
                        .extension(Extension.inhibitAnyPolicy, false, new DERSequence())
                        .build()))
        .hasMessage("x509: invalid inhibit any policy extension");
    assertThatThrownBy(
            () ->
                c(
                    TestPki.cert("l")
                        .issuedBy(root)
                        .key(TestPki.p256().getPublic())
                        .extension(
                            Extension.policyMappings,
                            false,
                            new DERSequence(new DERSequence(new ASN1ObjectIdentifier(P))))
                        .build()))
        .hasMessage("x509: invalid policy mappings extension");
    // values that do not fit Go's int64
    assertThatThrownBy(
            () ->
                c(
                    TestPki.cert("l")
                        .issuedBy(root)
                        .key(TestPki.p256().getPublic())
                        .extension(
                            Extension.inhibitAnyPolicy,
                            false,
                            new ASN1Integer(BigInteger.ONE.shiftLeft(63)))
                        .build()))
        .hasMessage("x509: invalid inhibit any policy extension");
    // both fields of policyConstraints, one mapping per entry: parsed
    Cert ok =
        c(
            TestPki.cert("l")
                .issuedBy(root)
                .key(TestPki.p256().getPublic())
                .extension(
                    Extension.policyConstraints,
                    true,
                    new PolicyConstraints(BigInteger.ONE, BigInteger.TWO))
                .extension(
                    Extension.policyMappings,
                    true,
                    new PolicyMappings(
                        CertPolicyId.getInstance(new ASN1ObjectIdentifier(P)),
                        CertPolicyId.getInstance(new ASN1ObjectIdentifier(Q))))
                .extension(
                    Extension.certificatePolicies,
                    false,
                    new CertificatePolicies(
                        new PolicyInformation[] {
                          p, new PolicyInformation(new ASN1ObjectIdentifier(Q))
                        }))
                .build());
    assertThat(ok.policies().policies()).hasSize(2);
    // an empty policyConstraints SEQUENCE (neither field) and the largest int64 inhibitAnyPolicy
    assertThat(
            c(
                TestPki.cert("l")
                    .issuedBy(root)
                    .key(TestPki.p256().getPublic())
                    .extension(Extension.policyConstraints, false, new DERSequence())
                    .extension(Extension.inhibitAnyPolicy, false, new ASN1Integer(Long.MAX_VALUE))
                    .build()))
        .isNotNull();
    assertThat(ok.policies().mappings()).hasSize(1);
    assertThat(GoPolicies.NONE.policies()).isEmpty();
  }

  // ------------------------------------------------------------------ DER of the signature value

  @Test
  void ecdsaSignatureValue_mustItselfBeDer() throws Exception {
    Ca root = TestPki.rootCa("root");
    X509Certificate leaf = leaf(root);
    assertThat(CertificateParser.parse(leaf.getEncoded())).isNotNull();
    ASN1Sequence cert = ASN1Sequence.getInstance(leaf.getEncoded());
    byte[] sig = DERBitString.getInstance(cert.getObjectAt(2)).getOctets();
    ASN1Sequence rs = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(sig));
    byte[] r = ASN1Integer.getInstance(rs.getObjectAt(0)).getEncoded();
    byte[] s = ASN1Integer.getInstance(rs.getObjectAt(1)).getEncoded();
    // r with one more leading zero byte than needed: BER, not DER
    byte[] paddedR = new byte[r.length + 1];
    paddedR[0] = 0x02;
    paddedR[1] = (byte) (r[1] + 1);
    paddedR[2] = 0;
    System.arraycopy(r, 2, paddedR, 3, r.length - 2);
    byte[] body = new byte[paddedR.length + s.length];
    System.arraycopy(paddedR, 0, body, 0, paddedR.length);
    System.arraycopy(s, 0, body, paddedR.length, s.length);
    byte[] badSig = new byte[body.length + 2];
    badSig[0] = 0x30;
    badSig[1] = (byte) body.length;
    System.arraycopy(body, 0, badSig, 2, body.length);
    byte[] forged =
        new DERSequence(
                new ASN1Encodable[] {
                  cert.getObjectAt(0), cert.getObjectAt(1), new DERBitString(badSig)
                })
            .getEncoded();
    assertThatThrownBy(() -> CertificateParser.parse(forged))
        .hasMessage("x509: malformed signature");
    // trailing bytes after the (r, s) SEQUENCE inside the BIT STRING
    byte[] trailing = java.util.Arrays.copyOf(sig, sig.length + 2);
    byte[] forged2 =
        new DERSequence(
                new ASN1Encodable[] {
                  cert.getObjectAt(0), cert.getObjectAt(1), new DERBitString(trailing)
                })
            .getEncoded();
    assertThatThrownBy(() -> CertificateParser.parse(forged2))
        .hasMessage("x509: malformed signature");
  }

  @Test
  void berInsideTheTbsCertificate_refused() throws Exception {
    Ca root = TestPki.rootCa("root");
    // a critical SAN: its BOOLEAN TRUE is FF in DER; 01 is BER only (the signature stays valid
    // for the JDK's lenient reader, which is why the DER walk must catch it)
    byte[] crit =
        TestPki.cert("node-1")
            .issuedBy(root)
            .key(TestPki.p256().getPublic())
            .extension(
                Extension.subjectAlternativeName,
                true,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "a.example")))
            .build()
            .getEncoded();
    String h = HexFormat.of().formatHex(crit);
    int at = h.indexOf("0603551d110101ff");
    assertThat(at).isPositive();
    byte[] ber =
        HexFormat.of().parseHex(h.substring(0, at) + "0603551d11010101" + h.substring(at + 16));
    assertThat(CertificateParser.parse(crit)).isNotNull();
    assertThatThrownBy(() -> CertificateParser.parse(ber))
        .hasMessage("x509: malformed certificate: not DER");
  }
}
