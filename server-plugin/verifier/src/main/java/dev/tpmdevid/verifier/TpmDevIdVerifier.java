package dev.tpmdevid.verifier;

import dev.tpmdevid.verifier.AttestationFailure.Reason;
import dev.tpmdevid.verifier.x509.Cert;
import dev.tpmdevid.verifier.x509.RevocationStore;
import dev.tpmdevid.verifier.x509.TrustBundle;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The server half of SPIRE's tpm_devid node attestation as a library: no gRPC, no HCL.
 *
 * <pre>{@code
 * TpmDevIdVerifier verifier = TpmDevIdVerifier.builder()
 *     .devIdRoots(devIdCaCertificates)
 *     .endorsementRoots(tpmManufacturerCertificates)
 *     .build();
 * TpmDevIdVerifier.Challenge c = verifier.begin(attestationRequestJson); // payload checks
 * send(c.challengeJson());
 * AttestedNode node = c.complete(challengeResponseJson);               // PoP + residency
 * node.agentId("example.org");  // spiffe://example.org/spire/agent/tpm_devid/<sha1>
 * node.selectors();             // [subject:cn:..., issuer:cn:..., ca:fingerprint:..., ...]
 * }</pre>
 *
 * <p>Every step is listed in {@link Reason#checks()}; a refusal is an {@link AttestationFailure}
 * naming the step. A verifier is immutable and thread-safe: build it once per configuration and
 * share it. A {@link Challenge} belongs to one attestation; it is single use and holds secret
 * material (the proof-of-possession nonce and the credential secret: whoever has them and the
 * request can answer the challenge without the TPM).
 */
public final class TpmDevIdVerifier {
  /** Default {@link Builder#maxRequestBytes}: 64 KiB (a Go agent sends about 5 KB). */
  public static final int DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;

  private final Policy policy;
  private final SecureRandom random;
  private final AttestationVerifier pipeline;
  private final int maxRequestBytes;

  private TpmDevIdVerifier(Builder b) throws CertificateException {
    this.policy =
        new Policy(
            TrustBundle.of(b.devIdRoots),
            TrustBundle.of(b.endorsementRoots),
            b.allowEccEk,
            b.allowEccAk,
            b.clock,
            b.devIdRevocation,
            b.endorsementRevocation);
    this.random = b.random != null ? b.random : new SecureRandom();
    this.pipeline = new AttestationVerifier(random);
    this.maxRequestBytes = b.maxRequestBytes;
  }

  /** What the pipeline reads; not exposed, so the verifier stays immutable. */
  private record Policy(
      TrustBundle devIdRoots,
      TrustBundle endorsementRoots,
      boolean allowEccEk,
      boolean allowEccAk,
      Clock clock,
      RevocationStore devIdRevocation,
      RevocationStore endorsementRevocation)
      implements VerificationPolicy {}

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Checks an AttestationRequest (docs/protocol.md#server-checks steps 2-12 with the hardening of
   * docs/security.md) and makes its challenge: a fresh 32-byte proof-of-possession nonce and a
   * credential encrypted to the EK for the AK's name (steps 13-14).
   *
   * @param attestationRequestJson the agent's payload, as SPIRE's tpm_devid agent sends it
   * @throws AttestationFailure naming the first check that refused
   */
  public Challenge begin(byte[] attestationRequestJson) throws AttestationFailure {
    checkSize(attestationRequestJson);
    AttestationVerifier.Pending p = pipeline.verifyPayload(policy, attestationRequestJson);
    return new Challenge(attestationRequestJson.clone(), p);
  }

  /**
   * A challenge from its exported {@link Challenge.State} (for tools that keep the state in a file
   * between the two steps, or to check a transcript recorded from another implementation whose
   * nonce and secret are known). The payload checks run again, exactly as in {@link #begin}; no new
   * randomness is drawn. The restored challenge is single use too, but the state itself can be
   * restored again: keeping it single use across processes is the caller's job.
   *
   * @throws AttestationFailure a payload check refused, or ({@link Reason#CHALLENGE_STATE}) the
   *     nonce or secret does not have the size this payload implies
   */
  public Challenge restore(Challenge.State state) throws AttestationFailure {
    Objects.requireNonNull(state, "state");
    checkSize(state.attestationRequest());
    AttestationVerifier.Pending p =
        AttestationVerifier.restore(
            policy, state.attestationRequest(), state.nonce(), state.credentialSecret());
    return new Challenge(state.attestationRequest(), p);
  }

  /**
   * The EK certificate checks alone (steps 8 and 11: strict DER, not a CA, chain to the endorsement
   * roots without intermediates from the agent, validity at the verifier's clock, and with {@link
   * Builder#endorsementRevocation} the EK CRLs): every verified path, EK first, root last.
   */
  public List<List<X509Certificate>> verifyEndorsementCertificate(byte[] ekCertificateDer)
      throws AttestationFailure {
    return verifyEndorsementCertificate(policy, ekCertificateDer);
  }

  /**
   * {@link #verifyEndorsementCertificate(byte[])} without a verifier: the EK certificate checks
   * against {@code endorsementRoots} at {@code time} (for tools that inspect EK certificates).
   *
   * @throws IllegalArgumentException when a root certificate does not parse strictly
   */
  public static List<List<X509Certificate>> verifyEndorsementCertificate(
      Collection<X509Certificate> endorsementRoots, byte[] ekCertificateDer, Instant time)
      throws AttestationFailure {
    Policy p;
    try {
      p =
          new Policy(
              TrustBundle.of(List.of()),
              TrustBundle.of(List.copyOf(endorsementRoots)),
              true,
              true,
              Clock.fixed(time, ZoneOffset.UTC),
              null,
              null);
    } catch (CertificateException e) {
      throw new IllegalArgumentException("root certificate refused: " + e.getMessage(), e);
    }
    return verifyEndorsementCertificate(p, ekCertificateDer);
  }

  private static List<List<X509Certificate>> verifyEndorsementCertificate(
      Policy policy, byte[] ekCertificateDer) throws AttestationFailure {
    Cert ek = AttestationVerifier.parseEkCertificate(Objects.requireNonNull(ekCertificateDer));
    List<List<X509Certificate>> out = new ArrayList<>();
    for (List<Cert> chain : AttestationVerifier.verifyEkChain(policy, ek)) {
      out.add(chain.stream().map(Cert::x509).toList());
    }
    return List.copyOf(out);
  }

  /** The largest AttestationRequest {@link #begin} accepts. */
  public int maxRequestBytes() {
    return maxRequestBytes;
  }

  private void checkSize(byte[] request) throws AttestationFailure {
    if (request == null || request.length == 0) {
      throw new AttestationFailure(Reason.DECODE_REQUEST, "missing attestation payload");
    }
    if (request.length > maxRequestBytes) {
      throw new AttestationFailure(
          Reason.DECODE_REQUEST,
          "attestation payload too large (at most " + maxRequestBytes + " bytes)");
    }
  }

  /**
   * One attestation between {@link #begin} and {@link #complete}: the challenge to send and what
   * checking the answer needs. Single use: {@link #complete} succeeds or fails once, then the nonce
   * and secret are erased and every further call fails with {@link Reason#CHALLENGE_STATE}.
   * Thread-safe.
   */
  public final class Challenge {
    private final byte[] request;
    private AttestationVerifier.Pending pending;

    private Challenge(byte[] request, AttestationVerifier.Pending pending) {
      this.request = request;
      this.pending = pending;
    }

    /**
     * The ChallengeRequest JSON to send to the agent ({@code {"DevID":<nonce>,"CredActivation":
     * {...}}}). Not secret. Only a challenge made by {@link #begin} has it.
     *
     * @throws IllegalStateException for a restored challenge (the state does not keep it)
     */
    public synchronized byte[] challengeJson() {
      if (pending == null) {
        throw new IllegalStateException("challenge already completed");
      }
      if (pending.challenge.length == 0) {
        throw new IllegalStateException("a restored challenge has no challenge JSON");
      }
      return pending.challenge.clone();
    }

    /**
     * Checks the agent's ChallengeResponse JSON (steps 15-17: proof of possession of the DevID key,
     * proof of residency of the AK in the TPM of the EK) and returns the attested node. Single use:
     * a second call fails with {@link Reason#CHALLENGE_STATE}, whatever the outcome of the first.
     */
    public AttestedNode complete(byte[] challengeResponseJson) throws AttestationFailure {
      AttestationVerifier.Pending p;
      synchronized (this) {
        p = pending;
        pending = null;
      }
      if (p == null) {
        throw new AttestationFailure(Reason.CHALLENGE_STATE, "challenge already completed");
      }
      try {
        return AttestationVerifier.verifyResponse(
            p, challengeResponseJson == null ? new byte[0] : challengeResponseJson);
      } finally {
        Arrays.fill(p.nonce, (byte) 0);
        Arrays.fill(p.secret, (byte) 0);
      }
    }

    /**
     * The state a later {@link TpmDevIdVerifier#restore} needs: request, nonce and credential
     * secret (copies). Secret material: store it like a private key (e.g. mode 0600) and only until
     * the response arrives.
     *
     * @throws IllegalStateException after {@link #complete}
     */
    public synchronized State export() {
      if (pending == null) {
        throw new IllegalStateException("challenge already completed");
      }
      return new State(request, pending.nonce, pending.secret);
    }

    @Override
    public String toString() {
      return "Challenge[" + (pending == null ? "completed" : "pending") + "]";
    }

    /**
     * The exported state of a challenge: the AttestationRequest JSON, the 32-byte
     * proof-of-possession nonce and the credential secret (as long as the EK's name digest). The
     * arrays are copied in and out. {@link #toString} shows no secret.
     */
    public record State(byte[] attestationRequest, byte[] nonce, byte[] credentialSecret) {
      public State {
        attestationRequest =
            Objects.requireNonNull(attestationRequest, "attestationRequest").clone();
        nonce = Objects.requireNonNull(nonce, "nonce").clone();
        credentialSecret = Objects.requireNonNull(credentialSecret, "credentialSecret").clone();
      }

      @Override
      public byte[] attestationRequest() {
        return attestationRequest.clone();
      }

      @Override
      public byte[] nonce() {
        return nonce.clone();
      }

      @Override
      public byte[] credentialSecret() {
        return credentialSecret.clone();
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof State s
            && Arrays.equals(attestationRequest, s.attestationRequest)
            && java.security.MessageDigest.isEqual(nonce, s.nonce)
            && java.security.MessageDigest.isEqual(credentialSecret, s.credentialSecret);
      }

      @Override
      public int hashCode() {
        return Arrays.hashCode(attestationRequest);
      }

      @Override
      public String toString() {
        return "State[request " + attestationRequest.length + " bytes, nonce and secret hidden]";
      }
    }
  }

  /**
   * Builds an immutable {@link TpmDevIdVerifier}. Not thread-safe; {@link #build} copies everything
   * it keeps.
   */
  public static final class Builder {
    private List<X509Certificate> devIdRoots;
    private List<X509Certificate> endorsementRoots;
    private Clock clock = Clock.systemUTC();
    private boolean allowEccEk = true;
    private boolean allowEccAk = true;
    private SecureRandom random;
    private int maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private RevocationStore devIdRevocation;
    private RevocationStore endorsementRevocation;

    private Builder() {}

    /**
     * Required: the DevID trust anchors (SPIRE's {@code devid_ca_path}). Every certificate is an
     * anchor, self-signed or not, as in Go's {@code CertPool}.
     */
    public Builder devIdRoots(Collection<X509Certificate> roots) {
      this.devIdRoots = List.copyOf(roots);
      return this;
    }

    /**
     * Required: the endorsement trust anchors (SPIRE's {@code endorsement_ca_path}); put EK
     * intermediates here too (the agent sends none), as with the Go server.
     */
    public Builder endorsementRoots(Collection<X509Certificate> roots) {
      this.endorsementRoots = List.copyOf(roots);
      return this;
    }

    /** Time for certificate validity. Default: the system clock in UTC. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Accept ECC (NIST P-256/P-384) endorsement keys (credential via ECDH + KDFe). Default: {@code
     * true}, as the plugin's {@code allow_ecc_ek}; SPIRE's Go server supports RSA EKs only.
     */
    public Builder allowEccEndorsementKey(boolean allow) {
      this.allowEccEk = allow;
      return this;
    }

    /**
     * Accept ECC (NIST P-256/P-384) attestation keys (ECDSA Certify). Default: {@code true}, as the
     * plugin's {@code allow_ecc_ak}; SPIRE's Go server supports RSA AKs only.
     */
    public Builder allowEccAttestationKey(boolean allow) {
      this.allowEccAk = allow;
      return this;
    }

    /** Source of nonces and credential secrets. Default: a new {@link SecureRandom}. */
    public Builder random(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Largest AttestationRequest accepted, checked before parsing. Default: {@value
     * #DEFAULT_MAX_REQUEST_BYTES}; at least 1.
     */
    public Builder maxRequestBytes(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxRequestBytes must be at least 1");
      }
      this.maxRequestBytes = max;
      return this;
    }

    /**
     * CRLs for the DevID chain (SPIRE has no such option; the plugin's {@code devid_crl_path}):
     * after the chain verifies (step 5), every certificate of each verified chain but a self-issued
     * root is checked against the CRLs of its issuer in {@code store}. A listed serial fails with
     * {@link Reason#DEVID_REVOKED}; a certificate no current CRL covers fails with {@link
     * Reason#REVOCATION_UNAVAILABLE} when the store's mode is {@link
     * dev.tpmdevid.verifier.x509.CrlMode#STRICT} and passes in best-effort mode. Open the store
     * with {@link RevocationStore#open}; it re-reads its files when they change, so one verifier
     * can keep it. The verifier does not own it: close it when the verifier is no longer used.
     * Default: null, no revocation check (as SPIRE's Go server).
     */
    public Builder devIdRevocation(RevocationStore store) {
      this.devIdRevocation = store;
      return this;
    }

    /**
     * CRLs for the EK chain (the plugin's {@code endorsement_crl_path}), as {@link
     * #devIdRevocation} after step 11: a listed serial fails with {@link Reason#EK_REVOKED}.
     * Default: null, no revocation check.
     */
    public Builder endorsementRevocation(RevocationStore store) {
      this.endorsementRevocation = store;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalStateException when a required root set is missing or empty
     * @throws IllegalArgumentException when a root certificate does not parse strictly (Go x509
     *     rules)
     */
    public TpmDevIdVerifier build() {
      if (devIdRoots == null || devIdRoots.isEmpty()) {
        throw new IllegalStateException("devIdRoots: at least one DevID root certificate required");
      }
      if (endorsementRoots == null || endorsementRoots.isEmpty()) {
        throw new IllegalStateException(
            "endorsementRoots: at least one endorsement root certificate required");
      }
      try {
        return new TpmDevIdVerifier(this);
      } catch (CertificateException e) {
        throw new IllegalArgumentException("root certificate refused: " + e.getMessage(), e);
      }
    }
  }
}
