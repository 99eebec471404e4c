package dev.tpmdevid.agent;

import dev.tpmdevid.core.device.TpmCommandException;
import java.util.function.Supplier;

/**
 * Runs one TPM command and turns its failure into an {@link AgentException} that says what to fix.
 * The response code comes from the device layer's {@link TpmCommandException} (decoded by
 * tpm-core/device); the agent adds its context ("unable to certify DevID key") and the
 * configuration key to fix ({@link Hints}). Any other failure is a transport failure ("cannot talk
 * to the TPM").
 */
final class TpmCalls {

  private TpmCalls() {}

  static <T> T call(String context, String command, Supplier<T> op) throws AgentException {
    try {
      return op.get();
    } catch (RuntimeException e) {
      throw failure(context, command, e);
    }
  }

  /** The TPM response code of a failed command, or -1 if the command never got a response. */
  static int rc(RuntimeException e) {
    return e instanceof TpmCommandException t ? t.rc() : -1;
  }

  static AgentException failure(String context, String command, RuntimeException e) {
    int rc = rc(e);
    if (rc < 0) {
      return new AgentException(
          AgentException.Kind.TPM,
          context
              + ": "
              + command
              + " failed: cannot talk to the TPM ("
              + describeTransport(e)
              + ")",
          e);
    }
    String hint = Hints.forFailure(command, rc);
    return new AgentException(
        AgentException.Kind.TPM,
        context
            + ": "
            + command
            + " failed: "
            + TpmRc.describe(rc)
            + (hint.isEmpty() ? "" : "; " + hint),
        e);
  }

  private static String describeTransport(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
      if (sb.length() > 0) {
        sb.append(": ");
      }
      sb.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
      if (t.getCause() == t) {
        break;
      }
    }
    return sb.toString();
  }
}
