package dev.tpmdevid.testbed.spire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.testbed.host.PluginCommands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/spire.md shows the server.conf and agent.conf the real-SPIRE tests run with: the two
 * templates of {@link SpireConfig}, verbatim. This keeps the document and the tests in step.
 */
class SpireConfigDocTest {

  private static String doc() throws Exception {
    Path doc = PluginCommands.home().orElseThrow().resolve("docs/spire.md");
    assertThat(doc).as("docs/spire.md").exists();
    return Files.readString(doc, StandardCharsets.UTF_8);
  }

  @Test
  void docShowsTheServerConfTemplateVerbatim() throws Exception {
    assertThat(doc()).contains("```hcl\n" + SpireConfig.template("server.conf") + "```\n");
  }

  @Test
  void docShowsTheAgentConfTemplateVerbatim() throws Exception {
    assertThat(doc()).contains("```hcl\n" + SpireConfig.template("agent.conf") + "```\n");
  }

  @Test
  void renderedNodeAttestorBlocksAreWhatTheDocSays() throws Exception {
    Path launcher = SpireLab.launcher(dev.tpmdevid.testbed.host.PluginKind.AGENT);
    String external =
        SpireConfig.agent(
            Path.of("/var/lib/spire/agent"),
            8081,
            SpireConfig.NodeAttestor.external(
                launcher, "devid_cert_path = \"/etc/spire/devid.crt.pem\""));
    assertThat(external)
        .contains(
            "    NodeAttestor \"tpm_devid\" {\n"
                + "        plugin_cmd = \""
                + launcher
                + "\"\n"
                + "        plugin_checksum = \""
                + SpireConfig.sha256(launcher)
                + "\"\n"
                + "        plugin_data {\n"
                + "            devid_cert_path = \"/etc/spire/devid.crt.pem\"\n"
                + "        }\n");
    String builtIn =
        SpireConfig.agent(
            Path.of("/var/lib/spire/agent"),
            8081,
            SpireConfig.NodeAttestor.builtIn("devid_cert_path = \"/etc/spire/devid.crt.pem\""));
    assertThat(builtIn)
        .contains(
            "    NodeAttestor \"tpm_devid\" {\n"
                + "        plugin_data {\n"
                + "            devid_cert_path = \"/etc/spire/devid.crt.pem\"\n"
                + "        }\n")
        .doesNotContain("plugin_cmd")
        .doesNotContain("${");
    assertThat(doc())
        .contains(
            "    NodeAttestor \"tpm_devid\" {\n"
                + "        plugin_cmd = \"/opt/tpm-devid-java/bin/tpm-devid-agent-plugin\"\n"
                + "        plugin_checksum = \"<sha256sum of that file>\"\n"
                + "        plugin_data {\n");
  }
}
