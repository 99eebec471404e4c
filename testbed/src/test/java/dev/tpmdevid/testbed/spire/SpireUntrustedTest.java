package dev.tpmdevid.testbed.spire;

import static dev.tpmdevid.testbed.spire.SpireLab.Impl.GO;
import static dev.tpmdevid.testbed.spire.SpireLab.Impl.JAVA;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.Pem;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.TestPki;
import dev.tpmdevid.testbed.spire.SpireLab.Impl;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real spire-server whose {@code devid_ca_path} or {@code endorsement_ca_path} does not hold the
 * agent's CA: the agent stays unattested, and its log shows the operator exactly why, verbatim. The
 * server answers InvalidArgument, so spire-agent retries every ~5 s (for up to a minute, then
 * exits); the test waits for the second attempt. With SPIRE's built-in server as a reference row:
 * the same status code and message up to Go's x509 hint, which names the configured CA that has the
 * issuer's name but another key (the foreign test PKI reuses the CA names); ours gives a generic
 * hint.
 */
class SpireUntrustedTest {
  private static final String PREFIX =
      "msg=\"Failed to retrieve attestation result\" error=\"failed to receive "
          + "attestation response: rpc error: code = InvalidArgument desc = nodeattestor(tpm_devid): ";

  /**
   * What spire-agent logs (level=warning) when our server finds the DevID certificate outside
   * devid_ca_path.
   */
  static final String JAVA_UNTRUSTED_DEVID =
      PREFIX
          + "unable to verify DevID signature: verification failed: x509: "
          + "certificate signed by unknown authority (possibly because of \\\"x509: invalid signature\\\" while "
          + "trying to verify candidate authority certificate)\"";

  /** The same when our server finds the EK certificate outside endorsement_ca_path. */
  static final String JAVA_UNTRUSTED_EK =
      PREFIX
          + "cannot verify EK signature: endorsement certificate verification "
          + "failed: x509: certificate signed by unknown authority (possibly because of \\\"x509: invalid signature"
          + "\\\" while trying to verify candidate authority certificate)\"";

  /**
   * SPIRE's built-in server, DevID: Go's x509 names the configured CA whose subject matches the
   * issuer (the foreign test PKI reuses the CA names, with other keys) and why it did not verify.
   */
  static final String GO_UNTRUSTED_DEVID =
      PREFIX
          + "unable to verify DevID signature: verification failed: x509: "
          + "certificate signed by unknown authority (possibly because of \\\"x509: signature algorithm specifies an "
          + "RSA public key, but have public key of type *ecdsa.PublicKey\\\" while trying to verify candidate authority "
          + "certificate \\\"Test DevID Root CA\\\")\"";

  /** SPIRE's built-in server, EK. */
  static final String GO_UNTRUSTED_EK =
      PREFIX
          + "cannot verify EK signature: endorsement certificate verification "
          + "failed: x509: certificate signed by unknown authority (possibly because of \\\"x509: signature algorithm "
          + "specifies an RSA public key, but have public key of type *ecdsa.PublicKey\\\" while trying to verify "
          + "candidate authority certificate \\\"Test TPM Manufacturer EK CA\\\")\"";

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of("untrusted DevID CA", JAVA, JAVA, true, JAVA_UNTRUSTED_DEVID),
        Arguments.of("untrusted EK CA", JAVA, JAVA, false, JAVA_UNTRUSTED_EK),
        Arguments.of("untrusted DevID CA", GO, JAVA, true, JAVA_UNTRUSTED_DEVID),
        Arguments.of("untrusted EK CA", GO, JAVA, false, JAVA_UNTRUSTED_EK),
        Arguments.of("untrusted DevID CA", JAVA, GO, true, GO_UNTRUSTED_DEVID),
        Arguments.of("untrusted EK CA", JAVA, GO, false, GO_UNTRUSTED_EK));
  }

  @ParameterizedTest(name = "agent {1} + server {2}: {0}")
  @MethodSource("rows")
  void agentStaysUnattestedWithTheReason(
      String name, Impl agentSide, Impl serverSide, boolean foreignDevIdCa, String expected)
      throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults().withDevIdIntermediate(false).withEkCertificates(true, false);
    try (SpireLab lab = SpireLab.provision(options)) {
      lab.check(
          () -> {
            // A foreign manufacturer / DevID CA: a TestPki of its own (ECC keys: quick to make).
            TestPki foreign = TestPki.create(KeyType.ECC);
            Path ca = lab.tpm.directory().resolve("foreign-ca.pem");
            Pem.write(
                ca,
                foreignDevIdCa
                    ? foreign.devIdCaCertificates()
                    : foreign.endorsementCaCertificates());
            String serverData =
                "devid_ca_path = \""
                    + (foreignDevIdCa ? ca : lab.tpm.devIdCaPath())
                    + "\"\n"
                    + "endorsement_ca_path = \""
                    + (foreignDevIdCa ? lab.tpm.endorsementCaPath() : ca)
                    + "\"\n";
            lab.startServer(serverSide, serverData, SpireConfig.KeyManager.MEMORY);
            lab.startAgent(agentSide);
            SpireProcess agent = lab.agent.process();
            agent.awaitLogLine(
                l -> l.contains("Failed to retrieve attestation result"),
                SpireLab.ATTEST_TIMEOUT,
                "a failed attestation");
            long deadline = System.nanoTime() + SpireLab.ATTEST_TIMEOUT.toNanos();
            while (agent.count("Failed to retrieve attestation result") < 2
                && agent.isAlive()
                && System.nanoTime() < deadline) {
              SpireProcess.sleep(100);
            }
            assertThat(agent.logLines())
                .filteredOn(l -> l.contains("Failed to retrieve attestation result"))
                .hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(l -> assertThat(l).contains(expected));
            assertThat(agent.count(SpireAgentProcess.ATTESTED)).isZero();
            assertThat(lab.server.agentIds()).isEmpty();
          });
    }
  }
}
