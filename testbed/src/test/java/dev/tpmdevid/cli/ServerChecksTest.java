package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.verifier.AttestationFailure;
import dev.tpmdevid.verifier.AttestationFailure.Reason;
import dev.tpmdevid.verifier.TpmDevIdVerifier;
import dev.tpmdevid.verifier.testing.Forgeries;
import dev.tpmdevid.verifier.testing.Forgeries.Case;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import dev.tpmdevid.verifier.x509.CrlMode;
import dev.tpmdevid.verifier.x509.PemCertificates;
import dev.tpmdevid.verifier.x509.RevocationStore;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's check list is the verifier's step list, and the message prefixes it reads a refused
 * step from (a gRPC status carries only the message) agree with the step the verifier names: every
 * refused forgery's message maps to the check of its {@link AttestationFailure#reason()}.
 */
class ServerChecksTest {

  @Test
  void checksAreTheVerifierSteps() {
    assertThat(ServerChecks.CHECKS)
        .extracting(ServerChecks.Check::reason)
        .containsExactlyElementsOf(Reason.checks());
    assertThat(ServerChecks.CHECKS).allSatisfy(c -> assertThat(c.plain()).isNotBlank());
    assertThat(ServerChecks.CHECKS)
        .extracting(ServerChecks.Check::reason)
        .doesNotContain(Reason.REVOCATION_UNAVAILABLE, Reason.CHALLENGE_STATE);
  }

  /**
   * Revocation refusals (real CRLs signed by the software agent's CAs) map to the revocation check
   * of their chain; a strict-mode "cannot check revocation" (REVOCATION_UNAVAILABLE, not a check of
   * its own) marks the revocation check of the chain it could not establish.
   */
  @Test
  void revocationRefusals_mapToTheRevocationCheckOfTheirChain(@TempDir Path dir) throws Exception {
    SoftwareAgent a = SoftwareAgent.goLike();
    Instant from = Instant.now().minus(Duration.ofMinutes(10));
    Instant to = Instant.now().plus(Duration.ofDays(7));
    BigInteger leaf = a.devIdCert.getSerialNumber();
    Path devIdCrl =
        Files.writeString(
            dir.resolve("devid.pem"),
            TestPki.crlPem(
                TestPki.crl(a.devIdRoot, a.devIdRoot.key(), from, to),
                TestPki.crl(a.devIdIntermediate, a.devIdIntermediate.key(), from, to, leaf)));
    Path ekCrl =
        Files.write(
            dir.resolve("ek.crl"),
            TestPki.crl(a.ekCa, a.ekCa.key(), from, to, a.ekCert.getSerialNumber()));
    Path staleCrl =
        Files.write(
            dir.resolve("stale.crl"),
            TestPki.crl(
                a.devIdRoot,
                a.devIdRoot.key(),
                from.minus(Duration.ofDays(9)),
                from.minus(Duration.ofDays(1))));
    try (RevocationStore d = open("DevID", devIdCrl);
        RevocationStore e = open("EK", ekCrl)) {
      assertMapsTo(a, d, null, Reason.DEVID_REVOKED, Reason.DEVID_REVOKED);
      assertMapsTo(a, null, e, Reason.EK_REVOKED, Reason.EK_REVOKED);
    }
    try (RevocationStore stale = open("DevID", staleCrl)) {
      assertMapsTo(a, stale, null, Reason.REVOCATION_UNAVAILABLE, Reason.DEVID_REVOKED);
    }
  }

  private static RevocationStore open(String kind, Path file) throws Exception {
    return RevocationStore.open(
        kind, List.of(file), CrlMode.STRICT, Duration.ZERO, Duration.ZERO, w -> {});
  }

  private static void assertMapsTo(
      SoftwareAgent a,
      RevocationStore devIdCrls,
      RevocationStore ekCrls,
      Reason refused,
      Reason check)
      throws Exception {
    TpmDevIdVerifier v =
        TpmDevIdVerifier.builder()
            .devIdRoots(List.of(a.devIdRoot.cert()))
            .endorsementRoots(List.of(a.ekCa.cert()))
            .devIdRevocation(devIdCrls)
            .endorsementRevocation(ekCrls)
            .build();
    try {
      v.begin(a.payload());
      throw new AssertionError(refused + ": accepted");
    } catch (AttestationFailure e) {
      assertThat(e.reason()).as(e.getMessage()).isEqualTo(refused);
      int i = ServerChecks.failedIndex(e.getMessage());
      assertThat(i).as(e.getMessage()).isNotNegative();
      assertThat(ServerChecks.CHECKS.get(i).reason()).as(e.getMessage()).isEqualTo(check);
    }
  }

  @Test
  void refusedForgeries_mapToTheStepTheVerifierNames() throws Exception {
    SoftwareAgent a = SoftwareAgent.goLike();
    List<Case> cases = new ArrayList<>();
    cases.addAll(Forgeries.nonCanonicalEncodings(a));
    cases.addAll(Forgeries.nameConstraints(a));
    cases.addAll(Forgeries.pssParameters(a));
    cases.addAll(Forgeries.badNames(a));
    int refused = 0;
    for (Case c : cases) {
      if (c.accepted()) {
        continue;
      }
      TpmDevIdVerifier v =
          TpmDevIdVerifier.builder()
              .devIdRoots(
                  PemCertificates.parse(c.devIdBundlePem().getBytes(StandardCharsets.US_ASCII)))
              .endorsementRoots(
                  PemCertificates.parse(c.ekBundlePem().getBytes(StandardCharsets.US_ASCII)))
              .build();
      try {
        v.begin(c.payload());
        throw new AssertionError(c.name() + ": accepted");
      } catch (AttestationFailure e) {
        int i = ServerChecks.failedIndex(e.getMessage());
        assertThat(i).as(c.name() + ": " + e.getMessage()).isNotNegative();
        assertThat(ServerChecks.CHECKS.get(i).reason())
            .as(c.name() + ": " + e.getMessage())
            .isEqualTo(e.reason());
        refused++;
      }
    }
    assertThat(refused).isGreaterThan(10);
  }
}
