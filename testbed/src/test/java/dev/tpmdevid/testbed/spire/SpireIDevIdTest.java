package dev.tpmdevid.testbed.spire;

import static dev.tpmdevid.testbed.spire.SpireLab.Impl.GO;
import static dev.tpmdevid.testbed.spire.SpireLab.Impl.JAVA;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.e2e.E2eLab;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner.IDevId;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner.Mode;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.spire.SpireLab.Impl;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * IDevID through unmodified spire-server and spire-agent v1.13.3 (docs/idevid.md): our agent plugin
 * loads the IDevID {@link IDevIdProvisioner} left in the swtpm (persisted at 0x81020000, or
 * regenerated from its template; chain in NV 0x01C90200), and the server is SPIRE's built-in
 * tpm_devid (which itself cannot load an IDevID) or ours. The agent gets the SVID of the IDevID
 * leaf, with the expected selectors; no password reaches a log.
 */
class SpireIDevIdTest {

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of(GO, KeyType.RSA, Mode.PERSISTENT),
        Arguments.of(GO, KeyType.ECC, Mode.TEMPLATE),
        Arguments.of(JAVA, KeyType.ECC, Mode.PERSISTENT));
  }

  @ParameterizedTest(name = "server {0}, {1} IDevID, {2}")
  @MethodSource("rows")
  void agentGetsTheSvidOfItsIDevId(Impl server, KeyType type, Mode mode) throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults().withSpirePasswords().withEkCertificates(true, false);
    try (SpireLab lab = SpireLab.provision(options)) {
      IDevId idevid = IDevIdProvisioner.provision(lab.tpm, type, mode);
      String expectedId = E2eLab.expectedSpiffeId(idevid.certificate());
      lab.check(
          () -> {
            lab.startServer(server);
            lab.startAgent(JAVA, idevid.agentConfig());

            assertThat(lab.agent.awaitAttested(SpireLab.ATTEST_TIMEOUT)).isEqualTo(expectedId);
            assertThat(lab.server.agentIds()).containsExactly(expectedId);
            JsonNode shown = lab.server.agentShow(expectedId);
            List<String> selectors = new ArrayList<>();
            for (JsonNode s : shown.path("selectors")) {
              selectors.add(s.path("type").asText() + ":" + s.path("value").asText());
            }
            assertThat(selectors)
                .containsExactlyInAnyOrderElementsOf(
                    E2eLab.expectedSelectors(
                        idevid.certificate(),
                        List.of(
                            lab.tpm.pki().devIdIntermediate().certificate(),
                            lab.tpm.pki().devIdRoot().certificate())));
            for (String secret :
                new String[] {
                  options.devIdPassword(), options.ownerPassword(), options.endorsementPassword()
                }) {
              assertThat(lab.agent.log()).doesNotContain(secret);
              assertThat(lab.server.log()).doesNotContain(secret);
            }
          });
    }
  }
}
