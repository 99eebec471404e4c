package dev.tpmdevid.server;

import dev.tpmdevid.verifier.TpmDevIdVerifier;
import io.grpc.StatusException;
import java.time.Clock;

/**
 * The plugin's configuration for tools outside the plugin (the {@code tpm-devid server} commands):
 * the {@link TpmDevIdVerifier} this plugin would build from a {@code plugin_data} HCL text, read
 * exactly as {@code Configure} reads it (docs/protocol.md#server-config).
 */
public final class ServerPluginConfig {
  private ServerPluginConfig() {}

  /**
   * The verifier for {@code hcl} ({@code devid_ca_path}, {@code endorsement_ca_path}, {@code
   * allow_ecc_ek}, {@code allow_ecc_ak}, {@code max_payload_bytes}; files are read now), checking
   * certificate validity with {@code clock}.
   *
   * @throws IllegalArgumentException with the plugin's own configuration error message
   */
  public static TpmDevIdVerifier verifier(String trustDomain, String hcl, Clock clock) {
    try {
      return ServerConfigLoader.load(trustDomain, hcl, clock).config().verifier();
    } catch (StatusException e) {
      throw new IllegalArgumentException(e.getStatus().getDescription());
    }
  }
}
