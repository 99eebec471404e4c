package dev.tpmdevid.server;

import dev.tpmdevid.verifier.AttestationFailure;
import io.grpc.Status;

/**
 * The gRPC boundary: which status code SPIRE gets for a refused attestation. Every reason is the
 * agent's evidence or protocol use (INVALID_ARGUMENT, as the Go server answers) except a failure
 * to build the challenge, which is ours (INTERNAL), and a revocation status the server's CRLs
 * cannot establish in strict CRL mode (UNAVAILABLE: it clears when a current CRL arrives).
 */
final class FailureCodes {
  private FailureCodes() {}

  static Status.Code of(AttestationFailure.Reason reason) {
    return switch (reason) {
      case MAKE_CREDENTIAL -> Status.Code.INTERNAL;
      case REVOCATION_UNAVAILABLE -> Status.Code.UNAVAILABLE;
      default -> Status.Code.INVALID_ARGUMENT;
    };
  }

  static Status.Code of(AttestationFailure failure) {
    return of(failure.reason());
  }
}
