package dev.tpmdevid.agent;

import dev.tpmdevid.core.device.HandleScope;
import dev.tpmdevid.core.device.ResponseCode;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.tpm.ObjectAttribute;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmCommands;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import tss.Tpm;
import tss.tpm.HashResponse;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMS_SIGNATURE_ECC;
import tss.tpm.TPMS_SIGNATURE_RSA;
import tss.tpm.TPMT_TK_HASHCHECK;
import tss.tpm.TPMU_SIGNATURE;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * Answers the server's two challenges (docs/protocol.md#agent-tpm-sequence): proof of possession
 * (TPM2_Sign of the nonce with the DevID) and proof of residency (TPM2_ActivateCredential with the
 * AK and EK, the EK authorized by a PolicySecret(endorsement) session that the TPM closes itself
 * because continueSession is clear).
 */
final class ChallengeAnswer {

  private final TpmConnection connection;
  private final Tpm tpm;
  private final HandleScope scope;
  private final byte[] endorsementPassword;

  ChallengeAnswer(TpmConnection connection, HandleScope scope, byte[] endorsementPassword) {
    this.connection = connection;
    this.tpm = connection.tpm();
    this.scope = scope;
    this.endorsementPassword = endorsementPassword;
  }

  /**
   * The DevID's signature over {@code nonce}: RSASSA bytes, or ECDSA as ASN.1 DER (as the Go agent
   * sends it).
   */
  byte[] signNonce(TPM_HANDLE devId, TpmtPublic devIdArea, byte[] nonce) throws AgentException {
    // IDevID (issue #17): a key without a scheme (the IDevID RSA template) signs
    // RSASSA-/ECDSA-SHA256, named here
    boolean noScheme = devIdArea.scheme().algorithm() == TpmAlg.NULL;
    int hashAlg = noScheme ? TpmAlg.SHA256 : devIdArea.scheme().hashAlg();
    TPM_ALG_ID tssHash = TPM_ALG_ID.fromInt(hashAlg);
    byte[] digest;
    TPMT_TK_HASHCHECK ticket;
    if (devIdArea.objectAttributes().contains(ObjectAttribute.RESTRICTED)) {
      // A restricted signing key only signs digests the TPM hashed itself (ticket proves it).
      if (nonce.length > 1024) {
        throw new AgentException(
            AgentException.Kind.CHALLENGE,
            "unable to solve proof of possession "
                + "challenge: nonce of "
                + nonce.length
                + " bytes is too long for TPM2_Hash");
      }
      HashResponse h =
          TpmCalls.call(
              "unable to solve proof of possession challenge: failed to sign nonce",
              "TPM2_Hash",
              () -> tpm.Hash(nonce, tssHash, TPM_HANDLE.from(TPM_RH.OWNER)));
      digest = h.outHash;
      ticket = h.validation;
    } else {
      // Unrestricted key: the TPM checks no ticket, so hashing in software saves a command.
      digest = softwareHash(hashAlg, nonce);
      ticket = new TPMT_TK_HASHCHECK(TPM_HANDLE.from(TPM_RH.NULL), new byte[0]);
    }
    TPMU_SIGNATURE sig =
        TpmCalls.call(
            "unable to solve proof of possession challenge: failed to sign nonce",
            "TPM2_Sign",
            () ->
                tpm.Sign(
                    devId,
                    digest,
                    !noScheme
                        ? new TPMS_NULL_SIG_SCHEME()
                        : devIdArea.isEcc()
                            ? new tss.tpm.TPMS_SIG_SCHEME_ECDSA(tssHash)
                            : new tss.tpm.TPMS_SIG_SCHEME_RSASSA(tssHash),
                    ticket));
    if (sig instanceof TPMS_SIGNATURE_RSA rsa) {
      return rsa.sig;
    }
    if (sig instanceof TPMS_SIGNATURE_ECC ecc) {
      return TpmtSignature.ecdsa(hashAlg, ecc.signatureR, ecc.signatureS).toDerEcdsa();
    }
    throw new AgentException(
        AgentException.Kind.INTERNAL, "unexpected DevID signature type " + sig.GetUnionSelector());
  }

  /** The credential's secret, recovered by TPM2_ActivateCredential for the AK, with the EK. */
  byte[] activateCredential(TPM_HANDLE ak, TPM_HANDLE ek, byte[] credential, byte[] secret)
      throws AgentException {
    if (credential.length < 2) {
      throw new AgentException(
          AgentException.Kind.CHALLENGE,
          "unable to unmarshall challenges: CredActivation.Credential is too short");
    }
    int hmacLen = ((credential[0] & 0xFF) << 8) | (credential[1] & 0xFF);
    if (hmacLen + 2 > credential.length) {
      throw new AgentException(
          AgentException.Kind.CHALLENGE,
          "unable to unmarshall challenges: CredActivation.Credential integrity size exceeds the blob");
    }
    if (credential.length > 0xFFFF || secret.length > 0xFFFF) {
      throw new AgentException(
          AgentException.Kind.CHALLENGE,
          "unable to unmarshall challenges: CredActivation blob larger than a TPM2B");
    }
    TPM_HANDLE session =
        TpmCalls.call(
            "unable to solve proof of residency challenge",
            "TPM2_StartAuthSession",
            scope::startPolicySession);
    TPM_HANDLE endorsement = KeyLifecycle.hierarchy(TPM_RH.ENDORSEMENT, endorsementPassword);
    TpmCalls.call(
        "unable to solve proof of residency challenge",
        "TPM2_PolicySecret(endorsement)",
        () -> tpm.PolicySecret(endorsement, session, new byte[0], new byte[0], new byte[0], 0));
    byte[] akAuth = ak.AuthValue == null ? new byte[0] : ak.AuthValue;
    byte[] command =
        TpmCommands.activateCredential(
            ak.handle,
            ek.handle,
            TpmCommands.AuthCommand.password(akAuth),
            TpmCommands.AuthCommand.policy(session.handle, false),
            credential,
            secret);
    byte[] response;
    try {
      response = connection.transact(command);
    } catch (RuntimeException e) {
      int rc = TpmCalls.rc(e);
      if (rc >= 0) {
        ResponseCode c = ResponseCode.decode(rc);
        if (c.kind() == ResponseCode.Kind.PARAMETER || c.base() == ResponseCode.INTEGRITY) {
          throw new AgentException(
              AgentException.Kind.CHALLENGE,
              "unable to solve proof of residency "
                  + "challenge: failed to activate credential: the TPM rejected the credential ("
                  + TpmRc.describe(rc)
                  + "); it was not made for this TPM's EK and AK",
              e);
        }
      }
      throw TpmCalls.failure(
          "unable to solve proof of residency challenge: failed to activate credential",
          "TPM2_ActivateCredential",
          e);
    }
    scope.forget(session); // continueSession was clear: the TPM closed the session
    try {
      return TpmCommands.activateCredentialResponse(response);
    } catch (TpmFormatException e) {
      throw new AgentException(
          AgentException.Kind.TPM,
          "unable to solve proof of residency challenge: "
              + "malformed TPM2_ActivateCredential response: "
              + e.getMessage());
    }
  }

  private static byte[] softwareHash(int alg, byte[] data) throws AgentException {
    try {
      return MessageDigest.getInstance(TpmAlg.jcaDigestName(alg)).digest(data);
    } catch (IllegalArgumentException | NoSuchAlgorithmException e) {
      throw new AgentException(
          AgentException.Kind.INTERNAL, "unsupported DevID signature hash " + TpmAlg.name(alg), e);
    }
  }
}
