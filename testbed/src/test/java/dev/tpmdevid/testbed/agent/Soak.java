package dev.tpmdevid.testbed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.testbed.host.AgentSide;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.AttestationRelay;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak: many attestations through the real plugin processes, with the plugin process's resident set
 * size, thread count and open file descriptors sampled from {@code /proc/<pid>} as it goes; the
 * mean of the first 10% of the samples is compared with the mean of the last 10%. Not part of
 * {@code mvn verify} / {@code bin/test} (the name does not end in {@code Test}): run with {@code
 * mvn -B verify -pl testbed -am -Dtest=Soak -Dsurefire.failIfNoSpecifiedTests=false} (counts:
 * {@code -Dtpmdevid.soak.server=10000 -Dtpmdevid.soak.agent=1000}). Figures go to the test output
 * and {@code testbed/target/soak-*.md}.
 */
class Soak {
  static final String TRUST_DOMAIN = "example.org";
  static final int SAMPLES = 100;

  @TempDir Path dir;

  /** Our server plugin process, a software agent, 8 concurrent Attest streams. */
  @Test
  void serverPlugin_softwareAgent_8streams() throws Exception {
    int n = Integer.getInteger("tpmdevid.soak.server", 10_000);
    SoftwareAgent agent = SoftwareAgent.goLike();
    byte[] payload = agent.payload();
    Path devId = Files.writeString(dir.resolve("devid.pem"), agent.devIdBundlePem());
    Path ek = Files.writeString(dir.resolve("ek.pem"), agent.ekBundlePem());
    try (PluginHost server =
        PluginHost.builder(PluginKind.SERVER, PluginCommands.server()).start()) {
      server.configure(
          TRUST_DOMAIN,
          "devid_ca_path = \"" + devId + "\"\nendorsement_ca_path = \"" + ek + "\"\n");
      Supplier<AgentSide> side = () -> AgentSide.scripted(payload, agent::respond);
      Result r =
          run(
              n,
              8,
              server.pid(),
              i -> {
                AttestationOutcome o =
                    new AttestationRelay(side, "tpm_devid", server, TRUST_DOMAIN)
                        .messageTimeout(Duration.ofMinutes(2))
                        .attest();
                assertThat(o.succeeded()).as("attestation %d: %s", i, o.operatorView()).isTrue();
              });
      report("soak-server", "server plugin process, software agent, 8 concurrent streams", r);
      r.assertFlat();
    }
  }

  /**
   * Our agent plugin process on swtpm (unix socket), our server plugin process, one stream at a
   * time.
   */
  @Test
  void agentPlugin_onSwtpm() throws Exception {
    int n = Integer.getInteger("tpmdevid.soak.agent", 1_000);
    try (ProvisionedSwtpm tpm =
            new ProvisionedSwtpm(dir, Swtpm.Transport.UNIX, ProvisionOptions.defaults());
        PluginHost server = PluginHost.builder(PluginKind.SERVER, PluginCommands.server()).start();
        PluginHost agent = PluginHost.builder(PluginKind.AGENT, PluginCommands.agent()).start()) {
      server.configure(TRUST_DOMAIN, tpm.provisioned.serverConfig());
      agent.configure(TRUST_DOMAIN, tpm.agentHcl(""));
      Result r =
          run(
              n,
              1,
              agent.pid(),
              i -> {
                AttestationOutcome o =
                    new AttestationRelay(agent, server, TRUST_DOMAIN)
                        .messageTimeout(Duration.ofMinutes(3))
                        .attest();
                assertThat(o.succeeded()).as("attestation %d: %s", i, o.operatorView()).isTrue();
              });
      List<Integer> handles;
      try (TpmConnection c = tpm.open()) {
        handles = new ArrayList<>(c.transientHandles());
        handles.addAll(c.sessionHandles());
      }
      r.handlesLeft = handles.size();
      report("soak-agent", "agent plugin process on swtpm, our server plugin, sequential", r);
      assertThat(handles).as("TPM handles left after %d attestations", n).isEmpty();
      r.assertFlat();
    }
  }

  // ------------------------------------------------------------------ measurement

  /** One sample of the plugin process: RSS (KiB), threads, open fds. */
  record Sample(int done, long rssKib, int threads, int fds) {}

  static final class Result {
    final int count;
    final long elapsedMs;
    final List<Sample> samples;
    int handlesLeft = -1;
    long liveHeapFirstKib = -1;
    long liveHeapLastKib = -1;

    Result(int count, long elapsedMs, List<Sample> samples) {
      this.count = count;
      this.elapsedMs = elapsedMs;
      this.samples = samples;
    }

    /** Mean RSS (MiB) of each tenth of the samples, in order. */
    double[] rssDeciles() {
      double[] d = new double[10];
      int k = Math.max(1, samples.size() / 10);
      for (int i = 0; i < 10; i++) {
        int from = Math.min(samples.size() - 1, i * k);
        int to = i == 9 ? samples.size() : Math.min(samples.size(), from + k);
        d[i] =
            samples.subList(from, to).stream().mapToLong(Sample::rssKib).average().orElse(0)
                / 1024.0;
      }
      return d;
    }

