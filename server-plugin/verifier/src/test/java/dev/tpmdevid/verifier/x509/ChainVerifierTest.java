package dev.tpmdevid.verifier.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.labpki.TestPki.Ca;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

class ChainVerifierTest {
  private static final Date NOW = new Date();
  private static final Set<String> SAN = Set.of("2.5.29.17");

  private static Cert c(X509Certificate x) throws Exception {
    return Cert.parse(x.getEncoded());
  }

  private static TrustBundle bundle(X509Certificate... xs) throws Exception {
    return TrustBundle.of(List.of(xs));
  }

  private static X509Certificate leaf(Ca issuer) {
    return TestPki.cert("devid-leaf").issuedBy(issuer).key(TestPki.rsa().getPublic()).build();
  }

  private static List<List<Cert>> verify(
      X509Certificate leaf, List<X509Certificate> ints, TrustBundle b, Set<String> exempt)
      throws Exception {
    List<Cert> is = new java.util.ArrayList<>();
    for (X509Certificate x : ints) {
      is.add(c(x));
    }
    return ChainVerifier.verify(c(leaf), is, b, NOW, exempt);
  }

  @Test
  void leafIntermediateRoot_oneChainLeafToAnchor() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca inter = TestPki.intermediateCa("intermediate", root);
    X509Certificate leaf = leaf(inter);
    List<List<Cert>> chains = verify(leaf, List.of(inter.cert()), bundle(root.cert()), Set.of());
    assertThat(chains).hasSize(1);
    assertThat(chains.get(0))
        .extracting(x -> x.x509())
        .containsExactly(leaf, inter.cert(), root.cert());
  }

  @Test
  void leafInBundle_singleElementChain() throws Exception {
    Ca root = TestPki.rootCa("root");
    X509Certificate leaf = leaf(root);
    List<List<Cert>> chains = verify(leaf, List.of(), bundle(root.cert(), leaf), Set.of());
    assertThat(chains).hasSize(1);
    assertThat(chains.get(0)).hasSize(1);
  }

  @Test
  void intermediateAlsoAnchor_allChainsReturned() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca inter = TestPki.intermediateCa("intermediate", root);
    X509Certificate leaf = leaf(inter);
    List<List<Cert>> chains =
        verify(leaf, List.of(inter.cert()), bundle(root.cert(), inter.cert()), Set.of());
    assertThat(chains).hasSize(2);
    assertThat(chains.get(0)).hasSize(2);
    assertThat(chains.get(1)).hasSize(3);
  }

  @Test
  void wrongCa_unknownAuthority() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca other = TestPki.rootCa("root"); // same name, other key
    assertThatThrownBy(() -> verify(leaf(other), List.of(), bundle(root.cert()), Set.of()))
        .hasMessageContaining("unknown authority");
  }

  @Test
  void sha1SignedLeaf_refused_butSha1SelfSignedAnchorIsFine() throws Exception {
    Ca root = TestPki.rootCa("root");
    X509Certificate sha1Leaf =
        TestPki.cert("l")
            .issuedBy(root)
            .key(TestPki.rsa().getPublic())
            .sigAlg("SHA1withECDSA")
            .build(); // the test root has an EC key
    assertThatThrownBy(() -> verify(sha1Leaf, List.of(), bundle(root.cert()), Set.of()))
        .hasMessageContaining("insecure algorithm");
    KeyPair kp = TestPki.rsa();
    X509Certificate sha1Root =
        TestPki.cert("r1").selfSigned(kp).ca(null).sigAlg("SHA1withRSA").build();
    Ca r1 = new Ca(sha1Root, kp.getPrivate());
    assertThat(verify(leaf(r1), List.of(), bundle(sha1Root), Set.of())).hasSize(1);
  }

  @Test
  void unknownCriticalExtension_onLeafIntermediateOrAnchor_refused() throws Exception {
    Ca root = TestPki.rootCa("root");
    X509Certificate bad =
        TestPki.cert("l")
            .issuedBy(root)
            .key(TestPki.rsa().getPublic())
            .unknownCriticalExtension()
            .build();
    assertThatThrownBy(() -> verify(bad, List.of(), bundle(root.cert()), Set.of()))
        .hasMessageContaining("unhandled critical extension");

    KeyPair ikp = TestPki.rsa();
    X509Certificate badInter =
        TestPki.cert("i")
            .issuedBy(root)
            .key(ikp.getPublic())
            .ca(null)
            .unknownCriticalExtension()
            .build();
    X509Certificate l2 = leaf(new Ca(badInter, ikp.getPrivate()));
    assertThatThrownBy(() -> verify(l2, List.of(badInter), bundle(root.cert()), Set.of()))
        .hasMessageContaining("unhandled critical extension");

    KeyPair rkp = TestPki.rsa();
    X509Certificate badRoot =
        TestPki.cert("r").selfSigned(rkp).ca(null).unknownCriticalExtension().build();
    X509Certificate l3 = leaf(new Ca(badRoot, rkp.getPrivate()));
    assertThatThrownBy(() -> verify(l3, List.of(), bundle(badRoot), Set.of()))
        .hasMessageContaining("unhandled critical extension");
  }

  @Test
  void criticalDirNameSan_refusedUnlessExempt() throws Exception {
    Ca root = TestPki.rootCa("root");
    X509Certificate ek =
        TestPki.cert("").issuedBy(root).key(TestPki.rsa().getPublic()).tcgEkSan().build();
    assertThatThrownBy(() -> verify(ek, List.of(), bundle(root.cert()), Set.of()))
        .hasMessageContaining("unhandled critical extension");
    assertThat(verify(ek, List.of(), bundle(root.cert()), SAN)).hasSize(1);
  }

  @Test
  void validity_ofLeafIntermediateAndAnchor_checked() throws Exception {
    Instant past = Instant.now().minus(Duration.ofDays(10));
    Ca root = TestPki.rootCa("root");
    X509Certificate expiredLeaf =
        TestPki.cert("l")
            .issuedBy(root)
            .key(TestPki.rsa().getPublic())
            .validity(past, past.plus(Duration.ofDays(1)))
            .build();
    assertThatThrownBy(() -> verify(expiredLeaf, List.of(), bundle(root.cert()), Set.of()))
        .hasMessageContaining("expired");

    KeyPair ikp = TestPki.rsa();
    X509Certificate expiredInter =
        TestPki.cert("i")
            .issuedBy(root)
            .key(ikp.getPublic())
            .ca(null)
            .validity(past, past.plus(Duration.ofDays(1)))
            .build();
    X509Certificate l2 = leaf(new Ca(expiredInter, ikp.getPrivate()));
    assertThatThrownBy(() -> verify(l2, List.of(expiredInter), bundle(root.cert()), Set.of()))
        .hasMessageContaining("expired");

    KeyPair rkp = TestPki.rsa();
    X509Certificate expiredRoot =
        TestPki.cert("r")
            .selfSigned(rkp)
            .ca(null)
            .validity(past, past.plus(Duration.ofDays(1)))
            .build();
    X509Certificate l3 = leaf(new Ca(expiredRoot, rkp.getPrivate()));
    assertThatThrownBy(() -> verify(l3, List.of(), bundle(expiredRoot), Set.of()))
        .hasMessageContaining("expired");
  }

  @Test
  void intermediateWithoutCaFlag_refused() throws Exception {
    Ca root = TestPki.rootCa("root");
    for (boolean noBc : new boolean[] {true, false}) {
      KeyPair ikp = TestPki.rsa();
      TestPki.CertSpec spec = TestPki.cert("i").issuedBy(root).key(ikp.getPublic());
      X509Certificate inter = noBc ? spec.build() : spec.notCa().build();
      X509Certificate l = leaf(new Ca(inter, ikp.getPrivate()));
      assertThatThrownBy(() -> verify(l, List.of(inter), bundle(root.cert()), Set.of()))
          .hasMessageContaining("unknown authority");
    }
  }

  @Test
  void anchorWithoutBasicConstraints_refusedAsIssuer_likeGoCheckSignatureFrom() throws Exception {
    KeyPair rkp = TestPki.rsa();
    X509Certificate root = TestPki.cert("r").selfSigned(rkp).build(); // v3, no BC
    X509Certificate l = leaf(new Ca(root, rkp.getPrivate()));
    assertThatThrownBy(() -> verify(l, List.of(), bundle(root), Set.of()))
        .hasMessageContaining("parent certificate cannot sign");
  }

  @Test
  void pathLenExceeded_refused_atAnchorAndIntermediate() throws Exception {
    KeyPair rkp = TestPki.rsa();
    X509Certificate root0 = TestPki.cert("r").selfSigned(rkp).ca(0).build();
    Ca r = new Ca(root0, rkp.getPrivate());
    Ca inter = TestPki.intermediateCa("i", r);
    assertThatThrownBy(() -> verify(leaf(inter), List.of(inter.cert()), bundle(root0), Set.of()))
        .hasMessageContaining("path length");

    Ca root = TestPki.rootCa("root");
    KeyPair ikp = TestPki.rsa();
    X509Certificate i0 = TestPki.cert("i0").issuedBy(root).key(ikp.getPublic()).ca(0).build();
    Ca i0ca = new Ca(i0, ikp.getPrivate());
    Ca i1 = TestPki.intermediateCa("i1", i0ca);
    assertThatThrownBy(
            () -> verify(leaf(i1), List.of(i1.cert(), i0), bundle(root.cert()), Set.of()))
        .hasMessageContaining("unknown authority");
  }

  @Test
  void issuerKeyUsageWithoutCertSign_refused_absentKeyUsageFine() throws Exception {
    Ca root = TestPki.rootCa("root");
    KeyPair ikp = TestPki.rsa();
    X509Certificate inter =
        TestPki.cert("i")
            .issuedBy(root)
            .key(ikp.getPublic())
            .ca(null)
            .keyUsage(KeyUsage.digitalSignature)
            .build();
    X509Certificate l = leaf(new Ca(inter, ikp.getPrivate()));
    assertThatThrownBy(() -> verify(l, List.of(inter), bundle(root.cert()), Set.of()))
        .hasMessageContaining("unknown authority");
    X509Certificate inter2 =
        TestPki.cert("i2").issuedBy(root).key(ikp.getPublic()).ca(null).build();
    X509Certificate l2 = leaf(new Ca(inter2, ikp.getPrivate()));
    assertThat(verify(l2, List.of(inter2), bundle(root.cert()), Set.of())).hasSize(1);
  }

  @Test
  void selfSignedLeafPresentedAsItsOwnIntermediate_unknownAuthority() throws Exception {
    Ca root = TestPki.rootCa("root");
    KeyPair kp = TestPki.rsa();
    X509Certificate self = TestPki.cert("devid-leaf").selfSigned(kp).ca(null).build();
    assertThatThrownBy(() -> verify(self, List.of(self), bundle(root.cert()), Set.of()))
        .hasMessageContaining("unknown authority");
  }

  @Test
  void parser_rejectsNegativeSerialAndTrailingData() throws Exception {
    Ca root = TestPki.rootCa("root");
    X509Certificate neg =
        TestPki.cert("l")
            .issuedBy(root)
            .key(TestPki.rsa().getPublic())
            .serial(BigInteger.valueOf(-5))
            .build();
    assertThatThrownBy(() -> Cert.parse(neg.getEncoded())).hasMessageContaining("negative serial");
    byte[] der = leaf(root).getEncoded();
    byte[] trailing = Arrays.copyOf(der, der.length + 1);
    assertThatThrownBy(() -> Cert.parse(trailing)).hasMessageContaining("trailing data");
    assertThatThrownBy(() -> Cert.parse(Arrays.copyOf(der, der.length - 1)))
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> Cert.parse(new byte[0])).hasMessageContaining("malformed");
  }

  @Test
  void pemBundle_everyCertificateIsAnchor_otherBlocksSkipped() throws Exception {
    Ca root = TestPki.rootCa("root");
    Ca inter = TestPki.intermediateCa("intermediate", root);
    String pem =
        "junk\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            + TestPki.pem(root.cert(), inter.cert());
    TrustBundle b = TrustBundle.fromPem(pem.getBytes());
    assertThat(b.size()).isEqualTo(2);
    assertThatThrownBy(() -> TrustBundle.fromPem("nothing".getBytes()))
        .hasMessageContaining("no certificates found");
  }
}
