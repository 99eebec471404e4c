package dev.tpmdevid.testbed.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link PluginHost} against {@link StandInPlugin} processes. */
class PluginHostTest {

  @Test
  void loadsLikeSpireAndUnloadsCleanly() throws Exception {
    PluginHost host = PluginHost.builder(PluginKind.SERVER, StandIns.command("server")).start();
    try {
      assertThat(host.handshake().network()).isEqualTo("tcp");
      assertThat(host.pluginServiceNames())
          .containsExactly(
              "spire.plugin.server.nodeattestor.v1.NodeAttestor",
              "spire.service.common.config.v1.Config");
      host.configure("example.org", "devid_ca_path = \"/x\"");
      assertThat(host.warnings()).isEmpty();
    } finally {
      host.close();
    }
    assertThat(host.isAlive()).isFalse();
    // Normally the plugin exits within the 2 s grace; on a loaded machine the host may have had to
    // kill it.
    assertThat(host.warnings()).allMatch(w -> w.equals("plugin failed to exit gracefully"));
    PluginLogEntry start =
        host.logs().stream()
            .filter(e -> e.message().equals("stand-in starting"))
            .findFirst()
            .orElseThrow();
    assertThat(start.fields())
        .containsEntry("cookie", "NodeAttestor")
        .containsEntry("min_port", "10000")
        .containsEntry("max_port", "25000")
        .containsEntry("versions", "1");
    PluginLogEntry init =
        host.logs().stream().filter(e -> e.message().equals("init")).findFirst().orElseThrow();
    assertThat(init.field("host_services"))
        .isEqualTo(
            "spire.hostservice.server.identityprovider.v1.IdentityProvider,"
                + "spire.hostservice.server.agentstore.v1.AgentStore,spire.hostservice.common.metrics.v1.Metrics");
    PluginLogEntry broker =
        host.logs().stream()
            .filter(e -> e.message().equals("broker conn info"))
            .findFirst()
            .orElseThrow();
    assertThat(broker.field("service_id")).isEqualTo("1");
    assertThat(broker.field("network")).isIn("unix", "tcp");
    PluginLogEntry configured =
        host.logs().stream()
            .filter(e -> e.message().equals("configured"))
            .findFirst()
            .orElseThrow();
    assertThat(configured.field("trust_domain")).isEqualTo("example.org");
    assertThat(configured.field("hcl")).isEqualTo("devid_ca_path = \"/x\"");
    assertThat(host.logs()).anyMatch(e -> e.message().equals("deinit"));
    assertThat(host.logs())
        .anyMatch(
            e ->
                !e.json()
                    && e.raw().equals("[WARN] a raw warning line")
                    && e.level() == PluginLogEntry.Level.WARN);
    assertThat(host.logs())
        .anyMatch(
            e ->
                !e.json()
                    && e.raw().equals("not json at all")
                    && e.level() == PluginLogEntry.Level.DEBUG);
  }

  @Test
  void agentGetsTheAgentHostServices() throws Exception {
    try (PluginHost host =
        PluginHost.builder(PluginKind.AGENT, StandIns.command("agent")).start()) {
      host.close();
      assertThat(host.logs())
          .anyMatch(
              e ->
                  e.message().equals("init")
                      && "spire.hostservice.common.metrics.v1.Metrics"
                          .equals(e.field("host_services")));
    }
  }

  @Test
  void exitBeforeHandshake() {
    assertThatThrownBy(() -> PluginHost.builder(PluginKind.AGENT, StandIns.command("exit")).start())
        .isInstanceOf(PluginLoadException.class)
        .hasMessageStartingWith("plugin exited before we could connect (exit status 3)")
        .hasMessageContaining("giving up before the handshake");
  }

  @Test
  void junkBeforeHandshake() {
    assertThatThrownBy(() -> PluginHost.builder(PluginKind.AGENT, StandIns.command("junk")).start())
        .isInstanceOf(PluginLoadException.class)
        .hasMessageStartingWith(
            "Unrecognized remote plugin message: Starting up the JVM plugin framework...");
  }

  @Test
  void wrongCoreVersionAndNetRpc() {
    assertThatThrownBy(
            () -> PluginHost.builder(PluginKind.AGENT, StandIns.command("badcore")).start())
        .hasMessageStartingWith("Incompatible core API version with plugin");
    assertThatThrownBy(
            () -> PluginHost.builder(PluginKind.AGENT, StandIns.command("netrpc")).start())
        .hasMessageStartingWith("Unsupported plugin protocol \"netrpc\"");
  }

  @Test
  void startTimeout() {
    assertThatThrownBy(
            () ->
                PluginHost.builder(PluginKind.AGENT, StandIns.command("silent"))
                    .startTimeout(Duration.ofSeconds(3))
                    .start())
        .hasMessageStartingWith("timeout while waiting for plugin to start");
  }

  @Test
  void bindingChecksServiceNames() throws Exception {
    assertThatThrownBy(
            () -> PluginHost.builder(PluginKind.AGENT, StandIns.command("wrongside")).start())
        .hasMessage(
            "no supported plugin interface found in: [spire.plugin.server.nodeattestor.v1.NodeAttestor"
                + " spire.service.common.config.v1.Config]");
    try (PluginHost host =
        PluginHost.builder(PluginKind.AGENT, StandIns.command("noconfig")).start()) {
      assertThat(host.warnings())
          .containsExactly("Unsupported plugin service found: grpc.health.v1.Health");
      host.configure("example.org", "");
      assertThatThrownBy(() -> host.configure("example.org", "a = 1"))
          .hasMessage("no supported configuration interface found");
    }
  }

  @Test
  void configureFailureKeepsCode() throws Exception {
    PluginLoadException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            PluginLoadException.class,
            () ->
                PluginHost.builder(PluginKind.SERVER, StandIns.command("server"))
                    .load("example.org", "fail = 1"));
    assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e)
        .hasMessage(
            "failed to configure plugin: rpc error: code = InvalidArgument desc = bad_key is not allowed");
  }
}