    double[] mean(boolean first) {
      int k = Math.max(1, samples.size() / 10);
      List<Sample> part =
          first ? samples.subList(0, k) : samples.subList(samples.size() - k, samples.size());
      return new double[] {
        part.stream().mapToLong(Sample::rssKib).average().orElse(0) / 1024.0,
        part.stream().mapToInt(Sample::threads).average().orElse(0),
        part.stream().mapToInt(Sample::fds).average().orElse(0)
      };
    }

    /**
     * Threads may vary by a few (JIT compiler threads and gRPC's executor grow and shrink with
     * load; a leak per attestation would add hundreds), fds may not grow. The leak check for memory
     * is the live heap after a full GC (jcmd GC.class_histogram) after the first 10% and at the
     * end: at most +20% + 4 MiB. RSS also counts the heap the JVM (no -Xmx) commits as it warms up,
     * so it rises in the first half of a run; it must have settled: the last tenth within 5% + 4
     * MiB of the seventh.
     */
    void assertFlat() {
      double[] a = mean(true);
      double[] b = mean(false);
      double[] rss = rssDeciles();
      assertThat(b[1]).as("threads, first vs last 10%").isLessThanOrEqualTo(a[1] + 4);
      assertThat(b[2]).as("open fds, first vs last 10%").isLessThanOrEqualTo(a[2] + 2);
      assertThat(liveHeapLastKib)
          .as("live heap KiB after full GC, after 10% vs at the end")
          .isLessThanOrEqualTo((long) (liveHeapFirstKib * 1.2) + 4096);
      assertThat(rss[9])
          .as("RSS MiB, last tenth vs seventh tenth %s", java.util.Arrays.toString(rss))
          .isLessThanOrEqualTo(rss[6] * 1.05 + 4);
    }
  }

  private static Result run(int n, int streams, long pid, IntConsumer attestation)
      throws Exception {
    List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
    int every = Math.max(1, n / SAMPLES);
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    long[] heapAtTenth = {-1};
    // attach once before the run: jcmd's first attach starts the JVM's Attach Listener thread
    liveHeapKib(pid);
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(streams);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int s = 0; s < streams; s++) {
        fs.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    attestation.accept(i);
                    int d = done.incrementAndGet();
                    if (d % every == 0) {
                      samples.add(sample(pid, d));
                    }
                    if (d == Math.max(1, n / 10)) {
                      heapAtTenth[0] = liveHeapKib(pid);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(1, TimeUnit.MINUTES);
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    List<Sample> sorted = new ArrayList<>(samples);
    sorted.sort(java.util.Comparator.comparingInt(Sample::done));
    Result r = new Result(n, ms, sorted);
    r.liveHeapFirstKib = heapAtTenth[0];
    r.liveHeapLastKib = liveHeapKib(pid);
    return r;
  }

  /**
   * Live objects in the plugin's heap after a full GC: the total of {@code jcmd <pid>
   * GC.class_histogram}.
   */
  private static long liveHeapKib(long pid) {
    try {
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  Long.toString(pid),
                  "GC.class_histogram")
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new IllegalStateException("jcmd GC.class_histogram failed: " + out);
      }
      for (String line : out.split("\n")) {
        if (line.startsWith("Total")) {
          String[] f = line.trim().split("\\s+");
          return Long.parseLong(f[2]) / 1024;
        }
      }
      throw new IllegalStateException("no Total line in jcmd output: " + out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Sample sample(long pid, int done) {
    try {
      long rss = 0;
      int threads = 0;
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
        } else if (line.startsWith("Threads:")) {
          threads = Integer.parseInt(line.replaceAll("[^0-9]", ""));
        }
      }
      int fds;
      try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
        fds = (int) s.count();
      }
      return new Sample(done, rss, threads, fds);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + " (plugin process gone?)", e);
    }
  }

  private static void report(String name, String what, Result r) throws IOException {
    double[] a = r.mean(true);
    double[] b = r.mean(false);
    String text =
        String.format(
            java.util.Locale.ROOT,
            "%s: %d attestations in %.1f s (%.1f/s), %d samples%n"
                + "| | RSS MiB | threads | open fds |%n|---|---|---|---|%n"
                + "| first 10%% | %.1f | %.1f | %.1f |%n| last 10%% | %.1f | %.1f | %.1f |%n"
                + "max threads %d, max open fds %d%n"
                + "live heap after full GC: %d KiB after the first 10%%, %d KiB at the end%n"
                + "TPM handles left: %s%n",
            what,
            r.count,
            r.elapsedMs / 1000.0,
            r.count * 1000.0 / r.elapsedMs,
            r.samples.size(),
            a[0],
            a[1],
            a[2],
            b[0],
            b[1],
            b[2],
            r.samples.stream().mapToInt(Sample::threads).max().orElse(0),
            r.samples.stream().mapToInt(Sample::fds).max().orElse(0),
            r.liveHeapFirstKib,
            r.liveHeapLastKib,
            r.handlesLeft < 0 ? "n/a" : Integer.toString(r.handlesLeft));
    System.out.println(text);
    Path out = Path.of("target", name + ".md");
    Files.createDirectories(out.getParent());
    StringBuilder deciles = new StringBuilder("RSS MiB by tenth of the run:");
    for (double d : r.rssDeciles()) {
      deciles.append(String.format(java.util.Locale.ROOT, " %.1f", d));
    }
    text += deciles + "\n";
    System.out.println(deciles);
    Files.writeString(out, text, StandardCharsets.UTF_8);
  }
}
