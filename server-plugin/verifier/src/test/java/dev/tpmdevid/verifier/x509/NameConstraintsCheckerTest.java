package dev.tpmdevid.verifier.x509;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.labpki.TestPki;
import java.security.KeyPair;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.junit.jupiter.api.Test;

/** Go's name-constraint matching rules (crypto/x509 constraints.go), case by case. */
class NameConstraintsCheckerTest {

  @Test
  void dnsHasSuffix_labelSuffixCaseInsensitive_leadingPeriodNeedsALabel() {
    assertThat(NameConstraintsChecker.dnsHasSuffix("example.com", "example.com")).isTrue();
    assertThat(NameConstraintsChecker.dnsHasSuffix("example.com", "a.b.Example.COM")).isTrue();
    assertThat(NameConstraintsChecker.dnsHasSuffix("example.com", "testexample.com")).isFalse();
    assertThat(NameConstraintsChecker.dnsHasSuffix(".example.com", "example.com")).isFalse();
    assertThat(NameConstraintsChecker.dnsHasSuffix(".example.com", "a.example.com")).isTrue();
    assertThat(NameConstraintsChecker.dnsHasSuffix("a.example.com", "example.com")).isFalse();
  }

  @Test
  void dnsQuery_emptyConstraintMatchesAll_wildcardExcludedBySibling() {
    assertThat(NameConstraintsChecker.dnsQuery(List.of(""), "anything.org", true)).isEqualTo("");
    assertThat(NameConstraintsChecker.dnsQuery(List.of("example.com"), "evil.org", true)).isNull();
    // an excluded "bad.example.com" also excludes "*.example.com" (it could name bad.example.com)
    assertThat(NameConstraintsChecker.dnsQuery(List.of("bad.example.com"), "*.example.com", false))
        .isEqualTo("bad.example.com");
    // ...but a permitted one does not permit the wildcard
    assertThat(NameConstraintsChecker.dnsQuery(List.of("ok.example.com"), "*.example.com", true))
        .isNull();
  }

  @Test
  void domainNameValid_goRules() {
    assertThat(GoNames.domainNameValid("example.com", false)).isTrue();
    assertThat(GoNames.domainNameValid("example.com.", false)).isFalse();
    assertThat(GoNames.domainNameValid("a..b", false)).isFalse();
    assertThat(GoNames.domainNameValid(".example.com", true)).isTrue();
    assertThat(GoNames.domainNameValid(".example.com", false)).isFalse();
    assertThat(GoNames.domainNameValid("ex ample.com", false)).isFalse();
  }

  @Test
  void validMask_onesThenZeros() {
    assertThat(GoNames.validMask(new byte[] {-1, -1, 0, 0})).isTrue();
    assertThat(GoNames.validMask(new byte[] {-1, (byte) 0xF0, 0, 0})).isTrue();
    assertThat(GoNames.validMask(new byte[] {-1, 0, -1, 0})).isFalse();
    assertThat(GoNames.validMask(new byte[] {(byte) 0xF1, 0, 0, 0})).isFalse();
  }

  // ------------------------------------------------------------------ checkAgainst, per kind

  private static final List<String> NO = List.of();

  private static GoNames.Constraints dns(List<String> permitted, List<String> excluded) {
    return new GoNames.Constraints(permitted, excluded, List.of(), List.of(), NO, NO, NO, NO);
  }

  private static GoNames.Constraints uris(List<String> permitted, List<String> excluded) {
    return new GoNames.Constraints(NO, NO, List.of(), List.of(), NO, NO, permitted, excluded);
  }

  private static GoNames.Constraints emails(List<String> permitted, List<String> excluded) {
    return new GoNames.Constraints(NO, NO, List.of(), List.of(), permitted, excluded, NO, NO);
  }

  private static GoNames.Constraints ips(List<byte[][]> permitted, List<byte[][]> excluded) {
    return new GoNames.Constraints(NO, NO, permitted, excluded, NO, NO, NO, NO);
  }

  private static final GoNames.Constraints NOTHING = dns(NO, NO);

  private static GoNames.Sans dnsSan(String... names) {
    return new GoNames.Sans(true, List.of(names), NO, List.of(), NO);
  }

  private static GoNames.Sans uriSan(String... u) {
    return new GoNames.Sans(true, NO, NO, List.of(), List.of(u));
  }

  private static GoNames.Sans emailSan(String... e) {
    return new GoNames.Sans(true, NO, List.of(e), List.of(), NO);
  }

  private static GoNames.Sans ipSan(String... hexIps) {
    List<byte[]> l = new java.util.ArrayList<>();
    for (String h : hexIps) {
      l.add(HexFormat.of().parseHex(h));
    }
    return new GoNames.Sans(true, NO, NO, l, NO);
  }

