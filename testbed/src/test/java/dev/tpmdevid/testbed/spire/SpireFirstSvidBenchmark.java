package dev.tpmdevid.testbed.spire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.spire.SpireLab.Impl;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Time from {@code spire-agent run} to the agent's first SVID ({@link SpireAgentProcess#ATTESTED}
 * in its log, polled every 20 ms) with our agent plugin vs SPIRE's built-in {@code tpm_devid},
 * interleaved, 5 runs each, each run on a fresh spire-server (our server plugin, started before the
 * clock starts) and a fresh swtpm (same RSA DevID, RSA EK). Prints the figures and the spire-agent
 * log lines of one attestation through our plugin; asserts nothing about time.
 *
 * <p>Not run by {@code mvn verify} / {@code bin/test} (the name does not end in {@code Test}); run
 * it with {@code mvn -B -q verify -pl testbed -am -Dtest=SpireFirstSvidBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}; the figures land in {@code
 * testbed/target/surefire-reports/dev.tpmdevid.testbed.spire.SpireFirstSvidBenchmark-output.txt}.
 */
class SpireFirstSvidBenchmark {
  private static final int RUNS = 5;

  @Test
  void firstSvidJavaVsBuiltIn() throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults().withDevIdIntermediate(false).withEkCertificates(true, false);
    List<Long> ours = new ArrayList<>();
    List<Long> go = new ArrayList<>();
    String javaLog = null;
    for (int i = 0; i < RUNS; i++) {
      for (Impl impl : Impl.values()) {
        try (SpireLab lab = SpireLab.provision(options)) {
          String[] log = new String[1];
          lab.check(
              () -> {
                lab.startServer(Impl.JAVA);
                lab.startAgent(impl);
                lab.agent.awaitAttested(SpireLab.ATTEST_TIMEOUT);
                long ms = (System.nanoTime() - lab.agent.process().startedNanos()) / 1_000_000;
                (impl == Impl.JAVA ? ours : go).add(ms);
                log[0] = lab.agent.log();
              });
          if (impl == Impl.JAVA && javaLog == null) {
            javaLog = log[0];
          }
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "spire-agent run -> first SVID, ms, %d runs each (load avg %.1f, %d CPUs)%n",
        RUNS,
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors());
    System.out.println(
        "  our agent plugin (bin/tpm-devid-agent-plugin): median "
            + median(ours)
            + "  all "
            + ours);
    System.out.println(
        "  SPIRE built-in tpm_devid:                      median " + median(go) + "  all " + go);
    System.out.println("spire-agent log of one attestation through our plugin:");
    System.out.println(javaLog);
    assertThat(ours).hasSize(RUNS);
    assertThat(go).hasSize(RUNS);
  }

  private static long median(List<Long> values) {
    long[] v = values.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(v);
    return v[v.length / 2];
  }
}
