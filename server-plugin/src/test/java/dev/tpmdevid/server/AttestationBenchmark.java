package dev.tpmdevid.server;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.verifier.AttestationVerifier;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;

/**
 * Server CPU per attestation: {@link AttestationVerifier#verifyPayload} (steps 2-14) plus {@link
 * AttestationVerifier#verifyResponse} (steps 15-18) on one thread, with a software agent answering
 * (the agent's own work is not timed). No gRPC, no I/O. Measured as thread CPU time (so a loaded
 * machine does not inflate it); wall-clock time is printed too. Run:
 *
 * <pre>
 * mvn -q -pl server-plugin -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp server-plugin/target/test-classes:server-plugin/target/classes:$(cat /tmp/cp.txt) \
 *     dev.tpmdevid.server.AttestationBenchmark [iterations]
 * </pre>
 */
public final class AttestationBenchmark {
  private AttestationBenchmark() {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    for (KeyType ek : new KeyType[] {KeyType.RSA, KeyType.ECC}) {
      SoftwareAgent agent = SoftwareAgent.of(ek, KeyType.RSA, KeyType.RSA);
      double[] r = run(agent, iterations);
      System.out.printf(
          "EK %s, AK RSA-2048, DevID RSA-2048 (leaf+intermediate, root anchor): "
              + "%.0f us CPU/attestation (payload %.0f us + response %.0f us); wall %.0f us; "
              + "%d iterations%n",
          ek, r[0] + r[1], r[0], r[1], r[2], iterations);
    }
  }

  /** Mean microseconds: {payload phase CPU, response phase CPU, both phases wall-clock}. */
  static double[] run(SoftwareAgent agent, int iterations) throws Exception {
    Path dir = Files.createTempDirectory("tpm-devid-bench");
    ServerConfigHandler configs = new ServerConfigHandler(Clock.systemUTC());
    Path d = Files.writeString(dir.resolve("devid.pem"), agent.devIdBundlePem());
    Path e = Files.writeString(dir.resolve("ek.pem"), agent.ekBundlePem());
    configs.configure(
        "example.org", "devid_ca_path = \"" + d + "\"\nendorsement_ca_path = \"" + e + "\"\n");
    ServerConfig config = configs.current();
    AttestationVerifier verifier = new AttestationVerifier(new SecureRandom());
    byte[] payload = agent.payload();
    int warmup = Math.max(200, iterations / 4);
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long payloadNanos = 0;
    long responseNanos = 0;
    long wallNanos = 0;
    for (int i = 0; i < warmup + iterations; i++) {
      long w0 = System.nanoTime();
      long t0 = mx.getCurrentThreadCpuTime();
      AttestationVerifier.Pending p = verifier.verifyPayload(config, payload);
      long t1 = mx.getCurrentThreadCpuTime();
      long w1 = System.nanoTime();
      byte[] response = agent.respond(p.challenge());
      long w2 = System.nanoTime();
      long t2 = mx.getCurrentThreadCpuTime();
      AttestationVerifier.verifyResponse(p, response);
      long t3 = mx.getCurrentThreadCpuTime();
      long w3 = System.nanoTime();
      if (i >= warmup) {
        payloadNanos += t1 - t0;
        responseNanos += t3 - t2;
        wallNanos += (w1 - w0) + (w3 - w2);
      }
    }
    return new double[] {
      payloadNanos / 1e3 / iterations,
      responseNanos / 1e3 / iterations,
      wallNanos / 1e3 / iterations
    };
  }
}
