package dev.tpmdevid.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Measures the time from process start to the handshake line for {@link TestPluginMain} (median of
 * runs) under a few JVM flag sets. A measurement, not a test: it asserts nothing.
 *
 * <pre>
 * java -cp &lt;test classpath&gt; dev.tpmdevid.plugin.HandshakeTiming [runs] [classpath-for-child]
 * </pre>
 *
 * With {@code -Dhandshake.cds=/path/app.jsa} it also tries an AppCDS archive (the child classpath
 * must then consist of jars only).
 */
public final class HandshakeTiming {

  private HandshakeTiming() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    String cp = args.length > 1 ? args[1] : System.getProperty("java.class.path");
    List<List<String>> flagSets =
        new ArrayList<>(
            List.of(
                List.of(),
                List.of("-Xshare:auto"),
                List.of("-XX:TieredStopAtLevel=1"),
                List.of("-XX:+UseSerialGC"),
                List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                List.of(
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    "-XX:-UsePerfData",
                    "-Xss512k")));
    String cds = System.getProperty("handshake.cds");
    if (cds != null) {
      // one run writes the archive, the measured runs use it
      measure(List.of("-XX:ArchiveClassesAtExit=" + cds), cp, 1);
      flagSets.add(List.of("-XX:SharedArchiveFile=" + cds));
      flagSets.add(
          List.of("-XX:SharedArchiveFile=" + cds, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
    }
    measure(List.of(), cp, 1); // warm this JVM's gRPC client
    for (List<String> flags : flagSets) {
      long[][] ms = measure(flags, cp, runs);
      System.out.printf(
          Locale.ROOT,
          "%-75s handshake median %5d ms %s | +first RPC median %5d ms %s%n",
          flags.isEmpty() ? "(no flags)" : String.join(" ", flags),
          median(ms[0]),
          Arrays.toString(ms[0]),
          median(ms[1]),
          Arrays.toString(ms[1]));
    }
  }

  /** Per run: [0] start to handshake line, [1] handshake to the answer of a first health check. */
  static long[][] measure(List<String> flags, String cp, int runs)
      throws IOException, InterruptedException {
    long[] out = new long[runs];
    long[] rpc = new long[runs];
    for (int i = 0; i < runs; i++) {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(flags);
      cmd.add("-cp");
      cmd.add(cp);
      cmd.add(TestPluginMain.class.getName());
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put("NodeAttestor", "NodeAttestor");
      pb.environment().put("PLUGIN_PROTOCOL_VERSIONS", "1");
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
      long t0 = System.nanoTime();
      Process p = pb.start();
      InputStream in = p.getInputStream();
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) != -1 && b != '\n') {
        line.append((char) b);
      }
      long t1 = System.nanoTime();
      out[i] = (t1 - t0) / 1_000_000;
      String[] parts = line.toString().split("\\|");
      String[] hostPort = parts[3].split(":");
      io.grpc.ManagedChannel ch =
          io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                  hostPort[0], Integer.parseInt(hostPort[1]))
              .usePlaintext()
              .build();
      io.grpc.health.v1.HealthGrpc.newBlockingStub(ch)
          .check(io.grpc.health.v1.HealthCheckRequest.newBuilder().setService("plugin").build());
      rpc[i] = (System.nanoTime() - t1) / 1_000_000;
      ch.shutdownNow();
      p.destroy(); // SIGTERM: normal JVM exit (also writes a requested CDS archive)
      p.waitFor();
    }
    return new long[][] {out, rpc};
  }

  static long median(long[] values) {
    long[] s = values.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
