package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code agent request → server challenge → agent solve → server verify} through files on swtpm.
 */
class StepByStepTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private static String s(Path p) {
    return p.toString();
  }

  private void roundTrip(ProvisionOptions options) throws Exception {
    assertTrue(
        ProvisionedSwtpm.available(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    try (ProvisionedSwtpm lab = new ProvisionedSwtpm(dir.resolve("lab"), options)) {
      Path request = dir.resolve("request.json");
      Path agentState = dir.resolve("agent-state.json");
      Path challenge = dir.resolve("challenge.json");
      Path serverState = dir.resolve("server-state.json");
      Path response = dir.resolve("response.json");

      CliRun r1 =
          CliRun.of(
              "agent",
              "request",
              "--config",
              s(lab.agentHcl()),
              "--out",
              s(request),
              "--state",
              s(agentState));
      assertThat(r1.code()).as(r1.toString()).isZero();
      assertThat(Files.readString(request)).startsWith("{\"DevIDCert\":[\"");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(agentState)))
          .isEqualTo("rw-------");

      CliRun r2 =
          CliRun.of(
              "server",
              "challenge",
              "--config",
              s(lab.serverHcl()),
              "--trust-domain",
              "example.org",
              "--request",
              s(request),
              "--out",
              s(challenge),
              "--state",
              s(serverState));
      assertThat(r2.code()).as(r2.toString()).isZero();
      assertThat(r2.out()).contains("payload accepted");
      assertThat(Files.readString(challenge))
          .startsWith("{\"DevID\":\"")
          .contains("\"CredActivation\":{");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(serverState)))
          .isEqualTo("rw-------");
      JsonNode st = JSON.readTree(serverState.toFile());
      assertThat(Base64.getDecoder().decode(st.get("nonce").asText())).hasSize(32);
      assertThat(Base64.getDecoder().decode(st.get("secret").asText())).hasSize(32);
      assertThat(Base64.getDecoder().decode(st.get("request").asText()))
          .isEqualTo(Files.readAllBytes(request));

      CliRun r3 =
          CliRun.of(
              "agent",
              "solve",
              "--challenge",
              s(challenge),
              "--state",
              s(agentState),
              "--out",
              s(response));
      assertThat(r3.code()).as(r3.toString()).isZero();
      assertThat(Files.readString(response))
          .startsWith("{\"DevID\":\"")
          .contains("\"CredActivation\":\"");

      String fingerprint = Describe.sha1Hex(lab.provisioned.devIdCertificate().getEncoded());
      CliRun r4 =
          CliRun.of(
              "server",
              "verify",
              "--config",
              s(lab.serverHcl()),
              "--trust-domain",
              "example.org",
              "--state",
              s(serverState),
              "--response",
              s(response),
              "--json");
      assertThat(r4.code()).as(r4.toString()).isZero();
      JsonNode result = JSON.readTree(r4.out());
      assertThat(result.get("spiffe_id").asText())
          .isEqualTo("spiffe://example.org/spire/agent/tpm_devid/" + fingerprint);
      assertThat(result.get("selectors").toString())
          .contains(
              "tpm_devid:subject:cn:devid-leaf",
              "tpm_devid:issuer:cn:",
              "tpm_devid:ca:fingerprint:");

      // the state is single use: the same state and response a second time are refused
      CliRun reuse =
          CliRun.of(
              "server",
              "verify",
              "--config",
              s(lab.serverHcl()),
              "--state",
              s(serverState),
              "--response",
              s(response));
      assertThat(reuse.code()).isEqualTo(1);
      assertThat(reuse.oneLineError())
          .isEqualTo(
              "tpm-devid server verify: "
                  + serverState
                  + ": server state already used by a 'server verify' (single use, like the plugin's challenge);"
                  + " run 'server challenge' again");

      // a wrong credential answer to a fresh challenge is refused with the failed check, one line;
      // the state is spent by that failed verify too, as the plugin's stream ends on a failure
      Path serverState3 = dir.resolve("server-state-3.json");
      Path challenge3 = dir.resolve("challenge-3.json");
      Path response3 = dir.resolve("response-3.json");
      assertThat(
              CliRun.of(
                      "server",
                      "challenge",
                      "--config",
                      s(lab.serverHcl()),
                      "--request",
                      s(request),
                      "--out",
                      s(challenge3),
                      "--state",
                      s(serverState3))
                  .code())
          .isZero();
      assertThat(
              CliRun.of(
                      "agent",
                      "solve",
                      "--challenge",
                      s(challenge3),
                      "--state",
                      s(agentState),
                      "--out",
                      s(response3))
                  .code())
          .isZero();
      ObjectNode forged = (ObjectNode) JSON.readTree(response3.toFile());
      byte[] answer = Base64.getDecoder().decode(forged.get("CredActivation").asText());
      answer[0] ^= 1;
      forged.put("CredActivation", Base64.getEncoder().encodeToString(answer));
      Path bad = dir.resolve("bad-response.json");
      Files.writeString(bad, forged.toString());
      CliRun r5 =
          CliRun.of(
              "server",
              "verify",
              "--config",
              s(lab.serverHcl()),
              "--state",
              s(serverState3),
              "--response",
              s(bad));
      assertThat(r5.code()).isEqualTo(1);
      assertThat(r5.oneLineError())
          .isEqualTo(
              "tpm-devid server verify: rejected (PROOF_OF_RESIDENCY):"
                  + " credential activation failed: nonces are different");
      CliRun afterFailure =
          CliRun.of(
              "server",
              "verify",
              "--config",
              s(lab.serverHcl()),
              "--state",
              s(serverState3),
              "--response",
              s(response3));
      assertThat(afterFailure.code()).isEqualTo(1);
      assertThat(afterFailure.oneLineError()).contains("server state already used");

      // a second challenge (new nonce) does not accept the first response: replay
      Path serverState2 = dir.resolve("server-state-2.json");
      CliRun again =
          CliRun.of(
              "server",
              "challenge",
              "--config",
              s(lab.serverHcl()),
              "--request",
              s(request),
              "--out",
              s(dir.resolve("challenge-2.json")),
              "--state",
              s(serverState2));
      assertThat(again.code()).isZero();
      CliRun replay =
          CliRun.of(
              "server",
              "verify",
              "--config",
              s(lab.serverHcl()),
              "--state",
              s(serverState2),
              "--response",
              s(response));
      assertThat(replay.code()).isEqualTo(1);
      assertThat(replay.oneLineError()).contains("devID challenge verification failed");

      // the text form prints the same identity (a fresh challenge, answered)
      Path serverState4 = dir.resolve("server-state-4.json");
      Path challenge4 = dir.resolve("challenge-4.json");
      Path response4 = dir.resolve("response-4.json");
      assertThat(
              CliRun.of(
                      "server",
                      "challenge",
                      "--config",
                      s(lab.serverHcl()),
                      "--request",
                      s(request),
                      "--out",
                      s(challenge4),
                      "--state",
                      s(serverState4))
                  .code())
          .isZero();
      assertThat(
              CliRun.of(
                      "agent",
                      "solve",
                      "--challenge",
                      s(challenge4),
                      "--state",
                      s(agentState),
                      "--out",
                      s(response4))
                  .code())
          .isZero();
      CliRun text =
          CliRun.of(
              "server",
              "verify",
              "--config",
              s(lab.serverHcl()),
              "--state",
              s(serverState4),
              "--response",
              s(response4));
      assertThat(text.code()).as(text.toString()).isZero();
      assertThat(text.out())
          .contains("spiffe_id: spiffe://example.org/spire/agent/tpm_devid/" + fingerprint);
    }
  }

  @Test
  void rsaDevIdWithPasswordsRoundTripThroughFiles() throws Exception {
    roundTrip(ProvisionOptions.defaults().withSpirePasswords().withEkCertificates(true, false));
  }

  @Test
  void eccDevIdRoundTripThroughFiles() throws Exception {
    roundTrip(
        ProvisionOptions.defaults().withDevIdKeyType(KeyType.ECC).withEkCertificates(true, false));
  }

  @Test
  void failuresAreOneLine() {
    CliRun missing =
        CliRun.of(
            "agent",
            "request",
            "--config",
            s(dir.resolve("nope.hcl")),
            "--out",
            s(dir.resolve("r.json")),
            "--state",
            s(dir.resolve("s.json")));
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.oneLineError())
        .isEqualTo("tpm-devid agent request: no such file: " + dir.resolve("nope.hcl"));
  }

  @Test
  void everyStepHasHelpWithAnExample() {
    for (String[] cmd :
        new String[][] {
          {"agent", "request"}, {"agent", "solve"}, {"server", "challenge"}, {"server", "verify"}
        }) {
      CliRun r = CliRun.of(cmd[0], cmd[1], "--help");
      assertThat(r.code()).isZero();
      assertThat(r.out()).contains("Example:", "tpm-devid " + cmd[0] + " " + cmd[1]);
    }
  }
}
