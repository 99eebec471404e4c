package dev.tpmdevid.cli;

import dev.tpmdevid.verifier.AttestationFailure.Reason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks our server plugin makes, in the order it makes them: the verifier library's own step
 * list ({@link Reason#checks()}), each with a plain-language line and the error-message prefixes it
 * fails with (a gRPC status carries only the message). The demo's trace marks each check passed,
 * failed or not reached from the status the plugin returned.
 */
final class ServerChecks {

  /**
   * One check. {@code hardening}: SPIRE's Go server does not make it (docs/security.md#go-gaps);
   * {@code afterChallenge}: made on the challenge response.
   */
  record Check(
      Reason reason,
      String title,
      String plain,
      boolean hardening,
      boolean afterChallenge,
      List<String> errors) {}

  static final List<Check> CHECKS =
      Reason.checks().stream()
          .map(r -> new Check(r, r.title(), plain(r), r.hardening(), r.afterChallenge(), errors(r)))
          .toList();

  private static String plain(Reason r) {
    return switch (r) {
      case DECODE_REQUEST -> "The server can read what the agent sent.";
      case DEVID_CERTIFICATE -> "The agent presented an ID card (its DevID certificate).";
      case DEVID_CHAIN -> "The ID card was issued by an authority this server trusts.";
      case DEVID_REVOKED ->
          "The authority has not withdrawn the ID card (checked when the server has its"
              + " revocation lists).";
      case TPM_BLOBS ->
          "The agent sent the descriptions of its three TPM keys and the TPM's birth certificate.";
      case DEVID_KEY -> "The key the TPM vouches for is the very key named on the ID card.";
      case EK_KEY_MATCH -> "The birth certificate belongs to the TPM key the agent described.";
      case EK_ATTRIBUTES ->
          "That key really is a TPM's endorsement key (it can only decrypt, never sign).";
      case EK_CHAIN -> "The birth certificate was signed by a TPM maker this server trusts.";
      case EK_REVOKED ->
          "The TPM maker has not withdrawn the birth certificate (checked when the server has"
              + " its revocation lists).";
      case REVOCATION_UNAVAILABLE -> "The server's revocation lists are current enough to tell.";
      case AK_ATTRIBUTES ->
          "The fresh key that vouched was made inside a TPM and can only sign TPM-made statements.";
      case CERTIFY ->
          "The fresh key signed a TPM statement that the DevID key lives in the same TPM.";
      case CREDENTIAL ->
          "The server seals a secret that only the TPM with this birth certificate can open, and"
              + " only for that fresh key.";
      case DECODE_RESPONSE -> "The agent answered in the expected form.";
      case PROOF_OF_POSSESSION ->
          "The TPM signed the server's random number with the ID card's key.";
      case PROOF_OF_RESIDENCY ->
          "The TPM opened the sealed secret, so the fresh key lives in the TPM with the birth"
              + " certificate.";
      case AGENT_ID -> "The server names the agent after its ID card.";
      case CHALLENGE_STATE -> "The challenge was answered once.";
    };
  }

  /** Message prefixes of each step (the verifier's and, for the stream checks, the plugin's). */
  private static List<String> errors(Reason r) {
    return switch (r) {
      case DECODE_REQUEST ->
          List.of(
              "unable to unmarshall attestation data",
              "attestation payload larger",
              "attestation payload too large",
              "missing attestation payload",
              "challenge response received before the attestation payload");
      case DEVID_CERTIFICATE ->
          List.of("no DevID certificate", "too many DevID certificates", "unable to parse DevID");
      case DEVID_CHAIN -> List.of("unable to verify DevID signature");
      // RevocationStore's messages ("<kind> <role> revoked: ..."); in strict CRL mode a chain whose
      // revocation cannot be established (REVOCATION_UNAVAILABLE, not a check) fails this check
      // too.
      case DEVID_REVOKED ->
          List.of(
              "DevID certificate revoked",
              "DevID intermediate certificate revoked",
              "DevID CA certificate (trust anchor) revoked",
              "cannot check revocation: DevID");
      case TPM_BLOBS ->
          List.of(
              "missing attestation key public blob",
              "missing DevID key public blob",
              "missing endorsement certificate",
              "missing endorsement key public blob",
              "cannot parse endorsement certificate",
              "cannot decode DevID key public blob",
              "cannot decode attestation key public blob",
              "cannot decode endorsement key public blob");
      case DEVID_KEY ->
          List.of("DevID certificate key differs", "DevID key attributes check failed");
      case EK_KEY_MATCH -> List.of("public key in EK certificate differs");
      case EK_ATTRIBUTES -> List.of("endorsement key attributes check failed");
      case EK_CHAIN -> List.of("cannot verify EK signature");
      case EK_REVOKED ->
          List.of(
              "EK certificate revoked",
              "EK intermediate certificate revoked",
              "EK CA certificate (trust anchor) revoked",
              "cannot check revocation: EK");
      case REVOCATION_UNAVAILABLE -> List.of("cannot check revocation");
      case AK_ATTRIBUTES -> List.of("attestation key attributes check failed");
      case CERTIFY -> List.of("cannot verify that DevID is in the same TPM than AK");
      case CREDENTIAL ->
          List.of("cannot extract name from AK public", "cannot generate credential activation");
      case DECODE_RESPONSE ->
          List.of(
              "unable to unmarshall challenges response",
              "missing challenge response",
              "challenge response too large",
              "attestation payload received twice");
      case PROOF_OF_POSSESSION -> List.of("devID challenge verification failed");
      case PROOF_OF_RESIDENCY -> List.of("credential activation failed");
      case AGENT_ID ->
          List.of("failed to create agent ID", "invalid agent ID", "agent ID cannot be");
      case CHALLENGE_STATE -> List.of("challenge already completed");
    };
  }

  /** Checks SPIRE's Go server makes only in part, read from its source. */
  private static final Map<Reason, String> GO_PARTLY =
      Map.of(
          Reason.DECODE_REQUEST, "partly: no size limit",
          Reason.CERTIFY,
              "partly: ignores the signature's algorithm field (verifies any label as RSASSA)");

  private ServerChecks() {}

  /** The check whose error {@code message} is, or -1. */
  static int failedIndex(String message) {
    if (message == null) {
      return -1;
    }
    for (int i = 0; i < CHECKS.size(); i++) {
      for (String e : CHECKS.get(i).errors()) {
        if (message.contains(e)) {
          return i;
        }
      }
    }
    return -1;
  }

  /**
   * Each check with its outcome: all {@code passed} when {@code error} is null; otherwise the
   * matching check {@code failed}, the ones before {@code passed} and the rest {@code not reached}.
   * An error no check explains marks the first check of its phase {@code failed}.
   */
  static List<Map<String, Object>> outcomes(String error, boolean challenged) {
    int failed = -1;
    if (error != null) {
      failed = failedIndex(error);
      if (failed < 0) {
        failed = challenged ? firstAfterChallenge() : 0;
      }
    }
    List<Map<String, Object>> list = new ArrayList<>();
    for (int i = 0; i < CHECKS.size(); i++) {
      Check c = CHECKS.get(i);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("n", i + 1);
      m.put("check", c.title());
      m.put("plain", c.plain());
      m.put("phase", c.afterChallenge() ? "challenge response" : "payload");
      m.put(
          "goServer", c.hardening() ? "lacks it" : GO_PARTLY.getOrDefault(c.reason(), "makes it"));
      m.put(
          "outcome", failed < 0 || i < failed ? "passed" : i == failed ? "failed" : "not reached");
      if (i == failed) {
        m.put("error", error);
      }
      list.add(m);
    }
    return list;
  }

  private static int firstAfterChallenge() {
    for (int i = 0; i < CHECKS.size(); i++) {
      if (CHECKS.get(i).afterChallenge()) {
        return i;
      }
    }
    return 0;
  }
}
