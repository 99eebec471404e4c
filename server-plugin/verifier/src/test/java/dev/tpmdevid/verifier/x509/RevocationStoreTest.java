package dev.tpmdevid.verifier.x509;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.labpki.TestPki.Ca;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RevocationStore} on real CRLs (Bouncy Castle-made, parsed and verified by the JDK) over
 * chains built by {@link ChainVerifier}: root -> intermediate -> DevID leaf.
 */
class RevocationStoreTest {
  private static final Instant NOW = Instant.now();
  private static final Instant BEFORE = NOW.minus(Duration.ofHours(1));
  private static final Instant LATER = NOW.plus(Duration.ofDays(7));

  static Ca root;
  static Ca inter;
  static X509Certificate leaf;
  static Ca stranger;
  static TrustBundle bundle;
  static List<List<Cert>> chains;

  @TempDir Path dir;
  final List<String> warnings = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void pki() throws Exception {
    root = TestPki.rootCa("CRL Test Root");
    inter = TestPki.intermediateCa("CRL Test Intermediate", root);
    leaf =
        TestPki.cert("crl-test-leaf")
            .issuedBy(inter)
            .key(TestPki.p256().getPublic())
            .notCa()
            .build();
    stranger = TestPki.rootCa("CRL Test Intermediate"); // same name as the intermediate, other key
    bundle = TrustBundle.of(List.of(root.cert()));
    chains =
        ChainVerifier.verify(
            Cert.of(leaf), List.of(Cert.of(inter.cert())), bundle, Date.from(NOW), Set.of());
  }

  private static BigInteger serial(X509Certificate c) {
    return c.getSerialNumber();
  }

  private Path write(String name, byte[] bytes) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private Path pem(String name, byte[]... crls) throws Exception {
    return write(name, TestPki.crlPem(crls).getBytes(StandardCharsets.US_ASCII));
  }

  private RevocationStore open(CrlMode mode, Duration grace, Path... files) throws Exception {
    return RevocationStore.open("DevID", List.of(files), mode, grace, Duration.ZERO, warnings::add);
  }

  private static byte[] rootCrl(BigInteger... revoked) {
    return TestPki.crl(root, root.key(), BEFORE, LATER, revoked);
  }

  private static byte[] interCrl(BigInteger... revoked) {
    return TestPki.crl(inter, inter.key(), BEFORE, LATER, revoked);
  }

  @Test
  void currentCrlsListingNothingAccept() throws Exception {
    try (RevocationStore s =
        open(
            CrlMode.STRICT,
            Duration.ZERO,
            pem("all.pem", rootCrl(BigInteger.valueOf(7)), interCrl(BigInteger.valueOf(8))))) {
      RevocationResult r = s.check(chains, bundle, NOW);
      assertEquals(new RevocationResult.Ok(List.of()), r);
      assertEquals(2, s.crlCount());
    }
  }

  @Test
  void revokedLeafIsRefusedNamingItsSerial() throws Exception {
    try (RevocationStore s =
        open(
            CrlMode.STRICT,
            Duration.ZERO,
            pem("all.pem", rootCrl(), interCrl(BigInteger.ONE, serial(leaf))))) {
      RevocationResult.Revoked r =
          assertInstanceOf(RevocationResult.Revoked.class, s.check(chains, bundle, NOW));
      assertEquals(serial(leaf), r.serial());
      assertTrue(
          r.message()
              .startsWith(
                  "DevID certificate revoked: serial 0x"
                      + serial(leaf).toString(16)
                      + " (issuer \"CN=CRL Test Intermediate\")"),
          r.message());
      assertTrue(r.message().contains("reason KEY_COMPROMISE"), r.message());
    }
  }

  @Test
  void revokedIntermediateIsRefusedInBothModes() throws Exception {
    for (CrlMode mode : CrlMode.values()) {
      try (RevocationStore s =
          open(
              mode,
              Duration.ZERO,
              pem("all-" + mode + ".pem", rootCrl(serial(inter.cert())), interCrl()))) {
        RevocationResult.Revoked r =
            assertInstanceOf(RevocationResult.Revoked.class, s.check(chains, bundle, NOW));
        assertEquals(serial(inter.cert()), r.serial());
        assertTrue(
            r.message()
                .startsWith(
                    "DevID intermediate certificate revoked: serial 0x"
                        + serial(inter.cert()).toString(16)),
            r.message());
      }
    }
  }

