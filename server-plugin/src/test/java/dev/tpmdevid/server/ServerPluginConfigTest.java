package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.verifier.TpmDevIdVerifier;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ServerPluginConfig}: the verifier tools get from a plugin_data text is the one the plugin
 * builds (same loader, same limits), and a bad configuration is refused with the loader's message.
 */
class ServerPluginConfigTest {
  @TempDir Path dir;

  @Test
  void verifierOfPluginData_attests_andHonoursMaxPayloadBytes() throws Exception {
    SoftwareAgent agent = SoftwareAgent.goLike();
    Path d = Files.writeString(dir.resolve("devid.pem"), agent.devIdBundlePem());
    Path e = Files.writeString(dir.resolve("ek.pem"), agent.ekBundlePem());
    String hcl = "devid_ca_path = \"" + d + "\"\nendorsement_ca_path = \"" + e + "\"\n";
    TpmDevIdVerifier v = ServerPluginConfig.verifier("example.org", hcl, Clock.systemUTC());
    assertThat(v.maxRequestBytes()).isEqualTo(ServerConfigLoader.DEFAULT_MAX_PAYLOAD_BYTES);
    TpmDevIdVerifier.Challenge c = v.begin(agent.payload());
    assertThat(c.complete(agent.respond(c.challengeJson())).agentId("example.org"))
        .startsWith("spiffe://example.org/spire/agent/tpm_devid/");
    assertThat(
            ServerPluginConfig.verifier(
                    "example.org", hcl + "max_payload_bytes = 9000\n", Clock.systemUTC())
                .maxRequestBytes())
        .isEqualTo(9000);
  }

  @Test
  void badConfiguration_refusedWithTheLoadersMessage() {
    assertThatThrownBy(
            () ->
                ServerPluginConfig.verifier(
                    "example.org", "devid_ca_path = \"/x\"", Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("endorsement_ca_path");
    assertThatThrownBy(() -> ServerPluginConfig.verifier("", "", Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trust_domain is required");
    assertThatThrownBy(() -> ServerPluginConfig.verifier("Example.ORG", "", Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trust_domain is not a SPIFFE trust domain name");
  }
}
