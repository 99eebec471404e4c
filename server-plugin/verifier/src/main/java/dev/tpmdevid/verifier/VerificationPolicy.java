package dev.tpmdevid.verifier;

import dev.tpmdevid.verifier.x509.RevocationStore;
import dev.tpmdevid.verifier.x509.TrustBundle;
import java.time.Clock;

/**
 * What the pipeline of {@link AttestationVerifier} needs to know besides the evidence: trust
 * anchors, which key types to accept, the clock for certificate validity. {@link TpmDevIdVerifier}
 * is the public way to hold one.
 */
public interface VerificationPolicy {
  /** DevID trust anchors ({@code devid_ca_path}). */
  TrustBundle devIdRoots();

  /** Endorsement trust anchors ({@code endorsement_ca_path}). */
  TrustBundle endorsementRoots();

  /** Accept ECC (NIST P-256/P-384) endorsement keys. */
  boolean allowEccEk();

  /** Accept ECC (NIST P-256/P-384) attestation keys. */
  boolean allowEccAk();

  /** Time source for certificate validity. */
  Clock clock();

  /**
   * CRLs checked against the verified DevID chains ({@code devid_crl_path}); null (the default): no
   * revocation check.
   */
  default RevocationStore devIdRevocation() {
    return null;
  }

  /**
   * CRLs checked against the verified EK chain ({@code endorsement_crl_path}); null (the default):
   * no revocation check.
   */
  default RevocationStore endorsementRevocation() {
    return null;
  }
}