  @Test
  void derFilesWorkAsWellAsPem() throws Exception {
    try (RevocationStore s =
        open(
            CrlMode.STRICT,
            Duration.ZERO,
            write("root.crl", rootCrl()),
            write("inter.crl", interCrl(serial(leaf))))) {
      assertInstanceOf(RevocationResult.Revoked.class, s.check(chains, bundle, NOW));
    }
  }

  @Test
  void expiredCrlStrictRefusesBestEffortAcceptsWithAWarning() throws Exception {
    byte[] expiredInter =
        TestPki.crl(
            inter, inter.key(), NOW.minus(Duration.ofDays(8)), NOW.minus(Duration.ofHours(2)));
    Path f = pem("expired.pem", rootCrl(), expiredInter);
    try (RevocationStore s = open(CrlMode.STRICT, Duration.ZERO, f)) {
      RevocationResult.Unavailable u =
          assertInstanceOf(RevocationResult.Unavailable.class, s.check(chains, bundle, NOW));
      assertTrue(
          u.message().contains("DevID certificate serial 0x" + serial(leaf).toString(16)),
          u.message());
      assertTrue(u.message().contains("out of date"), u.message());
      assertTrue(u.message().endsWith("(CRL mode strict)"), u.message());
    }
    try (RevocationStore s = open(CrlMode.BEST_EFFORT, Duration.ZERO, f)) {
      RevocationResult.Ok ok =
          assertInstanceOf(RevocationResult.Ok.class, s.check(chains, bundle, NOW));
      assertEquals(1, ok.notes().size(), ok.notes().toString());
      s.check(chains, bundle, NOW);
      // Another leaf of the same issuer: same problem, no second warning (not one per agent).
      X509Certificate other =
          TestPki.cert("crl-test-other")
              .issuedBy(inter)
              .key(TestPki.p256().getPublic())
              .notCa()
              .build();
      s.check(
          ChainVerifier.verify(
              Cert.of(other), List.of(Cert.of(inter.cert())), bundle, Date.from(NOW), Set.of()),
          bundle,
          NOW);
      assertEquals(1, warnings.size(), "one warning per issuer and problem: " + warnings);
      assertTrue(warnings.get(0).contains("out of date"), warnings.get(0));
    }
    // Within the grace the same CRL is current, even in strict mode.
    try (RevocationStore s = open(CrlMode.STRICT, Duration.ofHours(3), f)) {
      assertEquals(new RevocationResult.Ok(List.of()), s.check(chains, bundle, NOW));
    }
  }

  @Test
  void anExpiredCrlStillRevokesWhatItLists() throws Exception {
    byte[] expiredInter =
        TestPki.crl(
            inter,
            inter.key(),
            NOW.minus(Duration.ofDays(8)),
            NOW.minus(Duration.ofHours(2)),
            serial(leaf));
    try (RevocationStore s =
        open(CrlMode.BEST_EFFORT, Duration.ZERO, pem("expired.pem", rootCrl(), expiredInter))) {
      assertInstanceOf(RevocationResult.Revoked.class, s.check(chains, bundle, NOW));
    }
  }

  @Test
  void crlSignedByTheWrongKeyIsNotTrusted() throws Exception {
    // Issuer name of the intermediate, signed by another key, "revoking" the leaf.
    byte[] forged = TestPki.crl(inter, stranger.key(), BEFORE, LATER, serial(leaf));
    Path f = pem("forged.pem", rootCrl(), forged);
    try (RevocationStore s = open(CrlMode.STRICT, Duration.ZERO, f)) {
      RevocationResult.Unavailable u =
          assertInstanceOf(RevocationResult.Unavailable.class, s.check(chains, bundle, NOW));
      assertTrue(u.message().contains("not signed by the issuer's key"), u.message());
    }
    try (RevocationStore s = open(CrlMode.BEST_EFFORT, Duration.ZERO, f)) {
      RevocationResult.Ok ok =
          assertInstanceOf(RevocationResult.Ok.class, s.check(chains, bundle, NOW));
      assertTrue(ok.notes().get(0).contains("not signed by the issuer's key"), ok.notes().get(0));
    }
  }

  @Test
  void strictNeedsACrlForEveryCertificateOfTheChain() throws Exception {
    try (RevocationStore s = open(CrlMode.STRICT, Duration.ZERO, pem("root.pem", rootCrl()))) {
      RevocationResult.Unavailable u =
          assertInstanceOf(RevocationResult.Unavailable.class, s.check(chains, bundle, NOW));
      assertTrue(u.message().contains("no CRL from its issuer"), u.message());
    }
  }

