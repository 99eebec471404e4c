package dev.tpmdevid.testbed.host;

import io.grpc.Status;

/** gRPC statuses printed the way a Go program (SPIRE) prints them. */
public final class GoStatus {
  private GoStatus() {}

  /** Go's name of a code, e.g. {@code InvalidArgument}, {@code Canceled}. */
  public static String codeName(Status.Code code) {
    switch (code) {
      case OK:
        return "OK";
      case CANCELLED:
        return "Canceled";
      case UNKNOWN:
        return "Unknown";
      case INVALID_ARGUMENT:
        return "InvalidArgument";
      case DEADLINE_EXCEEDED:
        return "DeadlineExceeded";
      case NOT_FOUND:
        return "NotFound";
      case ALREADY_EXISTS:
        return "AlreadyExists";
      case PERMISSION_DENIED:
        return "PermissionDenied";
      case RESOURCE_EXHAUSTED:
        return "ResourceExhausted";
      case FAILED_PRECONDITION:
        return "FailedPrecondition";
      case ABORTED:
        return "Aborted";
      case OUT_OF_RANGE:
        return "OutOfRange";
      case UNIMPLEMENTED:
        return "Unimplemented";
      case INTERNAL:
        return "Internal";
      case UNAVAILABLE:
        return "Unavailable";
      case DATA_LOSS:
        return "DataLoss";
      case UNAUTHENTICATED:
        return "Unauthenticated";
      default:
        return code.name();
    }
  }

  /**
   * {@code rpc error: code = InvalidArgument desc = ...}, as Go's {@code
   * status.Error(...).Error()}.
   */
  public static String describe(Status status) {
    return "rpc error: code = "
        + codeName(status.getCode())
        + " desc = "
        + (status.getDescription() == null ? "" : status.getDescription());
  }
}
