package dev.tpmdevid.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.cred.CredentialBlob;
import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import dev.tpmdevid.verifier.x509.PemCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden values for compatibility with SPIRE's Go plugins: messages recorded from SPIRE's own Go
 * agent plugin on swtpm ({@code src/test/resources/golden/go-agent/}, with the README saying how
 * they were made), Go's JSON and credential-blob conventions, and go-tpm's credential-activation
 * test vector.
 */
class GoldenTest {

  /** Where the Go agent's recordings live (test resources of this module). */
  static final String GO_AGENT = "golden/go-agent/";

  /** A file of a Go-agent recording; a missing file fails the test and names it. */
  static Path goldenFile(String recording, String file) throws Exception {
    String name = GO_AGENT + recording + "/" + file;
    java.net.URL url = GoldenTest.class.getClassLoader().getResource(name);
    if (url == null) {
      throw new AssertionError(
          "missing golden file server-plugin/verifier/src/test/resources/"
              + name
              + " (see server-plugin/verifier/src/test/resources/"
              + GO_AGENT
              + "README.md)");
    }
    return Path.of(url.toURI());
  }

  static Properties expected(String recording) throws Exception {
    Properties p = new Properties();
    try (var in = Files.newInputStream(goldenFile(recording, "expected.properties"))) {
      p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
    }
    return p;
  }

  /**
   * A verifier for a recording's CAs (the plugin's defaults), with the clock fixed at its recording
   * time.
   */
  static TpmDevIdVerifier goldenVerifier(String recording) throws Exception {
    Properties e = expected(recording);
    return TpmDevIdVerifier.builder()
        .devIdRoots(
            PemCertificates.parse(Files.readAllBytes(goldenFile(recording, "devid-ca.pem"))))
        .endorsementRoots(
            PemCertificates.parse(Files.readAllBytes(goldenFile(recording, "endorsement-ca.pem"))))
        .clock(Clock.fixed(Instant.parse(e.getProperty("recorded_at")), ZoneOffset.UTC))
        .build();
  }

