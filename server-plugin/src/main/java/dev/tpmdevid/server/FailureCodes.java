package dev.tpmdevid.server;

import dev.tpmdevid.verifier.AttestationFailure;
import io.grpc.Status;

/**
 * The gRPC boundary, the one place that maps a verifier {@link AttestationFailure.Reason} to the
 * status code SPIRE gets: every reason is the agent's evidence or protocol use (INVALID_ARGUMENT,
 * as the Go server answers; a revoked DevID or EK chain too) except a failure to build the
 * credential challenge, which is ours (INTERNAL), a misused challenge state, which cannot come from
 * the agent (INTERNAL), and a revocation status the server's CRLs cannot establish in strict CRL
 * mode (UNAVAILABLE: it clears when a current CRL arrives).
 */
final class FailureCodes {
  private FailureCodes() {}

  static Status.Code of(AttestationFailure.Reason reason) {
    return switch (reason) {
      case CREDENTIAL, CHALLENGE_STATE -> Status.Code.INTERNAL;
      case REVOCATION_UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case DECODE_REQUEST,
          DEVID_CERTIFICATE,
          DEVID_CHAIN,
          DEVID_REVOKED,
          TPM_BLOBS,
          DEVID_KEY,
          EK_KEY_MATCH,
          EK_ATTRIBUTES,
          EK_CHAIN,
          EK_REVOKED,
          AK_ATTRIBUTES,
          CERTIFY,
          DECODE_RESPONSE,
          PROOF_OF_POSSESSION,
          PROOF_OF_RESIDENCY,
          AGENT_ID ->
          Status.Code.INVALID_ARGUMENT;
    };
  }

  static Status.Code of(AttestationFailure failure) {
    return of(failure.reason());
  }
}
