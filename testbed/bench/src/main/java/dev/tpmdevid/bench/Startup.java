package dev.tpmdevid.bench;

import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Start-up and footprint: time from exec of {@code bin/tpm-devid-{agent,server}-plugin} (as the
 * launchers are, with their JVM flags) and of SPIRE's Go plugin binaries to the go-plugin handshake
 * line ({@link PluginHost#handshakeTime()}), and the resident set of the loaded, idle plugin process
 * ({@code VmRSS} after its init and 1 s idle). Median of {@code runs}. Prints
 * {@code ratio handshake-java-vs-go} and {@code ratio rss-java-vs-go} (agent and server summed).
 *
 * <p>Usage: {@code Startup [runs]}.
 */
public final class Startup {
  private Startup() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 9;
    double[][] res = new double[4][];
    String[] names = {"java agent", "java server", "go agent", "go server"};
    for (int i = 0; i < 4; i++) {
      PluginKind kind = i % 2 == 0 ? PluginKind.AGENT : PluginKind.SERVER;
      List<String> cmd = i < 2 ? PluginCommands.of(kind) : PluginCommands.go(kind);
      res[i] = measure(cmd, kind, runs);
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "Start-up (median of %d): exec to handshake line, idle RSS%n", runs);
    System.out.printf(Locale.ROOT, "%-12s %14s %14s%n", "plugin", "handshake_ms", "idle_rss_MiB");
    for (int i = 0; i < 4; i++) {
      System.out.printf(Locale.ROOT, "%-12s %14.1f %14.1f%n", names[i], res[i][0], res[i][1]);
    }
    System.out.printf(Locale.ROOT, "ratio handshake-java-vs-go %.2f%n",
        (res[0][0] + res[1][0]) / (res[2][0] + res[3][0]));
    System.out.printf(Locale.ROOT, "ratio rss-java-vs-go %.2f%n", (res[0][1] + res[1][1]) / (res[2][1] + res[3][1]));
  }

  /** {median handshake ms, median idle RSS MiB}. */
  static double[] measure(List<String> cmd, PluginKind kind, int runs) throws Exception {
    List<Double> hs = new ArrayList<>();
    List<Double> rss = new ArrayList<>();
    for (int r = 0; r < runs; r++) {
      try (PluginHost host = PluginHost.builder(kind, cmd).start()) {
        hs.add(host.handshakeTime().toNanos() / 1e6);
        Thread.sleep(1000);
        rss.add(ServerLoad.statusKib(host.pid(), "VmRSS") / 1024.0);
      }
    }
    return new double[] {median(hs), median(rss)};
  }

  static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
