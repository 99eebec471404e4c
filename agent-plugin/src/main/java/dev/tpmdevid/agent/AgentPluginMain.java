package dev.tpmdevid.agent;

import dev.tpmdevid.plugin.GoPluginServer;

/**
 * Entry point of {@code tpm-devid-agent-plugin.jar}: SPIRE starts it as an external agent
 * NodeAttestor.
 */
public final class AgentPluginMain {

  /** gRPC service name SPIRE looks for (docs/plugin-protocol.md#protos). */
  static final String SERVICE_NAME = "spire.plugin.agent.nodeattestor.v1.NodeAttestor";

  private AgentPluginMain() {}

  public static void main(String[] args) {
    AgentPlugin plugin = new AgentPlugin();
    new GoPluginServer("tpm_devid", "TPM_DEVID_PLUGIN_NETWORK")
        .serve(SERVICE_NAME, plugin.service(), plugin);
  }
}
