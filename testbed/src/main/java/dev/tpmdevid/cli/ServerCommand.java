package dev.tpmdevid.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpmdevid.server.ServerPluginConfig;
import dev.tpmdevid.verifier.AttestationFailure;
import dev.tpmdevid.verifier.AttestationFailure.Reason;
import dev.tpmdevid.verifier.AttestedNode;
import dev.tpmdevid.verifier.TpmDevIdVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tpm-devid server challenge|verify}: the server half of tpm_devid in two steps with files
 * in between, through the library the server plugin runs ({@link TpmDevIdVerifier}: {@code begin},
 * {@code Challenge.export}, then {@code restore} and {@code complete}), configured from the
 * plugin's HCL by {@link ServerPluginConfig}. A refusal names the failed step ({@link Reason}).
 *
 * <p>Server state file (JSON, mode 0600): {@code request}, {@code nonce}, {@code secret} as
 * standard base64. Nonce and secret are secret material: with them anyone can answer the challenge
 * without the TPM. The state is single use: {@code server verify} claims it by an atomic rename to
 * {@code <state>.used} and overwrites that file with a marker before any check. To check a
 * transcript recorded from another implementation, put its payload, PoP nonce and credential secret
 * into these three members and run {@code server verify}.
 */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = "The server side of tpm_devid, step by step (challenge, then verify).",
    subcommands = {ServerCommand.Challenge.class, ServerCommand.Verify.class},
    footerHeading = "%nExample:%n",
    footer = {
      "  tpm-devid server challenge --config server.hcl --trust-domain example.org --request request.json"
          + " --out challenge.json --state server-state.json",
      "  tpm-devid server verify --config server.hcl --trust-domain example.org --state server-state.json"
          + " --response response.json"
    })
final class ServerCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * The payload checks {@link TpmDevIdVerifier#begin} runs, in order: the library's own step list.
   */
  static final List<Reason> PAYLOAD_CHECKS =
      Reason.checks().stream().filter(r -> !r.afterChallenge()).toList();

  abstract static class ServerStep extends ToolCommand {
    @Option(
        names = "--config",
        required = true,
        paramLabel = "server.hcl",
        description =
            "The server plugin's plugin_data (HCL): devid_ca_path, endorsement_ca_path, ...")
    Path config;

    @Option(
        names = "--trust-domain",
        defaultValue = "example.org",
        paramLabel = "NAME",
        description = "SPIRE trust domain. Default: ${DEFAULT-VALUE}.")
    String trustDomain;

    @Option(
        names = "--at",
        paramLabel = "TIME",
        description =
            "Check certificate validity at this instant (ISO-8601, e.g. 2026-01-01T00:00:00Z)"
                + " instead of now.")
    String at;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    TpmDevIdVerifier verifier() throws Exception {
      String hcl = new String(ToolFiles.read(config), StandardCharsets.UTF_8);
      Clock clock = at == null ? Clock.systemUTC() : Clock.fixed(instant(at), ZoneOffset.UTC);
      try {
        return ServerPluginConfig.verifier(trustDomain, hcl, clock);
      } catch (IllegalArgumentException e) {
        throw new Failure(config + ": " + e.getMessage());
      }
    }

    /** One line, and with --json an object naming the failed step. */
    int rejected(AttestationFailure e) {
      if (json) {
        ObjectNode o = ToolFiles.JSON.createObjectNode();
        o.put("result", "rejected");
        o.put("reason", e.reason().name());
        o.put("check", e.reason().title());
        o.put("error", e.getMessage());
        out().println(o);
        out().flush();
      }
      return fail("rejected (" + e.reason().name() + "): " + e.getMessage());
    }
  }

