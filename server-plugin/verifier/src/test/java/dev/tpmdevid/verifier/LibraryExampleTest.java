package dev.tpmdevid.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The complete example of docs/library.md, run: a verifier built from PEM files, {@code begin},
 * {@code complete}. The example's lines are read from this file and must appear verbatim in
 * docs/library.md, so the document shows code that compiles and passes.
 */
class LibraryExampleTest {
  @TempDir Path dir;

  // [example]
  /** Reads every certificate of a PEM file with the JDK. */
  static List<X509Certificate> readPem(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
      return out;
    }
  }

  /**
   * One attestation: {@code agent} stands for the transport to the node (it takes the
   * ChallengeRequest JSON and returns the ChallengeResponse JSON).
   */
  static String attest(
      Path devIdCaPem,
      Path endorsementCaPem,
      byte[] attestationRequestJson,
      UnaryOperator<byte[]> agent)
      throws IOException, GeneralSecurityException {
    TpmDevIdVerifier verifier =
        TpmDevIdVerifier.builder() // build once, share across threads
            .devIdRoots(readPem(devIdCaPem))
            .endorsementRoots(readPem(endorsementCaPem))
            .build();
    try {
      TpmDevIdVerifier.Challenge challenge = verifier.begin(attestationRequestJson);
      byte[] response = agent.apply(challenge.challengeJson());
      AttestedNode node = challenge.complete(response);
      return node.agentId("example.org") + " " + node.selectors();
    } catch (AttestationFailure e) {
      return "refused at " + e.reason() + ": " + e.getMessage();
    }
  }

  // [/example]

  @Test
  void example_attestsTheSoftwareAgent_andRefusesAnotherOnesRoots() throws Exception {
    SoftwareAgent agent = SoftwareAgent.goLike();
    Path devIdCa = Files.writeString(dir.resolve("devid-ca.pem"), agent.devIdBundlePem());
    Path ekCa = Files.writeString(dir.resolve("endorsement-ca.pem"), agent.ekBundlePem());

    String attested = attest(devIdCa, ekCa, agent.payload(), agent::respond);
    assertThat(attested)
        .startsWith("spiffe://example.org/spire/agent/tpm_devid/")
        .contains("[subject:cn:", "ca:fingerprint:");

    SoftwareAgent stranger = SoftwareAgent.goLike();
    Path otherCa = Files.writeString(dir.resolve("other-ca.pem"), stranger.devIdBundlePem());
    assertThat(attest(otherCa, ekCa, agent.payload(), agent::respond))
        .startsWith("refused at DEVID_CHAIN: unable to verify DevID signature");
  }

  @Test
  void docsLibraryMd_showsThisExampleVerbatim() throws Exception {
    Path source = Path.of("src/test/java/dev/tpmdevid/verifier/LibraryExampleTest.java");
    Path doc = Path.of("../../docs/library.md");
    assertThat(source).as("this test runs from server-plugin/verifier; missing " + source).exists();
    assertThat(doc).as("missing " + doc.toAbsolutePath().normalize()).exists();
    String code = Files.readString(source, StandardCharsets.UTF_8);
    int from = code.indexOf("  // [example]\n");
    int to = code.indexOf("  // [/example]\n");
    assertThat(from).isPositive();
    assertThat(to).isGreaterThan(from);
    StringBuilder example = new StringBuilder();
    for (String line : code.substring(from, to).split("\n", -1)) {
      if (!line.contains("[example]")) {
        example.append(line.startsWith("  ") ? line.substring(2) : line).append('\n');
      }
    }
    assertThat(Files.readString(doc, StandardCharsets.UTF_8))
        .as("docs/library.md must contain the example of " + source + " verbatim")
        .contains(example.toString().strip());
  }
}
