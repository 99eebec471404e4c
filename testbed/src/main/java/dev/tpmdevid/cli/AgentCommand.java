package dev.tpmdevid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpmdevid.agent.AgentConfig;
import dev.tpmdevid.agent.AgentException;
import dev.tpmdevid.agent.AgentSession;
import dev.tpmdevid.agent.AkBlob;
import dev.tpmdevid.agent.DevIdAttestor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tpm-devid agent request|solve}: the agent half of tpm_devid in two steps with files in
 * between, on the TPM of the agent plugin's HCL configuration (docs/protocol.md#agent). The
 * attestation key is ephemeral in the plugin; here it is saved as blobs in the state file after
 * {@code request} and loaded again by {@code solve} (DevID, AK and EK are flushed between the
 * steps).
 *
 * <p>Agent state file (JSON, mode 0600): {@code config} = the HCL text (with its passwords), {@code
 * config_path}, {@code ak} = base64 of the AK blob ({@code AkBlob}: AKPub, the TPM-wrapped private
 * part and its random authValue), {@code request_sha256} for the record.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = "The agent side of tpm_devid, step by step (request, then solve).",
    subcommands = {AgentCommand.Request.class, AgentCommand.Solve.class},
    footerHeading = "%nExample:%n",
    footer = {
      "  tpm-devid agent request --config agent.hcl --out request.json --state agent-state.json",
      "  tpm-devid agent solve --challenge challenge.json --state agent-state.json --out response.json"
    })
final class AgentCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static DevIdAttestor attestor(String hcl) throws ToolCommand.Failure {
    try {
      return DevIdAttestor.create(AgentConfig.fromHcl(hcl));
    } catch (AgentException e) {
      throw new ToolCommand.Failure(e.getMessage());
    }
  }

  @Command(
      name = "request",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Produce the AttestationRequest (the agent plugin's payload) on the configured TPM,"
            + " exactly as the agent plugin would: loads the DevID, creates an AK and the EK, reads the EK"
            + " certificate, certifies the DevID with the AK. Saves the AK as blobs in the state file for"
            + " 'agent solve'.",
        "The state file holds the AK's authValue and the HCL (with its passwords): it is written with"
            + " mode 0600; delete it after 'solve'."
      },
      footerHeading = "%nExample:%n",
      footer = {
        "  tpm-devid agent request --config agent.hcl --out request.json --state agent-state.json",
        "  tpm-devid inspect request.json"
      })
  static final class Request extends ToolCommand {
    @Option(
        names = "--config",
        required = true,
        paramLabel = "agent.hcl",
        description =
            "The agent plugin's plugin_data (HCL): tpm_device_path, devid_cert_path,"
                + " devid_priv_path, devid_pub_path, passwords, ...")
    Path config;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "request.json",
        description =
            "Where to write the AttestationRequest JSON (byte-identical to the plugin's payload).")
    Path outFile;

    @Option(
        names = "--state",
        required = true,
        paramLabel = "agent-state.json",
        description = "Where to write the agent state (AK blobs; secret, mode 0600).")
    Path state;

    @Option(names = "--json", description = "Print what was done as JSON.")
    boolean json;

    @Override
    int run() throws Exception {
      String hcl = new String(ToolFiles.read(config), StandardCharsets.UTF_8);
      DevIdAttestor attestor = attestor(hcl);
      byte[] payload;
      AkBlob ak;
      long commands;
      try (AgentSession s = attestor.begin()) {
        payload = s.payload();
        ak = s.attestationKey();
        commands = s.tpmCommands();
      } catch (AgentException e) {
        throw new Failure(e.getMessage());
      }
      ObjectNode st = ToolFiles.JSON.createObjectNode();
      st.put("config_path", config.toAbsolutePath().toString());
      st.put("config", hcl);
      st.put("ak", ToolFiles.b64(ak.encode()));
      st.put("request_sha256", ToolFiles.sha256Hex(payload));
      ToolFiles.write(outFile, payload);
      ToolFiles.writeSecret(state, ToolFiles.pretty(st));
      if (json) {
        ObjectNode o = ToolFiles.JSON.createObjectNode();
        o.put("request", outFile.toString());
        o.put("request_bytes", payload.length);
        o.put("state", state.toString());
        o.put("tpm", attestor.devicePath());
        o.put("tpm_commands", commands);
        out().println(o);
      } else {
        out().printf("AttestationRequest (%d bytes) written to %s%n", payload.length, outFile);
        out()
            .printf(
                "  TPM %s, %d TPM commands; DevID, AK and EK flushed%n",
                attestor.devicePath(), commands);
        out()
            .printf(
                "  AK saved in %s (mode 0600: holds the AK authValue and the HCL passwords)%n",
                state);
        out()
            .printf(
                "Next: tpm-devid server challenge --request %s ...   (look first: tpm-devid inspect %s)%n",
                outFile, outFile);
      }
      return 0;
    }
  }

  @Command(
      name = "solve",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Answer the server's ChallengeRequest on the same TPM: reloads the DevID and the AK saved"
            + " by 'agent request', recreates the EK, signs the nonce with the DevID (proof of possession) and"
            + " activates the credential with AK and EK (proof of residency). Writes the ChallengeResponse."
      },
      footerHeading = "%nExample:%n",
      footer = {
        "  tpm-devid agent solve --challenge challenge.json --state agent-state.json --out response.json"
      })
  static final class Solve extends ToolCommand {
    @Option(
        names = "--challenge",
        required = true,
        paramLabel = "challenge.json",
        description = "The server's ChallengeRequest JSON.")
    Path challenge;

    @Option(
        names = "--state",
        required = true,
        paramLabel = "agent-state.json",
        description = "The state written by 'agent request'.")
    Path state;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "response.json",
        description = "Where to write the ChallengeResponse JSON.")
    Path outFile;

    @Option(
        names = "--config",
        paramLabel = "agent.hcl",
        description = "Use this HCL instead of the one saved in the state (same TPM and DevID).")
    Path config;

    @Option(names = "--json", description = "Print what was done as JSON.")
    boolean json;

    @Override
    int run() throws Exception {
      ObjectNode st = ToolFiles.readJsonObject(state, "agent state file");
      String hcl =
          config != null
              ? new String(ToolFiles.read(config), StandardCharsets.UTF_8)
              : ToolFiles.textMember(st, "config", state);
      AkBlob ak;
      try {
        ak = AkBlob.decode(ToolFiles.base64Member(st, "ak", state));
      } catch (AgentException e) {
        throw new Failure(state + ": " + e.getMessage());
      }
      byte[] challengeJson = ToolFiles.read(challenge);
      DevIdAttestor attestor = attestor(hcl);
      byte[] response;
      long commands;
      try (AgentSession s = attestor.resume(ak)) {
        response = s.solve(challengeJson);
        commands = s.tpmCommands();
      } catch (AgentException e) {
        throw new Failure(e.getMessage());
      }
      ToolFiles.write(outFile, response);
      if (json) {
        ObjectNode o = ToolFiles.JSON.createObjectNode();
        o.put("response", outFile.toString());
        o.put("response_bytes", response.length);
        o.put("tpm_commands", commands);
        out().println(o);
      } else {
        out().printf("ChallengeResponse (%d bytes) written to %s%n", response.length, outFile);
        out()
            .printf(
                "  nonce signed with the DevID key; credential activated with AK + EK (%d TPM commands)%n",
                commands);
        out().printf("Next: tpm-devid server verify --response %s ...%n", outFile);
      }
      return 0;
    }
  }
}
