package dev.tpmdevid.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tpmdevid.verifier.AgentIdentity;
import dev.tpmdevid.verifier.AttestationFailure;
import dev.tpmdevid.verifier.AttestationVerifier;
import dev.tpmdevid.verifier.x509.Cert;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

/**
 * Jazzer target for the X.509 path of the server: the Go-strict certificate parser (DER, names,
 * subjectAltName, name constraints, algorithm identifiers), the DevID chain (as leaf or as
 * intermediate) and the EK chain, through the verifier's own steps 4, 5, 8 and 11 and the selector
 * building of step 18. The first input byte picks the role (0: DevID leaf under a fixed
 * intermediate, 1: DevID intermediate above a fixed leaf, 2: EK certificate), the rest is the DER.
 * Property: every outcome is acceptance or an {@link AttestationFailure} with INVALID_ARGUMENT, and
 * an accepted DevID chain yields its selectors without an exception.
 *
 * <p>The fixed test PKI ({@code x509-fuzz-pki/}) and the seeds ({@code
 * X509ParsingFuzzTestInputs/fuzzCertificate/}, each a role byte then a certificate: genuine ones
 * and the defects of docs/hardening.md) are written by {@link X509FuzzSeeds}. {@code mvn verify}
 * replays the seeds; fuzz with {@code JAZZER_FUZZ=1 mvn -pl server-plugin test
 * -Dtest=X509ParsingFuzzTest}.
 */
class X509ParsingFuzzTest {
  /** Inside every seed certificate's validity (they are valid 2026-01-01 to 2036-01-01). */
  static final Instant NOW = Instant.parse("2027-06-01T00:00:00Z");

  private static final ServerConfig CONFIG;
  private static final byte[] LEAF;
  private static final byte[] INTERMEDIATE;

  static {
    try {
      Path dir = Files.createTempDirectory("tpm-devid-x509-fuzz");
      Path dev = Files.write(dir.resolve("devid.pem"), resource("devid-root.pem"));
      Path ek = Files.write(dir.resolve("ek.pem"), resource("ek-root.pem"));
      CONFIG =
          ServerConfigLoader.load(
                  "example.org",
                  "devid_ca_path = \"" + dev + "\"\nendorsement_ca_path = \"" + ek + "\"\n",
                  Clock.fixed(NOW, ZoneOffset.UTC))
              .config();
      LEAF = resource("devid-leaf.der");
      INTERMEDIATE = resource("devid-intermediate.der");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] resource(String name) {
    String path = "x509-fuzz-pki/" + name;
    try (InputStream in = X509ParsingFuzzTest.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(
            "missing test resource "
                + path
                + " (dev/tpmdevid/server/"
                + path
                + "; regenerate with X509FuzzSeeds)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "3m")
  void fuzzCertificate(byte[] data) {
    if (data.length == 0) {
      return;
    }
    byte[] der = Arrays.copyOfRange(data, 1, data.length);
    try {
      switch ((data[0] & 0xFF) % 3) {
        case 0 -> devIdChain(List.of(der, INTERMEDIATE));
        case 1 -> devIdChain(List.of(LEAF, der));
        default ->
            AttestationVerifier.verifyEkChain(CONFIG, AttestationVerifier.parseEkCertificate(der));
      }
    } catch (AttestationFailure e) {
      if (FailureCodes.of(e) != Status.Code.INVALID_ARGUMENT) {
        throw new IllegalStateException(
            "refused with " + FailureCodes.of(e) + ": " + e.getMessage(), e);
      }
    }
  }

  private static void devIdChain(List<byte[]> ders) throws AttestationFailure {
    List<Cert> certs = AttestationVerifier.parseDevIdCertificates(ders);
    List<List<Cert>> chains = AttestationVerifier.verifyDevIdChain(CONFIG, certs);
    AgentIdentity.spiffeId("example.org", certs.get(0));
    AgentIdentity.selectorValues(certs.get(0), chains);
  }
}
