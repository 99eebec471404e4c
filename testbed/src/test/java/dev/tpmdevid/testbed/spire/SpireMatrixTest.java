package dev.tpmdevid.testbed.spire;

import static dev.tpmdevid.testbed.spire.SpireLab.Impl.GO;
import static dev.tpmdevid.testbed.spire.SpireLab.Impl.JAVA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.spire.SpireLab.Impl;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Unmodified spire-server and spire-agent v1.13.3 with either half of {@code tpm_devid} ours or
 * SPIRE's built-in: each row provisions an swtpm, starts a server and an agent, and checks that the
 * agent gets its SVID, that {@code spire-server agent list} shows {@code
 * spiffe://example.org/spire/agent/tpm_devid/<sha1 of the DevID leaf>}, and that {@code agent show}
 * has exactly the expected {@code tpm_devid} selectors; where passwords are set, neither SPIRE log
 * (DEBUG) contains one. The Java↔Java RSA and Go-agent↔Java-server RSA rows run in {@link
 * SpireLifecycleTest} with entries, reattestation and a restart on top.
 */
class SpireMatrixTest {

  static Stream<Arguments> rows() {
    ProvisionOptions rsa =
        ProvisionOptions.defaults().withDevIdIntermediate(false).withEkCertificates(true, false);
    ProvisionOptions ecc =
        ProvisionOptions.defaults()
            .withDevIdKeyType(KeyType.ECC)
            .withDevIdIntermediate(false)
            .withEkCertificates(false, true);
    ProvisionOptions passwords =
        ProvisionOptions.defaults()
            .withSpirePasswords()
            .withDevIdIntermediate(true)
            .withEkCertificates(true, false);
    return Stream.of(
        Arguments.of(
            "ECC DevID + ECC EK + ECC AK",
            JAVA,
            JAVA,
            ecc,
            "ek_type = \"ecc\"\nak_type = \"ecc\"\n"),
        Arguments.of("passwords + intermediate DevID CA", JAVA, JAVA, passwords, ""),
        Arguments.of("RSA DevID", GO, JAVA, rsa, ""),
        Arguments.of(
            "ECC DevID (RSA EK)",
            GO,
            JAVA,
            ProvisionOptions.defaults()
                .withDevIdKeyType(KeyType.ECC)
                .withDevIdIntermediate(false)
                .withEkCertificates(true, false),
            ""),
        Arguments.of("passwords + intermediate DevID CA", GO, JAVA, passwords, ""),
        Arguments.of(
            "RSA DevID, RSA EK, RSA AK", JAVA, GO, rsa, "ek_type = \"rsa\"\nak_type = \"rsa\"\n"),
        Arguments.of("passwords + intermediate DevID CA", JAVA, GO, passwords, ""),
        Arguments.of("RSA DevID (baseline)", GO, GO, rsa, ""));
  }

  @ParameterizedTest(name = "agent {1} + server {2}: {0}")
  @MethodSource("rows")
  void agentGetsItsSvid(
      String name, Impl agentSide, Impl serverSide, ProvisionOptions options, String javaAgentExtra)
      throws Exception {
    try (SpireLab lab = SpireLab.provision(options)) {
      lab.check(
          () -> {
            lab.startServer(serverSide);
            lab.startAgent(agentSide, lab.tpm.agentConfig() + javaAgentExtra);
            lab.assertAttested();
            // The rows with passwords: neither SPIRE log (level DEBUG) shows one.
            for (String secret :
                new String[] {
                  options.devIdPassword(), options.ownerPassword(), options.endorsementPassword()
                }) {
              if (!secret.isEmpty()) {
                assertThat(lab.agent.log()).doesNotContain(secret);
                assertThat(lab.server.log()).doesNotContain(secret);
              }
            }
          });
    }
  }
}
