package dev.tpmdevid.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {

  @TempDir Path dir;

  private static final String PATHS =
      "devid_cert_path = \"/c\"\ndevid_priv_path = \"/k\"\ndevid_pub_path = \"/p\"\n";

  @Test
  void defaults() throws Exception {
    AgentConfig c = AgentConfig.fromHcl(PATHS);
    assertThat(c.tpmDevicePath()).isNull();
    assertThat(c.akType()).isEqualTo(AgentConfig.AkType.RSA);
    assertThat(c.ekType()).isEqualTo(AgentConfig.EkType.AUTO);
    assertThat(c.ekCertPath()).isNull();
    assertThat(c.srkHandle()).isNull();
    assertThat(c.reuseAk()).isTrue();
    assertThat(c.devIdPassword()).isEmpty();
    assertThat(c.ownerPassword()).isEmpty();
    assertThat(c.endorsementPassword()).isEmpty();
  }

  @Test
  void everyOption() throws Exception {
    AgentConfig c =
        AgentConfig.fromHcl(
            PATHS
                + "tpm_device_path = \"/dev/tpmrm0\"\n"
                + "devid_password = \"d-pass\"\nowner_hierarchy_password = \"o-pass\"\n"
                + "endorsement_hierarchy_password = \"e-pass\"\nak_type = \"ecc\"\nek_type = \"rsa\"\n"
                + "ek_cert_path = \"/ek.der\"\nsrk_handle = \"0x81000001\"\nreuse_ak = false\n");
    assertThat(c.tpmDevicePath()).isEqualTo("/dev/tpmrm0");
    assertThat(c.devIdCertPath()).isEqualTo(Path.of("/c"));
    assertThat(c.devIdPrivPath()).isEqualTo(Path.of("/k"));
    assertThat(c.devIdPubPath()).isEqualTo(Path.of("/p"));
    assertThat(new String(c.devIdPassword(), StandardCharsets.UTF_8)).isEqualTo("d-pass");
    assertThat(new String(c.ownerPassword(), StandardCharsets.UTF_8)).isEqualTo("o-pass");
    assertThat(new String(c.endorsementPassword(), StandardCharsets.UTF_8)).isEqualTo("e-pass");
    assertThat(c.akType()).isEqualTo(AgentConfig.AkType.ECC);
    assertThat(c.ekType()).isEqualTo(AgentConfig.EkType.RSA);
    assertThat(c.ekCertPath()).isEqualTo(Path.of("/ek.der"));
    assertThat(c.srkHandle()).isEqualTo(0x81000001);
    assertThat(c.reuseAk()).isFalse();
    assertThat(c.toString()).doesNotContain("d-pass", "o-pass", "e-pass");
  }

  @Test
  void quotedKeysAsFromJsonConfigFiles() throws Exception {
    AgentConfig c =
        AgentConfig.fromHcl(
            "\"devid_cert_path\" = \"/c\"\n\"devid_priv_path\" = \"/k\"\n"
                + "\"devid_pub_path\" = \"/p\"\n");
    assertThat(c.devIdPubPath()).isEqualTo(Path.of("/p"));
  }

  @Test
  void missingRequiredKeysAreNamed() {
    for (String key : new String[] {"devid_cert_path", "devid_priv_path", "devid_pub_path"}) {
      String hcl =
          Arrays.stream(PATHS.split("\n"))
              .filter(l -> !l.startsWith(key))
              .reduce("", (a, b) -> a + b + "\n");
      assertThatThrownBy(() -> AgentConfig.fromHcl(hcl))
          .isInstanceOf(AgentException.class)
          .hasMessage("invalid configuration: " + key + " is required")
          .extracting(e -> ((AgentException) e).kind())
          .isEqualTo(AgentException.Kind.CONFIG);
    }
    assertThatThrownBy(() -> AgentConfig.fromHcl(""))
        .hasMessage("invalid configuration: devid_cert_path is required");
  }

  @Test
  void badValuesAreNamed() {
    assertThatThrownBy(() -> AgentConfig.fromHcl(PATHS + "ak_type = \"dsa\"\n"))
        .hasMessageContaining("ak_type");
    assertThatThrownBy(() -> AgentConfig.fromHcl(PATHS + "ek_type = \"sm2\"\n"))
        .hasMessageContaining("ek_type");
    assertThatThrownBy(() -> AgentConfig.fromHcl(PATHS + "srk_handle = \"banana\"\n"))
        .hasMessageContaining("srk_handle");
    assertThatThrownBy(() -> AgentConfig.fromHcl(PATHS + "srk_handle = \"0x40000001\"\n"))
        .hasMessageContaining("srk_handle")
        .hasMessageContaining("persistent");
    assertThatThrownBy(() -> AgentConfig.fromHcl(PATHS + "reuse_ak = \"yes\"\n"))
        .hasMessageContaining("reuse_ak");
    assertThatThrownBy(() -> AgentConfig.fromHcl(PATHS + "devid_password = [\"a\"]\n"))
        .hasMessageContaining("devid_password");
  }

  @Test
  void unknownKeysAreReportedNotRejected() throws Exception {
    assertThat(AgentConfig.unknownKeys(PATHS + "tpm_path = \"/dev/tpm0\"\n"))
        .containsExactly("tpm_path");
    AgentConfig.fromHcl(PATHS + "tpm_path = \"/dev/tpm0\"\n");
  }

  @Test
  void unreadableFilesAreInvalidArgumentNamingTheKey() throws Exception {
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.RSA, 0);
    AgentPlugin plugin = new AgentPlugin();
    for (String file : new String[] {"devid.crt.pem", "devid.pub.blob", "devid.priv.blob"}) {
      Path moved = dir.resolve(file + ".away");
      Files.move(dir.resolve(file), moved);
      try {
        assertThatThrownBy(() -> plugin.configure("example.org", TestFiles.hcl(dir, "")))
            .isInstanceOf(StatusException.class)
            .satisfies(
                e -> {
                  Status s = ((StatusException) e).getStatus();
                  assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                  assertThat(s.getDescription()).contains(dir.resolve(file).toString());
                  assertThat(s.getDescription())
                      .contains(
                          file.endsWith("pem")
                              ? "devid_cert_path"
                              : file.startsWith("devid.pub")
                                  ? "devid_pub_path"
                                  : "devid_priv_path");
                });
      } finally {
        Files.move(moved, dir.resolve(file));
      }
    }
    plugin.configure("example.org", TestFiles.hcl(dir, ""));
    assertThat(plugin.attestor()).isNotNull();
  }

  @Test
  void validateReportsUnknownKeysAndRejectsBadConfig() throws Exception {
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.RSA, 0);
    AgentPlugin plugin = new AgentPlugin();
    assertThat(plugin.validate("example.org", TestFiles.hcl(dir, "tpm_path = \"/dev/tpm0\"\n")))
        .containsExactly("unknown configuration key \"tpm_path\" is ignored");
    assertThat(plugin.attestor()).as("validate does not apply").isNull();
    assertThatThrownBy(() -> plugin.validate("example.org", "devid_cert_path = \"/x\""))
        .isInstanceOf(StatusException.class)
        .extracting(e -> ((StatusException) e).getStatus().getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }
}
