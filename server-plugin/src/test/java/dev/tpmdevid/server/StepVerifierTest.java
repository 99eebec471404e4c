package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.server.StepVerifier.StepException;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import dev.tpmdevid.verifier.testing.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The step-by-step server ({@link StepVerifier}, used by {@code tpm-devid server challenge|verify}
 * and the conformance tool) with the software stand-in agent: a genuine agent passes both steps, and
 * the second step re-runs every payload check, so a payload refused by {@code challenge} is refused
 * by {@code verify} with the same message even when nonce and secret are known.
 */
class StepVerifierTest {
  @TempDir static Path dir;
  private static SoftwareAgent agent;
  private static String hcl;

  @BeforeAll
  static void setUp() throws Exception {
    agent = SoftwareAgent.goLike();
    hcl = hcl(agent, null);
  }

  private static String hcl(SoftwareAgent a, String extra) throws Exception {
    Path devId = Files.writeString(Files.createTempFile(dir, "devid", ".pem"), a.devIdBundlePem());
    Path ek = Files.writeString(Files.createTempFile(dir, "ek", ".pem"), a.ekBundlePem());
    return "devid_ca_path = \"" + devId + "\"\nendorsement_ca_path = \"" + ek + "\"\n"
        + (extra == null ? "" : extra + "\n");
  }

  private static StepVerifier verifier() throws StepException {
    return StepVerifier.fromHcl(PluginHarness.TRUST_DOMAIN, hcl);
  }

