package dev.tpmdevid.testbed.provision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints what provisioning costs on this machine: a fresh provision (Java, RSA and ECC DevID)
 * against starting from a copied golden state. Nothing is asserted on time. (The tpm2-tools path
 * prints its own time in {@link ToolsProvisionerTest}.)
 *
 * <p>Not run by {@code mvn verify} / {@code bin/test} (the name does not end in {@code Test}); run
 * it with {@code mvn -B -ntp -q verify -pl testbed -am -Dtest=ProvisionTimingBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}; the figures land in {@code
 * testbed/target/surefire-reports/dev.tpmdevid.testbed.provision.ProvisionTimingBenchmark-output.txt}.
 */
class ProvisionTimingBenchmark {

  @TempDir Path dir;

  @Test
  void printProvisioningTimings() throws Exception {
    long t = System.nanoTime();
    TestPki pki = TestPki.create(KeyType.RSA);
    double pkiMs = ms(t);
    StringBuilder report = new StringBuilder("provisioning timings (ms):\n");
    report.append(String.format("  TestPki.create(RSA), 4 CAs              %8.0f%n", pkiMs));
    for (KeyType devId : KeyType.values()) {
      double[] runs = new double[3];
      double start = 0;
      for (int i = 0; i < runs.length; i++) {
        t = System.nanoTime();
        try (Swtpm sw = Swtpm.start()) {
          start = ms(t);
          t = System.nanoTime();
          ProvisionedTpm p =
              Provisioner.provision(
                  sw,
                  ProvisionOptions.defaults().withDevIdKeyType(devId),
                  pki,
                  dir.resolve(devId + "-" + i));
          runs[i] = ms(t);
          assertThat(p.ekCertificate(KeyType.RSA)).isPresent();
        }
      }
      report.append(String.format("  fresh swtpm start                       %8.0f%n", start));
      report.append(
          String.format(
              "  Java provision, %s DevID + RSA/ECC EK certs: median %6.0f  runs %s%n",
              devId, median(runs), Arrays.toString(round(runs))));
    }
    ProvisionCache cache = new ProvisionCache();
    for (KeyType devId : KeyType.values()) {
      ProvisionOptions options = ProvisionOptions.defaults().withDevIdKeyType(devId);
      cache.start(options).close(); // manufacture
      double[] copies = new double[3];
      for (int i = 0; i < copies.length; i++) {
        t = System.nanoTime();
        try (ProvisionedTpm p = cache.start(options)) {
          copies[i] = ms(t);
        }
      }
      report.append(
          String.format(
              "  cache, %s DevID: manufacture %6.0f, start from copy median %5.0f  runs %s%n",
              devId,
              cache.manufactureNanos(options) / 1e6,
              median(copies),
              Arrays.toString(round(copies))));
    }
    System.out.print(report);
  }

  private static double ms(long since) {
    return (System.nanoTime() - since) / 1e6;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  private static long[] round(double[] v) {
    return Arrays.stream(v).mapToLong(Math::round).toArray();
  }
}
