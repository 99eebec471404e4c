package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit against SPIRE's own Go tpm_devid plugins (v1.13.3, built by {@code
 * testbed/spire/build.sh}) and ours, through {@code tpm-devid conformance table} — the command that
 * regenerates the table of {@code docs/conformance.md}. Every case's outcome is asserted for both
 * implementations, so a change on either side is noticed: in particular the four hardening rows
 * where SPIRE's Go server accepts evidence (or issues a challenge for it) that ours refuses before
 * the challenge. Those rows are the evidence for "stricter than the Go server"; if SPIRE closes one
 * of the gaps this test fails and the row (and the README's claim) must be revisited.
 */
class GoConformanceTest {
  private static final Pattern ROW =
      Pattern.compile(
          "^\\| (server|agent) \\| (\\S+) \\| `([a-z0-9-]+)` \\| \\*\\*(PASS|FAIL|SKIP)\\*\\* (.*) \\| \\*\\*(PASS|FAIL|SKIP)\\*\\* (.*) \\|$");

  record Row(String goResult, String goReason, String javaResult, String javaReason) {}

  static final List<String> SERVER_PROTOCOL =
      List.of(
          "valid-rsa-devid",
          "valid-ecc-devid",
          "garbage-json",
          "oversized-payload",
          "no-devid-certificate",
          "devid-cert-from-other-ca",
          "ek-cert-from-untrusted-ca",
          "ek-cert-of-another-tpm",
          "akpub-swapped",
          "certify-signature-corrupted",
          "devidpub-not-the-certified-key",
          "wrong-pop-signature",
          "wrong-credential-answer",
          "replayed-response",
          "response-before-payload");

  static final List<String> AGENT_CHECKS =
      List.of(
          "json-shape-and-order",
          "devidcert-is-the-pem-file",
          "devidpub-is-the-file",
          "ekcert-one-der-matching-nv",
          "ekpub-matches-cert",
          "akpub-restricted-signing-sha256",
          "certifieddevid-names-devidpub",
          "certification-signature",
          "payload-passes-server-checks",
          "challenge-response-format",
          "answers-challenge");

  @Test
  void goAndJavaPluginsSideBySide() {
    CliRun r = CliRun.of("conformance", "table", "--reason-width", "1000");
    assertThat(r.code()).as(r.toString()).isZero();

    Map<String, Row> rows = new LinkedHashMap<>();
    for (String line : r.out().split("\n")) {
      Matcher m = ROW.matcher(line.strip());
      if (m.matches()) {
        rows.put(
            m.group(1) + "/" + m.group(2) + "/" + m.group(3),
            new Row(m.group(4), m.group(5), m.group(6), m.group(7)));
      }
    }
    assertThat(rows).as(r.out()).hasSize(SERVER_PROTOCOL.size() + 4 + 2 * AGENT_CHECKS.size());

    // Protocol cases: both servers accept the genuine RSA and ECC DevIDs and refuse every attack.
    for (String c : SERVER_PROTOCOL) {
      Row row = rows.get("server/protocol/" + c);
      assertThat(row).as(c).isNotNull();
      assertThat(row.goResult()).as("Go: " + c + ": " + row.goReason()).isEqualTo("PASS");
      assertThat(row.javaResult()).as("Java: " + c + ": " + row.javaReason()).isEqualTo("PASS");
    }
    assertThat(rows.get("server/protocol/valid-ecc-devid").goReason()).endsWith("with 4 selectors");

    // Hardening: SPIRE's Go server accepts a DevID certificate whose key is not DevIDPub (a stolen
    // DevID
    // key held in software, with any genuine TPM), an EKPub that is not an EK (sign, not
    // restricted), and a
    // certification signature relabelled as RSA-PSS; for a software AK it issues the challenge.
    // Ours
    // refuses each before the challenge.
    Map<String, String> goHardening =
        Map.of(
            "devid-cert-key-differs-from-devidpub",
                "ACCEPTED: agent attributes spiffe://example.org/spire/agent/",
            "ekpub-attributes-not-an-ek",
                "ACCEPTED: agent attributes spiffe://example.org/spire/agent/",
            "certify-signature-relabelled-rsapss",
                "ACCEPTED: agent attributes spiffe://example.org/spire/agent/",
            "software-ak-not-restricted",
                "payload not refused (a challenge was issued), as SPIRE's Go server does");
    Map<String, String> javaHardening =
        Map.of(
            "devid-cert-key-differs-from-devidpub",
                "refused the payload: INVALID_ARGUMENT: DevID certificate key"
                    + " differs from DevID key public blob: modulus mismatch",
            "ekpub-attributes-not-an-ek",
                "refused the payload: INVALID_ARGUMENT: endorsement key attributes"
                    + " check failed: restricted not set",
            "certify-signature-relabelled-rsapss",
                "refused the payload: INVALID_ARGUMENT: cannot verify that"
                    + " DevID is in the same TPM than AK: signature scheme",
            "software-ak-not-restricted",
                "refused the payload: INVALID_ARGUMENT: attestation key attributes"
                    + " check failed: fixedTPM not set");
    for (Map.Entry<String, String> e : goHardening.entrySet()) {
      Row row = rows.get("server/hardening/" + e.getKey());
      assertThat(row).as(e.getKey()).isNotNull();
      assertThat(row.goResult()).as("Go: " + e.getKey()).isEqualTo("FAIL");
      assertThat(row.goReason()).as("Go: " + e.getKey()).startsWith(e.getValue());
      assertThat(row.javaResult()).as("Java: " + e.getKey()).isEqualTo("PASS");
      assertThat(row.javaReason())
          .as("Java: " + e.getKey())
          .startsWith(javaHardening.get(e.getKey()));
    }

    // Agent suite: SPIRE's Go agent and ours both pass every payload and challenge-response check.
    for (String machine : List.of("rsa", "ecc")) {
      for (String c : AGENT_CHECKS) {
        Row row = rows.get("agent/" + machine + "/" + c);
        assertThat(row).as(machine + " " + c).isNotNull();
        assertThat(row.goResult())
            .as("Go agent: " + machine + " " + c + ": " + row.goReason())
            .isEqualTo("PASS");
        assertThat(row.javaResult())
            .as("Java agent: " + machine + " " + c + ": " + row.javaReason())
            .isEqualTo("PASS");
      }
    }

    assertThat(r.out())
        .contains(
            "server suite, SPIRE's Go plugin: 15 passed, 0 failed; hardening 0 passed, 4 failed",
            "server suite, tpm-devid (Java): 15 passed, 0 failed; hardening 4 passed, 0 failed",
            "agent suite, SPIRE's Go plugin: 22 passed, 0 failed",
            "agent suite, tpm-devid (Java): 22 passed, 0 failed");
  }
}
