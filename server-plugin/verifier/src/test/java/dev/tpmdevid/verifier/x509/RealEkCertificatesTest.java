package dev.tpmdevid.verifier.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Real vendor EK certificates ({@code testdata/realcerts}, see its PROVENANCE.md) through the EK
 * chain rules of docs/protocol.md#server-checks step 11: anchors = every certificate of the
 * vendor's CA folder, SAN exempt on the leaf only, time = one day after the leaf's notBefore
 * (several are expired today).
 */
class RealEkCertificatesTest {
  private static final Set<String> EK_LEAF_EXEMPT = Set.of("2.5.29.17");

  /** Leaves Go (and we) refuse: all are TPM 1.2-era certificates signed with sha1WithRSA. */
  static final Map<String, String> REJECTED =
      Map.of(
          "stmicro_3", "insecure algorithm SHA1-RSA",
          "stmicro_4", "insecure algorithm SHA1-RSA",
          "stmicro_5", "insecure algorithm SHA1-RSA",
          "nuvoton_2", "insecure algorithm SHA1-RSA",
          "infineon_1", "insecure algorithm SHA1-RSA");

  /**
   * The vendored real EK certificates: {@code testdata/realcerts} on the test class path (kept
   * once, in {@code tpm-core/src/test/resources}, added to this module's test resources by its
   * pom). Missing data fails the test with the file's name.
   */
  static Path realcerts() {
    String marker = "/testdata/realcerts/PROVENANCE.md";
    java.net.URL url = RealEkCertificatesTest.class.getResource(marker);
    if (url == null || !"file".equals(url.getProtocol())) {
      throw new AssertionError(
          "test data missing: "
              + marker.substring(1)
              + " is not on the test class path as a file (it lives in"
              + " tpm-core/src/test/resources"
              + marker
              + ")");
    }
    try {
      return Paths.get(url.toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new AssertionError("test data: bad location " + url, e);
    }
  }

  static TrustBundle vendorBundle(Path realcerts, String vendor) throws Exception {
    List<X509Certificate> certs = new ArrayList<>();
    try (Stream<Path> files = Files.list(realcerts.resolve("vendor-ca").resolve(vendor))) {
      for (Path f : files.filter(x -> x.toString().endsWith(".pem")).sorted().toList()) {
        certs.addAll(PemCertificates.parse(Files.readAllBytes(f)));
      }
    }
    return TrustBundle.of(certs);
  }

  private static Map<String, String> verifyAll(Path root, String bundleVendorOverride)
      throws Exception {
    Map<String, String> results = new LinkedHashMap<>();
    Map<String, TrustBundle> bundles = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(root.resolve("ek-leaf"))) {
      for (Path f : files.filter(x -> x.toString().endsWith(".der")).sorted().toList()) {
        String name = f.getFileName().toString().replace(".der", "");
        String vendor =
            bundleVendorOverride != null
                ? bundleVendorOverride
                : name.substring(0, name.indexOf('_'));
        TrustBundle b =
            bundles.computeIfAbsent(
                vendor,
                v -> {
                  try {
                    return vendorBundle(root, v);
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        Cert leaf = Cert.parse(Files.readAllBytes(f));
        Date at = Date.from(leaf.x509().getNotBefore().toInstant().plus(Duration.ofDays(1)));
        try {
          List<List<Cert>> chains = ChainVerifier.verify(leaf, List.of(), b, at, EK_LEAF_EXEMPT);
          results.put(name, "OK chains=" + chains.size());
        } catch (ChainVerificationException e) {
          results.put(name, e.getMessage());
        }
      }
    }
    return results;
  }

  @Test
  void realEkLeaves_validateAgainstTheirVendorCas_exceptSha1Signed() throws Exception {
    Path root = realcerts();
    Map<String, String> results = verifyAll(root, null);
    System.out.println("real EK certificates: " + results);
    assertThat(results).hasSize(17);
    results.forEach(
        (name, result) -> {
          if (REJECTED.containsKey(name)) {
            assertThat(result).as(name).contains(REJECTED.get(name));
          } else {
            assertThat(result).as(name).startsWith("OK");
          }
        });
  }

  @Test
  void realEkLeaves_failAgainstTheWrongVendor() throws Exception {
    Path root = realcerts();
    Map<String, String> againstNuvoton = verifyAll(root, "nuvoton");
    againstNuvoton.forEach(
        (name, result) -> {
          if (!name.startsWith("nuvoton")) {
            assertThat(result).as(name).contains("unknown authority");
          }
        });
    Map<String, String> againstStm = verifyAll(root, "stmicro");
    againstStm.forEach(
        (name, result) -> {
          if (!name.startsWith("stmicro")) {
            assertThat(result).as(name).contains("unknown authority");
          }
        });
  }

  @Test
  void realEkLeaf_withoutSanExemption_refusedLikeGo() throws Exception {
    Path root = realcerts();
    Cert leaf = Cert.parse(Files.readAllBytes(root.resolve("ek-leaf/stmicro_1.der")));
    TrustBundle b = vendorBundle(root, "stmicro");
    Date at = Date.from(leaf.x509().getNotBefore().toInstant().plus(Duration.ofDays(1)));
    assertThatThrownBy(() -> ChainVerifier.verify(leaf, List.of(), b, at, Set.of()))
        .hasMessageContaining("unhandled critical extension");
  }
}
