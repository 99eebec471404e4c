package dev.tpmdevid.testbed.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.agent.AgentConfig;
import dev.tpmdevid.agent.AgentSession;
import dev.tpmdevid.agent.AkBlob;
import dev.tpmdevid.agent.DevIdAttestor;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_NULL_ASYM_SCHEME;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * Fewer TPM commands: AK kept across attestations, persisted SRK, AK saved for another process; ECC
 * EK auto.
 */
class AgentReuseTest {

  @TempDir Path dir;

  @BeforeAll
  static void needsSwtpm() {
    assertTrue(
        ProvisionedSwtpm.available(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
  }

  /**
   * Runs one attestation and checks the answer; returns the payload and the TPM commands of the
   * session.
   */
  static Attestation attest(DevIdAttestor a, ProvisionedSwtpm tpm) throws Exception {
    long t0 = System.nanoTime();
    byte[] payload;
    AgentChecks.Challenge c;
    ChallengeResponse r;
    long commands;
    Map<String, Long> perCommand;
    try (AgentSession s = a.begin()) {
      payload = s.payload();
      c = AgentChecks.challengeFor(AttestationRequest.fromJson(payload));
      r = ChallengeResponse.fromJson(s.solve(c.json()));
      s.close();
      commands = s.tpmCommands();
      perCommand = s.tpmCommandCounts();
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    assertThat(r.credActivation()).isEqualTo(c.secret());
    assertThat(AgentChecks.verifyPop(tpm.provisioned.devIdCertificate(), c.nonce(), r.devId()))
        .isTrue();
    return new Attestation(AttestationRequest.fromJson(payload), commands, perCommand, ms);
  }

  record Attestation(
      AttestationRequest request, long commands, Map<String, Long> perCommand, double millis) {}

  @Test
  void akAndEkCertificateAreReusedWithinOneProcess() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, ProvisionOptions.defaults())) {
      DevIdAttestor a = DevIdAttestor.create(AgentConfig.fromHcl(tpm.agentHcl("")));
      Attestation first = attest(a, tpm);
      Attestation second = attest(a, tpm);
      System.out.println(
          "first attestation: " + first.commands() + " commands " + first.perCommand());
      System.out.println(
          "later attestation: " + second.commands() + " commands " + second.perCommand());
      assertThat(second.request().akPub()).isEqualTo(first.request().akPub());
      assertThat(first.perCommand())
          .containsEntry("Create", 1L)
          .containsEntry("CreatePrimary", 2L)
          .containsEntry("ContextSave", 4L);
      assertThat(second.perCommand())
          .doesNotContainKeys("Create", "CreatePrimary", "Load", "NV_Read")
          .containsEntry("ContextLoad", 3L);
      assertThat(first.commands()).isEqualTo(22);
      assertThat(second.commands()).isEqualTo(12);

      DevIdAttestor noContexts =
          DevIdAttestor.create(AgentConfig.fromHcl(tpm.agentHcl("reuse_contexts = false\n")));
      attest(noContexts, tpm);
      Attestation loads = attest(noContexts, tpm);
      assertThat(loads.perCommand())
          .doesNotContainKeys("Create", "ContextLoad", "ContextSave")
          .containsEntry("CreatePrimary", 2L)
          .containsEntry("Load", 2L);
      assertThat(loads.commands()).isEqualTo(14);
      assertThat(tpm.handlesInUse()).isEmpty();

      DevIdAttestor noReuse =
          DevIdAttestor.create(AgentConfig.fromHcl(tpm.agentHcl("reuse_ak = false\n")));
      Attestation third = attest(noReuse, tpm);
      Attestation fourth = attest(noReuse, tpm);
      assertThat(fourth.request().akPub()).isNotEqualTo(third.request().akPub());
      assertThat(fourth.perCommand())
          .containsEntry("Create", 1L)
          .containsEntry("ContextLoad", 3L)
          .doesNotContainKey("CreatePrimary");
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  @Test
  void savedContextsAreDroppedAfterATpmReset() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, ProvisionOptions.defaults())) {
      DevIdAttestor a = DevIdAttestor.create(AgentConfig.fromHcl(tpm.agentHcl("")));
      attest(a, tpm);
      assertThat(attest(a, tpm).commands()).isEqualTo(12);
      resetTpm(tpm);
      Attestation afterReset = attest(a, tpm);
      assertThat(afterReset.perCommand()).containsEntry("CreatePrimary", 2L);
      assertThat(attest(a, tpm).commands()).isEqualTo(12);
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  /**
   * TPM Reset as after a reboot: swtpm CMD_INIT on the control channel, then TPM2_Startup(CLEAR).
   */
  private static void resetTpm(ProvisionedSwtpm tpm) throws Exception {
    try (java.net.Socket ctrl = new java.net.Socket("127.0.0.1", tpm.swtpm.port() + 1)) {
      ctrl.getOutputStream().write(new byte[] {0, 0, 0, 2, 0, 0, 0, 0});
      assertThat(new java.io.DataInputStream(ctrl.getInputStream()).readInt()).isZero();
    }
    try (java.net.Socket data = new java.net.Socket("127.0.0.1", tpm.swtpm.port())) {
      data.getOutputStream().write(new byte[] {(byte) 0x80, 1, 0, 0, 0, 12, 0, 0, 1, 0x44, 0, 0});
      byte[] resp = new byte[10];
      new java.io.DataInputStream(data.getInputStream()).readFully(resp);
      assertThat(java.nio.ByteBuffer.wrap(resp, 6, 4).getInt()).isZero();
    }
  }

  @Test
  void persistedSrk() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, ProvisionOptions.defaults())) {
      try (TpmConnection c = tpm.open()) {
        TPMT_PUBLIC h1 =
            new TPMT_PUBLIC(
                TPM_ALG_ID.SHA256,
                new TPMA_OBJECT(
                    TPMA_OBJECT.fixedTPM,
                    TPMA_OBJECT.fixedParent,
                    TPMA_OBJECT.sensitiveDataOrigin,
                    TPMA_OBJECT.userWithAuth,
                    TPMA_OBJECT.noDA,
                    TPMA_OBJECT.restricted,
                    TPMA_OBJECT.decrypt),
                new byte[0],
                new TPMS_RSA_PARMS(
                    new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, 128, TPM_ALG_ID.CFB),
                    new TPMS_NULL_ASYM_SCHEME(),
                    2048,
                    0),
                new TPM2B_PUBLIC_KEY_RSA(new byte[0]));
        CreatePrimaryResponse srk =
            c.tpm()
                .CreatePrimary(
                    TPM_HANDLE.from(TPM_RH.OWNER),
                    new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
                    h1,
                    new byte[0],
                    new TPMS_PCR_SELECTION[0]);
        c.tpm().EvictControl(TPM_HANDLE.from(TPM_RH.OWNER), srk.handle, TPM_HANDLE.persistent(1));
        c.tpm().FlushContext(srk.handle);
      }
      DevIdAttestor a =
          DevIdAttestor.create(
              AgentConfig.fromHcl(
                  tpm.agentHcl("srk_handle = \"0x81000001\"\nreuse_contexts = false\n")));
      Attestation first = attest(a, tpm);
      Attestation second = attest(a, tpm);
      System.out.println(
          "persisted SRK, later attestation: "
              + second.commands()
              + " commands "
              + second.perCommand());
      assertThat(second.perCommand()).containsEntry("CreatePrimary", 1L);
      assertThat(second.commands()).isEqualTo(12);
      assertThat(first.commands()).isEqualTo(16);
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  @Test
  void akSavedByOneProcessAnswersInAnother() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(
            dir, Swtpm.Transport.UNIX, ProvisionOptions.defaults().withDevIdKeyType(KeyType.ECC))) {
      String hcl = tpm.agentHcl("ak_type = \"ecc\"\n");
      Path akFile = dir.resolve("ak.blob");
      byte[] payload;
      try (AgentSession s = DevIdAttestor.create(AgentConfig.fromHcl(hcl)).begin()) {
        payload = s.payload();
        s.attestationKey().save(akFile);
      }
      assertThat(tpm.handlesInUse()).isEmpty();
      AgentChecks.Challenge c = AgentChecks.challengeFor(AttestationRequest.fromJson(payload));
      DevIdAttestor later = DevIdAttestor.create(AgentConfig.fromHcl(hcl));
      ChallengeResponse r;
      try (AgentSession s = later.resume(AkBlob.load(akFile))) {
        assertThat(s.attestationKey().pub())
            .isEqualTo(AttestationRequest.fromJson(payload).akPub());
        r = ChallengeResponse.fromJson(s.solve(c.json()));
      }
      assertThat(r.credActivation()).isEqualTo(c.secret());
      assertThat(AgentChecks.verifyPop(tpm.provisioned.devIdCertificate(), c.nonce(), r.devId()))
          .isTrue();
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  @Test
  void eccEkIsUsedWhenThereIsNoRsaEkCertificate() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(
            dir,
            Swtpm.Transport.TCP,
            ProvisionOptions.defaults().withEkCertificates(false, true).withEkNvPadding(7))) {
      DevIdAttestor a =
          DevIdAttestor.create(AgentConfig.fromHcl(tpm.agentHcl("ak_type = \"ecc\"\n")));
      Attestation at = attest(a, tpm);
      TpmtPublic ek = TpmtPublic.parse(at.request().ekPub());
      assertThat(ek.isEcc()).isTrue();
      assertThat(at.request().ekCert())
          .isEqualTo(tpm.provisioned.ekCertificate(KeyType.ECC).orElseThrow().getEncoded());
      assertThat(ek.toPublicKey())
          .isEqualTo(tpm.provisioned.ekCertificate(KeyType.ECC).orElseThrow().getPublicKey());
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }
}
