package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse;
import dev.tpmdevid.server.PluginHarness.Conversation;
import dev.tpmdevid.server.PluginHarness.Outcome;
import dev.tpmdevid.verifier.testing.Forgeries;
import dev.tpmdevid.verifier.testing.Forgeries.Case;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for the verifier defects of docs/hardening.md, each through the plugin's gRPC
 * Attest stream as an agent (or attacker) reaches it. Payloads come from {@link Forgeries}: real
 * signatures by test CAs made here; the cases that need a structure no CA makes say "forged". A
 * refused payload must fail before any challenge (no TPM work) with INVALID_ARGUMENT and the
 * Go-like message; an accepted one must complete with the agent ID of the leaf as sent.
 */
class VerifierDefectsTest {
  private static SoftwareAgent agent;
  private static PluginHarness harness;

  @BeforeAll
  static void setUp() throws Exception {
    agent = SoftwareAgent.goLike();
    harness = new PluginHarness(null, null);
  }

  @AfterAll
  static void tearDown() throws Exception {
    harness.close();
  }

  /** Runs every case and collects the mismatches, so one report names all that failed. */
  private static void check(List<Case> cases) throws Exception {
    List<String> wrong = new ArrayList<>();
    for (Case c : cases) {
      harness.configs.configure(
          PluginHarness.TRUST_DOMAIN, harness.hcl(c.devIdBundlePem(), c.ekBundlePem(), null));
      String problem = c.accepted() ? acceptedProblem(c) : rejectedProblem(c);
      if (problem != null) {
        wrong.add(c.name() + ": " + problem);
      }
    }
    assertThat(wrong).as("cases with the wrong outcome").isEmpty();
  }

  private static String rejectedProblem(Case c) throws Exception {
    Conversation conv = harness.open();
    conv.sendPayload(c.payload());
    Object first = conv.next();
    if (!(first instanceof Status)) {
      conv.cancel();
      return "a challenge was issued (payload accepted)";
    }
    Status s = (Status) first;
    if (s.getCode() != Status.Code.INVALID_ARGUMENT
        || s.getDescription() == null
        || !s.getDescription().startsWith(c.expectedError())) {
      return "got " + s.getCode() + ": " + s.getDescription();
    }
    return null;
  }

  private static String acceptedProblem(Case c) throws Exception {
    Outcome o = harness.attest(c.payload(), agent::respond);
    if (!o.ok()) {
      return "refused: " + o.status().getCode() + ": " + o.status().getDescription();
    }
    AttestResponse r = o.result();
    String id = r.getAgentAttributes().getSpiffeId();
    String want = c.expectedSpiffeId(PluginHarness.TRUST_DOMAIN);
    return id.equals(want) ? null : "agent ID " + id + ", expected " + want;
  }

  @Test
  void defect1_nonCanonicalCertificateEncodings_refusedAtParse() throws Exception {
    List<Case> cases = Forgeries.nonCanonicalEncodings(agent);
    Set<String> leaves = new HashSet<>();
    for (Case c : cases) {
      if (c.name().startsWith("forged DevID leaf")) {
        leaves.add(c.expectedSpiffeId("x"));
      }
    }
    assertThat(leaves).as("each re-encoding would be a distinct agent ID").hasSize(3);
    check(cases);
  }

  @Test
  void defect1_nonCanonicalAnchor_refusedAtConfigure() throws Exception {
    // Go's bundle loader parses anchors with x509.ParseCertificate too: a re-encoded anchor is
    // a configuration error, not an anchor (configuration is SPIRE's Configure call).
    dev.tpmdevid.labpki.TestPki.Ca root = dev.tpmdevid.labpki.TestPki.rsaRootCa("devid-rsa-root");
    byte[] reencoded =
        Forgeries.reencode(root.cert().getEncoded(), Forgeries.Encoding.OUTER_AI_WITHOUT_NULL);
    String pem = dev.tpmdevid.core.pem.Pem.encode("CERTIFICATE", reencoded);
    try (PluginHarness h = new PluginHarness(null, null)) {
      io.grpc.StatusException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.grpc.StatusException.class,
              () ->
                  h.configs.configure(
                      PluginHarness.TRUST_DOMAIN, h.hcl(pem, agent.ekBundlePem(), null)));
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription())
          .contains("x509: inner and outer signature algorithm identifiers don't match");
    }
  }

  @Test
  void defect2_trustAnchorNameConstraints_appliedToBothChains() throws Exception {
    check(Forgeries.nameConstraints(agent));
  }

  @Test
  void defect3_rsaPssParametersOutsideGosThreeSets_refusedInBothChains() throws Exception {
    check(Forgeries.pssParameters(agent));
  }

  @Test
  void defect4_namesGoCannotParse_invalidArgumentBeforeAnyChallenge() throws Exception {
    check(Forgeries.badNames(agent));
  }

  @Test
  void defect6_chainsGoAccepts_accepted() throws Exception {
    check(Forgeries.goAccepts(agent));
  }
}
