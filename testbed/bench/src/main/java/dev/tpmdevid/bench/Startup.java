package dev.tpmdevid.bench;

import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Start-up and footprint: time from exec of {@code bin/tpm-devid-{agent,server}-plugin} (as the
 * launchers are, with their JVM flags) and of SPIRE's Go plugin binaries to the go-plugin handshake
 * line ({@link PluginHost#handshakeTime()}), the CPU the process (and the launcher's children) used
 * up to that line, and the resident set of the loaded, idle plugin process ({@code VmRSS} after its
 * init and 1 s idle). Median of {@code runs}.
 *
 * <p>Two builds of ours: the launchers of the source checkout (the jar the build made, no AppCDS
 * archive) and, when {@code bin/release} has made {@code target/dist/tpm-devid-*.tar.gz} ({@code
 * bin/test} does), the launchers of that bundle unpacked into a temporary folder: its own runtime,
 * its AppCDS archives and the launcher's check of every pinned file, what an operator runs, and the
 * same launcher with its pin check made a no-op (what the check costs). Prints {@code ratio
 * handshake-java-vs-go} and {@code ratio rss-java-vs-go} (agent and server summed) for the release
 * bundle when there is one, else for the checkout.
 *
 * <p>The CPU column is robust to a loaded machine (waiting for a core costs none); the wall-clock
 * handshake is not.
 *
 * <p>Usage: {@code Startup [runs]}.
 */
public final class Startup {
  private Startup() {}

  record Row(String name, double handshakeMs, double cpuMs, double rssMib) {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    Path home =
        PluginCommands.home()
            .orElseThrow(() -> new IllegalStateException("no tpm-devid checkout found"));
    Optional<Path> tarball = releaseTarball(home);
    Path unpacked = tarball.isPresent() ? unpack(tarball.get()) : null;
    List<Row> rows = new ArrayList<>();
    try {
      for (PluginKind kind : PluginKind.values()) {
        String k = kind == PluginKind.AGENT ? "agent" : "server";
        rows.add(measure("java " + k + " (checkout)", PluginCommands.of(kind), kind, runs));
        if (unpacked != null) {
          rows.add(
              measure(
                  "java " + k + " (release)",
                  List.of(unpacked.resolve("bin/tpm-devid-" + k + "-plugin").toString()),
                  kind,
                  runs));
          rows.add(
              measure(
                  "java " + k + " (release, no pin check)",
                  List.of(withoutPinCheck(unpacked, "tpm-devid-" + k + "-plugin").toString()),
                  kind,
                  runs));
        }
        rows.add(measure("go " + k, PluginCommands.go(kind), kind, runs));
      }
    } finally {
      if (unpacked != null) {
        deleteTree(unpacked.getParent());
      }
    }
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "Start-up (median of %d): exec to handshake line, CPU to it, idle RSS%n",
        runs);
    if (tarball.isEmpty()) {
      System.out.println(
          "(no release bundle under target/dist: run bin/release for the release rows)");
    } else {
      System.out.println("release bundle: " + home.relativize(tarball.get()));
    }
    System.out.printf(
        Locale.ROOT, "%-36s %14s %14s %14s%n", "plugin", "handshake_ms", "cpu_ms", "idle_rss_MiB");
    for (Row r : rows) {
      System.out.printf(
          Locale.ROOT, "%-36s %14.1f %14.0f %14.1f%n", r.name, r.handshakeMs, r.cpuMs, r.rssMib);
    }
    String ours = unpacked != null ? "(release)" : "(checkout)";
    Row ja = find(rows, "java agent " + ours);
    Row js = find(rows, "java server " + ours);
    Row ga = find(rows, "go agent");
    Row gs = find(rows, "go server");
    System.out.printf(Locale.ROOT, "ours = %s launchers%n", ours);
    System.out.printf(
        Locale.ROOT,
        "ratio handshake-java-vs-go %.2f%n",
        (ja.handshakeMs + js.handshakeMs) / (ga.handshakeMs + gs.handshakeMs));
    System.out.printf(
        Locale.ROOT,
        "ratio rss-java-vs-go %.2f%n",
        (ja.rssMib + js.rssMib) / (ga.rssMib + gs.rssMib));
  }

  static Row find(List<Row> rows, String name) {
    return rows.stream().filter(r -> r.name.equals(name)).findFirst().orElseThrow();
  }

  /** The newest {@code target/dist/tpm-devid-*-linux-x86_64.tar.gz}, if any. */
  static Optional<Path> releaseTarball(Path home) throws IOException {
    Path dist = home.resolve("target/dist");
    if (!Files.isDirectory(dist)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(dist)) {
      return s.filter(
              p -> p.getFileName().toString().matches("tpm-devid-.*-linux-x86_64\\.tar\\.gz"))
          .max(Comparator.comparing(p -> p.toFile().lastModified()));
    }
  }

  /** Unpacks the bundle into a fresh temporary folder; returns its single top-level directory. */
  static Path unpack(Path tarball) throws Exception {
    Path dir = Files.createTempDirectory("tdrel");
    Process p =
        new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", dir.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("cannot unpack " + tarball + ": " + out);
    }
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> top = s.toList();
      if (top.size() != 1 || !Files.isDirectory(top.get(0))) {
        throw new IllegalStateException(tarball + " does not hold one top-level folder: " + top);
      }
      return top.get(0);
    }
  }

  /**
   * A copy of the bundle's launcher {@code bin/NAME}, next to it, whose pin check is a no-op: the
   * difference to the launcher's row is what checking every pinned file costs at start-up. For this
   * benchmark only (an operator's launcher always checks).
   */
  static Path withoutPinCheck(Path bundle, String launcher) throws IOException {
    String text = Files.readString(bundle.resolve("bin/" + launcher));
    int at = text.lastIndexOf("\nplugin_main ");
    if (at < 0) {
      throw new IllegalStateException("bin/" + launcher + " of the bundle has no plugin_main line");
    }
    Path copy = bundle.resolve("bin/" + launcher + "-nocheck");
    Files.writeString(
        copy,
        text.substring(0, at)
            + "\nverify_pins() { :; }  # benchmark only: no pin check"
            + text.substring(at));
    if (!copy.toFile().setExecutable(true)) {
      throw new IOException("cannot make " + copy + " executable");
    }
    return copy;
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Median handshake ms, CPU ms to the handshake and idle RSS MiB. */
  static Row measure(String name, List<String> cmd, PluginKind kind, int runs) throws Exception {
    List<Double> hs = new ArrayList<>();
    List<Double> cpu = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      try (PluginHost host = PluginHost.builder(kind, cmd).start()) {
        hs.add(host.handshakeTime().toNanos() / 1e6);
        cpu.add(cpuWithChildrenTicks(host.pid()) * 1000.0 / ServerLoad.CLK_TCK);
        Thread.sleep(1000);
        rss.add(ServerLoad.statusKib(host.pid(), "VmRSS") / 1024.0);
      }
    }
    return new Row(name, median(hs), median(cpu), median(rss));
  }

  /**
   * utime + stime + cutime + cstime: the process and its waited-for children (the launcher's
   * checksum tools run before it execs the JVM under the same process id).
   */
  static long cpuWithChildrenTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11])
        + Long.parseLong(f[12])
        + Long.parseLong(f[13])
        + Long.parseLong(f[14]);
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
