package dev.tpmdevid.server;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.verifier.AttestationVerifier;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Server work per attestation against its floor, in the same JMH run: {@code pipeline} is {@link
 * AttestationVerifier#verifyPayload} (steps 2-14) plus {@link AttestationVerifier#verifyResponse}
 * (15-18), no gRPC; {@code floor} is {@link Floor}: only the primitive operations that pipeline
 * cannot avoid for the same key mix, on the fastest provider.
 *
 * <p>The server draws its nonce, credential seed and ephemeral key from a {@link ReplayRandom}
 * reset before every call, so the challenge is the same each time and the software agent's answer
 * (its RSA/ECDSA signing and credential activation, which are agent work) is computed once in
 * {@link #setUp}. Key mixes (the CAs follow the key they certify: DevID root and intermediate the
 * DevID's type, the EK CA the EK's; the AK follows the EK as in our agent's default): {@code RSA}
 * all RSA-2048; {@code ECC_DEVID} P-256 DevID + RSA EK/AK; {@code ECC_EK} RSA DevID + P-256 EK/AK;
 * {@code ECC} all P-256.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ServerCpuBench {
  public enum Mix {
    RSA(KeyType.RSA, KeyType.RSA),
    ECC_DEVID(KeyType.ECC, KeyType.RSA),
    ECC_EK(KeyType.RSA, KeyType.ECC),
    ECC(KeyType.ECC, KeyType.ECC);

    final KeyType devId;
    final KeyType ek;

    Mix(KeyType devId, KeyType ek) {
      this.devId = devId;
      this.ek = ek;
    }

    SoftwareAgent agent() {
      return SoftwareAgent.of(ek, ek, devId, devId, ek);
    }
  }

  @Param({"RSA", "ECC_DEVID", "ECC_EK", "ECC"})
  public Mix mix;

  private final ReplayRandom rng = new ReplayRandom();
  private AttestationVerifier verifier;
  private ServerConfig config;
  private byte[] payload;
  private byte[] response;
  private Floor floor;

  @Setup
  public void setUp() throws Exception {
    SoftwareAgent agent = mix.agent();
    config = configure(agent);
    verifier = new AttestationVerifier(rng);
    payload = agent.payload();
    rng.reset();
    AttestationVerifier.Pending p = verifier.verifyPayload(config, payload);
    response = agent.respond(p.challenge());
    if (pipeline() == null) {
      throw new IllegalStateException("no attestation");
    }
    floor = new Floor(agent);
    floor.run(); // fails loudly if a floor operation does not verify
  }

  static ServerConfig configure(SoftwareAgent agent) throws Exception {
    Path dir = Files.createTempDirectory("tpm-devid-bench");
    ServerConfigHandler configs = new ServerConfigHandler(Clock.systemUTC());
    Path d = Files.writeString(dir.resolve("devid.pem"), agent.devIdBundlePem());
    Path e = Files.writeString(dir.resolve("ek.pem"), agent.ekBundlePem());
    configs.configure(
        "example.org", "devid_ca_path = \"" + d + "\"\nendorsement_ca_path = \"" + e + "\"\n");
    return configs.current();
  }

  /** Steps 2 to 18 of the server, as AttestStream runs them. */
  @Benchmark
  public dev.tpmdevid.verifier.AttestedNode pipeline(CpuTime cpu) throws Exception {
    cpu.begin();
    dev.tpmdevid.verifier.AttestedNode a = pipeline();
    cpu.end();
    return a;
  }

  private dev.tpmdevid.verifier.AttestedNode pipeline() throws Exception {
    rng.reset();
    AttestationVerifier.Pending p = verifier.verifyPayload(config, payload);
    return AttestationVerifier.verifyResponse(p, response);
  }

  /** The unavoidable primitive operations of the same attestation. */
  @Benchmark
  public Object floor(CpuTime cpu) throws Exception {
    cpu.begin();
    Object o = floor.run();
    cpu.end();
    return o;
  }
}
