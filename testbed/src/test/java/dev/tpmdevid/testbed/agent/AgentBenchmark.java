package dev.tpmdevid.testbed.agent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.agent.AgentConfig;
import dev.tpmdevid.agent.DevIdAttestor;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures agent-side wall time and TPM commands per attestation on swtpm (TCP), RSA and ECC AK,
 * with and without AK reuse, next to the Go agent's command sequence replayed on the same TPM.
 * Prints only; no timed assertions. Wall time = open + begin + payload + solve + close, including
 * the test's MakeCredential (under 2 ms) in both ours and the Go-like replay.
 *
 * <p>Not run by {@code mvn verify} / {@code bin/test} (the name does not end in {@code Test}); run
 * it with {@code mvn -B -ntp -q verify -pl testbed -am -Dtest=AgentBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dagent.bench.runs=N}); the figures land in
 * {@code testbed/target/surefire-reports/dev.tpmdevid.testbed.agent.AgentBenchmark-output.txt}.
 */
class AgentBenchmark {

  private static final int RUNS = Integer.getInteger("agent.bench.runs", 9);

  @TempDir Path dir;

  @BeforeAll
  static void needsSwtpm() {
    assertTrue(
        ProvisionedSwtpm.available(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
  }

  @Test
  void medianWallTimeAndCommandsPerAttestation() throws Exception {
    List<String> lines = new ArrayList<>();
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, ProvisionOptions.defaults())) {
      for (String ak : new String[] {"rsa", "ecc"}) {
        for (boolean reuse : new boolean[] {false, true}) {
          DevIdAttestor a =
              DevIdAttestor.create(
                  AgentConfig.fromHcl(
                      tpm.agentHcl("ak_type = \"" + ak + "\"\nreuse_ak = " + reuse + "\n")));
          AgentReuseTest.Attestation cold = AgentReuseTest.attest(a, tpm); // first of the process
          List<AgentReuseTest.Attestation> runs = new ArrayList<>();
          for (int i = 0; i < RUNS; i++) {
            runs.add(AgentReuseTest.attest(a, tpm));
          }
          lines.add(
              String.format(
                  "ours  AK %-3s reuse_ak=%-5s: first attestation %7.1f ms, %d TPM commands;"
                      + " later ones median %7.1f ms (min %6.1f, max %6.1f), %d TPM commands %s",
                  ak,
                  reuse,
                  cold.millis(),
                  cold.commands(),
                  median(runs, AgentReuseTest.Attestation::millis),
                  min(runs, AgentReuseTest.Attestation::millis),
                  max(runs, AgentReuseTest.Attestation::millis),
                  runs.get(0).commands(),
                  runs.get(0).perCommand()));
        }
      }
      GoLikeAgent.attest(tpm, KeyType.RSA);
      List<GoLikeAgent.Result> go = new ArrayList<>();
      for (int i = 0; i < RUNS; i++) {
        go.add(GoLikeAgent.attest(tpm, KeyType.RSA));
      }
      lines.add(
          String.format(
              "Go agent's sequence (docs/protocol.md#agent-tpm-sequence) replayed: median %7.1f ms (min %6.1f, max %6.1f),"
                  + " %d TPM commands per attestation",
              median(go, GoLikeAgent.Result::millis),
              min(go, GoLikeAgent.Result::millis),
              max(go, GoLikeAgent.Result::millis),
              go.get(0).commands()));
    }
    System.out.println("agent benchmark on swtpm over TCP, " + RUNS + " runs each:");
    lines.forEach(l -> System.out.println("  " + l));
  }

  private static <T> double median(List<T> xs, ToDoubleFunction<T> f) {
    List<Double> v = new ArrayList<>();
    xs.forEach(x -> v.add(f.applyAsDouble(x)));
    Collections.sort(v);
    return v.get(v.size() / 2);
  }

  private static <T> double min(List<T> xs, ToDoubleFunction<T> f) {
    return xs.stream().mapToDouble(f).min().orElse(0);
  }

  private static <T> double max(List<T> xs, ToDoubleFunction<T> f) {
    return xs.stream().mapToDouble(f).max().orElse(0);
  }
}
