package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.verifier.testing.SoftwareAgent;
import io.grpc.Status;
import io.grpc.StatusException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
  private static SoftwareAgent agent;
  @TempDir Path dir;

  @BeforeAll
  static void agent() {
    agent = SoftwareAgent.goLike();
  }

  private String paths() throws Exception {
    Path d = Files.writeString(dir.resolve("devid.pem"), agent.devIdBundlePem());
    Path e = Files.writeString(dir.resolve("ek.pem"), agent.ekBundlePem());
    return "devid_ca_path = \"" + d + "\"\n\nendorsement_ca_path = \"" + e + "\"\n";
  }

  private static void assertInvalid(ThrowingRunnable r, String key) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains(key);
            });
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void defaults() throws Exception {
    ServerConfigHandler h = new ServerConfigHandler(Clock.systemUTC());
    h.configure("example.org", paths());
    ServerConfig c = h.current();
    assertThat(c.challengeTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.maxPayloadBytes()).isEqualTo(65536);
    assertThat(c.allowEccEk()).isTrue();
    assertThat(c.allowEccAk()).isTrue();
    assertThat(c.devIdRoots().size()).isEqualTo(1);
  }

  @Test
  void ourKeys_parsed_includingJsonStyleQuotedKeys() throws Exception {
    ServerConfigHandler h = new ServerConfigHandler(Clock.systemUTC());
    h.configure(
        "example.org",
        paths().replace("devid_ca_path =", "\"devid_ca_path\" =")
            + "\n\"challenge_timeout\" = \"1m30s\"\n\nmax_payload_bytes = 16384\n\n"
            + "allow_ecc_ek = false\n\nallow_ecc_ak = false\n");
    ServerConfig c = h.current();
    assertThat(c.challengeTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.maxPayloadBytes()).isEqualTo(16384);
    assertThat(c.allowEccEk()).isFalse();
    assertThat(c.allowEccAk()).isFalse();
  }

  @Test
  void errors_nameTheKey() throws Exception {
    ServerConfigHandler h = new ServerConfigHandler(Clock.systemUTC());
    String ok = paths();
    assertInvalid(() -> h.configure("example.org", ""), "devid_ca_path is required");
    assertInvalid(
        () -> h.configure("example.org", ok.substring(ok.indexOf("endorsement"))),
        "devid_ca_path is required");
    assertInvalid(
        () -> h.configure("example.org", ok.substring(0, ok.indexOf("endorsement"))),
        "endorsement_ca_path is required");
    assertInvalid(
        () -> h.configure("example.org", ok.replace("devid.pem", "missing.pem")),
        "devid_ca_path: unable to load DevID trust bundle");
    Files.writeString(dir.resolve("empty.pem"), "no pem here");
    assertInvalid(
        () -> h.configure("example.org", ok.replace("ek.pem", "empty.pem")),
        "endorsement_ca_path: unable to load endorsement trust bundle: no certificates found in file");
    assertInvalid(
        () -> h.configure("example.org", ok + "challenge_timeout = \"0s\"\n"), "challenge_timeout");
    assertInvalid(
        () -> h.configure("example.org", ok + "challenge_timeout = \"soon\"\n"),
        "challenge_timeout");
    assertInvalid(
        () -> h.configure("example.org", ok + "max_payload_bytes = 10\n"), "max_payload_bytes");
    assertInvalid(
        () -> h.configure("example.org", ok + "allow_ecc_ek = \"maybe\"\n"), "allow_ecc_ek");
    assertInvalid(() -> h.configure("", ok), "trust_domain");
    assertInvalid(() -> h.configure("example.org", "this is { not hcl"), "invalid configuration");
    assertThat(h.current()).isNull(); // nothing was applied
  }

  @Test
  void validate_sameChecks_notApplied_unknownKeysAsNotes() throws Exception {
    ServerConfigHandler h = new ServerConfigHandler(Clock.systemUTC());
    assertThat(h.validate("example.org", paths() + "\nfoo = \"bar\"\n"))
        .containsExactly("unknown configuration key ignored: foo");
    assertThat(h.current()).isNull();
    assertInvalid(() -> h.validate("example.org", ""), "devid_ca_path is required");
  }

  @Test
  void reconfigure_isAtomic_failedConfigureKeepsOldSnapshot() throws Exception {
    ServerConfigHandler h = new ServerConfigHandler(Clock.systemUTC());
    h.configure("example.org", paths());
    ServerConfig first = h.current();
    assertInvalid(
        () -> h.configure("example.org", paths() + "max_payload_bytes = 1\n"), "max_payload_bytes");
    assertThat(h.current()).isSameAs(first);
    h.configure("other.org", paths());
    assertThat(h.current()).isNotSameAs(first);
    assertThat(first.trustDomain()).isEqualTo("example.org"); // in-flight streams keep this one
  }

  @Test
  void reconfigureDuringAttestation_inFlightStreamFinishesOnOldConfig() throws Exception {
    try (PluginHarness h = new PluginHarness(agent, null)) {
      PluginHarness.Conversation c = h.open();
      c.sendPayload(agent.payload());
      byte[] ch =
          ((dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse) c.next())
              .getChallenge()
              .toByteArray();
      // swap in a configuration that trusts nothing this agent has
      SoftwareAgent other = SoftwareAgent.goLike();
      h.configs.configure("other.org", h.hcl(other, null));
      c.sendResponse(agent.respond(ch));
      var result = (dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse) c.next();
      assertThat(result.getAgentAttributes().getSpiffeId()).startsWith("spiffe://example.org/");
      PluginHarness.Outcome after = h.attest(agent);
      assertThat(after.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
  }
}
