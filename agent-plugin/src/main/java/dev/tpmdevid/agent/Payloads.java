package dev.tpmdevid.agent;

import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.core.wire.WireFormatException;
import java.util.List;

/**
 * The agent's use of the three tpm_devid JSON messages (docs/protocol.md#messages; encoding in
 * {@code dev.tpmdevid.core.wire}, byte-identical to Go's {@code encoding/json}).
 */
final class Payloads {

  private Payloads() {}

  /** The server's challenge: PoP nonce and the credential blob (both without TPM2B sizes). */
  record Challenge(byte[] nonce, byte[] credential, byte[] secret) {}

  static byte[] attestationRequest(
      List<byte[]> devIdCert,
      byte[] devIdPub,
      byte[] ekCert,
      byte[] ekPub,
      byte[] akPub,
      byte[] certifiedDevId,
      byte[] certificationSignature) {
    return new AttestationRequest(
            devIdCert, devIdPub, ekCert, ekPub, akPub, certifiedDevId, certificationSignature)
        .toJson();
  }

  static byte[] challengeResponse(byte[] devId, byte[] credActivation) {
    return new ChallengeResponse(devId, credActivation).toJson();
  }

  /**
   * Decodes a ChallengeRequest (Go decoder semantics); malformed input is a {@link
   * AgentException.Kind#CHALLENGE}.
   */
  static Challenge challenge(byte[] json) throws AgentException {
    ChallengeRequest c;
    try {
      c = ChallengeRequest.fromJson(json);
    } catch (WireFormatException e) {
      throw new AgentException(
          AgentException.Kind.CHALLENGE, "unable to unmarshall challenges: " + e.getMessage());
    }
    if (c.credActivation() == null) {
      throw new AgentException(
          AgentException.Kind.CHALLENGE,
          "received empty credential activation challenge from server");
    }
    byte[] nonce = c.devId();
    byte[] credential = c.credActivation().credential();
    byte[] secret = c.credActivation().secret();
    return new Challenge(
        nonce == null ? new byte[0] : nonce,
        credential == null ? new byte[0] : credential,
        secret == null ? new byte[0] : secret);
  }
}
