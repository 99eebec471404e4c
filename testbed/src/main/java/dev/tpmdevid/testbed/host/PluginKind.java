package dev.tpmdevid.testbed.host;

import java.util.List;

/**
 * Which SPIRE process hosts the plugin. It fixes the NodeAttestor service the plugin must advertise
 * and the host services SPIRE offers it in {@code InitRequest}
 * (docs/plugin-protocol.md#service-discovery, #host-services).
 */
public enum PluginKind {
  /** Loaded by {@code spire-agent}. */
  AGENT(
      "spire.plugin.agent.nodeattestor.v1.NodeAttestor",
      List.of("spire.hostservice.common.metrics.v1.Metrics")),
  /** Loaded by {@code spire-server}. */
  SERVER(
      "spire.plugin.server.nodeattestor.v1.NodeAttestor",
      List.of(
          "spire.hostservice.server.identityprovider.v1.IdentityProvider",
          "spire.hostservice.server.agentstore.v1.AgentStore",
          "spire.hostservice.common.metrics.v1.Metrics"));

  /** The Config service name; when advertised SPIRE configures the plugin through it. */
  public static final String CONFIG_SERVICE = "spire.service.common.config.v1.Config";

  private final String nodeAttestorService;
  private final List<String> hostServiceNames;

  PluginKind(String nodeAttestorService, List<String> hostServiceNames) {
    this.nodeAttestorService = nodeAttestorService;
    this.hostServiceNames = hostServiceNames;
  }

  /** Fully-qualified gRPC name of the NodeAttestor service SPIRE binds for this side. */
  public String nodeAttestorService() {
    return nodeAttestorService;
  }

  /** Host service names SPIRE sends in {@code InitRequest.host_service_names}, in SPIRE's order. */
  public List<String> hostServiceNames() {
    return hostServiceNames;
  }

  /** "agent" or "server", for messages. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
