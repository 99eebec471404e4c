package dev.tpmdevid.server;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.verifier.AttestationVerifier;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import dev.tpmdevid.verifier.x509.Cert;
import dev.tpmdevid.verifier.x509.RevocationResult;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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

/**
 * What CRL checking adds per attestation (all-RSA key mix, as {@link ServerCpuBench} RSA): {@code
 * pipelineNoCrl} and {@code pipelineWithCrl} are steps 2-18 without and with {@code devid_crl_path}
 * (CRLs of the DevID root and intermediate) and {@code endorsement_crl_path} (CRL of the EK CA),
 * strict mode, each CRL listing {@code revoked} other serials; {@code check} is the revocation
 * check alone for both chains ({@code RevocationStore.check} on the already verified chains: three
 * certificates, three CRL lookups). CRL signatures are verified once per CRL and issuer key, so the
 * steady state costs hash lookups, not RSA verifies.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CrlBench {
  @Param({"10", "10000"})
  public int revoked;

  private final ReplayRandom rng = new ReplayRandom();
  private AttestationVerifier verifier;
  private ServerConfig plain;
  private ServerConfig withCrl;
  private byte[] payload;
  private byte[] response;
  private List<List<Cert>> devIdChains;
  private List<List<Cert>> ekChains;

  @Setup
  public void setUp() throws Exception {
    SoftwareAgent agent =
        SoftwareAgent.of(KeyType.RSA, KeyType.RSA, KeyType.RSA, KeyType.RSA, KeyType.RSA);
    Path dir = Files.createTempDirectory("tpm-devid-crl-bench");
    Instant from = Instant.now().minus(Duration.ofHours(1));
    Instant to = Instant.now().plus(Duration.ofDays(30));
    BigInteger[] others = new BigInteger[revoked];
    for (int i = 0; i < revoked; i++) {
      others[i] = BigInteger.valueOf(1_000_000_000L + i);
    }
    Path devIdCrl =
        Files.writeString(
            dir.resolve("devid-crl.pem"),
            TestPki.crlPem(
                TestPki.crl(agent.devIdRoot, agent.devIdRoot.key(), from, to, others),
                TestPki.crl(
                    agent.devIdIntermediate, agent.devIdIntermediate.key(), from, to, others)));
    Path ekCrl =
        Files.write(
            dir.resolve("ek.crl"), TestPki.crl(agent.ekCa, agent.ekCa.key(), from, to, others));
    Path d = Files.writeString(dir.resolve("devid.pem"), agent.devIdBundlePem());
    Path e = Files.writeString(dir.resolve("ek.pem"), agent.ekBundlePem());
    String base = "devid_ca_path = \"" + d + "\"\nendorsement_ca_path = \"" + e + "\"\n";
    ServerConfigHandler a = new ServerConfigHandler(Clock.systemUTC());
    a.configure("example.org", base);
    plain = a.current();
    ServerConfigHandler b = new ServerConfigHandler(Clock.systemUTC());
    b.configure(
        "example.org",
        base
            + "devid_crl_path = \""
            + devIdCrl
            + "\"\n"
            + "endorsement_crl_path = \""
            + ekCrl
            + "\"\ncrl_refresh_interval = \"1h\"\n");
    withCrl = b.current();
    verifier = new AttestationVerifier(rng);
    payload = agent.payload();
    rng.reset();
    response = agent.respond(verifier.verifyPayload(plain, payload).challenge());
    if (pipeline(plain) == null || pipeline(withCrl) == null) {
      throw new IllegalStateException("no attestation");
    }
    List<Cert> devIdCerts = AttestationVerifier.parseDevIdCertificates(agent.devIdCertChain());
    devIdChains = AttestationVerifier.verifyDevIdChain(plain, devIdCerts);
    Cert ek = AttestationVerifier.parseEkCertificate(agent.ekCert.getEncoded());
    ekChains = List.of(List.of(ek, plain.endorsementRoots().anchors().get(0).cert()));
    if (!(check() instanceof RevocationResult.Ok)) {
      throw new IllegalStateException("check: " + check());
    }
  }

  private dev.tpmdevid.verifier.AttestedNode pipeline(ServerConfig c) throws Exception {
    rng.reset();
    AttestationVerifier.Pending p = verifier.verifyPayload(c, payload);
    return AttestationVerifier.verifyResponse(p, response);
  }

  private RevocationResult check() {
    Instant now = Instant.now();
    RevocationResult r = withCrl.devIdRevocation().check(devIdChains, withCrl.devIdRoots(), now);
    return r instanceof RevocationResult.Ok
        ? withCrl.endorsementRevocation().check(ekChains, withCrl.endorsementRoots(), now)
        : r;
  }

  /** Steps 2-18 without CRLs. */
  @Benchmark
  public Object pipelineNoCrl(CpuTime cpu) throws Exception {
    cpu.begin();
    Object o = pipeline(plain);
    cpu.end();
    return o;
  }

  /** Steps 2-18 with DevID and EK CRLs (strict). */
  @Benchmark
  public Object pipelineWithCrl(CpuTime cpu) throws Exception {
    cpu.begin();
    Object o = pipeline(withCrl);
    cpu.end();
    return o;
  }

  /** The revocation check alone, both chains. */
  @Benchmark
  public Object check(CpuTime cpu) {
    cpu.begin();
    Object o = check();
    cpu.end();
    return o;
  }
}
