package dev.tpmdevid.testbed.spire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tpmdevid.testbed.e2e.E2eLab;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.provision.ProvisionCache;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One real deployment for a test: an swtpm provisioned by our {@code Provisioner} (through {@link
 * ProvisionCache}, on a unix socket both SPIRE's Go agent and ours can open), a {@link
 * SpireServerProcess} and a {@link SpireAgentProcess}, each half with our plugin or SPIRE's
 * built-in {@code tpm_devid}. {@link #close()} stops agent, server and swtpm by process id, also
 * after a failure; {@link #check} attaches the tails of both SPIRE logs to a failing assertion.
 */
final class SpireLab implements AutoCloseable {
  static final Duration ATTEST_TIMEOUT = Duration.ofSeconds(120);

  /** Which implementation of a half runs. */
  enum Impl {
    JAVA,
    GO;

    @Override
    public String toString() {
      return this == JAVA ? "Java plugin" : "SPIRE built-in";
    }
  }

  final ProvisionedTpm tpm;
  SpireServerProcess server;
  SpireAgentProcess agent;

  private SpireLab(ProvisionedTpm tpm) {
    this.tpm = tpm;
  }

  /** A running swtpm provisioned with {@code options}; no SPIRE process yet. */
  static SpireLab provision(ProvisionOptions options) {
    return new SpireLab(ProvisionCache.shared().start(options, Swtpm.Transport.UNIX));
  }

  /**
   * Our launcher {@code bin/tpm-devid-<kind>-plugin} (absolute), as an operator's {@code
   * plugin_cmd}.
   */
  static Path launcher(PluginKind kind) {
    List<String> cmd = PluginCommands.of(kind);
    assertThat(cmd)
        .as("plugin_cmd must be the launcher script of bin/ (build the plugin jars first): " + cmd)
        .hasSize(1);
    return Path.of(cmd.get(0));
  }

  static SpireConfig.NodeAttestor attestor(Impl impl, PluginKind kind, String pluginData) {
    return impl == Impl.JAVA
        ? SpireConfig.NodeAttestor.external(launcher(kind), pluginData)
        : SpireConfig.NodeAttestor.builtIn(pluginData);
  }

  SpireLab startServer(Impl impl, String serverData, SpireConfig.KeyManager keyManager) {
    server =
        SpireServerProcess.start(
            attestor(impl, PluginKind.SERVER, serverData),
            SpireConfig.DEFAULT_AGENT_TTL,
            keyManager);
    return this;
  }

  SpireLab startServer(Impl impl) {
    return startServer(impl, tpm.serverConfig(), SpireConfig.KeyManager.MEMORY);
  }

  SpireLab startAgent(Impl impl, String agentData) {
    agent = SpireAgentProcess.start(server, attestor(impl, PluginKind.AGENT, agentData));
    return this;
  }

  SpireLab startAgent(Impl impl) {
    return startAgent(impl, tpm.agentConfig());
  }

  /** {@code spiffe://example.org/spire/agent/tpm_devid/<sha1 of the DevID leaf DER>}. */
  String expectedAgentId() {
    return E2eLab.expectedSpiffeId(tpm.devIdCertificate());
  }

  /** subject:cn, issuer:cn and ca:fingerprint of the intermediate (if any) and the DevID root. */
  List<String> expectedSelectors() {
    List<X509Certificate> cas = new ArrayList<>();
    if (tpm.options().devIdIntermediate()) {
      cas.add(tpm.pki().devIdIntermediate().certificate());
    }
    cas.add(tpm.pki().devIdRoot().certificate());
    return E2eLab.expectedSelectors(tpm.devIdCertificate(), cas);
  }

  /**
   * The row's common assertions: the agent logs its first SVID for the expected SPIFFE ID, {@code
   * agent list} shows that ID, and {@code agent show} has exactly the expected {@code tpm_devid}
   * selectors and can_reattest. Returns {@code agent show}.
   */
  JsonNode assertAttested() {
    String id = agent.awaitAttested(ATTEST_TIMEOUT);
    assertThat(id).isEqualTo(expectedAgentId());
    assertThat(server.agentIds()).containsExactly(expectedAgentId());
    JsonNode shown = server.agentShow(expectedAgentId());
    assertThat(shown.path("attestation_type").asText()).isEqualTo("tpm_devid");
    List<String> selectors = new ArrayList<>();
    for (JsonNode s : shown.path("selectors")) {
      selectors.add(s.path("type").asText() + ":" + s.path("value").asText());
    }
    assertThat(selectors).containsExactlyInAnyOrderElementsOf(expectedSelectors());
    assertThat(shown.path("can_reattest").asBoolean()).as("can_reattest").isTrue();
    return shown;
  }

  /**
   * Runs {@code body}; a failure gets the tails of the spire-server and spire-agent logs appended.
   */
  void check(ThrowingRunnable body) throws Exception {
    try {
      body.run();
    } catch (AssertionError | Exception e) {
      AssertionError withLogs = new AssertionError(e.getMessage() + logs(), e);
      throw withLogs;
    }
  }

  String logs() {
    return "\n----- spire-server log (tail) -----\n"
        + tail(server == null ? "" : server.log())
        + "\n----- spire-agent log (tail) -----\n"
        + tail(agent == null ? "" : agent.log());
  }

  static String tail(String log) {
    List<String> lines = log.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 150), lines.size()));
  }

  @Override
  public void close() {
    try {
      if (agent != null) {
        agent.close();
      }
    } finally {
      try {
        if (server != null) {
          server.close();
        }
      } finally {
        tpm.close();
      }
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
