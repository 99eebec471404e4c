package dev.tpmdevid.testbed.spire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.testbed.TempDirs;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.spire.SpireLab.Impl;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One long-lived real deployment per row, our server plugin in spire-server and our agent plugin or
 * SPIRE's built-in in spire-agent (RSA DevID, RSA EK), checking what happens after attestation:
 *
 * <ul>
 *   <li>node selectors work: a node alias whose only selector is {@code tpm_devid:subject:cn:<the
 *       DevID's CN>} and a workload entry parented to it give a workload an X509-SVID through
 *       {@code spire-agent api fetch x509}; a second alias for another CN gives nothing;
 *   <li>reattestation: with {@code agent_ttl = "30s"} the agent renews its SVID by attesting
 *       through the plugin again (can_reattest), twice, with a new serial each time, and the
 *       plugins' own log lines relayed by SPIRE show each attestation;
 *   <li>(Java agent row) a spire-server restart between reattestations (KeyManager "disk", so the
 *       restarted server keeps its CA) does not break the next reattestation.
 * </ul>
 */
class SpireLifecycleTest {
  private static final Duration REATTEST_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(90);

  @Test
  void javaAgentJavaServer_nodeSelectorsReattestationAndServerRestart() throws Exception {
    lifecycle(Impl.JAVA, "spire-e2e-java-node", true);
  }

  @Test
  void goAgentJavaServer_nodeSelectorsAndReattestation() throws Exception {
    lifecycle(Impl.GO, "spire-e2e-go-node", false);
  }

  private void lifecycle(Impl agentSide, String cn, boolean restart) throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults()
            .withDevIdIntermediate(false)
            .withEkCertificates(true, false)
            .withDevIdCommonName(cn);
    try (SpireLab lab = SpireLab.provision(options)) {
      lab.check(
          () -> {
            lab.startServer(
                Impl.JAVA,
                lab.tpm.serverConfig(),
                restart ? SpireConfig.KeyManager.DISK : SpireConfig.KeyManager.MEMORY);
            lab.startAgent(agentSide);
            List<String> serials = new ArrayList<>();
            serials.add(lab.assertAttested().path("x509svid_serial_number").asText());

            // Node selectors: an alias matched only through tpm_devid:subject:cn, and a decoy
            // alias.
            String alias = "spiffe://example.org/node/" + cn;
            String decoy = "spiffe://example.org/node/decoy";
            String uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString();
            lab.server
                .cli(
                    "entry",
                    "create",
                    "-node",
                    "-spiffeID",
                    alias,
                    "-selector",
                    "tpm_devid:subject:cn:" + cn)
                .requireSuccess();
            lab.server
                .cli(
                    "entry",
                    "create",
                    "-node",
                    "-spiffeID",
                    decoy,
                    "-selector",
                    "tpm_devid:subject:cn:not-" + cn)
                .requireSuccess();
            lab.server
                .cli(
                    "entry",
                    "create",
                    "-parentID",
                    alias,
                    "-spiffeID",
                    "spiffe://example.org/workload",
                    "-selector",
                    "unix:uid:" + uid)
                .requireSuccess();
            lab.server
                .cli(
                    "entry",
                    "create",
                    "-parentID",
                    decoy,
                    "-spiffeID",
                    "spiffe://example.org/decoy-workload",
                    "-selector",
                    "unix:uid:" + uid)
                .requireSuccess();
            assertThat(fetchWorkloadIds(lab.agent))
                .containsExactly("spiffe://example.org/workload");

            // Reattestation through the plugin, twice, a new agent SVID serial each time.
            for (int i = 1; i <= 2; i++) {
              lab.agent.awaitReattestations(i, REATTEST_TIMEOUT);
              serials.add(awaitNewSerial(lab, serials));
              assertPluginsAttested(lab, agentSide, i + 1);
            }
            if (restart) {
              lab.server.restart();
              long before = lab.agent.process().count(SpireAgentProcess.REATTESTED);
              lab.agent.awaitReattestations(before + 1, REATTEST_TIMEOUT);
              serials.add(awaitNewSerial(lab, serials));
              assertPluginsAttested(lab, agentSide, before + 2);
              assertThat(fetchWorkloadIds(lab.agent))
                  .containsExactly("spiffe://example.org/workload");
            }
            assertThat(new HashSet<>(serials))
                .as("agent SVID serials " + serials)
                .hasSameSizeAs(serials);
            assertThat(lab.agent.process().isAlive()).isTrue();
          });
    }
  }

  /**
   * The attestations went through the plugins: our server plugin logged {@code agent attested}
   * (relayed into the spire-server log as an external plugin's line) and, with our agent plugin,
   * the agent plugin logged {@code attestation challenge answered}, at least {@code n} times each.
   */
  private static void assertPluginsAttested(SpireLab lab, Impl agentSide, long n) {
    assertThat(
            lab.server.process().logLines().stream()
                .filter(l -> l.contains("msg=\"agent attested\"") && l.contains("external=true"))
                .count())
        .as("our server plugin's 'agent attested' lines")
        .isGreaterThanOrEqualTo(n);
    if (agentSide == Impl.JAVA) {
      assertThat(
              lab.agent.process().logLines().stream()
                  .filter(
                      l ->
                          l.contains("msg=\"attestation challenge answered\"")
                              && l.contains("external=true"))
                  .count())
          .as("our agent plugin's 'attestation challenge answered' lines")
          .isGreaterThanOrEqualTo(n);
    }
  }

  /**
   * Polls {@code agent show} until its serial is not one of {@code seen} (the server records it
   * after the agent logs).
   */
  private static String awaitNewSerial(SpireLab lab, List<String> seen) {
    long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
    while (true) {
      String serial =
          lab.server.agentShow(lab.expectedAgentId()).path("x509svid_serial_number").asText();
      if (!serial.isEmpty() && !seen.contains(serial)) {
        return serial;
      }
      assertThat(System.nanoTime())
          .as("a new agent SVID serial after " + seen)
          .isLessThan(deadline);
      SpireProcess.sleep(200);
    }
  }

  /**
   * {@code spire-agent api fetch x509 -write}, retried until the agent has synced the entries; the
   * URI SANs of every SVID it wrote.
   */
  private static List<String> fetchWorkloadIds(SpireAgentProcess agent)
      throws IOException, CertificateException {
    Path out = Files.createTempDirectory("fetch");
    try {
      long deadline = System.nanoTime() + SYNC_TIMEOUT.toNanos();
      SpireCli.Result r;
      while ((r = agent.fetchX509(out)).exit() != 0) {
        assertThat(System.nanoTime())
            .as("spire-agent api fetch x509 keeps failing: " + r)
            .isLessThan(deadline);
        SpireProcess.sleep(500);
      }
      List<String> ids = new ArrayList<>();
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      try (DirectoryStream<Path> svids = Files.newDirectoryStream(out, "svid.*.pem")) {
        for (Path svid : svids) {
          try (InputStream in = Files.newInputStream(svid)) {
            X509Certificate leaf = (X509Certificate) cf.generateCertificates(in).iterator().next();
            for (List<?> san : leaf.getSubjectAlternativeNames()) {
              if (((Integer) san.get(0)) == 6) {
                ids.add((String) san.get(1));
              }
            }
          }
        }
      }
      return ids;
    } finally {
      TempDirs.deleteQuietly(out);
    }
  }
}
