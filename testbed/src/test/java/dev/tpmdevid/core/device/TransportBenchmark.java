package dev.tpmdevid.core.device;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import tss.Tpm;
import tss.TpmFactory;

/**
 * Prints the per-command latency of each transport: median (and min / p90) of 50 {@code
 * GetRandom(8)} calls after 10 warm-up calls, each transport on its own swtpm. Only prints; asserts
 * nothing about time.
 *
 * <p>Not run by {@code mvn verify} (the name does not end in {@code Test}); run it with {@code mvn
 * -pl tpm-core,testbed -am verify -Dtest=TransportBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}; the figures land in {@code
 * testbed/target/surefire-reports/dev.tpmdevid.core.device.TransportBenchmark-output.txt}. Lives in
 * package {@code core.device} (test sources only) to reach the kept-connection unix transport,
 * which is not public API.
 */
class TransportBenchmark {

  private static final int WARMUP = 10;
  private static final int RUNS = 50;

  @Test
  void getRandomLatencyPerTransport() throws Exception {
    assertTrue(
        Swtpm.isInstalled(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    System.out.printf(
        Locale.ROOT,
        "GetRandom(8) latency, %d runs after %d warm-up, ms (load avg %.1f, %d CPUs)%n",
        RUNS,
        WARMUP,
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors());
    try (Swtpm s = Swtpm.start(Swtpm.Transport.TCP);
        TpmConnection c = TpmConnection.open(s.tcpAddress())) {
      report(
          "swtpm TCP, raw framing, one write, TCP_NODELAY (TpmConnection tcp://)", () -> c.tpm());
    }
    try (Swtpm s = Swtpm.start(Swtpm.Transport.UNIX);
        TpmConnection c = TpmConnection.open(s.unixSocketPath().toString())) {
      report("swtpm unix socket, connection per command (TpmConnection default)", () -> c.tpm());
    }
    try (Swtpm s = Swtpm.start(Swtpm.Transport.UNIX);
        TpmConnection c =
            TpmConnection.over(
                UnixSocketTransport.kept(s.unixSocketPath(), Duration.ofSeconds(30)))) {
      report("swtpm unix socket, kept connection", () -> c.tpm());
    }
    if (java.nio.file.Files.exists(java.nio.file.Path.of("/dev/tpmrm0"))) {
      try (TpmConnection c = TpmConnection.open("/dev/tpmrm0")) {
        report("/dev/tpmrm0", () -> c.tpm());
      }
    } else {
      System.out.println("/dev/tpmrm0: not present on this machine, skipped");
    }
    try (Swtpm s = Swtpm.start(Swtpm.Transport.TCP)) {
      ExecutorService ex = Executors.newSingleThreadExecutor();
      try {
        Future<Tpm> stock = ex.submit(() -> TpmFactory.remoteTpm("127.0.0.1", s.port()));
        Tpm tpm = stock.get(20, TimeUnit.SECONDS);
        report("TSS.Java stock TpmDeviceTcp (MS-simulator framing)", () -> tpm);
        // no tpm.close(): it would send MS-simulator session-end codes swtpm does not know
      } catch (Exception e) {
        System.out.println("TSS.Java stock TpmDeviceTcp: did not work with swtpm: " + e);
      } finally {
        ex.shutdownNow();
      }
    }
  }

  private static void report(String label, Supplier<Tpm> tpm) {
    for (int i = 0; i < WARMUP; i++) {
      tpm.get().GetRandom(8);
    }
    double[] ms = new double[RUNS];
    for (int i = 0; i < RUNS; i++) {
      long t0 = System.nanoTime();
      tpm.get().GetRandom(8);
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    System.out.printf(
        Locale.ROOT,
        "%-75s median %8.3f  min %8.3f  p90 %8.3f%n",
        label,
        ms[RUNS / 2],
        ms[0],
        ms[(int) (RUNS * 0.9)]);
  }
}
