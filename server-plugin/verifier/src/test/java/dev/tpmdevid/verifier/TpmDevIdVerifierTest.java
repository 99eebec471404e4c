package dev.tpmdevid.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.verifier.AttestationFailure.Reason;
import dev.tpmdevid.verifier.testing.RequestForge;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The library API ({@link TpmDevIdVerifier}) with the software stand-in agent: a genuine agent
 * passes; a challenge is single use; export/restore re-runs every payload check, so a payload
 * refused by {@code begin} is refused by {@code restore} with the same reason and message; the
 * builder's options; thread safety.
 */
class TpmDevIdVerifierTest {
  static final String TD = "example.org";
  private static SoftwareAgent agent;

  @BeforeAll
  static void setUp() {
    agent = SoftwareAgent.goLike();
  }

  private static TpmDevIdVerifier.Builder builder(SoftwareAgent a) {
    return TpmDevIdVerifier.builder()
        .devIdRoots(List.of(a.devIdRoot.cert()))
        .endorsementRoots(List.of(a.ekCa.cert()));
  }

  private static TpmDevIdVerifier verifier() {
    return builder(agent).build();
  }

  @FunctionalInterface
  interface ThrowingCall {
    void run() throws Exception;
  }

  static void assertRefused(ThrowingCall call, Reason reason, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            AttestationFailure.class,
            e -> {
              assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
              assertThat(e.getMessage()).contains(message);
            });
  }

  @Test
  void genuineAgent_attested_withTheAgentIdOfTheLeafAndSpireSelectors() throws Exception {
    TpmDevIdVerifier v = verifier();
    TpmDevIdVerifier.Challenge c = v.begin(agent.payload());
    AttestedNode node = c.complete(agent.respond(c.challengeJson()));
    String sha1 = dev.tpmdevid.verifier.x509.Fingerprint.sha1Hex(agent.devIdCert.getEncoded());
    assertThat(node.agentId(TD)).isEqualTo("spiffe://example.org/spire/agent/tpm_devid/" + sha1);
    assertThat(node.selectors())
        .containsExactly(
            "subject:cn:" + cn(agent.devIdCert.getSubjectX500Principal()),
            "issuer:cn:" + cn(agent.devIdCert.getIssuerX500Principal()),
            "ca:fingerprint:"
                + dev.tpmdevid.verifier.x509.Fingerprint.sha1Hex(
                    agent.devIdIntermediate.cert().getEncoded()),
            "ca:fingerprint:"
                + dev.tpmdevid.verifier.x509.Fingerprint.sha1Hex(
                    agent.devIdRoot.cert().getEncoded()));
    assertThat(node.devIdCertificate()).isEqualTo(agent.devIdCert);
    assertThatThrownBy(() -> node.selectors().add("x"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> node.agentId("Example.org"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> node.agentId("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void challenge_isSingleUse_whateverTheFirstOutcome() throws Exception {
    TpmDevIdVerifier v = verifier();
    TpmDevIdVerifier.Challenge ok = v.begin(agent.payload());
    byte[] response = agent.respond(ok.challengeJson());
    ok.complete(response);
    assertRefused(
        () -> ok.complete(response), Reason.CHALLENGE_STATE, "challenge already completed");
    assertThatThrownBy(ok::export).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(ok::challengeJson).isInstanceOf(IllegalStateException.class);

    TpmDevIdVerifier.Challenge bad = v.begin(agent.payload());
    byte[] good = agent.respond(bad.challengeJson());
    assertRefused(
        () -> bad.complete("{}".getBytes(StandardCharsets.US_ASCII)),
        Reason.PROOF_OF_POSSESSION,
        "devID challenge verification failed");
    assertRefused(() -> bad.complete(good), Reason.CHALLENGE_STATE, "challenge already completed");
  }

  @Test
  void exportRestore_roundTrip_copiesAndHidesTheSecret() throws Exception {
    TpmDevIdVerifier v = verifier();
    byte[] payload = agent.payload();
    TpmDevIdVerifier.Challenge c = v.begin(payload);
    byte[] response = agent.respond(c.challengeJson());
    TpmDevIdVerifier.Challenge.State st = c.export();
    assertThat(st.attestationRequest()).isEqualTo(payload);
    assertThat(st.nonce()).hasSize(32);
    assertThat(st.credentialSecret()).hasSize(32); // SHA-256 EK name algorithm
    assertThat(st.toString())
        .isEqualTo("State[request " + payload.length + " bytes, nonce and secret hidden]");
    st.credentialSecret()[0] ^= 1; // a copy: the state is unchanged
    // a second verifier (another process) restores and completes it
    TpmDevIdVerifier.Challenge restored = verifier().restore(st);
    assertThatThrownBy(restored::challengeJson).isInstanceOf(IllegalStateException.class);
    assertThat(restored.complete(response).agentId(TD))
        .isEqualTo(v.restore(st).complete(response).agentId(TD));
    assertRefused(() -> restored.complete(response), Reason.CHALLENGE_STATE, "already completed");
  }

  @Test
  void restore_wrongState_refused() throws Exception {
    TpmDevIdVerifier v = verifier();
    byte[] payload = agent.payload();
    TpmDevIdVerifier.Challenge c = v.begin(payload);
    byte[] response = agent.respond(c.challengeJson());
    TpmDevIdVerifier.Challenge.State st = c.export();
    byte[] otherSecret = st.credentialSecret();
    otherSecret[31] ^= 1;
    assertRefused(
        () ->
            v.restore(new TpmDevIdVerifier.Challenge.State(payload, st.nonce(), otherSecret))
                .complete(response),
        Reason.PROOF_OF_RESIDENCY,
        "credential activation failed: nonces are different");
    byte[] otherNonce = st.nonce();
    otherNonce[0] ^= 1;
    assertRefused(
        () ->
            v.restore(
                    new TpmDevIdVerifier.Challenge.State(
                        payload, otherNonce, st.credentialSecret()))
                .complete(response),
        Reason.PROOF_OF_POSSESSION,
        "devID challenge verification failed: signature verification failed");
    assertRefused(
        () ->
            v.restore(
                new TpmDevIdVerifier.Challenge.State(
                    payload, st.nonce(), Arrays.copyOf(st.credentialSecret(), 20))),
        Reason.CHALLENGE_STATE,
        "credential secret in the state has the wrong size");
    assertRefused(
        () ->
            v.restore(
                new TpmDevIdVerifier.Challenge.State(
                    payload, Arrays.copyOf(st.nonce(), 31), st.credentialSecret())),
        Reason.CHALLENGE_STATE,
        "nonce in the state has the wrong size");
    assertThatThrownBy(() -> new TpmDevIdVerifier.Challenge.State(payload, null, new byte[32]))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void requestSize_refusedBeforeDecoding() throws Exception {
    TpmDevIdVerifier v = verifier();
    assertThat(v.maxRequestBytes()).isEqualTo(TpmDevIdVerifier.DEFAULT_MAX_REQUEST_BYTES);
    for (byte[] missing : new byte[][] {null, new byte[0]}) {
      assertRefused(() -> v.begin(missing), Reason.DECODE_REQUEST, "missing attestation payload");
    }
    byte[] payload = agent.payload();
    TpmDevIdVerifier exact = builder(agent).maxRequestBytes(payload.length).build();
    TpmDevIdVerifier.Challenge c = exact.begin(payload);
    TpmDevIdVerifier smaller = builder(agent).maxRequestBytes(payload.length - 1).build();
    String tooLarge = "attestation payload too large (at most " + (payload.length - 1) + " bytes)";
    assertRefused(() -> smaller.begin(payload), Reason.DECODE_REQUEST, tooLarge);
    assertRefused(() -> smaller.restore(c.export()), Reason.DECODE_REQUEST, tooLarge);
    assertThatThrownBy(() -> builder(agent).maxRequestBytes(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void builder_requiresBothRootSets() {
    assertThatThrownBy(
            () -> TpmDevIdVerifier.builder().endorsementRoots(List.of(agent.ekCa.cert())).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("devIdRoots");
    assertThatThrownBy(
            () ->
                TpmDevIdVerifier.builder()
                    .devIdRoots(List.of(agent.devIdRoot.cert()))
                    .endorsementRoots(List.of())
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("endorsementRoots");
  }

  @Test
  void eccOptions_default_true_and_false_refuses() throws Exception {
    SoftwareAgent ecc = SoftwareAgent.of(KeyType.ECC, KeyType.ECC, KeyType.ECC);
    TpmDevIdVerifier.Challenge c = builder(ecc).build().begin(ecc.payload());
    assertThat(c.complete(ecc.respond(c.challengeJson())).selectors()).isNotEmpty();
    assertRefused(
        () -> builder(ecc).allowEccEndorsementKey(false).build().begin(ecc.payload()),
        Reason.EK_KEY_MATCH,
        "key from certificate is not an RSA key");
    assertRefused(
        () -> builder(ecc).allowEccAttestationKey(false).build().begin(ecc.payload()),
        Reason.AK_ATTRIBUTES,
        "ECC attestation keys are disabled");
  }

  @Test
  void clock_checksCertificateValidityAtItsTime() throws Exception {
    byte[] payload = agent.payload();
    Instant expired = agent.devIdCert.getNotAfter().toInstant().plus(Duration.ofDays(1));
    TpmDevIdVerifier late = builder(agent).clock(Clock.fixed(expired, ZoneOffset.UTC)).build();
    assertRefused(
        () -> late.begin(payload), Reason.DEVID_CHAIN, "unable to verify DevID signature");
    TpmDevIdVerifier.Challenge c = verifier().begin(payload);
    assertRefused(
        () -> late.restore(c.export()), Reason.DEVID_CHAIN, "unable to verify DevID signature");
    Instant valid = agent.devIdCert.getNotBefore().toInstant().plus(Duration.ofMinutes(1));
    assertThat(
            builder(agent)
                .clock(Clock.fixed(valid, ZoneOffset.UTC))
                .build()
                .begin(payload)
                .export()
                .nonce())
        .hasSize(32);
  }

  /** Both begin and restore must refuse the forged payload with the same reason and message. */
  private static void assertBothRefuse(Consumer<RequestForge> forge, Reason reason, String message)
      throws Exception {
    TpmDevIdVerifier v = verifier();
    TpmDevIdVerifier.Challenge.State genuine = v.begin(agent.payload()).export();
    RequestForge b = new RequestForge(agent);
    forge.accept(b);
    byte[] forged = b.json();
    assertRefused(() -> v.begin(forged), reason, message);
    assertRefused(
        () ->
            v.restore(
                new TpmDevIdVerifier.Challenge.State(
                    forged, genuine.nonce(), genuine.credentialSecret())),
        reason,
        message);
  }

  private static byte[] withAttributes(TpmtPublic p, int bits) {
    return p.toBuilder().attributes(ObjectAttributes.fromBits(bits)).build().encode();
  }

  @Test
  void restore_rerunsEveryPayloadCheck() throws Exception {
    SoftwareAgent other = SoftwareAgent.goLike();
    assertBothRefuse(
        b -> b.devIdCert = List.of(), Reason.DEVID_CERTIFICATE, "no DevID certificate to attest");
    assertBothRefuse(
        b -> b.devIdCert = List.of(new byte[] {0x30, 0x00}),
        Reason.DEVID_CERTIFICATE,
        "unable to parse DevID certificate");
    assertBothRefuse(
        b -> b.devIdCert = other.devIdCertChain(),
        Reason.DEVID_CHAIN,
        "unable to verify DevID signature");
    assertBothRefuse(b -> b.ekPub = null, Reason.TPM_BLOBS, "missing endorsement key public blob");
    assertBothRefuse(
        b -> b.ekCert = new byte[] {0x30, 0x00},
        Reason.TPM_BLOBS,
        "cannot parse endorsement certificate");
    assertBothRefuse(
        b -> b.akPub = new byte[] {1, 2, 3},
        Reason.TPM_BLOBS,
        "cannot decode attestation key public blob");
    assertBothRefuse(
        b -> b.devIdPub = other.devIdPub.encode(),
        Reason.DEVID_KEY,
        "DevID certificate key differs from DevID key public blob");
    assertBothRefuse(
        b -> b.devIdPub = withAttributes(agent.devIdPub, 0x00040070),
        Reason.DEVID_KEY,
        "DevID key attributes check failed: fixedTPM not set");
    assertBothRefuse(
        b -> b.ekPub = other.ekPub.encode(),
        Reason.EK_KEY_MATCH,
        "public key in EK certificate differs from public key created via EK template");
    assertBothRefuse(
        b -> b.ekPub = withAttributes(agent.ekPub, 0x000300B0),
        Reason.EK_ATTRIBUTES,
        "endorsement key attributes check failed: fixedTPM not set");
    assertBothRefuse(
        b -> {
          b.ekCert = der(other.ekCert);
          b.ekPub = other.ekPub.encode();
        },
        Reason.EK_CHAIN,
        "cannot verify EK signature: endorsement certificate verification failed");
    assertBothRefuse(
        b -> b.akPub = withAttributes(agent.akPub, 0x00040072),
        Reason.AK_ATTRIBUTES,
        "attestation key attributes check failed: restricted not set");
    assertBothRefuse(
        b -> b.signature = agent.signWithAk("other data".getBytes(StandardCharsets.US_ASCII)),
        Reason.CERTIFY,
        "cannot verify that DevID is in the same TPM than AK");
  }

  /** The CN of a name, read independently of the verifier's own parser. */
  private static String cn(javax.security.auth.x500.X500Principal p) throws Exception {
    String cn = null;
    for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(p.getName()).getRdns()) {
      if (rdn.getType().equalsIgnoreCase("CN")) {
        cn = rdn.getValue().toString();
      }
    }
    return cn;
  }

  private static byte[] der(X509Certificate c) {
    try {
      return c.getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void verifyEndorsementCertificate_goSemantics() throws Exception {
    TpmDevIdVerifier v = verifier();
    List<List<X509Certificate>> paths = v.verifyEndorsementCertificate(der(agent.ekCert));
    assertThat(paths).hasSize(1);
    assertThat(paths.get(0)).containsExactly(agent.ekCert, agent.ekCa.cert());

    assertRefused(
        () -> v.verifyEndorsementCertificate(new byte[] {0x30, 0x00}),
        Reason.TPM_BLOBS,
        "cannot parse endorsement certificate");
    X509Certificate caAsEk =
        TestPki.cert("EK that is a CA")
            .issuedBy(agent.ekCa)
            .key(agent.ekKey.getPublic())
            .ca(null)
            .tcgEkSan()
            .build();
    assertRefused(
        () -> v.verifyEndorsementCertificate(der(caAsEk)),
        Reason.EK_CHAIN,
        "cannot verify EK signature: endorsement certificate verification "
            + "failed: endorsement certificate is a CA certificate");
    // pathLen 0 makes getBasicConstraints() return 0: still a CA
    X509Certificate caPathLen0 =
        TestPki.cert("EK that is a CA, pathLen 0")
            .issuedBy(agent.ekCa)
            .key(agent.ekKey.getPublic())
            .ca(0)
            .tcgEkSan()
            .build();
    assertRefused(
        () -> v.verifyEndorsementCertificate(der(caPathLen0)),
        Reason.EK_CHAIN,
        "endorsement certificate is a CA certificate");
    SoftwareAgent other = SoftwareAgent.goLike();
    assertRefused(
        () -> v.verifyEndorsementCertificate(der(other.ekCert)),
        Reason.EK_CHAIN,
        "cannot verify EK signature: endorsement certificate verification failed: ");
    Instant expired = agent.ekCert.getNotAfter().toInstant().plus(Duration.ofDays(1));
    assertRefused(
        () ->
            builder(agent)
                .clock(Clock.fixed(expired, ZoneOffset.UTC))
                .build()
                .verifyEndorsementCertificate(der(agent.ekCert)),
        Reason.EK_CHAIN,
        "cannot verify EK signature: endorsement certificate verification failed: ");
  }

  @Test
  void oneVerifier_manyThreads_andOneChallengeCompletedOnce() throws Exception {
    TpmDevIdVerifier v = verifier();
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<String>> jobs = new ArrayList<>();
      for (int i = 0; i < 3 * threads; i++) {
        jobs.add(
            () -> {
              TpmDevIdVerifier.Challenge c = v.begin(agent.payload());
              return c.complete(agent.respond(c.challengeJson())).agentId(TD);
            });
      }
      List<String> ids = new ArrayList<>();
      for (Future<String> f : pool.invokeAll(jobs)) {
        ids.add(f.get());
      }
      assertThat(ids).hasSize(3 * threads).containsOnly(ids.get(0));

      // the same challenge completed from all threads at once: exactly one success
      TpmDevIdVerifier.Challenge shared = v.begin(agent.payload());
      byte[] response = agent.respond(shared.challengeJson());
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> racers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        racers.add(
            pool.submit(
                () -> {
                  start.await();
                  try {
                    shared.complete(response);
                    return true;
                  } catch (AttestationFailure e) {
                    assertThat(e.reason()).isEqualTo(Reason.CHALLENGE_STATE);
                    return false;
                  }
                }));
      }
      start.countDown();
      int successes = 0;
      for (Future<Boolean> f : racers) {
        successes += f.get() ? 1 : 0;
      }
      assertThat(successes).isEqualTo(1);
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void checks_areThePipelineStepsInOrder() {
    assertThat(Reason.checks())
        .hasSize(Reason.values().length - 2)
        .doesNotContain(Reason.CHALLENGE_STATE, Reason.REVOCATION_UNAVAILABLE)
        .startsWith(Reason.DECODE_REQUEST)
        .endsWith(Reason.AGENT_ID);
    assertThat(Reason.checks().stream().filter(Reason::hardening))
        .containsExactly(
            Reason.DEVID_REVOKED,
            Reason.DEVID_KEY,
            Reason.EK_ATTRIBUTES,
            Reason.EK_REVOKED,
            Reason.AK_ATTRIBUTES);
    assertThat(Reason.checks().stream().filter(Reason::afterChallenge))
        .containsExactly(
            Reason.DECODE_RESPONSE,
            Reason.PROOF_OF_POSSESSION,
            Reason.PROOF_OF_RESIDENCY,
            Reason.AGENT_ID);
  }
}