  /**
   * SPIRE's Go agent plugin (v1.13.3) recorded on swtpm (testbed GoAgentGoldenTest): its
   * AttestationRequest goes through our payload steps (2-14) and its ChallengeResponse, answering
   * the recorded challenge (the PoP nonce in challenge-request.json, the credential secret the
   * recording server encrypted to the EK), through our response steps — the verifier pipeline the
   * plugin runs; only the nonce and secret are the recorded ones instead of fresh random values.
   * Agent ID and selectors are those the recording server computed.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"rsa-devid", "ecc-devid"})
  void goAgentRecording_verifiesThroughOurPipeline(String recording) throws Exception {
    Properties e = expected(recording);
    byte[] payload = Files.readAllBytes(goldenFile(recording, "attestation-request.json"));
    byte[] challenge = Files.readAllBytes(goldenFile(recording, "challenge-request.json"));
    byte[] response = Files.readAllBytes(goldenFile(recording, "challenge-response.json"));
    byte[] secret =
        HexFormat.of()
            .parseHex(Files.readString(goldenFile(recording, "credential-secret.hex")).strip());

    // The payload carries the DevID files the Go agent was configured with.
    AttestationRequest req = AttestationRequest.fromJson(payload);
    List<java.security.cert.X509Certificate> chain =
        PemCertificates.parse(Files.readAllBytes(goldenFile(recording, "devid.crt.pem")));
    assertThat(req.devIdCert()).hasSize(chain.size());
    for (int i = 0; i < chain.size(); i++) {
      assertThat(req.devIdCert().get(i)).isEqualTo(chain.get(i).getEncoded());
    }
    assertThat(req.devIdPub())
        .isEqualTo(Files.readAllBytes(goldenFile(recording, "devid.pub.blob")));
    assertThat(e.getProperty("spire_version")).isEqualTo("v1.13.3");

    // the recorded transcript through the library's restore: payload checks again, then the
    // recorded response against the recorded nonce and credential secret
    TpmDevIdVerifier verifier = goldenVerifier(recording);
    byte[] nonce = ChallengeRequest.fromJson(challenge).devId();
    AttestedNode a =
        verifier
            .restore(new TpmDevIdVerifier.Challenge.State(payload, nonce, secret))
            .complete(response);

    String sha1 =
        HexFormat.of()
            .formatHex(
                java.security.MessageDigest.getInstance("SHA-1").digest(chain.get(0).getEncoded()));
    assertThat(a.agentId("example.org"))
        .isEqualTo(e.getProperty("spiffe_id"))
        .isEqualTo("spiffe://example.org/spire/agent/tpm_devid/" + sha1);
    List<String> selectors = new java.util.ArrayList<>();
    for (int i = 1; e.getProperty("selector." + i) != null; i++) {
      selectors.add(e.getProperty("selector." + i));
    }
    assertThat(selectors).hasSize(4);
    assertThat(a.selectors()).containsExactlyElementsOf(selectors);

    // The recorded answer proves possession and residency for the recorded challenge only.
    byte[] otherNonce = nonce.clone();
    otherNonce[0] ^= 1;
    byte[] otherSecret = secret.clone();
    otherSecret[31] ^= 1;
    for (TpmDevIdVerifier.Challenge.State wrong :
        List.of(
            new TpmDevIdVerifier.Challenge.State(payload, otherNonce, secret),
            new TpmDevIdVerifier.Challenge.State(payload, nonce, otherSecret))) {
      assertThatThrownBy(() -> verifier.restore(wrong).complete(response))
          .isInstanceOf(AttestationFailure.class);
    }
  }

  @Test
  void commonName_lastCnAttributeWins_likeGoPkixName() throws Exception {
    var name =
        new org.bouncycastle.asn1.x500.X500NameBuilder()
            .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, "first")
            .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.O, "org")
            .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, "last")
            .build();
    assertThat(AgentIdentity.lastCommonName(name.getEncoded())).isEqualTo("last");
    assertThat(
            AgentIdentity.lastCommonName(
                new org.bouncycastle.asn1.x500.X500Name(new org.bouncycastle.asn1.x500.RDN[0])
                    .getEncoded()))
        .isEmpty();
  }

  /**
   * go-tpm legacy/tpm2/credactivation test vector (docs/protocol.md#credential-vector) through our
   * challenge step.
   */
  @Test
  void goTpmDeterministicVector_throughMakeCredentialChallenge() throws Exception {
    String ekSpki =
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArIqmuAvuIcakIEPd2hZl"
            + "avob21ehQ7zaHduJQNbNuKVSc1HTlvw9DkWN03b0SktcRIfsjw/omqPl60RhCx0j"
            + "qxsYnf5Gk4jhfCnUeQVicAqHnUGrKjMkLIGTZVOpyqBEXHsdhugw6M5HVIKyfwNO"
            + "KhvLZKRH8JkvtElVhLQ6E2+H83XoSpkt9oCnGPyN2Z5qRP+fhQiRylMCD8Rz8ABn"
            + "YVqGBBrG+2cBt/0uFLjxHx2mm/4sI/1scG5xrcrDLva9WZB40MehW5VlS6Fwqq05"
            + "dKtLGpk7ludjH38m2zhM5/UdKZ34skJaS/Aiyj+P5AT1BpJL2ZtjCbBdnMDUSbRF"
            + "1QIDAQAB";
    String expected =
        "AEQAIFjKZAUo3Wmgxu+CqHFzsQZr7BqawtprBmpXpZa77nb5S+iN6IcSPQLCKPZMNuunv7BIb4/VJA/xjMrj8RnQbj"
            + "spCwEAJcQogjACOfStYTVjmR4p61ZbTTRt7ZNG5nc6iifq+TfnyfoU+E3T6Kount4M8fSUdMWlKx5A24Ms4ndi1V"
            + "YOA+s4inPusyn1X1ZCHe5tNwT1E9jpVxc0jaUAVad6Q5cOgUyAp4qvc8wmaYXcIa/PzVfa6teF4iXxNqVDAYqpdm"
            + "bP68v0Hk5gRqCa/tHAdg5avE3C20DP1SSvPitumWROL6mHMooVxjsyjPnHEBLo7y/BKwezEO/15xnBvPOvWs7ARI"
            + "u1KdER+zrCJX9SMCPbn4cVMfLdrX70xko7XjdhV7pXtAeUeKmmKSYE45m5ZN0h83YgHXGDjf+ynWse10okyA==";
    PublicKey ek =
        KeyFactory.getInstance("RSA")
            .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(ekSpki)));
    TpmtPublic ekPub =
        TpmtPublic.fromPublicKey(
                ek,
                TpmAlg.SHA256,
                ObjectAttributes.fromBits(SoftwareAgent.EK_ATTRIBUTES),
                TpmtPublic.Scheme.NULL)
            .toBuilder()
            .symmetric(TpmtPublic.Symmetric.AES_128_CFB)
            .build();
    byte[] akName =
        HexFormat.of()
            .parseHex("000be6c9e97fda917ca0f64dbef678b019a82fdafccc94860f88bddc036644c92bdc");
    byte[] secret = HexFormat.of().parseHex("0102030405060708".repeat(4));
    SecureRandom zeros =
        new SecureRandom() {
          @Override
          public void nextBytes(byte[] bytes) {
            java.util.Arrays.fill(bytes, (byte) 0);
          }
        };
    CredentialBlob blob =
        AttestationVerifier.makeCredentialChallenge(ekPub, ek, akName, secret, zeros);
    byte[] got = new byte[4 + blob.credential().length + blob.encryptedSecret().length];
    java.nio.ByteBuffer.wrap(got)
        .putShort((short) blob.credential().length)
        .put(blob.credential())
        .putShort((short) blob.encryptedSecret().length)
        .put(blob.encryptedSecret());
    assertThat(Base64.getEncoder().encodeToString(got)).isEqualTo(expected);
  }
}
