package dev.tpmdevid.verifier;

import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Objects;

/**
 * A refused attestation: {@link #reason()} names the step that failed, the message is the Go
 * server's wording where it has one (docs/protocol.md#server-checks), otherwise ours, naming the
 * failed check. Messages never contain expected values, secrets or stack traces. Mapping a reason
 * to a transport status (a gRPC code) is the caller's business; the plugin does it at its gRPC
 * boundary.
 */
public final class AttestationFailure extends GeneralSecurityException {
  private static final long serialVersionUID = 1L;

  /**
   * The verification steps in the order {@link TpmDevIdVerifier} runs them; a failure names the
   * step that refused. {@link #checks()} is this list without the two outcomes that are not checks
   * ({@link #REVOCATION_UNAVAILABLE}, {@link #CHALLENGE_STATE}): the list a tool prints as "checks
   * passed". Steps marked hardening are not made by SPIRE's Go server (docs/security.md#go-gaps).
   */
  public enum Reason {
    /** docs/protocol.md#server-checks step 2 (and a size limit): the AttestationRequest JSON. */
    DECODE_REQUEST("payload decoded (JSON AttestationRequest, size limit)", false, false),
    /** Steps 3-4: at least one (at most 16) DevID certificates, each strict DER X.509. */
    DEVID_CERTIFICATE("DevID certificate present and parsed", false, false),
    /** Step 5: the DevID chain verifies to a DevID root (Go x509 rules). */
    DEVID_CHAIN("DevID certificate chains to the DevID roots", false, false),
    /**
     * Step 5 with {@code devid_crl_path}: no certificate of the DevID chain is listed by a CRL of
     * its issuer (server-plugin/README.md#revocation-crls).
     */
    DEVID_REVOKED("DevID chain not revoked (when CRLs are configured)", true, false),
    /** Steps 7-9: AK, DevID and EK public areas and the EK certificate present and decoded. */
    TPM_BLOBS("TPM public areas and EK certificate present and decoded", false, false),
    /**
     * Hardening H1-H2: the DevID certificate's key is DevIDPub's key, and DevIDPub is a
     * non-exportable TPM signing key.
     */
    DEVID_KEY("DevIDPub is the key of the DevID certificate; a TPM signing key", true, false),
    /** Step 10: the EK certificate's key equals EKPub. */
    EK_KEY_MATCH("EK certificate's key equals EKPub", false, false),
    /** Hardening H3: EKPub has an endorsement key's attributes. */
    EK_ATTRIBUTES("EKPub has an endorsement key's attributes", true, false),
    /** Step 11: the EK certificate verifies to an endorsement root. */
    EK_CHAIN("EK certificate chains to the endorsement roots", false, false),
    /**
     * Step 11 with {@code endorsement_crl_path}: no certificate of the EK chain is listed by a CRL
     * of its issuer.
     */
    EK_REVOKED("EK chain not revoked (when CRLs are configured)", true, false),
    /**
     * Not a check: step 5 or 11 in CRL mode strict, when no current CRL verified with the issuer's
     * key covers a certificate of the chain (the server's CRLs are at fault, not the evidence;
     * retry later).
     */
    REVOCATION_UNAVAILABLE("revocation status established from current CRLs", true, false),
    /** Hardening H4: the AK is a restricted signing key that cannot leave its TPM. */
    AK_ATTRIBUTES("AK is a restricted signing key that cannot leave its TPM", true, false),
    /** Step 12: the AK's TPM2_Certify signature verifies and certifies Name(DevIDPub). */
    CERTIFY("AK's TPM2_Certify: signature verifies and certifies Name(DevIDPub)", false, false),
    /**
     * Steps 13-14: credential made for Name(AKPub), encrypted to EKPub; a failure here is the
     * verifier's own fault, not the agent's.
     */
    CREDENTIAL("credential made for Name(AKPub), encrypted to EKPub; challenge sent", false, false),
    /** Step 15: the ChallengeResponse JSON. */
    DECODE_RESPONSE("challenge response decoded", false, true),
    /** Step 16: the nonce signature verifies with the DevID certificate's key. */
    PROOF_OF_POSSESSION(
        "proof of possession: nonce signature verifies with the DevID certificate's key",
        false,
        true),
    /** Step 17: the activated credential equals the secret. */
    PROOF_OF_RESIDENCY("proof of residency: recovered secret equals the sealed one", false, true),
    /**
     * Step 18: agent ID and selectors from the DevID certificate. This library does not fail here
     * ({@link AttestedNode#agentId} checks its argument); SPIRE's Go server fails on an invalid
     * agent ID.
     */
    AGENT_ID("agent ID and selectors from the DevID certificate", false, true),
    /**
     * Not a check: a challenge completed a second time, or a restored state that does not fit its
     * payload.
     */
    CHALLENGE_STATE("challenge state valid and unused", false, true);

    private final String title;
    private final boolean hardening;
    private final boolean afterChallenge;

    Reason(String title, boolean hardening, boolean afterChallenge) {
      this.title = title;
      this.hardening = hardening;
      this.afterChallenge = afterChallenge;
    }

    /** One line naming what the step checks (for "checks passed" lists). */
    public String title() {
      return title;
    }

    /** True when SPIRE's Go server does not make this check (docs/security.md#go-gaps). */
    public boolean hardening() {
      return hardening;
    }

    /** True for the steps run on the challenge response ({@code complete}). */
    public boolean afterChallenge() {
      return afterChallenge;
    }

    /**
     * The checks in pipeline order: every reason but the two outcomes that are not checks, {@link
     * #REVOCATION_UNAVAILABLE} and {@link #CHALLENGE_STATE}.
     */
    public static List<Reason> checks() {
      return CHECKS;
    }

    private static final List<Reason> CHECKS =
        java.util.Arrays.stream(values())
            .filter(r -> r != CHALLENGE_STATE && r != REVOCATION_UNAVAILABLE)
            .toList();
  }

  private final Reason reason;

  public AttestationFailure(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** The step that failed. */
  public Reason reason() {
    return reason;
  }

  /** No stack trace: a refusal is an expected outcome, and its message says everything. */
  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