  @Test
  void unusableFilesFailStrictOpenAndWarnInBestEffort() throws Exception {
    Path garbage = write("garbage.crl", new byte[] {0x30, 0x03, 0x02, 0x01, 0x01});
    Path missing = dir.resolve("missing.crl");
    Path delta = pem("delta.pem", TestPki.crl(inter, inter.key(), BEFORE, LATER, true));
    for (Path p : List.of(garbage, missing, delta)) {
      RevocationStore.LoadException e =
          assertThrows(
              RevocationStore.LoadException.class, () -> open(CrlMode.STRICT, Duration.ZERO, p));
      assertTrue(e.getMessage().startsWith("CRL file " + p + ": "), e.getMessage());
    }
    assertTrue(
        assertThrows(
                RevocationStore.LoadException.class,
                () -> open(CrlMode.STRICT, Duration.ZERO, delta))
            .getMessage()
            .contains("critical"));
    try (RevocationStore s =
        open(
            CrlMode.BEST_EFFORT,
            Duration.ZERO,
            garbage,
            missing,
            pem("ok.pem", rootCrl(), interCrl()))) {
      assertEquals(2, warnings.size(), warnings.toString());
      assertEquals(new RevocationResult.Ok(List.of()), s.check(chains, bundle, NOW));
    }
  }

  @Test
  void replacedFileIsPickedUpAndABrokenReplacementKeepsThePreviousCrls() throws Exception {
    Path f = pem("live.pem", rootCrl(), interCrl());
    List<String> reloads = new CopyOnWriteArrayList<>();
    try (RevocationStore s =
        RevocationStore.open(
            "DevID",
            List.of(f),
            CrlMode.STRICT,
            Duration.ZERO,
            Duration.ZERO,
            warnings::add,
            reloads::add)) {
      assertInstanceOf(RevocationResult.Ok.class, s.check(chains, bundle, NOW));
      replace(
          f, TestPki.crlPem(rootCrl(), interCrl(serial(leaf))).getBytes(StandardCharsets.US_ASCII));
      s.refresh();
      assertInstanceOf(RevocationResult.Revoked.class, s.check(chains, bundle, NOW));
      assertEquals(List.of("CRL file " + f + " reloaded: 2 CRLs"), reloads);
      replace(
          f,
          "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"
              .getBytes(StandardCharsets.US_ASCII));
      s.refresh();
      assertInstanceOf(
          RevocationResult.Revoked.class,
          s.check(chains, bundle, NOW),
          "a broken file must not un-revoke");
      assertTrue(
          warnings.stream().anyMatch(w -> w.contains("keeping its previous CRLs")),
          warnings.toString());
      Files.delete(f);
      s.refresh();
      assertInstanceOf(RevocationResult.Revoked.class, s.check(chains, bundle, NOW));
    }
  }

  @Test
  void sameSizeSameMtimeRewriteIsFoundByTheHashCheck() throws Exception {
    byte[] a =
        TestPki.crlPem(rootCrl(), interCrl(BigInteger.valueOf(1)))
            .getBytes(StandardCharsets.US_ASCII);
    byte[] b =
        TestPki.crlPem(rootCrl(), interCrl(serial(leaf))).getBytes(StandardCharsets.US_ASCII);
    // Same length (both list one serial); pad to be sure.
    int len = Math.max(a.length, b.length);
    a = java.util.Arrays.copyOf(a, len);
    b = java.util.Arrays.copyOf(b, len);
    for (int i = 0; i < len; i++) {
      if (a[i] == 0) a[i] = '\n';
      if (b[i] == 0) b[i] = '\n';
    }
    Path f = write("same.pem", a);
    try (RevocationStore s = open(CrlMode.STRICT, Duration.ZERO, f)) {
      java.nio.file.attribute.FileTime t = Files.getLastModifiedTime(f);
      Files.write(f, b);
      Files.setLastModifiedTime(f, t);
      int polls = 0;
      while (!(s.check(chains, bundle, NOW) instanceof RevocationResult.Revoked)) {
        assertTrue(++polls <= RevocationStore.HASH_EVERY_POLLS, "not found by the hash check");
        s.refresh();
      }
    }
  }

