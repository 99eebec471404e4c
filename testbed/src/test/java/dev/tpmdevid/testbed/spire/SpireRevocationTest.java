package dev.tpmdevid.testbed.spire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.TestPki;
import dev.tpmdevid.testbed.spire.SpireLab.Impl;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Revocation with real SPIRE (spire-server and spire-agent v1.13.3, both with our plugins): the
 * server plugin has {@code devid_crl_path}; the DevID certificate is revoked in the CRL file while
 * the agent is attested. The plugin reloads the file (its log line reaches spire-server's log), yet
 * SPIRE keeps the cached agent (still listed, still running): that is what {@code spire-server
 * agent evict} is for. After the eviction a fresh spire-agent on the same TPM is refused, naming
 * the serial.
 */
class SpireRevocationTest {

  private static void writeCrls(Path file, TestPki pki, List<BigInteger> revokedLeaves)
      throws Exception {
    Instant from = Instant.now().minus(Duration.ofMinutes(10));
    Instant to = Instant.now().plus(Duration.ofDays(7));
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(
        tmp,
        dev.tpmdevid.labpki.TestPki.crlPem(
            pki.devIdRoot().crl(from, to, List.of()),
            pki.devIdIntermediate().crl(from, to, revokedLeaves)),
        StandardCharsets.US_ASCII);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void revokedWhileAttestedNeedsEvictThenTheNextAttestationIsRefused() throws Exception {
    ProvisionOptions options = ProvisionOptions.defaults().withEkCertificates(true, false);
    try (SpireLab lab = SpireLab.provision(options)) {
      lab.check(
          () -> {
            TestPki pki = lab.tpm.pki();
            BigInteger serial = lab.tpm.devIdCertificate().getSerialNumber();
            Path crl = lab.tpm.directory().resolve("devid-crl.pem");
            writeCrls(crl, pki, List.of());
            String serverData =
                lab.tpm.serverConfig()
                    + "devid_crl_path = \""
                    + crl
                    + "\"\n"
                    + "crl_refresh_interval = \"1s\"\n";
            lab.startServer(Impl.JAVA, serverData, SpireConfig.KeyManager.MEMORY);
            lab.startAgent(Impl.JAVA);
            lab.assertAttested();
            String id = lab.expectedAgentId();

            writeCrls(crl, pki, List.of(serial));
            lab.server
                .process()
                .awaitLogLine(
                    l -> l.contains("CRL file " + crl + " reloaded: 2 CRLs"),
                    SpireLab.ATTEST_TIMEOUT,
                    "the server plugin reloading the CRL file");

            // SPIRE does not ask the node attestor again: the cached agent stays attested.
            assertThat(lab.server.agentIds()).containsExactly(id);
            assertThat(lab.agent.process().isAlive()).isTrue();

            lab.server.cli("agent", "evict", "-spiffeID", id).requireSuccess();
            assertThat(lab.server.agentIds()).isEmpty();

            lab.agent.close();
            lab.startAgent(Impl.JAVA);
            SpireProcess agent = lab.agent.process();
            String failed =
                agent.awaitLogLine(
                    l -> l.contains("Failed to retrieve attestation result"),
                    SpireLab.ATTEST_TIMEOUT,
                    "the refused attestation");
            assertThat(failed)
                .contains(
                    "code = InvalidArgument desc = nodeattestor(tpm_devid): DevID certificate"
                        + " revoked: serial 0x"
                        + serial.toString(16)
                        + " (issuer \\\"CN=Test DevID Intermediate CA\\\")"
                        + " is listed in a CRL of its issuer");
            assertThat(agent.count(SpireAgentProcess.ATTESTED)).isZero();
            assertThat(lab.server.agentIds()).isEmpty();
          });
    }
  }
}
