package dev.tpmdevid.testbed.swtpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.core.cred.CredentialBlob;
import dev.tpmdevid.core.cred.MakeCredential;
import dev.tpmdevid.core.device.HandleScope;
import dev.tpmdevid.core.device.Hierarchy;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.device.TpmObject;
import dev.tpmdevid.core.device.TssStructures;
import dev.tpmdevid.core.tpm.Templates;
import dev.tpmdevid.core.tpm.TpmtPublic;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tss.tpm.CertifyResponse;
import tss.tpm.CreateResponse;
import tss.tpm.HashResponse;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMS_SIG_SCHEME_RSASSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMU_SIGNATURE;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * Live: the agent's TPM command sequence of one attestation (docs/protocol.md#agent-tpm-sequence,
 * steps 2–9, 13–14, 16–20, 22) through the device layer on swtpm, with owner and endorsement
 * passwords set: it fits swtpm's 3 object slots, leaves no handle behind, and its command count is
 * printed (steps 10–12, the EK certificate read, are left out: this swtpm is not manufactured; on a
 * manufactured one they add GetCapability + NV_ReadPublic + 1 NV_Read).
 */
class SpireSessionLiveTest {

  private static final SecureRandom RNG = new SecureRandom();

  @BeforeAll
  static void swtpmInstalled() {
    assertTrue(
        Swtpm.isInstalled(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    RNG.nextBytes(b);
    return b;
  }

  @Test
  void oneAttestationFitsThreeSlotsAndLeavesNothingBehind() throws Exception {
    byte[] ownerPw = "owner".getBytes(StandardCharsets.UTF_8);
    byte[] endorsementPw = "endorsement".getBytes(StandardCharsets.UTF_8);
    byte[] devIdPw = "devid".getBytes(StandardCharsets.UTF_8);
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.UNIX)) {
      TPMT_PUBLIC devIdPub;
      TPM2B_PRIVATE devIdPriv;
      // provisioning (not counted): DevID blobs under the SPIRE SRK, then hierarchy passwords
      try (TpmConnection c = swtpm.connect();
          HandleScope scope = c.scope()) {
        TpmObject srk =
            scope.createPrimary(
                Hierarchy.OWNER.withPassword(null),
                TssStructures.publicArea(Templates.SRK_RSA),
                null);
        CreateResponse dev =
            c.tpm()
                .Create(
                    srk.handle(),
                    new TPMS_SENSITIVE_CREATE(devIdPw, new byte[0]),
                    TssStructures.publicArea(Templates.DEVID_RSA),
                    new byte[0],
                    new TPMS_PCR_SELECTION[0]);
        devIdPub = dev.outPublic;
        devIdPriv = dev.outPrivate;
        c.tpm().HierarchyChangeAuth(Hierarchy.OWNER.withPassword(null), ownerPw);
        c.tpm().HierarchyChangeAuth(Hierarchy.ENDORSEMENT.withPassword(null), endorsementPw);
      }

      try (TpmConnection c = swtpm.connect()) {
        byte[] nonce = random(32);
        byte[] secret = random(32);
        try (HandleScope scope = c.scope()) {
          byte[] srkPw = random(32);
          byte[] akPw = random(32);
          TPM_HANDLE owner = Hierarchy.OWNER.withPassword(ownerPw);
          // 2-4: SRK, load DevID, flush SRK
          TpmObject srk =
              scope.createPrimary(owner, TssStructures.publicArea(Templates.SRK_RSA), srkPw);
          TpmObject devId = scope.load(srk, devIdPriv, devIdPub, devIdPw);
          scope.flush(srk);
          // 5-7: SRK, create AK, flush SRK
          srk = scope.createPrimary(owner, TssStructures.publicArea(Templates.SRK_RSA), srkPw);
          CreateResponse ak =
              c.tpm()
                  .Create(
                      srk.handle(),
                      new TPMS_SENSITIVE_CREATE(akPw, new byte[0]),
                      TssStructures.publicArea(Templates.AK_RSA),
                      new byte[0],
                      new TPMS_PCR_SELECTION[0]);
          scope.flush(srk);
          // 8: SRK, load AK, flush SRK
          srk = scope.createPrimary(owner, TssStructures.publicArea(Templates.SRK_RSA), srkPw);
          TpmObject akObj = scope.load(srk, ak.outPrivate, ak.outPublic, akPw);
          scope.flush(srk);
          // 9: EK
          TpmObject ek =
              scope.createPrimary(
                  Hierarchy.ENDORSEMENT.withPassword(endorsementPw),
                  TssStructures.publicArea(Templates.EK_RSA),
                  null);
          assertThat(c.transientHandles()).hasSize(3);
          // 13: EKPub
          assertThat(c.tpm().ReadPublic(ek.handle()).name).isEqualTo(ek.name());
          // 14: Certify(DevID by AK)
          CertifyResponse cert =
              c.tpm()
                  .Certify(
                      devId.handle(),
                      akObj.handle(),
                      new byte[0],
                      new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.SHA256));
          assertThat(cert.certifyInfo.toBytes()).isNotEmpty();
          // 16-17: Hash under the platform hierarchy, Sign with the ticket
          HashResponse h = c.tpm().Hash(nonce, TPM_ALG_ID.SHA256, TPM_HANDLE.from(TPM_RH.PLATFORM));
          assertThat(h.outHash).isEqualTo(MessageDigest.getInstance("SHA-256").digest(nonce));
          TPMU_SIGNATURE sig =
              c.tpm().Sign(devId.handle(), h.outHash, new TPMS_NULL_SIG_SCHEME(), h.validation);
          assertThat(sig).isNotNull();
          // 18-20: credential activation
          CredentialBlob blob =
              MakeCredential.make(
                  TpmtPublic.parse(ek.outPublic().toBytes()), akObj.name(), secret, RNG);
          assertThat(
                  scope.activateCredential(
                      akObj, ek, blob.credential(), blob.encryptedSecret(), endorsementPw))
              .isEqualTo(secret);
        } // 22: flush DevID, AK, EK
        // minus the one transientHandles() check inside the scope
        long total = c.commandCount() - 1;
        Map<String, Long> counts = new TreeMap<>(c.commandCounts());
        counts.merge("GetCapability", -1L, Long::sum);
        assertThat(c.transientHandles()).isEmpty();
        assertThat(c.sessionHandles()).isEmpty();
        // probe 1, CreatePrimary 4, Load 2, Create 1, FlushContext 3 (SRK) + 1 (policy session) +
        // 3,
        // ReadPublic, Certify, Hash, Sign, StartAuthSession, PolicySecret, ActivateCredential
        assertThat(total).isEqualTo(22);
        System.out.println(
            "TPM commands for one attestation (open probe included, EK certificate read "
                + "excluded): "
                + total
                + " "
                + counts);
      }
    }
  }
}