  private static void assertRefused(ThrowingCall call, String code, String message) {
    assertThatThrownBy(call::run).isInstanceOf(StepException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((StepException) e).code()).isEqualTo(code));
  }

  @FunctionalInterface
  interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  void genuineAgent_passesBothSteps_withTheAgentIdOfTheLeaf() throws Exception {
    StepVerifier v = verifier();
    byte[] payload = agent.payload();
    StepVerifier.Challenge ch = v.challenge(payload);
    assertThat(ch.nonce()).hasSize(32);
    assertThat(ch.secret()).hasSize(32); // SHA-256 EK nameAlg
    assertThat(ch.toString()).doesNotContain(Arrays.toString(ch.secret()))
        .isEqualTo("Challenge[" + ch.challengeJson().length + " bytes]");
    byte[] response = agent.respond(ch.challengeJson());
    StepVerifier.Result r = v.verify(payload, ch.nonce(), ch.secret(), response);
    assertThat(r.spiffeId()).startsWith("spiffe://" + PluginHarness.TRUST_DOMAIN
        + "/spire/agent/tpm_devid/");
    assertThat(r.selectorValues()).isNotEmpty()
        .anySatisfy(s -> assertThat(s).startsWith("subject:cn:"));

    // the state is the caller's: a copy cannot change what the challenge returned
    ch.secret()[0] ^= 1;
    assertThat(v.verify(payload, ch.nonce(), ch.secret(), response).spiffeId())
        .isEqualTo(r.spiffeId());
  }

  @Test
  void wrongState_refusedByTheResponseChecks() throws Exception {
    StepVerifier v = verifier();
    byte[] payload = agent.payload();
    StepVerifier.Challenge ch = v.challenge(payload);
    byte[] response = agent.respond(ch.challengeJson());
    byte[] otherSecret = ch.secret();
    otherSecret[31] ^= 1;
    assertRefused(() -> v.verify(payload, ch.nonce(), otherSecret, response), "INVALID_ARGUMENT",
        "credential activation failed: nonces are different");
    byte[] otherNonce = ch.nonce();
    otherNonce[0] ^= 1;
    assertRefused(() -> v.verify(payload, otherNonce, ch.secret(), response), "INVALID_ARGUMENT",
        "devID challenge verification failed: signature verification failed");
    assertRefused(() -> v.verify(payload, ch.nonce(), Arrays.copyOf(ch.secret(), 20), response),
        "INVALID_ARGUMENT", "credential secret in the state has the wrong size");
    assertThatThrownBy(() -> v.verify(payload, null, ch.secret(), response))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> v.verify(payload, ch.nonce(), null, response))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void payloadSize_refusedBeforeDecoding_limitFromConfig() throws Exception {
    StepVerifier v = verifier();
    assertThat(v.maxPayloadBytes()).isEqualTo(ServerConfigLoader.DEFAULT_MAX_PAYLOAD_BYTES);
    byte[] payload = agent.payload();
    for (byte[] missing : new byte[][] {null, new byte[0]}) {
      assertRefused(() -> v.challenge(missing), "INVALID_ARGUMENT", "missing attestation payload");
      assertRefused(() -> v.verify(missing, new byte[32], new byte[32], new byte[0]),
          "INVALID_ARGUMENT", "missing attestation payload");
    }
    // a limit of exactly the payload's size accepts it; one byte less refuses it (the payload is
    // padded with JSON whitespace, as Go's decoder allows, to reach the smallest configurable limit)
    byte[] padded = Arrays.copyOf(payload, Math.max(payload.length, 8200));
    Arrays.fill(padded, payload.length, padded.length, (byte) ' ');
    int size = padded.length;
    StepVerifier exact = StepVerifier.fromHcl(PluginHarness.TRUST_DOMAIN,
        hcl + "max_payload_bytes = " + size + "\n");
    assertThat(exact.maxPayloadBytes()).isEqualTo(size);
    StepVerifier.Challenge ch = exact.challenge(padded);
    assertThat(exact.verify(padded, ch.nonce(), ch.secret(), agent.respond(ch.challengeJson())))
        .isNotNull();
    StepVerifier smaller = StepVerifier.fromHcl(PluginHarness.TRUST_DOMAIN,
        hcl + "max_payload_bytes = " + (size - 1) + "\n");
    String tooLarge = "attestation payload too large (at most " + (size - 1) + " bytes)";
    assertRefused(() -> smaller.challenge(padded), "INVALID_ARGUMENT", tooLarge);
    assertRefused(() -> smaller.verify(padded, ch.nonce(), ch.secret(), new byte[0]),
        "INVALID_ARGUMENT", tooLarge);
  }

  @Test
  void badConfiguration_refusedWithTheLoadersMessage() {
    assertRefused(() -> StepVerifier.fromHcl(PluginHarness.TRUST_DOMAIN, "devid_ca_path = \"/x\""),
        "INVALID_ARGUMENT", "endorsement_ca_path");
    assertRefused(() -> StepVerifier.fromHcl("", hcl), "INVALID_ARGUMENT",
        "trust_domain is required");
  }

  @Test
  void at_checksCertificateValidityAtTheGivenTime() throws Exception {
    StepVerifier v = verifier();
    byte[] payload = agent.payload();
    Instant expired = agent.devIdCert.getNotAfter().toInstant().plus(Duration.ofDays(1));
    assertRefused(() -> v.at(expired).challenge(payload), "INVALID_ARGUMENT",
        "unable to verify DevID signature");
    StepVerifier.Challenge ch = v.challenge(payload);
    assertRefused(() -> v.at(expired).verify(payload, ch.nonce(), ch.secret(),
        agent.respond(ch.challengeJson())), "INVALID_ARGUMENT", "unable to verify DevID signature");
    Instant valid = agent.devIdCert.getNotBefore().toInstant().plus(Duration.ofMinutes(1));
    assertThat(v.at(valid).challenge(payload).nonce()).hasSize(32);
    assertThatThrownBy(() -> v.at(null)).isInstanceOf(NullPointerException.class);
  }

  /** A payload with one member changed; both steps must refuse it with the same check. */
  private static void assertBothStepsRefuse(Consumer<AttackTest.Forge> forge,
      String message) throws Exception {
    StepVerifier v = verifier();
    byte[] genuine = agent.payload();
    StepVerifier.Challenge ch = v.challenge(genuine);
    byte[] response = agent.respond(ch.challengeJson());
    AttackTest.Forge b = new AttackTest.Forge(agent);
    forge.accept(b);
    byte[] forged = b.json();
    assertRefused(() -> v.challenge(forged), "INVALID_ARGUMENT", message);
    assertRefused(() -> v.verify(forged, ch.nonce(), ch.secret(), response), "INVALID_ARGUMENT",
        message);
  }

  private static byte[] withAttributes(TpmtPublic p, int bits) {
    return p.toBuilder().attributes(ObjectAttributes.fromBits(bits)).build().encode();
  }

  @Test
  void verify_rerunsEveryPayloadCheck() throws Exception {
    SoftwareAgent other = SoftwareAgent.goLike();
    assertBothStepsRefuse(b -> b.devIdCert = List.of(), "no DevID certificate to attest");
    assertBothStepsRefuse(b -> b.devIdCert = List.of(new byte[] {0x30, 0x00}),
        "unable to parse DevID certificate");
    assertBothStepsRefuse(b -> b.devIdCert = other.devIdCertChain(),
        "unable to verify DevID signature");
    assertBothStepsRefuse(b -> b.ekPub = null, "missing endorsement key public blob");
    assertBothStepsRefuse(b -> b.ekCert = new byte[] {0x30, 0x00},
        "cannot parse endorsement certificate");
    assertBothStepsRefuse(b -> b.akPub = new byte[] {1, 2, 3},
        "cannot decode attestation key public blob");
    assertBothStepsRefuse(b -> b.devIdPub = other.devIdPub.encode(),
        "DevID certificate key differs from DevID key public blob");
    assertBothStepsRefuse(b -> b.devIdPub = withAttributes(agent.devIdPub, 0x00040070),
        "DevID key attributes check failed: fixedTPM not set");
    assertBothStepsRefuse(b -> b.ekPub = other.ekPub.encode(),
        "public key in EK certificate differs from public key created via EK template");
    assertBothStepsRefuse(b -> b.ekPub = withAttributes(agent.ekPub, 0x000300B0),
        "endorsement key attributes check failed: fixedTPM not set");
    assertBothStepsRefuse(b -> {
      b.ekCert = der(other.ekCert);
      b.ekPub = other.ekPub.encode();
    }, "cannot verify EK signature: endorsement certificate verification failed");
    assertBothStepsRefuse(b -> b.akPub = withAttributes(agent.akPub, 0x00040072),
        "attestation key attributes check failed: restricted not set");
    assertBothStepsRefuse(b -> b.signature = agent.signWithAk(
        "other data".getBytes(StandardCharsets.US_ASCII)),
        "cannot verify that DevID is in the same TPM than AK");
  }

  private static byte[] der(X509Certificate c) {
    try {
      return c.getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void verifyEkCertificate_goSemantics() throws Exception {
    byte[] bundle = agent.ekBundlePem().getBytes(StandardCharsets.US_ASCII);
    Instant now = Instant.now();
    StepVerifier.EkPaths paths = StepVerifier.verifyEkCertificate(bundle, der(agent.ekCert), now);
    assertThat(paths.chains()).hasSize(1);
    assertThat(paths.chains().get(0)).containsExactly(agent.ekCert, agent.ekCa.cert());

    assertRefused(() -> StepVerifier.verifyEkCertificate(
        "not a bundle".getBytes(StandardCharsets.US_ASCII), der(agent.ekCert), now),
        "INVALID_ARGUMENT", "unable to load endorsement trust bundle");
    assertRefused(() -> StepVerifier.verifyEkCertificate(bundle, new byte[] {0x30, 0x00}, now),
        "INVALID_ARGUMENT", "cannot parse endorsement certificate");
    X509Certificate caAsEk = TestPki.cert("EK that is a CA").issuedBy(agent.ekCa)
        .key(agent.ekKey.getPublic()).ca(null).tcgEkSan().build();
    assertRefused(() -> StepVerifier.verifyEkCertificate(bundle, der(caAsEk), now),
        "INVALID_ARGUMENT", "cannot verify EK signature: endorsement certificate verification "
            + "failed: endorsement certificate is a CA certificate");
    // pathLen 0 makes getBasicConstraints() return 0: still a CA
    X509Certificate caPathLen0 = TestPki.cert("EK that is a CA, pathLen 0").issuedBy(agent.ekCa)
        .key(agent.ekKey.getPublic()).ca(0).tcgEkSan().build();
    assertRefused(() -> StepVerifier.verifyEkCertificate(bundle, der(caPathLen0), now),
        "INVALID_ARGUMENT", "endorsement certificate is a CA certificate");
    SoftwareAgent other = SoftwareAgent.goLike();
    assertRefused(() -> StepVerifier.verifyEkCertificate(bundle, der(other.ekCert), now),
        "INVALID_ARGUMENT", "cannot verify EK signature: endorsement certificate verification "
            + "failed: ");
    Instant expired = agent.ekCert.getNotAfter().toInstant().plus(Duration.ofDays(1));
    assertRefused(() -> StepVerifier.verifyEkCertificate(bundle, der(agent.ekCert), expired),
        "INVALID_ARGUMENT", "cannot verify EK signature: endorsement certificate verification "
            + "failed: ");
  }
}
