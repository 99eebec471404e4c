package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AgentAttributes;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import dev.tpmdevid.verifier.x509.Fingerprint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Full attestations with the software stand-in agent through the gRPC service. */
class EndToEndTest {

  @Test
  void goLikeAgent_attests_withSpireIdAndSelectorsInOrder() throws Exception {
    SoftwareAgent agent = SoftwareAgent.goLike();
    try (PluginHarness h = new PluginHarness(agent, null)) {
      PluginHarness.Outcome o = h.attest(agent);
      assertThat(o.status()).isNull();
      AgentAttributes a = o.result().getAgentAttributes();
      assertThat(a.getSpiffeId())
          .isEqualTo(
              "spiffe://example.org/spire/agent/tpm_devid/"
                  + Fingerprint.sha1Hex(agent.devIdCert.getEncoded()));
      assertThat(a.getSelectorValuesList())
          .containsExactly(
              "subject:cn:devid-leaf",
              "issuer:cn:devid-intermediate",
              "ca:fingerprint:" + Fingerprint.sha1Hex(agent.devIdIntermediate.cert().getEncoded()),
              "ca:fingerprint:" + Fingerprint.sha1Hex(agent.devIdRoot.cert().getEncoded()));
      assertThat(a.getCanReattest()).isTrue();
    }
  }

  @ParameterizedTest
  @CsvSource({"ECC,RSA,RSA", "P384,RSA,RSA", "RSA,ECC,RSA", "RSA,RSA,ECC", "ECC,ECC,ECC"})
  void eccKeys_attest(String ek, KeyType ak, KeyType devId) throws Exception {
    SoftwareAgent agent =
        ek.equals("P384")
            ? SoftwareAgent.withP384Ek(ak, devId)
            : SoftwareAgent.of(KeyType.valueOf(ek), ak, devId);
    try (PluginHarness h = new PluginHarness(agent, null)) {
      PluginHarness.Outcome o = h.attest(agent);
      assertThat(o.status()).isNull();
      assertThat(o.result().getAgentAttributes().getSpiffeId()).startsWith("spiffe://example.org/");
    }
  }

  @Test
  void eccSwitchesOff_refuseEccEkAndAk_stillAcceptGoLikeAgent() throws Exception {
    SoftwareAgent eccEk = SoftwareAgent.of(KeyType.ECC, KeyType.RSA, KeyType.RSA);
    try (PluginHarness h = new PluginHarness(eccEk, "allow_ecc_ek = false")) {
      PluginHarness.Outcome o = h.attest(eccEk);
      assertThat(o.status().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
      assertThat(o.status().getDescription()).contains("key from certificate is not an RSA key");
    }
    SoftwareAgent eccAk = SoftwareAgent.of(KeyType.RSA, KeyType.ECC, KeyType.RSA);
    try (PluginHarness h = new PluginHarness(eccAk, "allow_ecc_ak = false")) {
      PluginHarness.Outcome o = h.attest(eccAk);
      assertThat(o.status().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
      assertThat(o.status().getDescription())
          .contains("attestation key attributes check failed: ECC attestation keys are disabled");
    }
    SoftwareAgent go = SoftwareAgent.goLike();
    try (PluginHarness h = new PluginHarness(go, "allow_ecc_ek = false\n\nallow_ecc_ak = false")) {
      assertThat(h.attest(go).ok()).isTrue();
    }
  }
}
