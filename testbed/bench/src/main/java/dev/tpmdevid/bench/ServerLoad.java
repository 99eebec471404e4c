package dev.tpmdevid.bench;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.server.InProcessServer;
import dev.tpmdevid.testbed.host.AgentSide;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.AttestationRelay;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Our server plugin against SPIRE's Go server plugin through the real plugin interface: both
 * binaries ({@code bin/tpm-devid-server-plugin} and {@code go-tpm-devid-server-plugin}) loaded by
 * the same {@link PluginHost}, configured with the same trust bundles, and driven by the same
 * software agent (all RSA-2048, what the Go server accepts) over N concurrent Attest streams,
 * {@code count} attestations per N. Reports attestations/s, p50/p99 latency, the plugin process's
 * CPU per attestation (utime+stime from /proc, independent of the driver's own CPU) and its peak
 * RSS (VmHWM); and the same driver against our pipeline called in-process.
 *
 * <p>The driver's agent work (an RSA-2048 signature and an OAEP decryption per attestation) runs in
 * this JVM, on the same cores as the plugin: the rates are those of the whole rig, the CPU per
 * attestation is the plugin's alone. Prints {@code ratio server-java-vs-go} (rate at N = 8).
 *
 * <p>Before the measured runs each plugin gets a warm-up of {@code max(200, count)} attestations at
 * N = 8 (the JIT of a long-lived server plugin; Go's plugin gets the same). The plugin CPU is also
 * split: {@code jit_ms} is the part spent in the JVM's compiler threads (still compiling after the
 * warm-up), {@code app_ms} the rest (gRPC, the pipeline, GC).
 *
 * <p>A third row, {@code java-c1}, runs our plugin jar with the launcher's common flags plus the
 * agent plugin's C1-only compilation ({@link #c1Only}), the server's flags before they got C2.
 *
 * <p>Usage: {@code ServerLoad [count]}.
 */
public final class ServerLoad {
  static final int[] CONCURRENCY = {1, 2, 8, 32};
  static final long CLK_TCK = 100; // USER_HZ on Linux

  private ServerLoad() {}

  record Result(
      String impl,
      int n,
      int count,
      double rate,
      double p50,
      double p99,
      double cpuMsPerAtt,
      long hwmKib,
      double jitMsPerAtt,
      double youngGcsPer1000) {}

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    SoftwareAgent agent =
        SoftwareAgent.of(KeyType.RSA, KeyType.RSA, KeyType.RSA, KeyType.RSA, KeyType.RSA);
    Path dir = Files.createTempDirectory("tdbench");
    Path devIdCa = Files.writeString(dir.resolve("devid.pem"), agent.devIdBundlePem());
    Path ekCa = Files.writeString(dir.resolve("ek.pem"), agent.ekBundlePem());
    String hcl = "devid_ca_path = \"" + devIdCa + "\"\nendorsement_ca_path = \"" + ekCa + "\"\n";
    byte[] payload = agent.payload();

    // -Dbench.impls=java,go: only these rows (default: all three)
    List<String> impls = List.of(System.getProperty("bench.impls", "java,java-c1,go").split(","));
    // "java" runs the plugin an operator runs: the release bundle's launcher when bin/release has
    // made one (unpacked into a temporary folder, as Startup does), else the checkout's launcher
    Path home = PluginCommands.home().orElseThrow();
    Optional<Path> tarball = Startup.releaseTarball(home);
    Path unpacked = tarball.isPresent() ? Startup.unpack(tarball.get()) : null;
    String javaLauncher =
        unpacked != null
            ? "release bundle " + home.relativize(tarball.get())
            : "checkout bin/tpm-devid-server-plugin (no release bundle under target/dist)";
    List<Result> results = new ArrayList<>();
    for (String impl : impls) {
      List<String> cmd =
          switch (impl) {
            case "java" ->
                unpacked != null
                    ? List.of(unpacked.resolve("bin/tpm-devid-server-plugin").toString())
                    : PluginCommands.server();
            case "java-c1" -> c1Only();
            case "java-x" -> withFlags(System.getProperty("bench.flags", ""));
            default -> PluginCommands.go(PluginKind.SERVER);
          };
      // -Dbench.jfr=FILE: a JFR recording of our plugin over the measured runs (jcmd, launcher
      // flags kept)
      String jfr = impl.equals("java") ? System.getProperty("bench.jfr") : null;
      PluginHost.Builder builder = PluginHost.builder(PluginKind.SERVER, cmd);
      try (PluginHost server = builder.start()) {
        server.configure("example.org", hcl);
        run(server, agent, payload, 8, Math.max(200, count)); // warm-up (JIT for ours)
        if (jfr != null) {
          jcmd(server.pid(), "JFR.start", "name=bench", "settings=profile");
        }
        for (int n : CONCURRENCY) {
          long cpu0 = cpuTicks(server.pid());
          long jit0 = compilerTicks(server.pid());
          long gc0 = impl.startsWith("java") ? youngGcs(server.pid()) : -1;
          Result r = run(server, agent, payload, n, count);
          long ticks = cpuTicks(server.pid()) - cpu0;
          long jit =
              Math.max(0, compilerTicks(server.pid()) - jit0); // a compiler thread may have ended
          long gc1 = gc0 < 0 ? -1 : youngGcs(server.pid());
          results.add(
              new Result(
                  impl,
                  n,
                  count,
                  r.rate,
                  r.p50,
                  r.p99,
                  ticks * 1000.0 / CLK_TCK / count,
                  hwm(server.pid()),
                  jit * 1000.0 / CLK_TCK / count,
                  gc0 < 0 || gc1 < 0 ? Double.NaN : (gc1 - gc0) * 1000.0 / count));
        }
        if (jfr != null) {
          jcmd(server.pid(), "JFR.stop", "name=bench", "filename=" + jfr);
        }
      }
    }
    if (unpacked != null) {
      Startup.deleteTree(unpacked.getParent());
    }
    InProcessServer local = new InProcessServer(agent);
    for (int n : CONCURRENCY) {
      if (n == 1) {
        runLocal(local, agent, payload, 8, Math.max(200, count)); // the same warm-up as the plugins
      }
      Result r = runLocal(local, agent, payload, n, count);
      results.add(
          new Result(
              "java-in-process",
              n,
              count,
              r.rate,
              r.p50,
              r.p99,
              Double.NaN,
              0,
              Double.NaN,
              Double.NaN));
    }

    System.out.println();
    System.out.println(
        "Server plugins through gRPC (all-RSA payload, software agent in the driver JVM)");
    System.out.println("java = " + javaLauncher);
    System.out.printf(
        Locale.ROOT,
        "%-16s %4s %6s %10s %9s %9s %13s %8s %8s %12s %11s%n",
        "impl",
        "N",
        "count",
        "att/s",
        "p50_ms",
        "p99_ms",
        "plugin_cpu_ms",
        "jit_ms",
        "app_ms",
        "peak_rss_MiB",
        "ygc_per_1k");
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "%-16s %4d %6d %10.1f %9.2f %9.2f %13.3f %8.3f %8.3f %12.1f %11.1f%n",
          r.impl,
          r.n,
          r.count,
          r.rate,
          r.p50,
          r.p99,
          r.cpuMsPerAtt,
          r.jitMsPerAtt,
          r.cpuMsPerAtt - r.jitMsPerAtt,
          r.hwmKib / 1024.0,
          r.youngGcsPer1000);
    }
    double minVsGo = Double.MAX_VALUE;
    double minVsLocal = Double.MAX_VALUE;
    if (!impls.containsAll(List.of("java", "java-c1", "go"))) {
      return; // the ratios need all three rows
    }
    for (int n : CONCURRENCY) {
      Result j = find(results, "java", n);
      Result g = find(results, "go", n);
      Result l = find(results, "java-in-process", n);
      Result c1 = find(results, "java-c1", n);
      minVsGo = Math.min(minVsGo, j.rate / g.rate);
      minVsLocal = Math.min(minVsLocal, j.rate / l.rate);
      System.out.printf(
          Locale.ROOT,
          "N=%-3d java/go rate %.2f  java/go plugin CPU %.2f (without JIT %.2f)"
              + "  java-grpc/in-process %.2f  java-c1/go rate %.2f  java-c1/go plugin CPU %.2f%n",
          n,
          j.rate / g.rate,
          j.cpuMsPerAtt / g.cpuMsPerAtt,
          (j.cpuMsPerAtt - j.jitMsPerAtt) / g.cpuMsPerAtt,
          j.rate / l.rate,
          c1.rate / g.rate,
          c1.cpuMsPerAtt / g.cpuMsPerAtt);
    }
    Result j8 = find(results, "java", 8);
    Result g8 = find(results, "go", 8);
    System.out.printf(
        Locale.ROOT,
        "summary min-over-N java/go rate %.2f, min java-grpc/in-process %.2f%n",
        minVsGo,
        minVsLocal);
    System.out.printf(Locale.ROOT, "ratio server-java-vs-go %.2f%n", j8.rate / g8.rate);
    System.out.printf(
        Locale.ROOT, "ratio server-cpu-java-vs-go %.2f%n", j8.cpuMsPerAtt / g8.cpuMsPerAtt);
    System.out.printf(
        Locale.ROOT, "ratio server-rss-java-vs-go %.2f%n", (double) j8.hwmKib / g8.hwmKib);
  }

  /**
   * Our server plugin jar with the launchers' common flags and the agent plugin's C1-only
   * compilation ({@code -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1}, bin/lib.sh), to show what
   * C1-only costs a busy server: the BigInteger intrinsics of RSA are C2's.
   */
  static List<String> c1Only() {
    Path home = PluginCommands.home().orElseThrow();
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xlog:disable",
        "-Xlog:all=warning:stderr",
        "-XX:+DisplayVMOutputToStderr",
        "-XX:+UseSerialGC",
        "-Xshare:auto",
        "-Xms8m",
        "-XX:TieredStopAtLevel=1",
        "-XX:CICompilerCount=1",
        "-XX:ReservedCodeCacheSize=32m",
        "-jar",
        home.resolve("server-plugin/target/tpm-devid-server-plugin.jar").toString());
  }

  /**
   * Row {@code java-x} ({@code -Dbench.impls=java,java-x -Dbench.flags="..."}): our plugin jar with
   * the launchers' common flags plus {@code flags} (space-separated) instead of the server's own,
   * to try JVM flags against the launcher's in one run; {@code -Dbench.java=JAVA_HOME} runs it on
   * another JDK, {@code -Dbench.jar=PATH} another build of the plugin jar (before/after a change).
   */
  static List<String> withFlags(String flags) {
    Path home = PluginCommands.home().orElseThrow();
    String javaHome = System.getProperty("bench.java", System.getProperty("java.home"));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(javaHome, "bin", "java").toString(),
                "-Xlog:disable",
                "-Xlog:all=warning:stderr",
                "-XX:+DisplayVMOutputToStderr",
                "-XX:+UseSerialGC",
                "-Xshare:auto"));
    for (String f : flags.trim().split("\\s+")) {
      if (!f.isEmpty()) {
        cmd.add(f);
      }
    }
    cmd.addAll(
        List.of(
            "-jar", home.resolve("server-plugin/target/tpm-devid-server-plugin.jar").toString()));
    return cmd;
  }

  static void jcmd(long pid, String... args) throws Exception {
    List<String> c =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
    c.addAll(List.of(args));
    Process p =
        new ProcessBuilder(c)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("jcmd " + String.join(" ", args) + " failed");
    }
  }

  /**
   * Young collections so far of a JVM (jstat's YGC column), -1 when jstat cannot attach (e.g. a
   * bundled runtime of another JDK version).
   */
  static long youngGcs(long pid) {
    try {
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jstat").toString(),
                  "-gc",
                  Long.toString(pid))
              .redirectErrorStream(true)
              .start();
      List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
      if (p.waitFor() != 0 || lines.size() < 2) {
        return -1;
      }
      List<String> head = List.of(lines.get(0).trim().split("\\s+"));
      String[] vals = lines.get(1).trim().split("\\s+");
      int i = head.indexOf("YGC");
      return i < 0 ? -1 : Long.parseLong(vals[i]);
    } catch (Exception e) {
      return -1;
    }
  }

  static Result find(List<Result> rs, String impl, int n) {
    return rs.stream().filter(r -> r.impl.equals(impl) && r.n == n).findFirst().orElseThrow();
  }

  interface Attestation {
    void run() throws Exception;
  }

  static Result run(PluginHost server, SoftwareAgent agent, byte[] payload, int n, int count)
      throws Exception {
    AttestationRelay relay =
        new AttestationRelay(
            () -> new SoftwareSide(agent, payload), "tpm_devid", server, "example.org");
    return drive(
        n,
        count,
        () -> {
          AttestationOutcome o = relay.attest();
          if (!o.succeeded()) {
            throw new IllegalStateException("attestation failed: " + o.operatorView());
          }
        });
  }

  static Result runLocal(
      InProcessServer local, SoftwareAgent agent, byte[] payload, int n, int count)
      throws Exception {
    return drive(n, count, () -> local.attest(agent, payload));
  }

  /** {@code count} attestations on {@code n} threads; rate and latency percentiles. */
  static Result drive(int n, int count, Attestation a) throws Exception {
    AtomicInteger next = new AtomicInteger();
    long[] lat = new long[count];
    ExecutorService pool = Executors.newFixedThreadPool(n);
    long t0 = System.nanoTime();
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        fs.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                    long s = System.nanoTime();
                    a.run();
                    lat[i] = System.nanoTime() - s;
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    Arrays.sort(lat);
    return new Result(
        "",
        n,
        count,
        count / secs,
        lat[count / 2] / 1e6,
        lat[(int) (count * 0.99)] / 1e6,
        0,
        0,
        0,
        0);
  }

  /**
   * The software agent as the relay's agent half (same payload every time, fresh answer per
   * challenge).
   */
  record SoftwareSide(SoftwareAgent agent, byte[] payload) implements AgentSide {
    @Override
    public byte[] payload() {
      return payload;
    }

    @Override
    public byte[] answer(byte[] challenge) {
      return agent.respond(challenge);
    }

    @Override
    public void close() {}
  }

  /** utime + stime of a process, in clock ticks. */
  static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /**
   * utime + stime of the JVM's JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre") of a
   * process.
   */
  static long compilerTicks(long pid) throws Exception {
    long sum = 0;
    try (var tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : tasks) {
        try {
          if (!Files.readString(t.resolve("comm")).contains("CompilerThre")) {
            continue;
          }
          String stat = Files.readString(t.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (java.io.IOException e) {
          // the thread ended meanwhile
        }
      }
    }
    return sum;
  }

  /** A /proc/PID/status field in KiB (VmHWM, VmRSS). */
  static long statusKib(long pid, String field) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException(field + " not in /proc/" + pid + "/status");
  }

  static long hwm(long pid) throws Exception {
    return statusKib(pid, "VmHWM");
  }
}
