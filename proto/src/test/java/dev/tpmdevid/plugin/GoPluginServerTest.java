package dev.tpmdevid.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The start-up decisions of {@link GoPluginServer} that need no process
 * (docs/plugin-protocol.md#launch to #handshake).
 */
class GoPluginServerTest {

  @Test
  void handshakeLineHasFiveFieldsAndNewline() {
    assertThat(GoPluginServer.handshakeLine("tcp", "127.0.0.1:10000"))
        .isEqualTo("1|1|tcp|127.0.0.1:10000|grpc\n");
    assertThat(GoPluginServer.handshakeLine("unix", "/tmp/plugin1/plugin.sock"))
        .isEqualTo("1|1|unix|/tmp/plugin1/plugin.sock|grpc\n");
  }

  @Test
  void cookieMustMatchExactly() {
    assertThat(GoPluginServer.checkEnvironment("tpm_devid", env("NodeAttestor", "NodeAttestor")))
        .isNull();
    assertThat(GoPluginServer.checkEnvironment("tpm_devid", env()))
        .contains("SPIRE NodeAttestor plugin (tpm_devid)");
    assertThat(GoPluginServer.checkEnvironment("tpm_devid", env("NodeAttestor", "KeyManager")))
        .contains("SPIRE NodeAttestor plugin");
  }

  @Test
  void protocolVersionsMustIncludeOneWhenGiven() {
    assertThat(
            GoPluginServer.checkEnvironment(
                "tpm_devid", env("NodeAttestor", "NodeAttestor", "PLUGIN_PROTOCOL_VERSIONS", "1")))
        .isNull();
    assertThat(
            GoPluginServer.checkEnvironment(
                "tpm_devid",
                env("NodeAttestor", "NodeAttestor", "PLUGIN_PROTOCOL_VERSIONS", "3, 1")))
        .isNull();
    assertThat(
            GoPluginServer.checkEnvironment(
                "tpm_devid", env("NodeAttestor", "NodeAttestor", "PLUGIN_PROTOCOL_VERSIONS", "2")))
        .contains("protocol version 1")
        .contains("[2]");
    assertThat(
            GoPluginServer.checkEnvironment(
                "tpm_devid", env("NodeAttestor", "NodeAttestor", "PLUGIN_PROTOCOL_VERSIONS", "11")))
        .contains("[11]");
  }

  @Test
  void portRangeDefaultsAndBounds() {
    assertThat(GoPluginServer.portRange(env())).containsExactly(0, 0);
    assertThat(
            GoPluginServer.portRange(env("PLUGIN_MIN_PORT", "10000", "PLUGIN_MAX_PORT", "25000")))
        .containsExactly(10000, 25000);
    assertThat(GoPluginServer.portRange(env("PLUGIN_MIN_PORT", "20000")))
        .containsExactly(20000, 65535);
    assertThat(GoPluginServer.portRange(env("PLUGIN_MAX_PORT", "20000"))).containsExactly(1, 20000);
    assertThatThrownBy(
            () -> GoPluginServer.portRange(env("PLUGIN_MIN_PORT", "3", "PLUGIN_MAX_PORT", "2")))
        .hasMessageContaining("minimum is above maximum");
    assertThatThrownBy(() -> GoPluginServer.portRange(env("PLUGIN_MIN_PORT", "x")))
        .hasMessageContaining("not a number");
    assertThatThrownBy(() -> GoPluginServer.portRange(env("PLUGIN_MAX_PORT", "70000")))
        .hasMessageContaining("out of range");
    assertThat(
            GoPluginServer.checkEnvironment(
                "tpm_devid", env("NodeAttestor", "NodeAttestor", "PLUGIN_MIN_PORT", "x")))
        .contains("Invalid plugin port range");
  }

  @Test
  void eachPluginInstanceHasItsOwnNameListenerVariableAndBroker() {
    GoPluginServer a = new GoPluginServer("plugin_a", "PLUGIN_A_NETWORK");
    GoPluginServer b = new GoPluginServer("plugin_b", "PLUGIN_B_NETWORK");
    assertThat(a.pluginName()).isEqualTo("plugin_a");
    assertThat(a.networkEnv()).isEqualTo("PLUGIN_A_NETWORK");
    assertThat(b.networkEnv()).isEqualTo("PLUGIN_B_NETWORK");
    a.broker()
        .record(
            dev.tpmdevid.proto.goplugin.ConnInfo.newBuilder()
                .setServiceId(1)
                .setNetwork("unix")
                .setAddress("/a.sock")
                .build());
    assertThat(a.broker().hostServicesConnInfo()).isPresent();
    assertThat(b.broker().hostServicesConnInfo()).as("b sees nothing a's host announced").isEmpty();
    assertThat(GoPluginServer.checkEnvironment(b.pluginName(), env())).contains("(plugin_b)");
  }

  private static Map<String, String> env(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
