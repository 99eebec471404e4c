package dev.tpmdevid.server;

import dev.tpmdevid.verifier.TpmDevIdVerifier;
import dev.tpmdevid.verifier.VerificationPolicy;
import dev.tpmdevid.verifier.x509.RevocationStore;
import dev.tpmdevid.verifier.x509.TrustBundle;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * One immutable configuration snapshot (docs/protocol.md#server-config plus our own keys, see
 * {@link ServerConfigLoader}). An attestation stream takes the snapshot that is current when it
 * starts and keeps it to the end, so a reconfiguration never changes the rules half-way.
 *
 * @param trustDomain trust domain name, e.g. {@code example.org}
 * @param devIdRoots every certificate of {@code devid_ca_path}, parsed once
 * @param endorsementRoots every certificate of {@code endorsement_ca_path}, parsed once
 * @param challengeTimeout how long a stream may wait for the payload and for the challenge response
 * @param maxPayloadBytes largest accepted attestation payload (checked before parsing)
 * @param allowEccEk accept ECC (NIST P-256/P-384) endorsement keys
 * @param allowEccAk accept ECC (NIST P-256/P-384) attestation keys
 * @param clock time source for certificate validity
 * @param devIdRevocation {@code devid_crl_path} CRLs, or null (no DevID revocation check)
 * @param endorsementRevocation {@code endorsement_crl_path} CRLs, or null
 * @param verifier the library verifier built from the fields above (what the Attest streams call)
 */
record ServerConfig(
    String trustDomain,
    TrustBundle devIdRoots,
    TrustBundle endorsementRoots,
    Duration challengeTimeout,
    int maxPayloadBytes,
    boolean allowEccEk,
    boolean allowEccAk,
    Clock clock,
    RevocationStore devIdRevocation,
    RevocationStore endorsementRevocation,
    TpmDevIdVerifier verifier)
    implements VerificationPolicy {

  ServerConfig {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(devIdRoots, "devIdRoots");
    Objects.requireNonNull(endorsementRoots, "endorsementRoots");
    Objects.requireNonNull(challengeTimeout, "challengeTimeout");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(verifier, "verifier");
  }

  /** Without revocation checks; the verifier is built from the other fields. */
  ServerConfig(
      String trustDomain,
      TrustBundle devIdRoots,
      TrustBundle endorsementRoots,
      Duration challengeTimeout,
      int maxPayloadBytes,
      boolean allowEccEk,
      boolean allowEccAk,
      Clock clock) {
    this(
        trustDomain,
        devIdRoots,
        endorsementRoots,
        challengeTimeout,
        maxPayloadBytes,
        allowEccEk,
        allowEccAk,
        clock,
        null,
        null);
  }

  /**
   * A configuration whose verifier is built from the other fields (the CRL stores passed to its
   * builder), with a fresh SecureRandom.
   */
  ServerConfig(
      String trustDomain,
      TrustBundle devIdRoots,
      TrustBundle endorsementRoots,
      Duration challengeTimeout,
      int maxPayloadBytes,
      boolean allowEccEk,
      boolean allowEccAk,
      Clock clock,
      RevocationStore devIdRevocation,
      RevocationStore endorsementRevocation) {
    this(
        trustDomain,
        devIdRoots,
        endorsementRoots,
        challengeTimeout,
        maxPayloadBytes,
        allowEccEk,
        allowEccAk,
        clock,
        devIdRevocation,
        endorsementRevocation,
        verifier(
            devIdRoots,
            endorsementRoots,
            maxPayloadBytes,
            allowEccEk,
            allowEccAk,
            clock,
            devIdRevocation,
            endorsementRevocation,
            new SecureRandom()));
  }

  ServerConfig withClock(Clock c) {
    return copy(c, new SecureRandom());
  }

  /** Stops the CRL polling of this snapshot (streams still holding it keep checking). */
  void closeRevocation() {
    if (devIdRevocation != null) {
      devIdRevocation.close();
    }
    if (endorsementRevocation != null) {
      endorsementRevocation.close();
    }
  }

  /** The same configuration drawing nonces and secrets from {@code random}. */
  ServerConfig withRandom(SecureRandom random) {
    return copy(clock, random);
  }

  /** This configuration with another clock and random source (the same bundles and CRL stores). */
  private ServerConfig copy(Clock c, SecureRandom random) {
    return new ServerConfig(
        trustDomain,
        devIdRoots,
        endorsementRoots,
        challengeTimeout,
        maxPayloadBytes,
        allowEccEk,
        allowEccAk,
        c,
        devIdRevocation,
        endorsementRevocation,
        verifier(
            devIdRoots,
            endorsementRoots,
            maxPayloadBytes,
            allowEccEk,
            allowEccAk,
            c,
            devIdRevocation,
            endorsementRevocation,
            random));
  }

  private static TpmDevIdVerifier verifier(
      TrustBundle devIdRoots,
      TrustBundle endorsementRoots,
      int maxPayloadBytes,
      boolean allowEccEk,
      boolean allowEccAk,
      Clock clock,
      RevocationStore devIdRevocation,
      RevocationStore endorsementRevocation,
      SecureRandom random) {
    return TpmDevIdVerifier.builder()
        .devIdRoots(devIdRoots.anchors().stream().map(a -> a.cert().x509()).toList())
        .endorsementRoots(endorsementRoots.anchors().stream().map(a -> a.cert().x509()).toList())
        .maxRequestBytes(Math.max(1, maxPayloadBytes))
        .allowEccEndorsementKey(allowEccEk)
        .allowEccAttestationKey(allowEccAk)
        .clock(clock)
        .devIdRevocation(devIdRevocation)
        .endorsementRevocation(endorsementRevocation)
        .random(random)
        .build();
  }
}
