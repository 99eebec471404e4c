package dev.tpmdevid.testbed.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link AttestationRelay} between {@link StandInPlugin} processes, including the hosts' checks.
 */
class AttestationRelayTest {

  private static AttestationOutcome run(String agentMode, String serverMode) throws Exception {
    try (PluginHost agent =
            PluginHost.builder(PluginKind.AGENT, StandIns.command(agentMode))
                .load("example.org", "");
        PluginHost server =
            PluginHost.builder(PluginKind.SERVER, StandIns.command(serverMode))
                .load("example.org", "")) {
      return new AttestationRelay(agent, server, "example.org").attest();
    }
  }

  @Test
  void oneRoundTrip() throws Exception {
    AttestationOutcome o = run("agent", "server");
    assertThat(o.succeeded()).isTrue();
    assertThat(o.spiffeId()).isEqualTo("spiffe://example.org/spire/agent/tpm_devid/standin");
    assertThat(o.selectors())
        .containsExactly("tpm_devid:subject:cn:stand-in", "tpm_devid:ca:fingerprint:00");
    assertThat(o.canReattest()).isTrue();
    assertThat(o.transcript().entries())
        .extracting(Transcript.Entry::kind)
        .containsExactly(
            Transcript.Kind.PAYLOAD,
            Transcript.Kind.CHALLENGE,
            Transcript.Kind.CHALLENGE_RESPONSE,
            Transcript.Kind.AGENT_ATTRIBUTES);
    assertThat(
            new String(
                o.transcript().first(Transcript.Kind.CHALLENGE_RESPONSE).bytes(),
                StandardCharsets.UTF_8))
        .isEqualTo("signed:nonce-42");
  }

  @Test
  void serverPluginErrorIsPrefixedAndKeepsItsCode() throws Exception {
    AttestationOutcome o = run("agent", "server-reject");
    assertThat(o.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(o.message()).isEqualTo("nodeattestor(tpm_devid): unable to verify DevID signature");
    assertThat(o.failedSide()).isEqualTo("server");
    assertThat(o.operatorView())
        .isEqualTo(
            "rpc error: code = InvalidArgument desc = nodeattestor(tpm_devid): unable to verify DevID signature");
  }

  @Test
  void agentPluginErrorKeepsItsCode() throws Exception {
    AttestationOutcome o = run("agent-denied", "server");
    assertThat(o.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(o.message()).isEqualTo("nodeattestor(tpm_devid): no TPM for you");
    assertThat(o.failedSide()).isEqualTo("agent");
  }

  @Test
  void hostChecks() throws Exception {
    assertThat(run("agent-empty-payload", "server").message())
        .isEqualTo("nodeattestor(tpm_devid): plugin response missing attestation payload");
    AttestationOutcome closed = run("agent-close", "server");
    assertThat(closed.code()).isEqualTo(Status.Code.INTERNAL);
    assertThat(closed.message())
        .isEqualTo("nodeattestor(tpm_devid): plugin closed stream before handling the challenge");
    AttestationOutcome nothing = run("agent", "server-nothing");
    assertThat(nothing.code()).isEqualTo(Status.Code.INTERNAL);
    assertThat(nothing.message())
        .isEqualTo(
            "nodeattestor(tpm_devid): plugin response missing challenge or agent attributes");
    assertThat(run("agent", "server-close").message())
        .isEqualTo("nodeattestor(tpm_devid): plugin closed stream unexpectedly");
    AttestationOutcome noId = run("agent", "server-empty-id");
    assertThat(noId.code()).isEqualTo(Status.Code.INTERNAL);
    assertThat(noId.message())
        .isEqualTo("nodeattestor(tpm_devid): plugin response missing agent ID");
  }
}
