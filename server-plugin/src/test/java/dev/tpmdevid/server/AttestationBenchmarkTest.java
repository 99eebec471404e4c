package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.verifier.testing.SoftwareAgent;
import org.junit.jupiter.api.Test;

/** Keeps the benchmark harness working (a few iterations only). */
class AttestationBenchmarkTest {
  @Test
  void benchmarkHarnessRuns() throws Exception {
    double[] r = AttestationBenchmark.run(SoftwareAgent.goLike(), 5);
    assertThat(r[0]).isPositive();
    assertThat(r[1]).isPositive();
  }
}