  private static byte[][] net(String ip, String mask) {
    return new byte[][] {HexFormat.of().parseHex(ip), HexFormat.of().parseHex(mask)};
  }

  @Test
  void dns_permittedAndExcluded_goMessages() {
    GoNames.Constraints c = dns(List.of("good.example"), List.of("bad.good.example"));
    assertThat(NameConstraintsChecker.checkAgainst(c, dnsSan("a.good.example", "GOOD.example")))
        .isNull();
    assertThat(NameConstraintsChecker.checkAgainst(c, dnsSan("a.good.example", "a.evil.example")))
        .isEqualTo("DNS name \"a.evil.example\" is not permitted by any constraint");
    assertThat(NameConstraintsChecker.checkAgainst(c, dnsSan("x.bad.good.example")))
        .isEqualTo(
            "DNS name \"x.bad.good.example\" is excluded by constraint \"bad.good.example\"");
    assertThat(
            NameConstraintsChecker.checkAgainst(
                dns(NO, List.of("evil.example")), dnsSan("good.example")))
        .isNull();
    assertThat(NameConstraintsChecker.checkAgainst(c, dnsSan("a..good.example")))
        .isEqualTo("x509: cannot parse dnsName \"a..good.example\"");
    // no constraint of the kind: any name passes, but it must still be a valid domain name
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, dnsSan("anything.org"))).isNull();
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, dnsSan("trailing.dot.")))
        .isEqualTo("x509: cannot parse dnsName \"trailing.dot.\"");
  }

  @Test
  void uri_matchedByHost_portAndUserInfoIgnored_ipAndEmptyHostRefused() {
    GoNames.Constraints c = uris(List.of(".good.example"), List.of("bad.good.example"));
    assertThat(NameConstraintsChecker.checkAgainst(c, uriSan("spiffe://a.good.example/x")))
        .isNull();
    assertThat(NameConstraintsChecker.checkAgainst(c, uriSan("https://u@A.Good.Example:8443/p")))
        .isNull();
    assertThat(NameConstraintsChecker.checkAgainst(c, uriSan("https://good.example/p")))
        .isEqualTo("URI \"https://good.example/p\" is not permitted by any constraint");
    assertThat(NameConstraintsChecker.checkAgainst(c, uriSan("https://bad.good.example/p")))
        .isEqualTo(
            "URI \"https://bad.good.example/p\" is excluded by constraint \"bad.good.example\"");
    assertThat(NameConstraintsChecker.checkAgainst(c, uriSan("urn:x:y")))
        .isEqualTo("URI with empty host (\"urn:x:y\") cannot be matched against constraints");
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, uriSan("https://10.0.0.1/")))
        .isEqualTo("URI with IP (\"https://10.0.0.1/\") cannot be matched against constraints");
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, uriSan("https://10.0.0.1:443/")))
        .isEqualTo("URI with IP (\"https://10.0.0.1:443/\") cannot be matched against constraints");
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, uriSan("https://[::1]/")))
        .isEqualTo("URI with IP (\"https://[::1]/\") cannot be matched against constraints");
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, uriSan("https://[::1]:8443/")))
        .isEqualTo("URI with IP (\"https://[::1]:8443/\") cannot be matched against constraints");
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, uriSan("https://a..b/")))
        .isEqualTo("x509: internal error: URI SAN \"https://a..b/\" failed to parse");
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, uriSan("http://[::1")))
        .isEqualTo("cannot parse URI \"http://[::1\"");
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, uriSan("spiffe://example.org/x")))
        .isNull();
  }

  @Test
  void email_fullMailboxOrDomain_domainCaseInsensitive() {
    GoNames.Constraints c =
        emails(List.of("admin@Example.COM", "good.example"), List.of("root@good.example"));
    assertThat(NameConstraintsChecker.checkAgainst(c, emailSan("admin@example.com"))).isNull();
    assertThat(NameConstraintsChecker.checkAgainst(c, emailSan("anyone@GOOD.example"))).isNull();
    assertThat(NameConstraintsChecker.checkAgainst(c, emailSan("Admin@example.com")))
        .isEqualTo("email address \"Admin@example.com\" is not permitted by any constraint");
    // Go matches an email domain constraint like a DNS constraint: subdomains are inside
    assertThat(NameConstraintsChecker.checkAgainst(c, emailSan("a@sub.good.example"))).isNull();
    assertThat(NameConstraintsChecker.checkAgainst(c, emailSan("a@notgood.example")))
        .isEqualTo("email address \"a@notgood.example\" is not permitted by any constraint");
    assertThat(NameConstraintsChecker.checkAgainst(c, emailSan("root@good.example")))
        .isEqualTo(
            "email address \"root@good.example\" is excluded by constraint \"root@good.example\"");
    assertThat(
            NameConstraintsChecker.checkAgainst(
                emails(NO, List.of(".evil.example")), emailSan("x@mail.evil.example")))
        .isEqualTo(
            "email address \"x@mail.evil.example\" is excluded by constraint \".evil.example\"");
    assertThat(
            NameConstraintsChecker.checkAgainst(
                emails(NO, List.of(".evil.example")), emailSan("x@evil.example")))
        .isNull();
    assertThat(
            NameConstraintsChecker.checkAgainst(
                emails(List.of("only@x.example"), NO), emailSan("other@x.example")))
        .isEqualTo("email address \"other@x.example\" is not permitted by any constraint");
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, emailSan("no-at-sign")))
        .isEqualTo("cannot parse rfc822Name \"no-at-sign\"");
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, emailSan("a@b..c")))
        .isEqualTo("x509: cannot parse rfc822Name \"a@b..c\"");
    assertThat(NameConstraintsChecker.checkAgainst(NOTHING, emailSan("a@B.example"))).isNull();
  }

  @Test
  void ip_networkAndMask_familyMustMatch() {
    GoNames.Constraints c =
        ips(
            List.<byte[][]>of(net("0a000000", "ff000000")),
            List.<byte[][]>of(net("0a010000", "ffff0000")));
    assertThat(NameConstraintsChecker.checkAgainst(c, ipSan("0a020304"))).isNull();
    assertThat(NameConstraintsChecker.checkAgainst(c, ipSan("0b020304")))
        .isEqualTo("IP address \"11.2.3.4\" is not permitted by any constraint");
    assertThat(NameConstraintsChecker.checkAgainst(c, ipSan("0a010203")))
        .isEqualTo("IP address \"10.1.2.3\" is excluded by constraint \"10.1.0.0/16\"");
    // an IPv6 address is never inside an IPv4 range
    assertThat(NameConstraintsChecker.checkAgainst(c, ipSan("0000000000000000000000000a020304")))
        .startsWith("IP address \"")
        .endsWith("\" is not permitted by any constraint");
    // the last byte decides
    GoNames.Constraints host = ips(List.<byte[][]>of(net("0a000001", "ffffffff")), List.of());
    assertThat(NameConstraintsChecker.checkAgainst(host, ipSan("0a000001"))).isNull();
    assertThat(NameConstraintsChecker.checkAgainst(host, ipSan("0a000002"))).isNotNull();
    assertThat(
            NameConstraintsChecker.checkAgainst(
                ips(List.of(), List.<byte[][]>of(net("0a000000", "ff000000"))), ipSan("0b000001")))
        .isNull();
    assertThat(
            NameConstraintsChecker.checkAgainst(
                ips(
                    List.<byte[][]>of(net("0a000000", "ff000000"), net("c0a80000", "ffff0000")),
                    List.of()),
                ipSan("c0a80101")))
        .isNull();
  }

  // ------------------------------------------------------------------ check, over whole chains

  private static Cert cert(TestPki.CertSpec spec) throws Exception {
    return Cert.parse(spec.build().getEncoded());
  }

  private static NameConstraints permitDns(String name) {
    return new NameConstraints(
        new GeneralSubtree[] {new GeneralSubtree(new GeneralName(GeneralName.dNSName, name))},
        null);
  }

  private static GeneralNames sanDns(String name) {
    return new GeneralNames(new GeneralName(GeneralName.dNSName, name));
  }

  @Test
  void check_constraintsApplyOnlyBelowTheirCertificate_andOnlyToCertificatesWithASan()
      throws Exception {
    KeyPair k = TestPki.p256();
    Cert root =
        cert(
            TestPki.cert("r")
                .selfSigned(k)
                .ca(null)
                .extension(Extension.nameConstraints, true, permitDns("good.example"))
                .extension(Extension.subjectAlternativeName, false, sanDns("root.evil.example")));
    Cert inside =
        cert(
            TestPki.cert("l")
                .selfSigned(TestPki.p256())
                .extension(Extension.subjectAlternativeName, false, sanDns("host.good.example")));
    Cert outside =
        cert(
            TestPki.cert("l")
                .selfSigned(TestPki.p256())
                .extension(Extension.subjectAlternativeName, false, sanDns("host.evil.example")));
    Cert noSan = cert(TestPki.cert("evil.example").selfSigned(TestPki.p256()));
    // the root's own SAN is outside its own constraint: not checked against itself
    assertThat(NameConstraintsChecker.check(List.of(inside, root))).isNull();
    assertThat(NameConstraintsChecker.check(List.of(outside, root)))
        .isEqualTo("DNS name \"host.evil.example\" is not permitted by any constraint");
    assertThat(NameConstraintsChecker.check(List.of(noSan, root))).isNull();
    // a constrained certificate below: its constraints do not apply to the root above it
    Cert constrainedLeaf =
        cert(
            TestPki.cert("l")
                .selfSigned(TestPki.p256())
                .extension(Extension.nameConstraints, true, permitDns("other.example")));
    assertThat(NameConstraintsChecker.check(List.of(constrainedLeaf, root))).isNull();
    // two constrained certificates: the leaf must satisfy both
    Cert inter =
        cert(
            TestPki.cert("i")
                .selfSigned(TestPki.p256())
                .ca(null)
                .extension(Extension.nameConstraints, true, permitDns("host.good.example")));
    assertThat(NameConstraintsChecker.check(List.of(inside, inter, root))).isNull();
    Cert sibling =
        cert(
            TestPki.cert("l")
                .selfSigned(TestPki.p256())
                .extension(Extension.subjectAlternativeName, false, sanDns("other.good.example")));
    assertThat(NameConstraintsChecker.check(List.of(sibling, inter, root)))
        .isEqualTo("DNS name \"other.good.example\" is not permitted by any constraint");
    assertThat(NameConstraintsChecker.check(List.of(inside, noSan))).isNull();
  }

  @Test
  void check_directoryNameOnlyConstraint_stillRefusesUrisGoCannotMatch() throws Exception {
    NameConstraints dirOnly =
        new NameConstraints(
            new GeneralSubtree[] {
              new GeneralSubtree(
                  new GeneralName(new org.bouncycastle.asn1.x500.X500Name("O=somewhere")))
            },
            null);
    Cert ca =
        cert(
            TestPki.cert("i")
                .selfSigned(TestPki.p256())
                .ca(null)
                .extension(Extension.nameConstraints, false, dirOnly));
    Cert urn =
        cert(
            TestPki.cert("l")
                .selfSigned(TestPki.p256())
                .extension(
                    Extension.subjectAlternativeName,
                    false,
                    new GeneralNames(
                        new GeneralName(GeneralName.uniformResourceIdentifier, "urn:x:y"))));
    Cert dns =
        cert(
            TestPki.cert("l")
                .selfSigned(TestPki.p256())
                .extension(Extension.subjectAlternativeName, false, sanDns("anything.example")));
    assertThat(NameConstraintsChecker.check(List.of(urn, ca)))
        .isEqualTo("URI with empty host (\"urn:x:y\") cannot be matched against constraints");
    assertThat(NameConstraintsChecker.check(List.of(dns, ca))).isNull();
  }

  @Test
  void dnsHasSuffix_caseFoldingOnlyForAsciiLetters() {
    assertThat(NameConstraintsChecker.dnsHasSuffix("Example.com", "EXAMPLE.COM")).isTrue();
    assertThat(NameConstraintsChecker.dnsHasSuffix("a", "A")).isTrue();
    assertThat(NameConstraintsChecker.dnsHasSuffix("Z", "z")).isTrue();
    // '@' (0x40) and '`' (0x60) differ by 0x20 but are not letters; nor are '[' and '{'
    assertThat(NameConstraintsChecker.dnsHasSuffix("@", "`")).isFalse();
    assertThat(NameConstraintsChecker.dnsHasSuffix("[", "{")).isFalse();
    assertThat(NameConstraintsChecker.dnsHasSuffix("b", "a")).isFalse();
    assertThat(NameConstraintsChecker.dnsHasSuffix("x.com", "ax.com")).isFalse();
    assertThat(NameConstraintsChecker.dnsHasSuffix("x.com", "a.x.com")).isTrue();
  }

  @Test
  void dnsQuery_wildcardSiblingRule_detail() {
    assertThat(NameConstraintsChecker.dnsQuery(List.of("Bad.Example.com"), "*.EXAMPLE.com", false))
        .isEqualTo("bad.example.com");
    // a one-label constraint has no parent to compare: only the suffix rule applies
    assertThat(NameConstraintsChecker.dnsQuery(List.of("example"), "*.other", false)).isNull();
    assertThat(NameConstraintsChecker.dnsQuery(List.of("bad.other.com"), "*.example.com", false))
        .isNull();
    assertThat(NameConstraintsChecker.dnsQuery(List.of("a.example.com"), "x.example.com", false))
        .isNull();
    assertThat(NameConstraintsChecker.dnsQuery(List.of("nomatch.org", ""), "x.org", false))
        .isEqualTo("");
    assertThat(NameConstraintsChecker.dnsQuery(List.of(), "", false)).isNull();
    assertThat(NameConstraintsChecker.dnsQuery(List.of("a.org", "b.org"), "x.b.org", true))
        .isEqualTo("b.org");
  }
}
