package dev.tpmdevid.verifier.x509;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
}
