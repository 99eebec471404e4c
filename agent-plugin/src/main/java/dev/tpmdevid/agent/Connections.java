package dev.tpmdevid.agent;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.device.TpmDeviceException;

/** Opens the TPM named by {@code tpm_device_path} through {@link TpmConnection}. */
final class Connections {

  private Connections() {}

  /** Unchecked wrapper so {@link java.util.function.Function} can carry an open failure. */
  static final class OpenFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OpenFailure(String message, Throwable cause) {
      super(message, cause);
    }

    AgentException toAgentException() {
      return new AgentException(AgentException.Kind.TPM, getMessage(), getCause());
    }
  }

  /** {@code /dev/tpmrm0}-style device, swtpm unix socket path, or {@code tcp://host:port}. */
  static TpmConnection open(String path) {
    try {
      return TpmConnection.open(path);
    } catch (TpmDeviceException | IllegalArgumentException e) {
      throw new OpenFailure(
          "unable to start a new TPM session: cannot open TPM at \""
              + path
              + "\": "
              + e.getMessage()
              + "; check tpm_device_path (a TPM 2.0 character device such as /dev/tpmrm0,"
              + " a swtpm unix socket path or tcp://host:port) and that this process may open it",
          e);
    }
  }
}
