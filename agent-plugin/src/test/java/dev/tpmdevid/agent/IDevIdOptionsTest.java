package dev.tpmdevid.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.tpm.IDevIdTemplates;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The IDevID options of AgentConfig (docs/idevid.md): which combinations are allowed, and the
 * messages.
 */
class IDevIdOptionsTest {

  static final String CERT = "devid_cert_path = \"/c\"\n";
  static final String BLOBS = "devid_priv_path = \"/k\"\ndevid_pub_path = \"/p\"\n";
  static final String HANDLE = "devid_handle = \"0x81020000\"\n";
  static final String TEMPLATE = "devid_template = \"idevid-ecc\"\n";
  static final String NV = "devid_cert_nv_index = \"0x01C90200\"\n";

  @Test
  void persistentKeyWithCertificateChainInNv() throws Exception {
    AgentConfig c = AgentConfig.fromHcl(HANDLE + NV);
    assertThat(c.idevid()).isEqualTo(new IDevIdOptions(0x81020000, null, 0x01C90200));
    assertThat(c.devIdCertPath()).isNull();
    assertThat(c.devIdPrivPath()).isNull();
    assertThat(c.devIdPubPath()).isNull();
    assertThat(c.toString()).contains("devid_handle=0x81020000", "devid_cert_nv_index=0x01C90200");
  }

  @Test
  void templateWithCertificateFile() throws Exception {
    AgentConfig c = AgentConfig.fromHcl(TEMPLATE + CERT);
    assertThat(c.idevid().template()).isEqualTo(IDevIdTemplates.Template.IDEVID_ECC);
    assertThat(c.devIdCertPath()).isEqualTo(Path.of("/c"));
    assertThat(c.idevid().keyInTpm()).isTrue();
    assertThat(c.idevid().certInNv()).isFalse();
  }

  @Test
  void keyBlobsWithCertificateChainInNv() throws Exception {
    AgentConfig c = AgentConfig.fromHcl(BLOBS + NV);
    assertThat(c.idevid().keyInTpm()).isFalse();
    assertThat(c.devIdPrivPath()).isEqualTo(Path.of("/k"));
    assertThat(c.idevid().certNvIndex()).isEqualTo(0x01C90200);
  }

  @Test
  void withoutTheOptionsNothingChanges() throws Exception {
    assertThat(AgentConfig.fromHcl(CERT + BLOBS).idevid()).isSameAs(IDevIdOptions.NONE);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "handle and template | HANDLE+TEMPLATE+NV | devid_handle and devid_template are both set",
        "handle and key blobs | HANDLE+BLOBS+NV | devid_handle is set together with devid_priv_path",
        "template and pub blob | TEMPLATE+PUB+CERT | devid_template is set together with devid_pub_path",
        "cert file and NV | HANDLE+CERT+NV | devid_cert_path and devid_cert_nv_index are both set",
        "no certificate source | HANDLE | devid_cert_path is required",
        "NV without a key | NV | devid_priv_path is required",
        "NV with only the pub blob | PUB+NV | devid_priv_path is required",
      })
  void forbiddenCombinationsNameTheAllowedOnes(String what, String parts, String problem) {
    StringBuilder hcl = new StringBuilder();
    for (String p : parts.split("\\+")) {
      hcl.append(
          switch (p) {
            case "HANDLE" -> HANDLE;
            case "TEMPLATE" -> TEMPLATE;
            case "NV" -> NV;
            case "CERT" -> CERT;
            case "BLOBS" -> BLOBS;
            case "PUB" -> "devid_pub_path = \"/p\"\n";
            default -> throw new IllegalArgumentException(p);
          });
    }
    assertThatThrownBy(() -> AgentConfig.fromHcl(hcl.toString()))
        .isInstanceOf(AgentException.class)
        .hasMessage("invalid configuration: " + problem + "; " + IDevIdOptions.ALLOWED)
        .extracting(e -> ((AgentException) e).kind())
        .isEqualTo(AgentException.Kind.CONFIG);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "devid_handle | 0x01C90200 | devid_handle must be a persistent handle such as \"0x81020000\", got \"0x01C90200\"",
        "devid_handle | 0x8102zz | devid_handle must be a persistent handle such as \"0x81020000\", got \"0x8102zz\"",
        "devid_handle | 0x1810200000 | devid_handle must be a persistent handle such as \"0x81020000\", got \"0x1810200000\"",
        "devid_cert_nv_index | 0x81020000 | devid_cert_nv_index must be an NV index such as \"0x01C90200\", got \"0x81020000\"",
        "devid_template | idevid-p384 | devid_template must be \"idevid-rsa\" or \"idevid-ecc\", got \"idevid-p384\"",
      })
  void badValuesAreNamed(String key, String value, String message) {
    String hcl =
        (key.equals("devid_handle") ? "" : HANDLE)
            + (key.equals("devid_cert_nv_index") ? "" : NV)
            + key
            + " = \""
            + value
            + "\"\n";
    assertThatThrownBy(() -> AgentConfig.fromHcl(hcl))
        .isInstanceOf(AgentException.class)
        .hasMessage("invalid configuration: " + message);
  }

  @Test
  void theNewKeysAreKnown() {
    assertThat(AgentConfig.unknownKeys(HANDLE + NV + TEMPLATE)).isEmpty();
  }
}
