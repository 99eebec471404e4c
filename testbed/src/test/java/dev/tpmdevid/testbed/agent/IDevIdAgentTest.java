package dev.tpmdevid.testbed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.agent.AgentConfig;
import dev.tpmdevid.agent.AgentSession;
import dev.tpmdevid.agent.DevIdAttestor;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.tpm.IDevIdTemplates;
import dev.tpmdevid.core.tpm.TpmsAttest;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner.IDevId;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner.Mode;
import dev.tpmdevid.testbed.provision.ProvisionCache;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The IDevID sources through the plain Java agent API (docs/idevid.md#tpm-commands): what the agent
 * sends (DevIDPub = the IDevID's public area, with the TCG policy; TPM2_Certify by the AK
 * authorized through that policy) and which TPM commands the first and a repeat attestation cost,
 * per mode. The persistent key is never flushed, evicted or context-saved; a template key is
 * flushed like any transient object.
 */
class IDevIdAgentTest {

  record Run(AttestationRequest request, long commands, Map<String, Long> perCommand) {}

  static Run attest(DevIdAttestor a, IDevId idevid) throws Exception {
    try (AgentSession s = a.begin()) {
      AttestationRequest request = AttestationRequest.fromJson(s.payload());
      AgentChecks.Challenge c = AgentChecks.challengeFor(request);
      ChallengeResponse r = ChallengeResponse.fromJson(s.solve(c.json()));
      s.close();
      assertThat(r.credActivation()).isEqualTo(c.secret());
      assertThat(AgentChecks.verifyPop(idevid.certificate(), c.nonce(), r.devId())).isTrue();
      return new Run(request, s.tpmCommands(), s.tpmCommandCounts());
    }
  }

  @ParameterizedTest(name = "{0} IDevID, {1}")
  @CsvSource({
    "RSA, PERSISTENT, 23, 14",
    "ECC, PERSISTENT, 23, 14",
    "RSA, TEMPLATE, 26, 16",
    "ECC, TEMPLATE, 26, 16"
  })
  void payloadAndTpmCommands(KeyType type, Mode mode, long firstCommands, long laterCommands)
      throws Exception {
    try (ProvisionedTpm base =
        ProvisionCache.shared().start(ProvisionOptions.defaults().withSpirePasswords())) {
      IDevId idevid = IDevIdProvisioner.provision(base, type, mode);
      DevIdAttestor a = DevIdAttestor.create(AgentConfig.fromHcl(idevid.agentConfig()));
      assertThat(a.devIdCertificates()).hasSize(2);
      assertThat(a.devIdCertificates().get(0)).isEqualTo(idevid.certificate().getEncoded());

      Run first = attest(a, idevid);
      Run later = attest(a, idevid);
      System.out.println(
          "IDevID "
              + type
              + " "
              + mode
              + ": first attestation "
              + first.commands()
              + " commands "
              + first.perCommand()
              + "; later "
              + later.commands()
              + " "
              + later.perCommand());

      TpmtPublic devIdPub = TpmtPublic.parse(first.request().devIdPub());
      assertThat(devIdPub.authPolicy()).isEqualTo(IDevIdTemplates.IDEVID_AUTH_POLICY_SHA256);
      assertThat(devIdPub.objectAttributes().bits()).isEqualTo(IDevIdTemplates.IDEVID_ATTRIBUTES);
      assertThat(devIdPub.toPublicKey()).isEqualTo(idevid.certificate().getPublicKey());
      TpmsAttest certified = TpmsAttest.parse(first.request().certifiedDevId());
      assertThat(certified.certifiedName()).isEqualTo(devIdPub.name());
      assertThat(
              AgentChecks.verifyCertify(
                  TpmtPublic.parse(first.request().akPub()),
                  first.request().certifiedDevId(),
                  TpmtSignature.parse(first.request().certificationSignature())))
          .isTrue();
      // The IDevID's ADMIN role for TPM2_Certify: PolicySecret + PolicyCommandCode + PolicyOR on a
      // session
      // the TPM closes itself (continueSession clear), next to ActivateCredential's PolicySecret
      // session.
      assertThat(first.perCommand())
          .containsEntry("PolicyCommandCode", 1L)
          .containsEntry("PolicyOR", 1L)
          .containsEntry("PolicySecret", 2L)
          .containsEntry("StartAuthSession", 2L);
      if (mode == Mode.PERSISTENT) {
        assertThat(first.perCommand())
            .containsEntry("CreatePrimary", 2L)
            .containsEntry("Load", 1L)
            .containsEntry("ContextSave", 3L);
        assertThat(later.perCommand())
            .containsEntry("ContextLoad", 2L)
            .doesNotContainKey("CreatePrimary");
      } else {
        assertThat(first.perCommand())
            .containsEntry("CreatePrimary", 3L)
            .containsEntry("Load", 1L)
            .containsEntry("ContextSave", 4L);
        assertThat(later.perCommand())
            .containsEntry("ContextLoad", 3L)
            .doesNotContainKey("CreatePrimary");
      }
      assertThat(first.commands()).isEqualTo(firstCommands);
      assertThat(later.commands()).isEqualTo(laterCommands);
      try (TpmConnection c = base.openConnection()) {
        List<Integer> left = new ArrayList<>(c.transientHandles());
        left.addAll(c.sessionHandles());
        assertThat(left).as("transient objects and sessions left").isEmpty();
        if (mode == Mode.PERSISTENT) {
          c.tpm()
              .ReadPublic(
                  tss.tpm.TPM_HANDLE.persistent(IDevIdTemplates.IDEVID_HANDLE & 0x00FFFFFF));
        }
      }
    }
  }
}
