package dev.tpmdevid.server;

import dev.tpmdevid.plugin.GoPluginServer;
import java.time.Clock;

/** Entry point of the SPIRE server NodeAttestor plugin {@code tpm_devid} (runnable jar). */
public final class ServerPluginMain {
  /** Full gRPC name of the plugin service (docs/plugin-protocol.md#protos). */
  static final String PLUGIN_SERVICE = "spire.plugin.server.nodeattestor.v1.NodeAttestor";

  private ServerPluginMain() {}

  public static void main(String[] args) {
    ServerConfigHandler configs = new ServerConfigHandler(Clock.systemUTC());
    NodeAttestorService service = new NodeAttestorService(configs);
    new GoPluginServer("tpm_devid", "TPM_DEVID_PLUGIN_NETWORK")
        // the Attest handlers never block (pure CPU; CRL files are re-read by their own poller):
        // they run on the event loop, without a hand-off per message (docs/performance.md)
        .serve(
            PLUGIN_SERVICE,
            service,
            configs,
            GoPluginServer.Options.defaults().callsOnEventLoop(true));
  }
}
