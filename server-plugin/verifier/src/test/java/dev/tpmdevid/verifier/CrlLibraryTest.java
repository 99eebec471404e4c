package dev.tpmdevid.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.verifier.AttestationFailure.Reason;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import dev.tpmdevid.verifier.x509.CrlMode;
import dev.tpmdevid.verifier.x509.RevocationStore;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CRL revocation through the verifier's public API: a {@link TpmDevIdVerifier} built with {@code
 * devIdRevocation} / {@code endorsementRevocation} {@link RevocationStore}s over CRL files
 * (docs/library.md#revocation-crls), a software agent as the peer.
 */
class CrlLibraryTest {
  private static final Instant BEFORE = Instant.now().minus(Duration.ofMinutes(10));
  private static final Instant LATER = Instant.now().plus(Duration.ofDays(7));
  private static SoftwareAgent agent;

  @TempDir Path dir;
  final List<String> warnings = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    agent = SoftwareAgent.goLike();
  }

  /** The public API: a verifier built with the CRL stores (either may be null). */
  private static TpmDevIdVerifier verifier(RevocationStore devIdCrls, RevocationStore ekCrls) {
    return TpmDevIdVerifier.builder()
        .devIdRoots(List.of(agent.devIdRoot.cert()))
        .endorsementRoots(List.of(agent.ekCa.cert()))
        .devIdRevocation(devIdCrls)
        .endorsementRevocation(ekCrls)
        .build();
  }

  private static byte[] crl(
      TestPki.Ca ca, PrivateKey key, Instant thisUpdate, Instant next, BigInteger... revoked) {
    return TestPki.crl(ca, key, thisUpdate, next, revoked);
  }

  private Path devIdCrls(byte[] rootCrl, byte[] intermediateCrl) throws Exception {
    Path tmp = dir.resolve("devid.tmp");
    Files.writeString(tmp, TestPki.crlPem(rootCrl, intermediateCrl));
    return Files.move(
        tmp,
        dir.resolve("devid-crl.pem"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private byte[] rootCrl(BigInteger... revoked) {
    return crl(agent.devIdRoot, agent.devIdRoot.key(), BEFORE, LATER, revoked);
  }

  private byte[] intermediateCrl(BigInteger... revoked) {
    return crl(agent.devIdIntermediate, agent.devIdIntermediate.key(), BEFORE, LATER, revoked);
  }

  private RevocationStore store(Path file, CrlMode mode, Duration refresh) throws Exception {
    return RevocationStore.open(
        "DevID", List.of(file), mode, Duration.ZERO, refresh, warnings::add);
  }

  private static String attest(TpmDevIdVerifier v) throws AttestationFailure {
    TpmDevIdVerifier.Challenge c = v.begin(agent.payload());
    return c.complete(agent.respond(c.challengeJson())).agentId("example.org");
  }

  private static void assertRefused(TpmDevIdVerifier p, Reason reason, String messageStart) {
    assertThatThrownBy(() -> attest(p))
        .isInstanceOfSatisfying(
            AttestationFailure.class,
            f -> {
              assertThat(f.reason()).isEqualTo(reason);
              assertThat(f.getMessage()).startsWith(messageStart);
            });
  }

  @Test
  void leafIntermediateAndEkRevocation() throws Exception {
    BigInteger leaf = agent.devIdCert.getSerialNumber();
    BigInteger inter = agent.devIdIntermediate.cert().getSerialNumber();
    try (RevocationStore none =
        store(devIdCrls(rootCrl(), intermediateCrl()), CrlMode.STRICT, Duration.ZERO)) {
      assertThat(attest(verifier(none, null)))
          .startsWith("spiffe://example.org/spire/agent/tpm_devid/");
    }
    try (RevocationStore s =
        store(devIdCrls(rootCrl(), intermediateCrl(leaf)), CrlMode.STRICT, Duration.ZERO)) {
      assertRefused(
          verifier(s, null),
          Reason.DEVID_REVOKED,
          "DevID certificate revoked: serial 0x" + leaf.toString(16));
    }
    try (RevocationStore s =
        store(devIdCrls(rootCrl(inter), intermediateCrl()), CrlMode.BEST_EFFORT, Duration.ZERO)) {
      assertRefused(
          verifier(s, null),
          Reason.DEVID_REVOKED,
          "DevID intermediate certificate revoked: serial 0x" + inter.toString(16));
    }
    BigInteger ek = agent.ekCert.getSerialNumber();
    Path ekFile =
        Files.write(dir.resolve("ek.crl"), crl(agent.ekCa, agent.ekCa.key(), BEFORE, LATER, ek));
    try (RevocationStore s =
        RevocationStore.open(
            "EK", List.of(ekFile), CrlMode.STRICT, Duration.ZERO, Duration.ZERO, warnings::add)) {
      assertRefused(
          verifier(null, s),
          Reason.EK_REVOKED,
          "EK certificate revoked: serial 0x" + ek.toString(16));
    }
  }

  @Test
  void expiredAndWronglySignedCrlsInBothModes() throws Exception {
    Instant old = Instant.now().minus(Duration.ofDays(9));
    Instant expired = Instant.now().minus(Duration.ofDays(1));
    Path stale =
        devIdCrls(
            rootCrl(), crl(agent.devIdIntermediate, agent.devIdIntermediate.key(), old, expired));
    try (RevocationStore s = store(stale, CrlMode.STRICT, Duration.ZERO)) {
      assertRefused(
          verifier(s, null),
          Reason.REVOCATION_UNAVAILABLE,
          "cannot check revocation: DevID certificate serial 0x");
    }
    try (RevocationStore s = store(stale, CrlMode.BEST_EFFORT, Duration.ZERO)) {
      assertThat(attest(verifier(s, null))).isNotNull();
      assertThat(warnings).singleElement().asString().contains("out of date");
    }
    PrivateKey wrong = TestPki.p256().getPrivate();
    Path forged =
        devIdCrls(
            rootCrl(),
            crl(agent.devIdIntermediate, wrong, BEFORE, LATER, agent.devIdCert.getSerialNumber()));
    try (RevocationStore s = store(forged, CrlMode.STRICT, Duration.ZERO)) {
      assertRefused(
          verifier(s, null),
          Reason.REVOCATION_UNAVAILABLE,
          "cannot check revocation: DevID certificate serial 0x");
    }
    try (RevocationStore s = store(forged, CrlMode.BEST_EFFORT, Duration.ZERO)) {
      assertThat(attest(verifier(s, null))).isNotNull();
    }
  }

  @Test
  void fileReplacedWhileAttestationsRun() throws Exception {
    Path file = devIdCrls(rootCrl(), intermediateCrl());
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (RevocationStore s = store(file, CrlMode.STRICT, Duration.ofMillis(100))) {
      TpmDevIdVerifier p = verifier(s, null);
      List<Future<List<Object>>> runs = new ArrayList<>();
      CountDownLatch attestedOnce = new CountDownLatch(2);
      for (int t = 0; t < 2; t++) {
        runs.add(
            pool.submit(
                () -> {
                  List<Object> seen = new ArrayList<>();
                  while (!stop.get()) {
                    try {
                      seen.add(attest(p));
                      if (seen.size() == 1) {
                        attestedOnce.countDown();
                      }
                    } catch (AttestationFailure f) {
                      seen.add(f.reason());
                      if (seen.size() > 1 && f.reason() == Reason.DEVID_REVOKED) {
                        return seen; // revocation observed by this stream
                      }
                    }
                  }
                  return seen;
                }));
      }
      assertThat(attestedOnce.await(60, TimeUnit.SECONDS)).as("both streams attested").isTrue();
      devIdCrls(rootCrl(), intermediateCrl(agent.devIdCert.getSerialNumber()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      boolean allDone = false;
      while (!allDone && System.nanoTime() < deadline) {
        allDone = runs.stream().allMatch(Future::isDone);
        Thread.sleep(20);
      }
      stop.set(true);
      for (Future<List<Object>> r : runs) {
        List<Object> seen = r.get(60, TimeUnit.SECONDS);
        assertThat(seen)
            .as("each stream attested before the change")
            .first()
            .isInstanceOf(String.class);
        int firstRefusal = seen.indexOf(Reason.DEVID_REVOKED);
        assertThat(firstRefusal).as("each stream saw the revocation, no reconfigure").isPositive();
        assertThat(seen.subList(0, firstRefusal)).allMatch(o -> o instanceof String);
        assertThat(seen.subList(firstRefusal, seen.size())).containsOnly(Reason.DEVID_REVOKED);
      }
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }
}
