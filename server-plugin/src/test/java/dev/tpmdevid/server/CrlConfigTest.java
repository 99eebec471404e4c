package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import dev.tpmdevid.verifier.x509.CrlMode;
import io.grpc.Status;
import io.grpc.StatusException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRL options of the server plugin: parsing and errors, and the status codes an Attest stream
 * answers with (the plugin's NodeAttestor service on a loopback gRPC server, software agent).
 */
class CrlConfigTest {
  private static SoftwareAgent agent;
  @TempDir Path dir;

  @BeforeAll
  static void agent() {
    agent = SoftwareAgent.goLike();
  }

  private static final Instant BEFORE = Instant.now().minus(Duration.ofMinutes(10));
  private static final Instant LATER = Instant.now().plus(Duration.ofDays(7));

  private Path crls(String name, BigInteger... revokedByIntermediate) throws Exception {
    return Files.writeString(
        dir.resolve(name),
        TestPki.crlPem(
            TestPki.crl(agent.devIdRoot, agent.devIdRoot.key(), BEFORE, LATER),
            TestPki.crl(
                agent.devIdIntermediate,
                agent.devIdIntermediate.key(),
                BEFORE,
                LATER,
                revokedByIntermediate)));
  }

  private String base() throws Exception {
    Path d = Files.writeString(dir.resolve("devid.pem"), agent.devIdBundlePem());
    Path e = Files.writeString(dir.resolve("ek.pem"), agent.ekBundlePem());
    return "devid_ca_path = \"" + d + "\"\nendorsement_ca_path = \"" + e + "\"\n";
  }

  private static void assertInvalid(String hcl, String message) {
    ServerConfigHandler h = new ServerConfigHandler(Clock.systemUTC());
    assertThatThrownBy(() -> h.configure("example.org", hcl))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  @Test
  void optionsParsedWithDefaultsAndLists() throws Exception {
    ServerConfigHandler h = new ServerConfigHandler(Clock.systemUTC());
    h.configure("example.org", base());
    assertThat(h.current().devIdRevocation()).isNull();
    assertThat(h.current().endorsementRevocation()).isNull();

    Path a = crls("a.pem");
    Path b =
        Files.write(
            dir.resolve("ek.crl"), TestPki.crl(agent.ekCa, agent.ekCa.key(), BEFORE, LATER));
    h.configure(
        "example.org",
        base() + "devid_crl_path = \"" + a + "\"\n" + "endorsement_crl_path = [\"" + b + "\"]\n");
    ServerConfig c = h.current();
    assertThat(c.devIdRevocation().mode()).isEqualTo(CrlMode.STRICT);
    assertThat(c.devIdRevocation().grace()).isEqualTo(Duration.ofHours(1));
    assertThat(c.devIdRevocation().crlCount()).isEqualTo(2);
    assertThat(c.endorsementRevocation().crlCount()).isEqualTo(1);

    h.configure(
        "example.org",
        base()
            + "devid_crl_path = [\""
            + a
            + "\", \""
            + b
            + "\"]\n"
            + "crl_mode = \"best_effort\"\ncrl_grace_period = \"0s\"\ncrl_refresh_interval = \"1s\"\n");
    assertThat(h.current().devIdRevocation().mode()).isEqualTo(CrlMode.BEST_EFFORT);
    assertThat(h.current().devIdRevocation().grace()).isZero();
    assertThat(h.current().devIdRevocation().crlCount()).isEqualTo(3);

    assertThat(h.validate("example.org", base() + "crl_mode = \"strict\"\n"))
        .containsExactly("crl_mode has no effect without devid_crl_path or endorsement_crl_path");
  }

  @Test
  void errorsNameTheKey() throws Exception {
    Path ok = crls("ok.pem");
    Path missing = dir.resolve("missing.crl");
    Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a CRL");
    assertInvalid(
        base() + "devid_crl_path = \"" + missing + "\"\n",
        "invalid configuration: devid_crl_path: CRL file "
            + missing
            + ": cannot read file (crl_mode strict)");
    assertInvalid(
        base() + "endorsement_crl_path = \"" + garbage + "\"\n",
        "invalid configuration: endorsement_crl_path: CRL file " + garbage + ": malformed CRL");
    assertInvalid(
        base() + "devid_crl_path = \"" + ok + "\"\ncrl_mode = \"lenient\"\n",
        "invalid configuration: crl_mode must be \"strict\" or \"best_effort\"");
    assertInvalid(
        base() + "devid_crl_path = \"" + ok + "\"\ncrl_grace_period = \"-1s\"\n",
        "crl_grace_period");
    assertInvalid(
        base() + "devid_crl_path = \"" + ok + "\"\ncrl_grace_period = \"721h\"\n",
        "crl_grace_period must be between 0s and 720h");
    assertInvalid(
        base() + "devid_crl_path = \"" + ok + "\"\ncrl_refresh_interval = \"100ms\"\n",
        "crl_refresh_interval must be between 1s and 1h");
    assertInvalid(
        base() + "devid_crl_path = [\"" + ok + "\", 3]\n",
        "devid_crl_path must be a list of strings");
    assertInvalid(base() + "devid_crl_path = \"\"\n", "devid_crl_path is required");

    // best_effort: the same unusable file is a note from Validate, not an error.
    ServerConfigHandler h = new ServerConfigHandler(Clock.systemUTC());
    assertThat(
            h.validate(
                "example.org",
                base()
                    + "devid_crl_path = [\""
                    + ok
                    + "\", \""
                    + missing
                    + "\"]\ncrl_mode = \"best_effort\"\n"))
        .containsExactly("devid_crl_path: CRL file " + missing + ": cannot read file");
  }

  @Test
  void attestStreamCodes_revokedIsInvalidArgument_unavailableIsUnavailable() throws Exception {
    BigInteger leaf = agent.devIdCert.getSerialNumber();
    Path revoking = crls("revoking.pem", leaf);
    try (PluginHarness h = new PluginHarness(agent, "devid_crl_path = \"" + revoking + "\"")) {
      PluginHarness.Outcome o = h.attest(agent);
      assertThat(o.ok()).isFalse();
      assertThat(o.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(o.status().getDescription())
          .startsWith("DevID certificate revoked: serial 0x" + leaf.toString(16) + " (issuer \"");
    }
    Path rootOnly =
        Files.writeString(
            dir.resolve("root-only.pem"),
            TestPki.crlPem(TestPki.crl(agent.devIdRoot, agent.devIdRoot.key(), BEFORE, LATER)));
    try (PluginHarness h = new PluginHarness(agent, "devid_crl_path = \"" + rootOnly + "\"")) {
      PluginHarness.Outcome o = h.attest(agent);
      assertThat(o.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(o.status().getDescription())
          .startsWith("cannot check revocation: DevID certificate serial 0x" + leaf.toString(16))
          .contains("no CRL from its issuer")
          .endsWith("(CRL mode strict)");
    }
    try (PluginHarness h =
        new PluginHarness(
            agent, "devid_crl_path = \"" + rootOnly + "\"\ncrl_mode = \"best_effort\"")) {
      assertThat(h.attest(agent).ok()).isTrue();
    }
    Path fine = crls("fine.pem");
    try (PluginHarness h = new PluginHarness(agent, "devid_crl_path = \"" + fine + "\"")) {
      assertThat(h.attest(agent).ok()).isTrue();
    }
  }
}
