package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.TestCa;
import dev.tpmdevid.testbed.provision.TestPki;
import io.grpc.Status;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CRL revocation through the real plugin processes (our agent plugin on a live swtpm, our server
 * plugin configured with {@code devid_crl_path} / {@code endorsement_crl_path}), each outcome
 * asserted with the status a SPIRE operator sees. CRLs are made by the lab CAs ({@link
 * TestCa#crl}); "another key" is a fresh key under the CA's name.
 */
class CrlE2eTest extends E2eLabTest {
  private static final String PREFIX = "nodeattestor(tpm_devid): ";

  private static ProvisionOptions rsa() {
    return ProvisionOptions.defaults().withEkCertificates(true, false);
  }

  private static final Instant NOW = Instant.now();
  private static final Instant BEFORE = NOW.minus(Duration.ofMinutes(10));
  private static final Instant LATER = NOW.plus(Duration.ofDays(7));

  private static byte[] crl(TestCa ca, BigInteger... revoked) {
    return ca.crl(BEFORE, LATER, List.of(revoked));
  }

  /**
   * The lab's four CAs, each with a current CRL; {@code devIdRevoked}/{@code ekRevoked} by issuer.
   */
  private static final class Crls {
    final TestPki pki;
    final Path devId;
    final Path ek;

    Crls(ProvisionedTpm tpm, Path dir) {
      this.pki = tpm.pki();
      this.devId = dir.resolve("devid-crl.pem");
      this.ek = dir.resolve("endorsement-crl.pem");
    }

    void write(Map<TestCa, List<BigInteger>> revoked) throws Exception {
      writeDevId(
          crl(
              pki.devIdRoot(),
              revoked.getOrDefault(pki.devIdRoot(), List.of()).toArray(BigInteger[]::new)),
          crl(
              pki.devIdIntermediate(),
              revoked.getOrDefault(pki.devIdIntermediate(), List.of()).toArray(BigInteger[]::new)));
      replace(
          ek,
          dev.tpmdevid.labpki.TestPki.crlPem(
              crl(
                  pki.manufacturerRoot(),
                  revoked
                      .getOrDefault(pki.manufacturerRoot(), List.of())
                      .toArray(BigInteger[]::new)),
              crl(
                  pki.manufacturerIntermediate(),
                  revoked
                      .getOrDefault(pki.manufacturerIntermediate(), List.of())
                      .toArray(BigInteger[]::new))));
    }

    void writeDevId(byte[]... crls) throws Exception {
      replace(devId, dev.tpmdevid.labpki.TestPki.crlPem(crls));
    }

    String hcl(ProvisionedTpm tpm, String extra) {
      return tpm.serverConfig()
          + "devid_crl_path = \""
          + devId
          + "\"\nendorsement_crl_path = \""
          + ek
          + "\"\n"
          + extra;
    }
  }

  /** Atomic replacement (new file, then rename), as CRL distribution tools do it. */
  private static void replace(Path file, String text) throws Exception {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.US_ASCII);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String hex(BigInteger serial) {
    return "0x" + serial.toString(16);
  }

  @Test
  void revokedLeafIntermediateAndEkCaAreRefusedNamingTheSerial(@TempDir Path dir) throws Exception {
    ProvisionedTpm tpm = lab.provision(dir, rsa());
    Crls crls = new Crls(tpm, dir);
    X509Certificate leaf = tpm.devIdCertificate();
    TestPki pki = crls.pki;

    crls.write(Map.of());
    AttestationOutcome ok = lab.attest(tpm.agentConfig(), crls.hcl(tpm, ""));
    assertThat(ok.succeeded()).as(ok.operatorView()).isTrue();
    assertThat(ok.spiffeId()).isEqualTo(E2eLab.expectedSpiffeId(leaf));

    crls.write(Map.of(pki.devIdIntermediate(), List.of(BigInteger.TWO, leaf.getSerialNumber())));
    AttestationOutcome leafRevoked = lab.attest(tpm.agentConfig(), crls.hcl(tpm, ""));
    assertThat(leafRevoked.code())
        .as(leafRevoked.operatorView())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(leafRevoked.failedSide()).isEqualTo("server");
    assertThat(leafRevoked.message())
        .startsWith(
            PREFIX
                + "DevID certificate revoked: serial "
                + hex(leaf.getSerialNumber())
                + " (issuer \"CN=Test DevID Intermediate CA\") is listed in a CRL of its"
                + " issuer, revoked ")
        .endsWith(", reason KEY_COMPROMISE");

    BigInteger intermediate = pki.devIdIntermediate().certificate().getSerialNumber();
    crls.write(Map.of(pki.devIdRoot(), List.of(intermediate)));
    AttestationOutcome interRevoked = lab.attest(tpm.agentConfig(), crls.hcl(tpm, ""));
    assertThat(interRevoked.code())
        .as(interRevoked.operatorView())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(interRevoked.message())
        .startsWith(
            PREFIX
                + "DevID intermediate certificate revoked: serial "
                + hex(intermediate)
                + " (issuer \"CN=Test DevID Root CA\")");

    // The EK CA is an anchor of endorsement_ca_path (as the Go server needs it); its root is there
    // too.
    BigInteger ekCa = pki.manufacturerIntermediate().certificate().getSerialNumber();
    crls.write(Map.of(pki.manufacturerRoot(), List.of(ekCa)));
    AttestationOutcome ekCaRevoked = lab.attest(tpm.agentConfig(), crls.hcl(tpm, ""));
    assertThat(ekCaRevoked.code())
        .as(ekCaRevoked.operatorView())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(ekCaRevoked.message())
        .startsWith(
            PREFIX
                + "EK CA certificate (trust anchor) revoked: serial "
                + hex(ekCa)
                + " (issuer \"CN=Test TPM Manufacturer Root CA\")");

    BigInteger ekLeaf =
        tpm.ekCertificate(dev.tpmdevid.labpki.KeyType.RSA).orElseThrow().getSerialNumber();
    crls.write(Map.of(pki.manufacturerIntermediate(), List.of(ekLeaf)));
    AttestationOutcome ekRevoked = lab.attest(tpm.agentConfig(), crls.hcl(tpm, ""));
    assertThat(ekRevoked.code())
        .as(ekRevoked.operatorView())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(ekRevoked.message())
        .startsWith(PREFIX + "EK certificate revoked: serial " + hex(ekLeaf));
  }

  @Test
  void expiredAndWronglySignedCrlsInBothModes(@TempDir Path dir) throws Exception {
    ProvisionedTpm tpm = lab.provision(dir, rsa());
    Crls crls = new Crls(tpm, dir);
    TestPki pki = crls.pki;
    X509Certificate leaf = tpm.devIdCertificate();
    crls.write(Map.of());

    // The intermediate's CRL ran out two hours ago (grace 1h).
    crls.writeDevId(
        crl(pki.devIdRoot()),
        pki.devIdIntermediate()
            .crl(NOW.minus(Duration.ofDays(8)), NOW.minus(Duration.ofHours(2)), List.of()));
    AttestationOutcome strict =
        lab.attest(tpm.agentConfig(), crls.hcl(tpm, "crl_grace_period = \"1h\"\n"));
    assertThat(strict.code()).as(strict.operatorView()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(strict.message())
        .startsWith(
            PREFIX
                + "cannot check revocation: DevID certificate serial "
                + hex(leaf.getSerialNumber())
                + " (issuer \"CN=Test DevID Intermediate CA\"): the CRL of its issuer is"
                + " out of date (nextUpdate ")
        .endsWith("(CRL mode strict)");
    AttestationOutcome lenient =
        lab.attest(
            tpm.agentConfig(),
            crls.hcl(tpm, "crl_mode = \"best_effort\"\ncrl_grace_period = \"1h\"\n"));
    assertThat(lenient.succeeded()).as(lenient.operatorView()).isTrue();
    AttestationOutcome graced =
        lab.attest(tpm.agentConfig(), crls.hcl(tpm, "crl_grace_period = \"3h\"\n"));
    assertThat(graced.succeeded()).as(graced.operatorView()).isTrue();

    // The intermediate's name, another key, "revoking" the leaf: never trusted.
    KeyPair other = java.security.KeyPairGenerator.getInstance("RSA").generateKeyPair();
    byte[] forged =
        TestCa.crl(
            pki.devIdIntermediate().certificate(),
            other.getPrivate(),
            BEFORE,
            LATER,
            List.of(leaf.getSerialNumber()));
    crls.writeDevId(crl(pki.devIdRoot()), forged);
    AttestationOutcome forgedStrict = lab.attest(tpm.agentConfig(), crls.hcl(tpm, ""));
    assertThat(forgedStrict.code())
        .as(forgedStrict.operatorView())
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(forgedStrict.message()).contains("not signed by the issuer's key");
    AttestationOutcome forgedLenient =
        lab.attest(tpm.agentConfig(), crls.hcl(tpm, "crl_mode = \"best_effort\"\n"));
    assertThat(forgedLenient.succeeded()).as(forgedLenient.operatorView()).isTrue();
  }

  @Test
  void crlFileReplacedWhileAttestationsRun(@TempDir Path dir) throws Exception {
    ProvisionedTpm tpm = lab.provision(dir, rsa());
    Crls crls = new Crls(tpm, dir);
    X509Certificate leaf = tpm.devIdCertificate();
    crls.write(Map.of());
    lab.server.configure(E2eLab.TRUST_DOMAIN, crls.hcl(tpm, "crl_refresh_interval = \"1s\"\n"));
    lab.agent.configure(E2eLab.TRUST_DOMAIN, tpm.agentConfig());

    List<AttestationOutcome> outcomes = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread streams =
        new Thread(
            () -> {
              try {
                while (!stop.get()) {
                  outcomes.add(
                      new dev.tpmdevid.testbed.host.AttestationRelay(
                              lab.agent, lab.server, E2eLab.TRUST_DOMAIN)
                          .attest());
                }
              } catch (Throwable t) {
                failure.set(t);
              }
            },
            "crl-e2e-streams");
    streams.start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (outcomes.isEmpty() && failure.get() == null && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(outcomes).as("an attestation before the change").isNotEmpty();
      crls.write(Map.of(crls.pki.devIdIntermediate(), List.of(leaf.getSerialNumber())));
      int before = outcomes.size();
      while (failure.get() == null
          && System.nanoTime() < deadline
          && outcomes.stream().skip(before).noneMatch(o -> !o.succeeded())) {
        Thread.sleep(50);
      }
    } finally {
      stop.set(true);
      streams.join(120_000);
    }
    assertThat(failure.get()).isNull();
    List<AttestationOutcome> seen = new ArrayList<>(outcomes);
    int firstRefusal = -1;
    for (int i = 0; i < seen.size(); i++) {
      AttestationOutcome o = seen.get(i);
      if (firstRefusal < 0 && !o.succeeded()) {
        firstRefusal = i;
      }
      if (firstRefusal >= 0) {
        assertThat(o.code())
            .as("attestation " + i + " after the revocation was picked up: " + o.operatorView())
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(o.message())
            .startsWith(
                PREFIX + "DevID certificate revoked: serial " + hex(leaf.getSerialNumber()));
      } else {
        assertThat(o.succeeded()).as("attestation " + i + ": " + o.operatorView()).isTrue();
      }
    }
    assertThat(firstRefusal).as("the new CRL was picked up without a reconfigure").isPositive();
  }
}
