package dev.tpmdevid.server;

import dev.tpmdevid.verifier.AttestationFailure;
import io.grpc.Status;

/**
 * The gRPC boundary: which status code SPIRE gets for a refused attestation. Every reason is the
 * agent's evidence or protocol use (INVALID_ARGUMENT, as the Go server answers) except a failure
 * to build the challenge, which is ours (INTERNAL).
 */
final class FailureCodes {
  private FailureCodes() {}

  static Status.Code of(AttestationFailure.Reason reason) {
    return switch (reason) {
      case MAKE_CREDENTIAL -> Status.Code.INTERNAL;
      default -> Status.Code.INVALID_ARGUMENT;
    };
  }

  static Status.Code of(AttestationFailure failure) {
    return of(failure.reason());
  }
}
