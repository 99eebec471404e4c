package dev.tpmdevid.server;

import io.grpc.Status;
import io.grpc.StatusException;

/**
 * A refused or failed attestation: the gRPC code and a message that names the failed check (the
 * wording of docs/protocol.md#server-checks where the Go server has one). Messages never contain expected values, secrets
 * or stack traces.
 */
final class AttestationException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;

  private AttestationException(Status.Code code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** Bad evidence or protocol misuse by the peer. */
  static AttestationException invalid(String message) {
    return new AttestationException(Status.Code.INVALID_ARGUMENT, message);
  }

  /** Our own fault. */
  static AttestationException internal(String message) {
    return new AttestationException(Status.Code.INTERNAL, message);
  }

  static AttestationException of(Status.Code code, String message) {
    return new AttestationException(code, message);
  }

  Status.Code code() {
    return code;
  }

  StatusException toStatus() {
    return Status.fromCode(code).withDescription(getMessage()).asException();
  }
}
