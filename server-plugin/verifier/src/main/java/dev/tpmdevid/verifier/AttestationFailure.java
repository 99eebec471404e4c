package dev.tpmdevid.verifier;

import java.security.GeneralSecurityException;
import java.util.Objects;

/**
 * A refused attestation: the {@link Reason} names the step that failed, the message is the Go
 * server's wording where it has one (docs/protocol.md#server-checks). Messages never contain
 * expected values, secrets or stack traces. Mapping a reason to a transport status (gRPC code)
 * is the caller's business (the plugin does it at its gRPC boundary).
 */
public final class AttestationFailure extends GeneralSecurityException {
  private static final long serialVersionUID = 1L;

  /** The step that refused the attestation, in pipeline order. */
  public enum Reason {
    /** Payload empty or larger than the caller's limit (checked before parsing). */
    PAYLOAD_SIZE,
    /** Step 2: the AttestationRequest is not valid JSON of the expected shape. */
    DECODE_REQUEST,
    /** Step 3: no DevID certificate, or too many. */
    DEVID_CERTIFICATE_MISSING,
    /** Step 4: the DevID leaf or an intermediate is not strict DER X.509. */
    DEVID_CERTIFICATE_PARSE,
    /** Step 5: the DevID chain does not verify to a DevID root. */
    DEVID_CHAIN,
    /** Step 7: AK, DevID or EK public blob or the EK certificate is missing. */
    TPM_BLOBS_MISSING,
    /** Step 8: the EK certificate is not strict DER X.509. */
    EK_CERTIFICATE_PARSE,
    /** Step 9: a TPMT_PUBLIC blob does not decode. */
    TPM_PUBLIC_DECODE,
    /** Hardening H1: the DevID certificate's key is not the DevID public blob's key. */
    DEVID_KEY_BINDING,
    /** Hardening H2: the DevID key's attributes are not those of a TPM signing key. */
    DEVID_KEY_ATTRIBUTES,
    /** Step 10: the EK certificate's key is not the EK public blob's key. */
    EK_KEY_MATCH,
    /** Hardening H3: the EK's attributes are not those of an endorsement key. */
    EK_ATTRIBUTES,
    /** Step 11: the EK certificate does not verify to an endorsement root. */
    EK_CHAIN,
    /** Hardening H4: the AK's attributes are not those of a restricted TPM signing key. */
    AK_ATTRIBUTES,
    /** Step 12: the TPM2_Certify evidence does not bind the DevID key to the AK. */
    CERTIFY,
    /** Step 13: building the credential challenge failed (our fault, not the agent's). */
    MAKE_CREDENTIAL,
    /** Step 15: the ChallengeResponse is not valid JSON of the expected shape, or too large. */
    DECODE_RESPONSE,
    /** Step 16: the nonce signature does not verify with the DevID certificate's key. */
    PROOF_OF_POSSESSION,
    /** Step 17: the activated credential is not the secret. */
    PROOF_OF_RESIDENCY,
    /** A challenge was completed a second time, or restored state is inconsistent. */
    CHALLENGE_STATE
  }

  private final Reason reason;

  public AttestationFailure(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The step that failed. */
  public Reason reason() {
    return reason;
  }

  /** No stack trace: a refusal is an expected outcome on a hot path. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
