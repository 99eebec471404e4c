package dev.tpmdevid.plugin;

import io.grpc.StatusException;
import java.util.List;

/**
 * What a plugin implements to be configured through {@code spire.service.common.config.v1.Config}
 * (docs/plugin-protocol.md#configure). {@link GoPluginServer} calls it; use {@link HclConfig} to
 * read the text.
 */
public interface ConfigHandler {

  /**
   * Checks and applies a configuration atomically: on any error the previous configuration stays in
   * force. May be called again later (SPIRE reconfigures on SIGUSR1 when {@code plugin_data_file}
   * changed), possibly concurrently with attestation calls; the runtime never runs two {@code
   * configure} calls at once.
   *
   * @param trustDomain the trust domain name, e.g. {@code example.org} (no {@code spiffe://})
   * @param hcl the plugin's {@code hcl_configuration}, {@code ""} when none was given
   * @throws StatusException INVALID_ARGUMENT for a bad configuration (the message names the key)
   */
  void configure(String trustDomain, String hcl) throws StatusException;

  /**
   * Checks a configuration without applying it ({@code spire-server validate}).
   *
   * @return notes for the operator (e.g. unknown keys); empty when there is nothing to say
   * @throws StatusException INVALID_ARGUMENT for a bad configuration; the runtime reports it as
   *     {@code valid=false} with the message as a note
   */
  List<String> validate(String trustDomain, String hcl) throws StatusException;
}
