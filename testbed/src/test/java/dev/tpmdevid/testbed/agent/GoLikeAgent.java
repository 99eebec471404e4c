package dev.tpmdevid.testbed.agent;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.Templates;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import tss.tpm.CertifyResponse;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.CreateResponse;
import tss.tpm.HashResponse;
import tss.tpm.NV_ReadPublicResponse;
import tss.tpm.StartAuthSessionResponse;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ID_OBJECT;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMS_SIG_SCHEME_RSASSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_PT;
import tss.tpm.TPM_RH;
import tss.tpm.TPM_SE;

/**
 * The Go agent's TPM command sequence (docs/protocol.md#agent-tpm-sequence) replayed with TSS.Java
 * on the same swtpm, for the benchmark's comparison only: 3 SRK CreatePrimary, a fresh RSA AK, EK
 * CreatePrimary, NV read, ReadPublic, Certify, Hash+Sign, policy session + ActivateCredential,
 * flushes. (TSS.Java keeps the policy session open, so one FlushContext more than Go is sent; it is
 * not counted.)
 */
final class GoLikeAgent {

  private static final SecureRandom RNG = new SecureRandom();

  private GoLikeAgent() {}

  record Result(long commands, double millis) {}

  static Result attest(ProvisionedSwtpm tpm, KeyType devIdType) throws Exception {
    long t0 = System.nanoTime();
    byte[] pub = Files.readAllBytes(tpm.provisioned.devIdPubPath());
    byte[] priv = Files.readAllBytes(tpm.provisioned.devIdPrivPath());
    try (TpmConnection c = tpm.open()) {
      var t = c.tpm();
      TPM_HANDLE owner = TPM_HANDLE.from(TPM_RH.OWNER);
      TPM_HANDLE endorsement = TPM_HANDLE.from(TPM_RH.ENDORSEMENT);
      byte[] srkPwd = random32();
      byte[] akPwd = random32();
      CreatePrimaryResponse srk =
          t.CreatePrimary(
              owner,
              new TPMS_SENSITIVE_CREATE(srkPwd, new byte[0]),
              Templates.srkFor(devIdType),
              new byte[0],
              new TPMS_PCR_SELECTION[0]);
      srk.handle.AuthValue = srkPwd;
      TPM_HANDLE devId = t.Load(srk.handle, new TPM2B_PRIVATE(priv), TPMT_PUBLIC.fromTpm(pub));
      t.FlushContext(srk.handle);
      srk =
          t.CreatePrimary(
              owner,
              new TPMS_SENSITIVE_CREATE(srkPwd, new byte[0]),
              Templates.srkRsa(),
              new byte[0],
              new TPMS_PCR_SELECTION[0]);
      srk.handle.AuthValue = srkPwd;
      CreateResponse akBlob =
          t.Create(
              srk.handle,
              new TPMS_SENSITIVE_CREATE(akPwd, new byte[0]),
              akTemplate(),
              new byte[0],
              new TPMS_PCR_SELECTION[0]);
      t.FlushContext(srk.handle);
      srk =
          t.CreatePrimary(
              owner,
              new TPMS_SENSITIVE_CREATE(srkPwd, new byte[0]),
              Templates.srkRsa(),
              new byte[0],
              new TPMS_PCR_SELECTION[0]);
      srk.handle.AuthValue = srkPwd;
      TPM_HANDLE ak = t.Load(srk.handle, akBlob.outPrivate, akBlob.outPublic);
      ak.AuthValue = akPwd;
      t.FlushContext(srk.handle);
      CreatePrimaryResponse ek =
          t.CreatePrimary(
              endorsement,
              new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
              Templates.ekRsa(),
              new byte[0],
              new TPMS_PCR_SELECTION[0]);

      int block = tss.TpmHelpers.getTpmProperty(t, TPM_PT.NV_BUFFER_MAX);
      TPM_HANDLE nv = TPM_HANDLE.NV(0x01C00002 & 0xFFFFFF);
      NV_ReadPublicResponse nvPub = t.NV_ReadPublic(nv);
      for (int off = 0; off < nvPub.nvPublic.dataSize; off += block) {
        t.NV_Read(nv, nv, Math.min(block, nvPub.nvPublic.dataSize - off), off);
      }
      t.ReadPublic(ek.handle);
      devId.AuthValue = new byte[0];
      CertifyResponse cert =
          t.Certify(devId, ak, new byte[0], new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.SHA256));
      if (cert.certifyInfo == null) {
        throw new IllegalStateException();
      }

      AgentChecks.Challenge ch =
          AgentChecks.challengeFor(
              new dev.tpmdevid.core.wire.AttestationRequest(
                  java.util.List.of(new byte[1]),
                  pub,
                  new byte[1],
                  ek.outPublic.toTpm(),
                  akBlob.outPublic.toTpm(),
                  new byte[1],
                  new byte[1]));
      ChallengeRequest req = ChallengeRequest.fromJson(ch.json());
      HashResponse h = t.Hash(req.devId(), TPM_ALG_ID.SHA256, TPM_HANDLE.from(TPM_RH.PLATFORM));
      t.Sign(devId, h.outHash, new TPMS_NULL_SIG_SCHEME(), h.validation);
      StartAuthSessionResponse s =
          t.StartAuthSession(
              TPM_HANDLE.from(TPM_RH.NULL),
              TPM_HANDLE.from(TPM_RH.NULL),
              new byte[16],
              new byte[0],
              TPM_SE.POLICY,
              new TPMT_SYM_DEF(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL),
              TPM_ALG_ID.SHA256);
      t.PolicySecret(endorsement, s.handle, new byte[0], new byte[0], new byte[0], 0);
      byte[] cred = req.credActivation().credential();
      int n = ((cred[0] & 0xFF) << 8) | (cred[1] & 0xFF);
      byte[] got =
          t._withSessions(TPM_HANDLE.pwSession(new byte[0]), s.handle)
              .ActivateCredential(
                  ak,
                  ek.handle,
                  new TPMS_ID_OBJECT(
                      Arrays.copyOfRange(cred, 2, 2 + n),
                      Arrays.copyOfRange(cred, 2 + n, cred.length)),
                  req.credActivation().secret());
      if (!MessageDigest.isEqual(got, ch.secret())) {
        throw new IllegalStateException("Go-like sequence did not activate the credential");
      }
      t.FlushContext(devId);
      t.FlushContext(ak);
      t.FlushContext(ek.handle);
      long commands = c.commandCount();
      t.FlushContext(s.handle); // Go's session closes itself (continueSession clear); not counted
      return new Result(commands, (System.nanoTime() - t0) / 1e6);
    }
  }

  private static TPMT_PUBLIC akTemplate() {
    return new TPMT_PUBLIC(
        TPM_ALG_ID.SHA256,
        TPMA_OBJECT.fromInt(0x00050072),
        new byte[0],
        new TPMS_RSA_PARMS(
            new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL),
            new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.SHA256),
            2048,
            0),
        new TPM2B_PUBLIC_KEY_RSA(new byte[0]));
  }

  private static byte[] random32() {
    byte[] b = new byte[32];
    RNG.nextBytes(b);
    return b;
  }
}