  static Instant instant(String text) throws ToolCommand.Failure {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new ToolCommand.Failure(
          "--at: not an ISO-8601 instant (e.g. 2026-01-01T00:00:00Z): " + text);
    }
  }

  @Command(
      name = "challenge",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Run every server check on an AttestationRequest (docs/protocol.md#server-checks steps 2-14 plus the"
            + " hardening of docs/security.md#stricter-than-go) and write the ChallengeRequest: a 32-byte proof-of-possession nonce and"
            + " a credential made to the EK for the AK's Name.",
        "The state file keeps the request, the nonce and the credential secret (base64 members"
            + " 'request', 'nonce', 'secret'); it is secret material and written with mode 0600."
      },
      footerHeading = "%nExample:%n",
      footer = {
        "  tpm-devid server challenge --config server.hcl --trust-domain example.org"
            + " --request request.json --out challenge.json --state server-state.json"
      })
  static final class Challenge extends ServerStep {
    @Option(
        names = "--request",
        required = true,
        paramLabel = "request.json",
        description = "The agent's AttestationRequest JSON.")
    Path request;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "challenge.json",
        description = "Where to write the ChallengeRequest JSON.")
    Path outFile;

    @Option(
        names = "--state",
        required = true,
        paramLabel = "server-state.json",
        description = "Where to write the server state (secret, mode 0600).")
    Path state;

    @Override
    int run() throws Exception {
      TpmDevIdVerifier v = verifier();
      byte[] payload = ToolFiles.read(request);
      TpmDevIdVerifier.Challenge c;
      try {
        c = v.begin(payload);
      } catch (AttestationFailure e) {
        return rejected(e);
      }
      TpmDevIdVerifier.Challenge.State exported = c.export();
      ObjectNode st = ToolFiles.JSON.createObjectNode();
      st.put("request", ToolFiles.b64(exported.attestationRequest()));
      st.put("nonce", ToolFiles.b64(exported.nonce()));
      st.put("secret", ToolFiles.b64(exported.credentialSecret()));
      ToolFiles.write(outFile, c.challengeJson());
      ToolFiles.writeSecret(state, ToolFiles.pretty(st));
      if (json) {
        ObjectNode o = ToolFiles.JSON.createObjectNode();
        o.put("result", "challenge");
        ArrayNode checks = o.putArray("checks_passed");
        PAYLOAD_CHECKS.forEach(r -> checks.add(r.title()));
        o.put("challenge", outFile.toString());
        o.put("state", state.toString());
        out().println(o);
      } else {
        out().println("payload accepted:");
        for (Reason check : PAYLOAD_CHECKS) {
          out().println("  ok  " + check.title() + (check.hardening() ? " (hardening)" : ""));
        }
        out()
            .printf(
                "ChallengeRequest (%d bytes) written to %s%n", c.challengeJson().length, outFile);
        out()
            .printf(
                "  nonce and credential secret kept in %s (mode 0600: secret material)%n", state);
        out().printf("Next: tpm-devid agent solve --challenge %s ...%n", outFile);
      }
      return 0;
    }
  }

  /**
   * Claims the state file for this verify: renames it atomically to {@code <state>.used}, so of two
   * verifies of one state only one gets it, and a second one fails with a clear message. Returns
   * the claimed file.
   */
  static Path consume(Path state) throws java.io.IOException, ToolCommand.Failure {
    Path used = state.resolveSibling(state.getFileName() + ".used");
    if (!java.nio.file.Files.isRegularFile(state)) {
      if (java.nio.file.Files.exists(used)) {
        throw alreadyUsed(state);
      }
      throw new ToolCommand.Failure("no such file: " + state);
    }
    try {
      java.nio.file.Files.move(
          state,
          used,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (java.nio.file.NoSuchFileException e) {
      throw alreadyUsed(state); // another verify claimed it first
    }
    return used;
  }

  private static ToolCommand.Failure alreadyUsed(Path state) {
    return new ToolCommand.Failure(
        state
            + ": server state already used by a 'server verify'"
            + " (single use, like the plugin's challenge); run 'server challenge' again");
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Check the agent's ChallengeResponse against the nonce and secret in the server state"
            + " (after re-running the payload checks) and print the agent's SPIFFE ID and selectors, or the"
            + " failed check.",
        "The state is single use: verify renames it to <state>.used and removes the nonce and secret"
            + " before checking, so a second verify of the same state fails, whatever the first outcome.",
        "Also checks a transcript recorded from any implementation (e.g. SPIRE's Go agent): put its"
            + " payload, nonce and credential secret into the state file's 'request', 'nonce' and 'secret'."
      },
      footerHeading = "%nExample:%n",
      footer = {
        "  tpm-devid server verify --config server.hcl --trust-domain example.org"
            + " --state server-state.json --response response.json"
      })
  static final class Verify extends ServerStep {
    @Option(
        names = "--state",
        required = true,
        paramLabel = "server-state.json",
        description = "The state written by 'server challenge'.")
    Path state;

    @Option(
        names = "--response",
        required = true,
        paramLabel = "response.json",
        description = "The agent's ChallengeResponse JSON.")
    Path response;

    @Option(
        names = "--plugin-name",
        defaultValue = "tpm_devid",
        paramLabel = "NAME",
        description =
            "Selector type prefix (the plugin name in SPIRE's config). Default: ${DEFAULT-VALUE}.")
    String pluginName;

    @Override
    int run() throws Exception {
      TpmDevIdVerifier v = verifier();
      byte[] answer = ToolFiles.read(response);
      Path claimed = consume(state);
      ObjectNode st = ToolFiles.readJsonObject(claimed, "server state file");
      // the nonce and secret leave the disk before any check: one verify per challenge,
      // whatever its outcome (as the plugin answers one response per Attest stream)
      ObjectNode marker = ToolFiles.JSON.createObjectNode();
      marker.put("used", true);
      ToolFiles.writeSecret(claimed, ToolFiles.pretty(marker));
      byte[] payload = ToolFiles.base64Member(st, "request", state);
      byte[] nonce = ToolFiles.base64Member(st, "nonce", state);
      byte[] secret = ToolFiles.base64Member(st, "secret", state);
      AttestedNode r;
      try {
        r =
            v.restore(new TpmDevIdVerifier.Challenge.State(payload, nonce, secret))
                .complete(answer);
      } catch (AttestationFailure e) {
        return rejected(e);
      }
      String spiffeId = r.agentId(trustDomain);
      if (json) {
        ObjectNode o = ToolFiles.JSON.createObjectNode();
        o.put("result", "attested");
        o.put("spiffe_id", spiffeId);
        ArrayNode sel = o.putArray("selectors");
        r.selectors().forEach(s -> sel.add(pluginName + ":" + s));
        o.put("can_reattest", true);
        out().println(o);
      } else {
        out()
            .println(
                "attested: proof of possession (DevID signed the nonce) and proof of residency"
                    + " (credential activated) verified");
        for (Reason check : Reason.checks()) {
          if (check.afterChallenge()) {
            out().println("  ok  " + check.title());
          }
        }
        out().println("spiffe_id: " + spiffeId);
        for (String s : r.selectors()) {
          out().println("selector:  " + pluginName + ":" + s);
        }
      }
      return 0;
    }
  }
}