  @Test
  void pollerSwapsSnapshotsWhileCheckersRun() throws Exception {
    Path f = pem("polled.pem", rootCrl(), interCrl());
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger revokedSeen = new AtomicInteger();
    AtomicInteger checks = new AtomicInteger();
    try (RevocationStore s =
        RevocationStore.open(
            "DevID",
            List.of(f),
            CrlMode.STRICT,
            Duration.ZERO,
            Duration.ofMillis(50),
            warnings::add)) {
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        Thread th =
            new Thread(
                () -> {
                  try {
                    boolean sawRevoked = false; // per thread: snapshots only move forward
                    while (!stop.get()) {
                      RevocationResult r = s.check(chains, bundle, NOW);
                      checks.incrementAndGet();
                      if (r instanceof RevocationResult.Revoked) {
                        sawRevoked = true;
                        revokedSeen.incrementAndGet();
                      } else if (!(r instanceof RevocationResult.Ok)) {
                        throw new AssertionError("unexpected " + r);
                      } else if (sawRevoked) {
                        throw new AssertionError(
                            "went back to Ok after this thread saw the revocation");
                      }
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                });
        th.start();
        readers.add(th);
      }
      replace(
          f, TestPki.crlPem(rootCrl(), interCrl(serial(leaf))).getBytes(StandardCharsets.US_ASCII));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (revokedSeen.get() == 0 && System.nanoTime() < deadline && failure.get() == null) {
        Thread.sleep(20);
      }
      stop.set(true);
      for (Thread th : readers) {
        th.join(60_000);
      }
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
      assertTrue(revokedSeen.get() > 0, "the poller never picked up the new file");
      assertTrue(checks.get() > 0);
    }
  }

  @Test
  void nonSelfIssuedAnchorIsCheckedAgainstItsIssuersCrl() throws Exception {
    // EK style: the intermediate is itself an anchor next to its root.
    TrustBundle both = TrustBundle.of(List.of(root.cert(), inter.cert()));
    List<List<Cert>> ek =
        ChainVerifier.verify(Cert.of(leaf), List.of(), both, Date.from(NOW), Set.of());
    assertEquals(2, ek.get(0).size());
    try (RevocationStore s =
        RevocationStore.open(
            "EK",
            List.of(pem("ek.pem", rootCrl(serial(inter.cert())), interCrl())),
            CrlMode.STRICT,
            Duration.ZERO,
            Duration.ZERO,
            warnings::add)) {
      RevocationResult.Revoked r =
          assertInstanceOf(RevocationResult.Revoked.class, s.check(ek, both, NOW));
      assertTrue(
          r.message()
              .startsWith(
                  "EK CA certificate (trust anchor) revoked: serial 0x"
                      + serial(inter.cert()).toString(16)),
          r.message());
    }
    // Without the root in the bundle the anchor is trusted as configured, even in strict mode
    // (its issuer's CRL could not be verified), while the leaf is still checked.
    TrustBundle interOnly = TrustBundle.of(List.of(inter.cert()));
    List<List<Cert>> short1 =
        ChainVerifier.verify(Cert.of(leaf), List.of(), interOnly, Date.from(NOW), Set.of());
    try (RevocationStore s =
        RevocationStore.open(
            "EK",
            List.of(pem("ek2.pem", rootCrl(serial(inter.cert())), interCrl())),
            CrlMode.STRICT,
            Duration.ZERO,
            Duration.ZERO,
            warnings::add)) {
      assertEquals(new RevocationResult.Ok(List.of()), s.check(short1, interOnly, NOW));
    }
    try (RevocationStore s =
        RevocationStore.open(
            "EK",
            List.of(pem("ek3.pem", interCrl(serial(leaf)))),
            CrlMode.STRICT,
            Duration.ZERO,
            Duration.ZERO,
            warnings::add)) {
      assertInstanceOf(RevocationResult.Revoked.class, s.check(short1, interOnly, NOW));
    }
  }

  @Test
  void modeNames() {
    assertEquals(CrlMode.STRICT, CrlMode.parse("strict"));
    assertEquals(CrlMode.BEST_EFFORT, CrlMode.parse(" Best_Effort "));
    assertThrows(IllegalArgumentException.class, () -> CrlMode.parse("lenient"));
    assertFalse(RevocationStore.serialHex(BigInteger.TEN).isEmpty());
    assertEquals("0xa", RevocationStore.serialHex(BigInteger.TEN));
  }

  /** Atomic replacement, as an operator's tooling would do it (write a new file, rename). */
  private static void replace(Path f, byte[] bytes) throws Exception {
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
