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
 * With {@code -Dhandshake.cds=/path/app.jsa} it also tries an AppCDS archive (the child classpath must
 * then consist of jars only).
 */
public final class HandshakeTiming {

    private HandshakeTiming() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String cp = args.length > 1 ? args[1] : System.getProperty("java.class.path");
        List<List<String>> flagSets = new ArrayList<>(List.of(
                List.of(),
                List.of("-Xshare:auto"),
                List.of("-XX:TieredStopAtLevel=1"),
                List.of("-XX:+UseSerialGC"),
                List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
                List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xss512k")));
        String cds = System.getProperty("handshake.cds");
        if (cds != null) {
            // one run writes the archive, the measured runs use it
            measure(List.of("-XX:ArchiveClassesAtExit=" + cds), cp, 1);
            flagSets.add(List.of("-XX:SharedArchiveFile=" + cds));
            flagSets.add(List.of("-XX:SharedArchiveFile=" + cds, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        }
        for (List<String> flags : flagSets) {
            long[] ms = measure(flags, cp, runs);
            System.out.printf(Locale.ROOT, "%-90s median %5d ms  runs %s%n",
                    flags.isEmpty() ? "(no flags)" : String.join(" ", flags), median(ms), Arrays.toString(ms));
        }
    }

    static long[] measure(List<String> flags, String cp, int runs) throws IOException, InterruptedException {
        long[] out = new long[runs];
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
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                // read up to the end of the handshake line
            }
            out[i] = (System.nanoTime() - t0) / 1_000_000;
            p.destroy(); // SIGTERM: normal JVM exit (also writes a requested CDS archive)
            p.waitFor();
        }
        return out;
    }

    static long median(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
