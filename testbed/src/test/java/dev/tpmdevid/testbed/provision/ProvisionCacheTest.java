package dev.tpmdevid.testbed.provision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Files;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Live swtpm: TPMs started from copies of a golden state. */
class ProvisionCacheTest {

  private static final byte[] NONCE = "cache-copy-nonce-0123456789abcde".getBytes();

  @Test
  void copiesOfTheGoldenStateAreFullyProvisionedTpms() throws Exception {
    ProvisionCache cache = new ProvisionCache();
    ProvisionOptions options = ProvisionOptions.defaults();
    long t0 = System.nanoTime();
    try (ProvisionedTpm first = cache.start(options)) {
      long t1 = System.nanoTime();
      try (ProvisionedTpm second = cache.start(options)) {
        long t2 = System.nanoTime();
        System.out.printf(
            "cache: first start (manufacture + copy) %.0f ms, of which manufacture %.0f ms;"
                + " second start (copy only) %.0f ms%n",
            (t1 - t0) / 1e6, cache.manufactureNanos(options) / 1e6, (t2 - t1) / 1e6);
        assertThat(cache.manufacturedCount()).isEqualTo(1);
        assertThat(second.tpmDevicePath()).isNotEqualTo(first.tpmDevicePath());
        assertThat(second.directory()).isNotEqualTo(first.directory());
        assertThat(second.devIdPublic()).isEqualTo(first.devIdPublic());
        for (ProvisionedTpm p : List.of(first, second)) {
          assertWorks(p);
          assertThat(Files.readString(p.agentHclPath())).contains(p.tpmDevicePath());
        }
      }
      assertThat(first.swtpm().orElseThrow().isRunning()).isTrue();
    }
  }

  @Test
  void certificateChoicesReuseTheGoldenStateAndReissueTheDevIdCertificate() throws Exception {
    ProvisionCache cache = new ProvisionCache();
    ProvisionOptions base =
        ProvisionOptions.defaults().withDevIdKeyType(KeyType.ECC).withEkCertificates(true, false);
    ProvisionOptions expired =
        base.withDevIdCommonName("expired-node")
            .withDevIdIntermediate(false)
            .withDevIdValidity(Validity.expiredSince(Duration.ofHours(1)));
    try (ProvisionedTpm normal = cache.start(base);
        ProvisionedTpm old = cache.start(expired)) {
      assertThat(cache.manufacturedCount()).isEqualTo(1);
      assertThat(old.options()).isEqualTo(expired);
      List<X509Certificate> chain = TpmChecks.readPemChain(old.devIdCertPath());
      assertThat(chain).hasSize(1);
      assertThat(chain.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=expired-node");
      assertThat(chain.get(0).getPublicKey()).isEqualTo(normal.devIdCertificate().getPublicKey());
      assertThat(chain.get(0).getIssuerX500Principal())
          .isEqualTo(old.pki().devIdRoot().certificate().getSubjectX500Principal());
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> TestPkiTest.validate(chain, old.pki().devIdRoot().certificate()))
          .isInstanceOf(CertPathValidatorException.class);
      assertWorks(old);
      assertThat(old.ekCertificate(KeyType.ECC)).isEmpty();
    }
  }

  @Test
  void concurrentStartsManufactureOnceAndPasswordsSurviveTheCopy() throws Exception {
    ProvisionCache cache = new ProvisionCache();
    ProvisionOptions options =
        ProvisionOptions.defaults().withDevIdKeyType(KeyType.ECC).withSpirePasswords();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<Future<ProvisionedTpm>> started = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      started.add(pool.submit(() -> cache.start(options, Swtpm.Transport.UNIX)));
    }
    List<ProvisionedTpm> tpms = new ArrayList<>();
    try {
      for (Future<ProvisionedTpm> f : started) {
        tpms.add(f.get());
      }
      assertThat(cache.manufacturedCount()).isEqualTo(1);
      for (ProvisionedTpm p : tpms) {
        assertWorks(p);
        assertThat(p.pki()).isSameAs(cache.pki(KeyType.RSA));
      }
    } finally {
      pool.shutdown();
      for (ProvisionedTpm p : tpms) {
        p.close();
      }
    }
    for (ProvisionedTpm p : tpms) {
      assertThat(p.swtpm().orElseThrow().isRunning()).isFalse();
      assertThat(p.directory()).doesNotExist();
    }
  }

  @Test
  void toolsMadeGoldenStatesAreCachedToo() throws Exception {
    ProvisionCache cache = new ProvisionCache();
    ProvisionOptions options =
        ProvisionOptions.defaults()
            .withDevIdKeyType(KeyType.ECC)
            .withCaKeyType(KeyType.ECC)
            .withSpirePasswords()
            .withEkNvPadding(5);
    ProvisionOptions expired =
        options.withDevIdValidity(Validity.expiredSince(Duration.ofMinutes(5)));
    try (ProvisionedTpm a = cache.start(options, Swtpm.Transport.TCP, ProvisionCache.Method.TOOLS);
        ProvisionedTpm b =
            cache.start(expired, Swtpm.Transport.UNIX, ProvisionCache.Method.TOOLS)) {
      System.out.printf(
          "cache (tools): manufacture %.0f ms%n",
          cache.manufactureNanos(options, ProvisionCache.Method.TOOLS) / 1e6);
      assertThat(cache.manufacturedCount()).isEqualTo(1);
      assertThat(a.pki()).isNotSameAs(cache.pki(KeyType.ECC)).isSameAs(b.pki());
      assertWorks(a);
      assertWorks(b);
      assertThat(b.devIdCertificate().getNotAfter()).isInThePast();
      TestPkiTest.validate(a.devIdChain(), a.pki().devIdRoot().certificate());
    }
  }

  @Test
  void sharedCacheGivesATpmInOneLine() throws Exception {
    try (ProvisionedTpm tpm = ProvisionCache.shared().start(ProvisionOptions.defaults())) {
      assertWorks(tpm);
    }
  }

  /**
   * EK certificates in NV match the EKs; the DevID files load under a fresh SRK and sign for the
   * certificate key.
   */
  static void assertWorks(ProvisionedTpm p) throws Exception {
    ProvisionOptions o = p.options();
    byte[] owner = o.ownerPassword().getBytes();
    try (TpmConnection c = p.openConnection()) {
      for (KeyType ekType : KeyType.values()) {
        if (p.ekCertificate(ekType).isEmpty()) {
          continue;
        }
        byte[] der =
            TpmChecks.derTrim(TpmChecks.readNv(c.tpm(), Templates.ekCertNvIndex(ekType), owner));
        X509Certificate cert = TpmChecks.parseCertificate(der);
        assertThat(cert).isEqualTo(p.ekCertificate(ekType).orElseThrow());
        assertThat(cert.getPublicKey())
            .isEqualTo(
                TpmKeys.toPublicKey(
                    TpmChecks.createEk(c.tpm(), ekType, o.endorsementPassword().getBytes())));
      }
      byte[] sig =
          TpmChecks.loadAndSign(
              c.tpm(),
              o.devIdKeyType(),
              Files.readAllBytes(p.devIdPubPath()),
              Files.readAllBytes(p.devIdPrivPath()),
              owner,
              o.devIdPassword().getBytes(),
              NONCE);
      assertThat(
              TpmChecks.verify(
                  TpmChecks.readPemChain(p.devIdCertPath()).get(0).getPublicKey(),
                  o.devIdKeyType(),
                  NONCE,
                  sig))
          .isTrue();
      assertThat(c.transientHandles()).isEmpty();
    }
  }
}
