package dev.tpmdevid.server;

import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.verifier.AttestationVerifier;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.BenchmarkParams;

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
  private byte[][] payloads;
  private int next;
  private byte[] response;
  private Floor floor;

  @Setup
  public void setUp(BenchmarkParams params) throws Exception {
    setUp(params.getBenchmark().endsWith(".floor") ? 1 : NODES);
  }

  /** Set-up with {@code nodes} distinct payloads (1 is enough for the floor). */
  void setUp(int nodes) throws Exception {
    SoftwareAgent agent = mix.agent();
    config = configure(agent);
    verifier = new AttestationVerifier(rng);
    payloads = newNodePayloads(agent, nodes);
    rng.reset();
    AttestationVerifier.Pending p = verifier.verifyPayload(config, payloads[0]);
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

  /**
   * More distinct payloads than the JDK's X.509 certificate factory caches (750 parsed
   * certificates, by DER): every pipeline call then parses and verifies a DevID leaf and an EK
   * certificate it has not seen before, as for a node attesting for the first time. With one
   * replayed payload, the factory hands back the same certificate objects, whose {@code verify}
   * remembers its last success, and the leaf and EK certificate signatures were checked only once
   * per run (docs/performance.md, floor audit). The intermediate stays the same certificate, as it
   * is for all nodes of a real deployment: its check against the root is cached legitimately.
   */
  static final int NODES = 800;

  /**
   * {@code n} payloads of the same agent keys, each with a newly minted DevID leaf and EK
   * certificate (fresh serial numbers): the same challenge and answer fit all of them.
   */
  static byte[][] newNodePayloads(SoftwareAgent agent, int n) {
    AttestationRequest base = agent.attestationRequest();
    byte[][] out = new byte[n][];
    try {
      for (int i = 0; i < n; i++) {
        X509Certificate leaf =
            TestPki.cert("devid-leaf")
                .issuedBy(agent.devIdIntermediate)
                .key(agent.devIdKey.getPublic())
                .build();
        X509Certificate ek =
            TestPki.cert("").issuedBy(agent.ekCa).key(agent.ekKey.getPublic()).tcgEkSan().build();
        List<byte[]> chain = new ArrayList<>(base.devIdCert());
        chain.set(0, leaf.getEncoded());
        out[i] =
            new AttestationRequest(
                    chain,
                    base.devIdPub(),
                    ek.getEncoded(),
                    base.ekPub(),
                    base.akPub(),
                    base.certifiedDevId(),
                    base.certificationSignature())
                .toJson();
      }
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Steps 2 to 18 of the server, as AttestStream runs them, for a node not seen before. */
  @Benchmark
  public dev.tpmdevid.verifier.AttestedNode pipeline(CpuTime cpu) throws Exception {
    cpu.begin();
    dev.tpmdevid.verifier.AttestedNode a = pipeline();
    cpu.end();
    return a;
  }

  private dev.tpmdevid.verifier.AttestedNode pipeline() throws Exception {
    rng.reset();
    byte[] payload = payloads[next];
    next = next + 1 == payloads.length ? 0 : next + 1;
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
