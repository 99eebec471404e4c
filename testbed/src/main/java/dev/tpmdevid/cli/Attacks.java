package dev.tpmdevid.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The attacks {@code tpm-devid demo --attack NAME} can run: the attack cases of the server
 * conformance suite ({@link ServerConformance#cases()}, which builds and sends them), described for
 * a learner, with what SPIRE's Go server ({@code pkg/server/plugin/nodeattestor/tpmdevid} of SPIRE
 * v1.13.3) does with the same attack, read from its source (the measured Go-vs-ours table in
 * docs/conformance.md agrees: the Go server accepts exactly the four hardening cases).
 */
final class Attacks {

  /**
   * @param goServerAccepts whether SPIRE's Go server would attest an agent with this attack
   * @param goServer what SPIRE's Go server does with it and why, citing the Go check that stops it
   *     or the check it lacks
   */
  record Attack(
      String name, String title, String attacker, boolean goServerAccepts, String goServer) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("title", title);
      m.put("attacker", attacker);
      m.put("goServerAccepts", goServerAccepts);
      m.put("goServer", goServer);
      m.put("docs", DOCS.getOrDefault(name, "docs/security.md#attacks"));
      return m;
    }
  }

  private static final List<Attack> CATALOGUE =
      List.of(
          new Attack(
              "garbage-json",
              "Garbage instead of evidence",
              "sends bytes that are not JSON as the attestation payload.",
              false,
              "refuses it: json.Unmarshal fails in Attest (\"unable to unmarshall attestation data\")."),
          new Attack(
              "oversized-payload",
              "A 3 MiB payload",
              "sends a huge payload to exhaust the server.",
              false,
              "refuses it, later: it decodes the whole payload (it has no size limit) and then fails to"
                  + " parse the DevID certificate."),
          new Attack(
              "no-devid-certificate",
              "No DevID certificate",
              "sends genuine TPM evidence but no DevID certificate.",
              false,
              "refuses it: Attest checks len(DevIDCert) == 0 (\"no DevID certificate to attest\")."),
          new Attack(
              "devid-cert-from-other-ca",
              "DevID certificate from the attacker's own CA",
              "issues itself a DevID certificate for the genuine DevID key from a CA it made up.",
              false,
              "refuses it: verifyDevIDSignature (x509 Verify against devid_ca_path)."),
          new Attack(
              "ek-cert-from-untrusted-ca",
              "EK certificate from an untrusted vendor CA",
              "presents an EK certificate for the genuine EK, signed by a TPM maker the server does not"
                  + " trust.",
              false,
              "refuses it: verifyEKSignature (x509 Verify against endorsement_ca_path)."),
          new Attack(
              "ek-cert-of-another-tpm",
              "EK certificate of another TPM",
              "presents the genuine EK certificate of a different TPM.",
              false,
              "refuses it: verifyEKsMatch compares the certificate's RSA modulus with EKPub."),
          new Attack(
              "akpub-swapped",
              "AK of another TPM",
              "replaces the attestation key with one from another TPM.",
              false,
              "refuses it: VerifyDevIDCertification checks the certify signature with AKPub."),
          new Attack(
              "certify-signature-corrupted",
              "Forged TPMS_ATTEST signature",
              "alters the AK's signature over the TPMS_ATTEST that says the DevID key is in the TPM.",
              false,
              "refuses it: checkSignature (rsa.VerifyPKCS1v15)."),
          new Attack(
              "devidpub-not-the-certified-key",
              "DevIDPub that the TPM did not certify",
              "describes a DevID key other than the one the TPM certified.",
              false,
              "refuses it: VerifyDevIDCertification compares the certified Name with Name(DevIDPub)."),
          new Attack(
              "wrong-pop-signature",
              "Wrong proof-of-possession signature",
              "answers the nonce with a signature that does not verify.",
              false,
              "refuses it: VerifyDevIDChallenge (cert.CheckSignature)."),
          new Attack(
              "wrong-credential-answer",
              "Wrong credential answer",
              "answers the sealed-secret challenge with a wrong secret.",
              false,
              "refuses it: VerifyCredActivationChallenge compares the nonces."),
          new Attack(
              "replayed-response",
              "Replayed challenge response",
              "records a genuine attestation and replays its challenge response on a new attestation.",
              false,
              "refuses it: Attest draws fresh nonces (newNonce) for every attestation."),
          new Attack(
              "response-before-payload",
              "Challenge response without a payload",
              "opens an attestation with a challenge response instead of the payload.",
              false,
              "refuses it: req.GetPayload() is nil (\"missing attestation payload\")."),
          new Attack(
              "devid-cert-key-differs-from-devidpub",
              "DevID certificate and key copied onto another TPM",
              "copies a machine's DevID certificate and private key (held in software) to another"
                  + " machine, whose genuine TPM certifies one of its own keys as DevIDPub; the nonce is"
                  + " signed in software with the stolen key.",
              true,
              "ACCEPTS it: it verifies the nonce signature with the DevID certificate's key"
                  + " (VerifyDevIDChallenge) and the TPM certification with DevIDPub"
                  + " (VerifyDevIDCertification), but never checks that the two keys are the same."),
          new Attack(
              "software-ak-not-restricted",
              "AK not restricted (a software key)",
              "signs a copy of the genuine TPMS_ATTEST with an attestation key it holds in software (not"
                  + " restricted, not fixedTPM); to answer the credential it would load that key into"
                  + " the TPM with TPM2_LoadExternal.",
              true,
              "accepts the payload and sends the challenge: getSignatureScheme checks only the sign"
                  + " attribute of AKPub, never restricted or fixedTPM; an attacker who loads the key with"
                  + " TPM2_LoadExternal answers the credential (the suite's construction answers with the"
                  + " genuine AK instead, which the Go server would catch only at the credential check)."),
          new Attack(
              "ekpub-attributes-not-an-ek",
              "EKPub attributes that are not an EK's",
              "relabels the endorsement key as an unrestricted signing key, keeping its public key.",
              true,
              "ACCEPTS it: verifyEKsMatch compares only the RSA modulus and exponent; the attributes"
                  + " of EKPub are never checked and the genuine TPM still opens the credential."),
          new Attack(
              "certify-signature-relabelled-rsapss",
              "Certify signature relabelled as RSA-PSS",
              "relabels the AK's RSASSA signature as RSAPSS in the TPMT_SIGNATURE.",
              true,
              "ACCEPTS it: checkSignature ignores the signature's algorithm field and verifies"
                  + " sig.RSA.Signature with PKCS#1 v1.5 whatever scheme it is labelled with."));

  /** Where docs/ explains each attack class. */
  private static final Map<String, String> DOCS =
      Map.ofEntries(
          Map.entry("garbage-json", "docs/security.md#a11-hostile-input"),
          Map.entry("oversized-payload", "docs/security.md#a11-hostile-input"),
          Map.entry("no-devid-certificate", "docs/security.md#a11-hostile-input"),
          Map.entry("devid-cert-from-other-ca", "docs/security.md#a8-chain-shortcuts"),
          Map.entry("ek-cert-from-untrusted-ca", "docs/security.md#a8-chain-shortcuts"),
          Map.entry("ek-cert-of-another-tpm", "docs/security.md#a6-ek-mismatch"),
          Map.entry("akpub-swapped", "docs/security.md#a4-forged-attest"),
          Map.entry("certify-signature-corrupted", "docs/security.md#a4-forged-attest"),
          Map.entry("devidpub-not-the-certified-key", "docs/security.md#a4-forged-attest"),
          Map.entry("wrong-pop-signature", "docs/security.md#a10-identity-takeover"),
          Map.entry("wrong-credential-answer", "docs/protocol.md#server-checks"),
          Map.entry("replayed-response", "docs/security.md#a9-replay"),
          Map.entry("response-before-payload", "docs/security.md#a12-protocol-abuse"),
          Map.entry("devid-cert-key-differs-from-devidpub", "docs/security.md#a2-stolen-devid"),
          Map.entry("software-ak-not-restricted", "docs/security.md#a1-software-ak"),
          Map.entry("ekpub-attributes-not-an-ek", "docs/security.md#stricter-than-go"),
          Map.entry(
              "certify-signature-relabelled-rsapss", "docs/security.md#a5-signature-confusion"));

  private Attacks() {}

  /**
   * Every attack case of the conformance suite, in its order; a case this catalogue does not
   * describe is listed with its name only.
   */
  static List<Attack> all() {
    List<Attack> list = new ArrayList<>();
    for (ServerConformance.Case c : new ServerConformance(null, null, "example.org").cases()) {
      if (c.name().startsWith("valid-")) {
        continue;
      }
      list.add(
          CATALOGUE.stream()
              .filter(a -> a.name().equals(c.name()))
              .findFirst()
              .orElse(
                  new Attack(
                      c.name(), c.name(), "(see the conformance suite)", false, "not described")));
    }
    return list;
  }

  static Attack find(String name) {
    return all().stream().filter(a -> a.name().equals(name)).findFirst().orElse(null);
  }
}
