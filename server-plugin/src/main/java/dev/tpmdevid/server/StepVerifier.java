package dev.tpmdevid.server;

import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.verifier.AttestationFailure;
import dev.tpmdevid.verifier.AttestationFailure.Reason;
import dev.tpmdevid.verifier.AttestationVerifier;
import dev.tpmdevid.verifier.x509.Cert;
import dev.tpmdevid.verifier.x509.ChainVerificationException;
import dev.tpmdevid.verifier.x509.ChainVerifier;
import dev.tpmdevid.verifier.x509.TrustBundle;
import io.grpc.StatusException;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The server half of tpm_devid one step at a time, for tools that keep the state between the
 * challenge and the response in files (the {@code tpm-devid server challenge|verify} commands):
 *
 * <ol>
 *   <li>{@link #challenge(byte[])}: every payload check of docs/protocol.md#server-checks steps 2–14 (with the
 *       hardening of docs/security.md#stricter-than-go), then the ChallengeRequest with a fresh PoP nonce and credential
 *       secret, both returned so the caller can keep them;</li>
 *   <li>{@link #verify(byte[], byte[], byte[], byte[])}: the payload checks again (steps 2–12,
 *       nothing random), then steps 15–18 against the given nonce and secret.</li>
 * </ol>
 *
 * The second step also checks a transcript recorded from any implementation when its nonce and
 * secret are known. This is the same {@link AttestationVerifier} the plugin runs; only the state
 * lives outside. Nonce and secret are secret material: whoever holds them with the payload can
 * build a passing response (as the plugin keeps them in memory only, docs/security.md#a9-replay).
 */
public final class StepVerifier {

  /** A refused payload or response: the message names the failed check (never a secret). */
  public static final class StepException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String code;

    StepException(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    /** The gRPC code the plugin would return (e.g. {@code INVALID_ARGUMENT}). */
    public String code() {
      return code;
    }
  }

  /** What {@link #challenge(byte[])} produced. */
  public record Challenge(byte[] challengeJson, byte[] nonce, byte[] secret) {
    public Challenge {
      challengeJson = challengeJson.clone();
      nonce = nonce.clone();
      secret = secret.clone();
    }

    @Override
    public byte[] challengeJson() {
      return challengeJson.clone();
    }

    @Override
    public byte[] nonce() {
      return nonce.clone();
    }

    @Override
    public byte[] secret() {
      return secret.clone();
    }

    @Override
    public String toString() {
      return "Challenge[" + challengeJson.length + " bytes]";
    }
  }

  /** The agent's identity on success (selector values without the plugin-name prefix). */
  public record Result(String spiffeId, List<String> selectorValues) {
    public Result {
      selectorValues = List.copyOf(selectorValues);
    }
  }

  /** A verified EK certificate path: every chain found, EK first, anchor last. */
  public record EkPaths(List<List<X509Certificate>> chains) {
    public EkPaths {
      chains = chains.stream().map(List::copyOf).toList();
    }
  }

  private static final Set<String> EK_LEAF_HANDLED = Set.of("2.5.29.17");

  private final ServerConfig config;
  private final AttestationVerifier verifier;

  private StepVerifier(ServerConfig config, SecureRandom rng) {
    this.config = config;
    this.verifier = new AttestationVerifier(rng);
  }

  /**
   * A verifier with the plugin's configuration ({@code devid_ca_path}, {@code endorsement_ca_path},
   * {@code allow_ecc_ek}, ...; docs/protocol.md#server-config) read exactly as the plugin reads it.
   */
  public static StepVerifier fromHcl(String trustDomain, String hcl) throws StepException {
    try {
      ServerConfig c = ServerConfigLoader.load(trustDomain, hcl, Clock.systemUTC()).config();
      return new StepVerifier(c, new SecureRandom());
    } catch (StatusException e) {
      throw new StepException(e.getStatus().getCode().name(), e.getStatus().getDescription());
    }
  }

  /** The same configuration with certificate validity checked at {@code time} instead of now. */
  public StepVerifier at(Instant time) {
    Objects.requireNonNull(time, "time");
    return new StepVerifier(config.withClock(Clock.fixed(time, ZoneOffset.UTC)), new SecureRandom());
  }

  /** Largest payload the plugin accepts ({@code max_payload_bytes}). */
  public int maxPayloadBytes() {
    return config.maxPayloadBytes();
  }

  /** docs/protocol.md#server-checks steps 1–14: checks the AttestationRequest JSON and builds the challenge. */
  public Challenge challenge(byte[] payload) throws StepException {
    try {
      checkSize(payload);
      AttestationVerifier.Pending p = verifier.verifyPayload(config, payload);
      return new Challenge(p.challenge(), p.nonce, p.secret);
    } catch (AttestationFailure e) {
      throw wrap(e);
    }
  }

  /**
   * Re-checks the payload (steps 2–12) and checks the ChallengeResponse JSON against the given PoP
   * nonce and credential secret (steps 15–18).
   */
  public Result verify(byte[] payload, byte[] nonce, byte[] secret, byte[] response)
      throws StepException {
    Objects.requireNonNull(nonce, "nonce");
    Objects.requireNonNull(secret, "secret");
    try {
      checkSize(payload);
      AttestationRequest req = AttestationVerifier.decodeAttestationRequest(payload);
      List<Cert> devIdCerts =
          AttestationVerifier.parseDevIdCertificates(AttestationVerifier.requireDevIdCertificate(req));
      List<List<Cert>> chains = AttestationVerifier.verifyDevIdChain(config, devIdCerts);
      AttestationVerifier.requireTpmBlobs(req);
      Cert ekCert = AttestationVerifier.parseEkCertificate(req.ekCert());
      AttestationVerifier.TpmPublics pubs = AttestationVerifier.decodeTpmPublics(req);
      AttestationVerifier.checkDevIdKeyBinding(devIdCerts.get(0), pubs);
      AttestationVerifier.checkDevIdKeyAttributes(pubs.devIdPub());
      AttestationVerifier.verifyEkKeyMatch(config, ekCert, pubs);
      AttestationVerifier.checkEkAttributes(pubs.ekPub());
      AttestationVerifier.verifyEkChain(config, ekCert);
      AttestationVerifier.checkAkAttributes(config, pubs.akPub());
      AttestationVerifier.verifyCertify(pubs, req.certifiedDevId(), req.certificationSignature());
      if (secret.length != TpmAlg.digestSize(pubs.ekPub().nameAlg())) {
        throw new AttestationFailure(Reason.CHALLENGE_STATE, "credential secret in the state has the wrong size");
      }
      AttestationVerifier.Pending pending = new AttestationVerifier.Pending(devIdCerts.get(0),
          chains, nonce.clone(), secret.clone(), new byte[0]);
      AttestationVerifier.AgentAttributes a = verifier.verifyResponse(config, pending, response);
      return new Result(a.spiffeId(), a.selectorValues());
    } catch (AttestationFailure e) {
      throw wrap(e);
    }
  }

  /**
   * The server's EK certificate validation alone (docs/protocol.md#server-checks steps 8 and 11, Go x509 semantics):
   * strict DER parse, not a CA, chain to {@code endorsementBundlePem} without intermediates from
   * the agent, the TCG SAN handled on the EK leaf only, validity at {@code time}.
   */
  public static EkPaths verifyEkCertificate(byte[] endorsementBundlePem, byte[] ekCertDer,
      Instant time) throws StepException {
    TrustBundle roots;
    try {
      roots = TrustBundle.fromPem(endorsementBundlePem);
    } catch (CertificateException e) {
      throw new StepException("INVALID_ARGUMENT",
          "unable to load endorsement trust bundle: " + e.getMessage());
    }
    try {
      Cert ek = AttestationVerifier.parseEkCertificate(ekCertDer);
      String prefix = "cannot verify EK signature: endorsement certificate verification failed: ";
      if (ek.x509().getBasicConstraints() >= 0) {
        throw new AttestationFailure(Reason.EK_CHAIN, prefix + "endorsement certificate is a CA certificate");
      }
      List<List<Cert>> chains;
      try {
        chains = ChainVerifier.verify(ek, List.of(), roots, Date.from(time), EK_LEAF_HANDLED);
      } catch (ChainVerificationException e) {
        throw new AttestationFailure(Reason.EK_CHAIN, prefix + e.getMessage());
      }
      List<List<X509Certificate>> out = new ArrayList<>();
      for (List<Cert> chain : chains) {
        out.add(chain.stream().map(Cert::x509).toList());
      }
      return new EkPaths(out);
    } catch (AttestationFailure e) {
      throw wrap(e);
    }
  }

  private void checkSize(byte[] payload) throws AttestationFailure {
    if (payload == null || payload.length == 0) {
      throw new AttestationFailure(Reason.PAYLOAD_SIZE, "missing attestation payload");
    }
    if (payload.length > config.maxPayloadBytes()) {
      throw new AttestationFailure(Reason.PAYLOAD_SIZE, "attestation payload too large (at most "
          + config.maxPayloadBytes() + " bytes)");
    }
  }

  private static StepException wrap(AttestationFailure e) {
    return new StepException(FailureCodes.of(e).name(), e.getMessage());
  }
}
