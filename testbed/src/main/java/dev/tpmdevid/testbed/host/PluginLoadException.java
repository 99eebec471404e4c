package dev.tpmdevid.testbed.host;

import io.grpc.Status;

/**
 * A plugin could not be launched, connected, initialised, bound or configured. The message is what
 * SPIRE (or go-plugin inside it) would report; {@link #status()} is the plugin's gRPC status when
 * the failure came from an RPC.
 */
public final class PluginLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Status status;

  public PluginLoadException(String message) {
    this(message, null, null);
  }

  public PluginLoadException(String message, Status status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The gRPC status of the failed RPC, or {@code null} when the failure was not an RPC. */
  public Status status() {
    return status;
  }
}
