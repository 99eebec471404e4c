package dev.tpmdevid.server;

import dev.tpmdevid.verifier.VerificationPolicy;
import dev.tpmdevid.verifier.x509.TrustBundle;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * One immutable configuration snapshot (docs/protocol.md#server-config plus our own keys, see {@link
 * ServerConfigLoader}). An attestation stream takes the snapshot that is current when it starts
 * and keeps it to the end, so a reconfiguration never changes the rules half-way.
 *
 * @param trustDomain trust domain name, e.g. {@code example.org}
 * @param devIdRoots every certificate of {@code devid_ca_path}, parsed once
 * @param endorsementRoots every certificate of {@code endorsement_ca_path}, parsed once
 * @param challengeTimeout how long a stream may wait for the payload and for the challenge
 *     response
 * @param maxPayloadBytes largest accepted attestation payload (checked before parsing)
 * @param allowEccEk accept ECC (NIST P-256/P-384) endorsement keys
 * @param allowEccAk accept ECC (NIST P-256/P-384) attestation keys
 * @param clock time source for certificate validity
 */
record ServerConfig(
    String trustDomain,
    TrustBundle devIdRoots,
    TrustBundle endorsementRoots,
    Duration challengeTimeout,
    int maxPayloadBytes,
    boolean allowEccEk,
    boolean allowEccAk,
    Clock clock) implements VerificationPolicy {

  ServerConfig {
    Objects.requireNonNull(trustDomain, "trustDomain");
    Objects.requireNonNull(devIdRoots, "devIdRoots");
    Objects.requireNonNull(endorsementRoots, "endorsementRoots");
    Objects.requireNonNull(challengeTimeout, "challengeTimeout");
    Objects.requireNonNull(clock, "clock");
  }

  ServerConfig withClock(Clock c) {
    return new ServerConfig(trustDomain, devIdRoots, endorsementRoots, challengeTimeout,
        maxPayloadBytes, allowEccEk, allowEccAk, c);
  }
}
