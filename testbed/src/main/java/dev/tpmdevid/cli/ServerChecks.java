package dev.tpmdevid.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks our server plugin makes, in the order it makes them (AttestationVerifier), each with a
 * plain-language line and the error-message prefixes it fails with. The demo's trace marks each check
 * passed, failed or not reached from the status the plugin returned.
 */
final class ServerChecks {

    /**
     * One check. {@code hardening}: SPIRE's Go server does not make it (docs/security.md#go-gaps); {@code
     * afterChallenge}: made on the challenge response.
     */
    record Check(String title, String plain, boolean hardening, boolean afterChallenge, List<String> errors) {
    }

    static final List<Check> CHECKS = List.of(
            new Check("payload decoded (JSON AttestationRequest, size limit)",
                    "The server can read what the agent sent.", false, false,
                    List.of("unable to unmarshall attestation data", "attestation payload larger",
                            "attestation payload too large", "missing attestation payload",
                            "challenge response received before the attestation payload")),
            new Check("DevID certificate present and parsed",
                    "The agent presented an ID card (its DevID certificate).", false, false,
                    List.of("no DevID certificate", "too many DevID certificates", "unable to parse DevID")),
            new Check("DevID certificate chains to devid_ca_path",
                    "The ID card was issued by an authority this server trusts.", false, false,
                    List.of("unable to verify DevID signature")),
            new Check("TPM public areas and EK certificate present and decoded",
                    "The agent sent the descriptions of its three TPM keys and the TPM's birth certificate.",
                    false, false, List.of("missing attestation key public blob", "missing DevID key public blob",
                            "missing endorsement certificate", "missing endorsement key public blob",
                            "cannot parse endorsement certificate", "cannot decode DevID key public blob",
                            "cannot decode attestation key public blob", "cannot decode endorsement key public blob")),
            new Check("DevIDPub is the key of the DevID certificate; a TPM signing key",
                    "The key the TPM vouches for is the very key named on the ID card.", true, false,
                    List.of("DevID certificate key differs", "DevID key attributes check failed")),
            new Check("EK certificate's key equals EKPub",
                    "The birth certificate belongs to the TPM key the agent described.", false, false,
                    List.of("public key in EK certificate differs")),
            new Check("EKPub has an endorsement key's attributes",
                    "That key really is a TPM's endorsement key (it can only decrypt, never sign).", true, false,
                    List.of("endorsement key attributes check failed")),
            new Check("EK certificate chains to endorsement_ca_path",
                    "The birth certificate was signed by a TPM maker this server trusts.", false, false,
                    List.of("cannot verify EK signature")),
            new Check("AK is a restricted signing key that cannot leave its TPM",
                    "The fresh key that vouched was made inside a TPM and can only sign TPM-made statements.",
                    true, false, List.of("attestation key attributes check failed")),
            new Check("AK's TPM2_Certify: signature verifies and certifies Name(DevIDPub)",
                    "The fresh key signed a TPM statement that the DevID key lives in the same TPM.", false, false,
                    List.of("cannot verify that DevID is in the same TPM than AK")),
            new Check("credential made for Name(AKPub), encrypted to EKPub; challenge sent",
                    "The server seals a secret that only the TPM with this birth certificate can open, and"
                            + " only for that fresh key.", false, false,
                    List.of("cannot extract name from AK public", "cannot generate credential activation")),
            new Check("challenge response decoded",
                    "The agent answered in the expected form.", false, true,
                    List.of("unable to unmarshall challenges response", "missing challenge response",
                            "challenge response too large", "attestation payload received twice")),
            new Check("proof of possession: nonce signature verifies with the DevID certificate's key",
                    "The TPM signed the server's random number with the ID card's key.", false, true,
                    List.of("devID challenge verification failed")),
            new Check("proof of residency: recovered secret equals the sealed one",
                    "The TPM opened the sealed secret, so the fresh key lives in the TPM with the birth"
                            + " certificate.", false, true, List.of("credential activation failed")),
            new Check("agent ID and selectors from the DevID certificate",
                    "The server names the agent after its ID card.", false, true,
                    List.of("failed to create agent ID", "invalid agent ID", "agent ID cannot be")));

    /** Checks SPIRE's Go server makes only in part (by number), read from its source. */
    private static final Map<Integer, String> GO_PARTLY = Map.of(
            1, "partly: no size limit",
            10, "partly: ignores the signature's algorithm field (verifies any label as RSASSA)");

    private ServerChecks() {
    }

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
     * Each check with its outcome: all {@code passed} when {@code error} is null; otherwise the matching
     * check {@code failed}, the ones before {@code passed} and the rest {@code not reached}. An error no
     * check explains marks the first check of its phase {@code failed}.
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
            m.put("goServer", c.hardening() ? "lacks it" : GO_PARTLY.getOrDefault(i + 1, "makes it"));
            m.put("outcome", failed < 0 || i < failed ? "passed" : i == failed ? "failed" : "not reached");
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
