package dev.tpmdevid.server;

import dev.tpmdevid.verifier.AttestationFailure;
import io.grpc.Status;

/**
 * The gRPC boundary, the one place that maps a verifier {@link AttestationFailure.Reason} to the
 * status code SPIRE gets: every reason is the agent's evidence or protocol use (INVALID_ARGUMENT,
 * as the Go server answers) except a failure to build the credential challenge, which is ours
 * (INTERNAL), and a misused challenge state, which cannot come from the agent (INTERNAL).
 */
final class FailureCodes {
  private FailureCodes() {}

  static Status.Code of(AttestationFailure.Reason reason) {
    return switch (reason) {
      case CREDENTIAL, CHALLENGE_STATE -> Status.Code.INTERNAL;
      case DECODE_REQUEST, DEVID_CERTIFICATE, DEVID_CHAIN, TPM_BLOBS, DEVID_KEY, EK_KEY_MATCH,
          EK_ATTRIBUTES, EK_CHAIN, AK_ATTRIBUTES, CERTIFY, DECODE_RESPONSE, PROOF_OF_POSSESSION,
          PROOF_OF_RESIDENCY, AGENT_ID -> Status.Code.INVALID_ARGUMENT;
    };
  }

  static Status.Code of(AttestationFailure failure) {
    return of(failure.reason());
  }
}
