package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpmdevid.verifier.testing.Forgeries;
import dev.tpmdevid.verifier.testing.Forgeries.Case;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier defects of docs/hardening.md through {@code tpm-devid server challenge|verify}: the
 * same payloads as the plugin test ({@link Forgeries}, from the software stand-in agent: a real TPM
 * cannot be given these certificates), each refused with one line and INVALID_ARGUMENT, or accepted
 * end to end; and the server state is single use.
 */
class CliDefectsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static SoftwareAgent agent;

  @TempDir Path dir;

  @BeforeAll
  static void setUp() {
    agent = SoftwareAgent.goLike();
  }

  private static String s(Path p) {
    return p.toString();
  }

  /** Writes the bundles and the server.hcl of one case into a fresh folder. */
  private Path config(Case c, Path d) throws Exception {
    Files.createDirectories(d);
    Path dev = Files.writeString(d.resolve("devid-ca.pem"), c.devIdBundlePem());
    Path ek = Files.writeString(d.resolve("endorsement-ca.pem"), c.ekBundlePem());
    return Files.writeString(
        d.resolve("server.hcl"),
        "devid_ca_path = \"" + dev + "\"\nendorsement_ca_path = \"" + ek + "\"\n");
  }

  /** "tpm-devid server STEP: rejected (REASON): ERROR...", REASON a verifier step name. */
  private static boolean rejectedWith(String line, String step, String error) {
    String prefix = "tpm-devid server " + step + ": rejected (";
    int close = line.indexOf("): ");
    return line.startsWith(prefix)
        && close > prefix.length()
        && line.substring(prefix.length(), close).matches("[A-Z_]+")
        && line.startsWith(error, close + 3);
  }

  private List<String> run(List<Case> cases) throws Exception {
    List<String> wrong = new ArrayList<>();
    int n = 0;
    for (Case c : cases) {
      Path d = dir.resolve("case-" + n++);
      Path hcl = config(c, d);
      Path request = Files.write(d.resolve("request.json"), c.payload());
      Path challenge = d.resolve("challenge.json");
      Path state = d.resolve("server-state.json");
      CliRun ch =
          CliRun.of(
              "server",
              "challenge",
              "--config",
              s(hcl),
              "--request",
              s(request),
              "--out",
              s(challenge),
              "--state",
              s(state));
      if (!c.accepted()) {
        if (ch.code() != 1 || !rejectedWith(oneLine(ch), "challenge", c.expectedError())) {
          wrong.add(c.name() + ": " + ch);
        }
        continue;
      }
      if (ch.code() != 0) {
        wrong.add(c.name() + ": challenge refused: " + ch);
        continue;
      }
      Path response =
          Files.write(d.resolve("response.json"), agent.respond(Files.readAllBytes(challenge)));
      CliRun v =
          CliRun.of(
              "server",
              "verify",
              "--config",
              s(hcl),
              "--state",
              s(state),
              "--response",
              s(response),
              "--json");
      if (v.code() != 0
          || !JSON.readTree(v.out())
              .get("spiffe_id")
              .asText()
              .equals(c.expectedSpiffeId("example.org"))) {
        wrong.add(c.name() + ": verify: " + v);
      }
    }
    return wrong;
  }

  private static String oneLine(CliRun r) {
    try {
      return r.oneLineError();
    } catch (AssertionError e) {
      return "(not one line) " + r.err();
    }
  }

  @Test
  void defect1_nonCanonicalEncodings_refusedByServerChallenge() throws Exception {
    assertThat(run(Forgeries.nonCanonicalEncodings(agent))).isEmpty();
  }

  @Test
  void defect2_anchorNameConstraints_appliedByServerChallenge() throws Exception {
    assertThat(run(Forgeries.nameConstraints(agent))).isEmpty();
  }

  @Test
  void defect3_rsaPssParameters_refusedByServerChallenge() throws Exception {
    assertThat(run(Forgeries.pssParameters(agent))).isEmpty();
  }

  @Test
  void defect4_badNames_refusedByServerChallenge() throws Exception {
    assertThat(run(Forgeries.badNames(agent))).isEmpty();
  }

  @Test
  void defect4_badNames_refusedByServerVerifyWithOneLineNotAStackTrace() throws Exception {
    // a state written by hand (the transcript-checking use): verify re-runs the payload checks
    List<String> wrong = new ArrayList<>();
    int n = 0;
    for (Case c : Forgeries.badNames(agent)) {
      Path d = dir.resolve("verify-" + n++);
      Path hcl = config(c, d);
      // nonce and secret of our choosing, and the response a genuine agent would give to them
      byte[] nonce = new byte[32];
      byte[] secret = new byte[32];
      java.util.Arrays.fill(secret, (byte) 7);
      java.security.Signature pop = java.security.Signature.getInstance("SHA256withRSA");
      pop.initSign(agent.devIdKey.getPrivate());
      pop.update(nonce);
      ObjectNode st = JSON.createObjectNode();
      st.put("request", Base64.getEncoder().encodeToString(c.payload()));
      st.put("nonce", Base64.getEncoder().encodeToString(nonce));
      st.put("secret", Base64.getEncoder().encodeToString(secret));
      Path state = Files.writeString(d.resolve("state.json"), st.toString());
      Path response =
          Files.write(
              d.resolve("response.json"),
              new dev.tpmdevid.core.wire.ChallengeResponse(pop.sign(), secret).toJson());
      CliRun v =
          CliRun.of(
              "server",
              "verify",
              "--config",
              s(hcl),
              "--state",
              s(state),
              "--response",
              s(response));
      if (v.code() != 1 || !rejectedWith(oneLine(v), "verify", c.expectedError())) {
        wrong.add(c.name() + ": " + v);
      }
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void defect6_chainsGoAccepts_acceptedByServerChallengeAndVerify() throws Exception {
    assertThat(run(Forgeries.goAccepts(agent))).isEmpty();
  }

  @Test
  void defect5_serverStateIsSingleUse() throws Exception {
    Case c =
        new Case(
            "genuine payload",
            agent.devIdBundlePem(),
            agent.ekBundlePem(),
            agent.payload(),
            agent.devIdCert.getEncoded(),
            null);
    Path hcl = config(c, dir);
    Path request = Files.write(dir.resolve("request.json"), c.payload());
    Path challenge = dir.resolve("challenge.json");
    Path state = dir.resolve("server-state.json");
    assertThat(
            CliRun.of(
                    "server",
                    "challenge",
                    "--config",
                    s(hcl),
                    "--request",
                    s(request),
                    "--out",
                    s(challenge),
                    "--state",
                    s(state))
                .code())
        .isZero();
    Path response =
        Files.write(dir.resolve("response.json"), agent.respond(Files.readAllBytes(challenge)));
    String[] verify = {
      "server", "verify", "--config", s(hcl), "--state", s(state), "--response", s(response)
    };

    CliRun first = CliRun.of(verify);
    assertThat(first.code()).as(first.toString()).isZero();
    assertThat(first.out()).contains("spiffe_id: " + c.expectedSpiffeId("example.org"));
    CliRun second = CliRun.of(verify);
    assertThat(second.code()).isEqualTo(1);
    assertThat(second.oneLineError())
        .isEqualTo(
            "tpm-devid server verify: "
                + state
                + ": server state already used by a 'server verify' (single use, like the plugin's challenge);"
                + " run 'server challenge' again");
    // nothing secret is left on disk
    assertThat(state).doesNotExist();
    JsonNode marker = JSON.readTree(dir.resolve("server-state.json.used").toFile());
    assertThat(marker.has("nonce") || marker.has("secret")).isFalse();
  }
}
