package dev.tpmdevid.agent;

/**
 * The one checked failure type of the agent half. {@link #kind()} says whose fault it is, and maps
 * to a gRPC code in {@link NodeAttestorService}. Messages say what to fix; they never contain a
 * password.
 */
public final class AgentException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Who has to act. */
  public enum Kind {
    /** Configuration or configured files are wrong (gRPC INVALID_ARGUMENT). */
    CONFIG,
    /** The server's challenge is malformed (gRPC INVALID_ARGUMENT). */
    CHALLENGE,
    /** The TPM refused a command or cannot be reached (gRPC INTERNAL, as the Go agent). */
    TPM,
    /** Not configured yet (gRPC FAILED_PRECONDITION). */
    NOT_CONFIGURED,
    /** A fault of this implementation (gRPC INTERNAL). */
    INTERNAL
  }

  private final Kind kind;

  public AgentException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public AgentException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
