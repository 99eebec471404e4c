package dev.tpmdevid.verifier;

import dev.tpmdevid.core.cred.CredentialBlob;
import dev.tpmdevid.core.cred.MakeCredential;
import dev.tpmdevid.core.tpm.KeyComparison;
import dev.tpmdevid.core.tpm.ObjectAttribute;
import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmName;
import dev.tpmdevid.core.tpm.TpmsAttest;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.core.wire.CredActivation;
import dev.tpmdevid.core.wire.WireFormatException;
import dev.tpmdevid.verifier.AttestationFailure.Reason;
import dev.tpmdevid.verifier.x509.Cert;
import dev.tpmdevid.verifier.x509.ChainVerificationException;
import dev.tpmdevid.verifier.x509.ChainVerifier;
import dev.tpmdevid.verifier.x509.RevocationResult;
import dev.tpmdevid.verifier.x509.RevocationStore;
import dev.tpmdevid.verifier.x509.TrustBundle;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * The server half of tpm_devid: every verification step of docs/protocol.md#server-checks in the Go
 * server's order, one method per step (named after it, Javadoc citing it), plus the hardening of
 * docs/security.md#binding as separate steps placed next to the step they strengthen:
 *
 * <pre>
 *  payload:   2 decodeAttestationRequest   3 requireDevIdCertificate   4 parseDevIdCertificates
 *             5 verifyDevIdChain           6 generatePopNonce          7 requireTpmBlobs
 *             8 parseEkCertificate         9 decodeTpmPublics
 *                H1 checkDevIdKeyBinding   H2 checkDevIdKeyAttributes
 *            10 verifyEkKeyMatch
 *                H3 checkEkAttributes
 *            11 verifyEkChain
 *                H4 checkAkAttributes
 *            12 verifyCertify             13 makeCredentialChallenge  14 marshalChallenge
 *  response: 15 decodeChallengeResponse   16 verifyProofOfPossession  17 verifyProofOfResidency
 *            18 buildAgentAttributes
 * </pre>
 *
 * Step 1 (receive, "not configured", size limit) and 19 (send) belong to the plugin's AttestStream.
 * Stateless and thread-safe; per-attestation state lives in {@link Pending}.
 */
public final class AttestationVerifier {
  /** PoP nonce size (docs/protocol.md#server-checks step 6). */
  public static final int NONCE_SIZE = 32;

  /** Leaf plus intermediates an agent may send (Go has no limit; a Go agent sends a handful). */
  public static final int MAX_DEVID_CERTIFICATES = 16;

  /** Largest challenge response accepted (a Go agent's is about 400 bytes). */
  public static final int MAX_CHALLENGE_RESPONSE_BYTES = 16 * 1024;

  private static final Set<String> EK_LEAF_HANDLED = Set.of("2.5.29.17");

  /**
   * DevID: a non-exportable, TPM-generated signing key (docs/security.md). {@code restricted} may
   * be set or clear: SPIRE's Go agent needs only {@code sign} (it hashes the nonce with TPM2_Hash
   * and signs with the ticket, so a restricted signing DevID works) and the Go server checks no
   * DevID attribute.
   */
  public static final ObjectAttributes DEVID_REQUIRED =
      ObjectAttributes.of(
          ObjectAttribute.FIXED_TPM, ObjectAttribute.FIXED_PARENT,
          ObjectAttribute.SENSITIVE_DATA_ORIGIN, ObjectAttribute.SIGN);

  public static final ObjectAttributes DEVID_FORBIDDEN =
      ObjectAttributes.of(ObjectAttribute.DECRYPT);

  /** AK: restricted signing key (docs/security.md#go-gaps; the Go agent's AK is 0x00050072). */
  public static final ObjectAttributes AK_REQUIRED =
      ObjectAttributes.of(
          ObjectAttribute.FIXED_TPM,
          ObjectAttribute.FIXED_PARENT,
          ObjectAttribute.SENSITIVE_DATA_ORIGIN,
          ObjectAttribute.RESTRICTED,
          ObjectAttribute.SIGN);

  public static final ObjectAttributes AK_FORBIDDEN = ObjectAttributes.of(ObjectAttribute.DECRYPT);

  /** EK: restricted decryption (storage-type) key as in the TCG EK templates. */
  public static final ObjectAttributes EK_REQUIRED =
      ObjectAttributes.of(
          ObjectAttribute.FIXED_TPM,
          ObjectAttribute.FIXED_PARENT,
          ObjectAttribute.SENSITIVE_DATA_ORIGIN,
          ObjectAttribute.RESTRICTED,
          ObjectAttribute.DECRYPT);

  public static final ObjectAttributes EK_FORBIDDEN = ObjectAttributes.of(ObjectAttribute.SIGN);

  static {
    EcdsaVerification.install();
  }

  private final SecureRandom rng;

  public AttestationVerifier(SecureRandom rng) {
    this.rng = rng;
  }

  /** What the server keeps between the challenge and the response (never persisted). */
  public static final class Pending {
    public final Cert devIdLeaf;
    public final List<List<Cert>> devIdChains;
    public final byte[] nonce;
    public final byte[] secret;
    public final byte[] challenge;

    public Pending(
        Cert devIdLeaf, List<List<Cert>> chains, byte[] nonce, byte[] secret, byte[] challenge) {
      this.devIdLeaf = devIdLeaf;
      this.devIdChains = chains;
      this.nonce = nonce;
      this.secret = secret;
      this.challenge = challenge;
    }

    /** The JSON ChallengeRequest to send. */
    public byte[] challenge() {
      return challenge;
    }
  }

  /** The three TPM public areas of a payload, decoded, with their keys. */
  public record TpmPublics(
      TpmtPublic devIdPub,
      PublicKey devIdKey,
      TpmtPublic akPub,
      PublicKey akKey,
      TpmtPublic ekPub,
      PublicKey ekKey) {}

  /** A payload that passed steps 2-12: what the challenge and the response checks need. */
  public record Evidence(Cert devIdLeaf, List<List<Cert>> devIdChains, TpmPublics pubs) {}

  // ---------------------------------------------------------------- payload: steps 2 to 14

  /** Steps 2-14: verifies the payload and builds the one challenge. */
  public Pending verifyPayload(VerificationPolicy config, byte[] payload)
      throws AttestationFailure {
    Evidence ev = checkPayload(config, payload);
    byte[] nonce = generatePopNonce();
    TpmPublics pubs = ev.pubs();
    byte[] akName = akName(pubs.akPub());
    byte[] secret = new byte[TpmAlg.digestSize(pubs.ekPub().nameAlg())];
    rng.nextBytes(secret);
    CredentialBlob blob = makeCredentialChallenge(pubs.ekPub(), pubs.ekKey(), akName, secret, rng);
    byte[] challenge = marshalChallenge(nonce, blob);
    return new Pending(ev.devIdLeaf(), ev.devIdChains(), nonce, secret, challenge);
  }

  /**
   * Steps 2-12 (nothing random): every check of the payload, in the Go server's order with the
   * hardening steps next to the step they strengthen. The one list of payload checks: {@link
   * #verifyPayload} and {@link #restore} both run it.
   */
  public static Evidence checkPayload(VerificationPolicy config, byte[] payload)
      throws AttestationFailure {
    AttestationRequest req = decodeAttestationRequest(payload);
    List<byte[]> devIdDers = requireDevIdCertificate(req);
    List<Cert> devIdCerts = parseDevIdCertificates(devIdDers);
    List<List<Cert>> chains = verifyDevIdChain(config, devIdCerts);
    requireTpmBlobs(req);
    Cert ekCert = parseEkCertificate(req.ekCert());
    TpmPublics pubs = decodeTpmPublics(req);
    checkDevIdKeyBinding(devIdCerts.get(0), pubs);
    checkDevIdKeyAttributes(pubs.devIdPub());
    verifyEkKeyMatch(config, ekCert, pubs);
    checkEkAttributes(pubs.ekPub());
    verifyEkChain(config, ekCert);
    checkAkAttributes(config, pubs.akPub());
    verifyCertify(pubs, req.certifiedDevId(), req.certificationSignature());
    return new Evidence(devIdCerts.get(0), chains, pubs);
  }

  /**
   * The pending state of an earlier {@link #verifyPayload} from its payload, PoP nonce and
   * credential secret: the payload checks again ({@link #checkPayload}), then the sizes of nonce
   * and secret. The challenge bytes are not part of the state (an empty array).
   */
  public static Pending restore(
      VerificationPolicy config, byte[] payload, byte[] nonce, byte[] secret)
      throws AttestationFailure {
    Evidence ev = checkPayload(config, payload);
    if (nonce == null || nonce.length != NONCE_SIZE) {
      throw fail(
          Reason.CHALLENGE_STATE, "proof-of-possession nonce in the state has the wrong size");
    }
    if (secret == null || secret.length != TpmAlg.digestSize(ev.pubs().ekPub().nameAlg())) {
      throw fail(Reason.CHALLENGE_STATE, "credential secret in the state has the wrong size");
    }
    return new Pending(
        ev.devIdLeaf(), ev.devIdChains(), nonce.clone(), secret.clone(), new byte[0]);
  }

  /** Step 2: JSON-decode the AttestationRequest with Go's decoder semantics. */
  public static AttestationRequest decodeAttestationRequest(byte[] payload)
      throws AttestationFailure {
    try {
      return AttestationRequest.fromJson(payload);
    } catch (WireFormatException e) {
      throw fail(Reason.DECODE_REQUEST, "unable to unmarshall attestation data: " + e.getMessage());
    } catch (RuntimeException e) {
      // Defensive: a decoder RuntimeException on untrusted bytes is malformed input, not our
      // fault (an early GoJson threw a NullPointerException on nesting beyond Jackson's limit).
      throw fail(Reason.DECODE_REQUEST, "unable to unmarshall attestation data: malformed JSON");
    }
  }

  /** Step 3: at least one DevID certificate (and, our limit, not more than 16). */
  public static List<byte[]> requireDevIdCertificate(AttestationRequest req)
      throws AttestationFailure {
    List<byte[]> certs = req.devIdCert();
    if (certs == null || certs.isEmpty()) {
      throw fail(Reason.DEVID_CERTIFICATE, "no DevID certificate to attest");
    }
    if (certs.size() > MAX_DEVID_CERTIFICATES) {
      throw fail(
          Reason.DEVID_CERTIFICATE,
          "too many DevID certificates (at most " + MAX_DEVID_CERTIFICATES + ")");
    }
    return certs;
  }

  /** Step 4: strict DER parse of the leaf and of each intermediate. */
  public static List<Cert> parseDevIdCertificates(List<byte[]> ders) throws AttestationFailure {
    List<Cert> out = new ArrayList<>(ders.size());
    for (int i = 0; i < ders.size(); i++) {
      try {
        out.add(Cert.parse(ders.get(i)));
      } catch (CertificateException e) {
        throw fail(
            Reason.DEVID_CERTIFICATE,
            i == 0
                ? "unable to parse DevID certificate: " + e.getMessage()
                : "unable to parse DevID intermediate certificate "
                    + (i - 1)
                    + ": "
                    + e.getMessage());
      }
    }
    return out;
  }

  /**
   * Step 5: DevID chain to the {@code devid_ca_path} anchors with Go semantics, all chains; then,
   * when the policy has DevID CRLs, their revocation ({@link #checkRevocation}).
   */
  public static List<List<Cert>> verifyDevIdChain(VerificationPolicy config, List<Cert> devIdCerts)
      throws AttestationFailure {
    Instant now = config.clock().instant();
    List<List<Cert>> chains;
    try {
      chains =
          ChainVerifier.verify(
              devIdCerts.get(0),
              devIdCerts.subList(1, devIdCerts.size()),
              config.devIdRoots(),
              Date.from(now),
              Set.of());
    } catch (ChainVerificationException e) {
      throw fail(
          Reason.DEVID_CHAIN,
          "unable to verify DevID signature: verification failed: " + e.getMessage());
    }
    checkRevocation(
        config.devIdRevocation(), chains, config.devIdRoots(), now, Reason.DEVID_REVOKED);
    return chains;
  }

  /**
   * Steps 5 and 11 with {@code devid_crl_path} / {@code endorsement_crl_path}: every certificate of
   * the verified chains against the CRLs of its issuer (server-plugin/README.md#revocation-crls).
   */
  static void checkRevocation(
      RevocationStore crls,
      List<List<Cert>> chains,
      TrustBundle anchors,
      Instant now,
      Reason revoked)
      throws AttestationFailure {
    if (crls == null) {
      return;
    }
    RevocationResult r = crls.check(chains, anchors, now);
    if (r instanceof RevocationResult.Revoked rv) {
      throw fail(revoked, rv.message());
    }
    if (r instanceof RevocationResult.Unavailable u) {
      throw fail(Reason.REVOCATION_UNAVAILABLE, u.message());
    }
  }

  /** Step 6: 32-byte proof-of-possession nonce from the CSPRNG (drawn after the checks). */
  public byte[] generatePopNonce() {
    byte[] nonce = new byte[NONCE_SIZE];
    rng.nextBytes(nonce);
    return nonce;
  }

  /** Step 7: presence checks, in the Go server's order. */
  public static void requireTpmBlobs(AttestationRequest req) throws AttestationFailure {
    if (isEmpty(req.akPub())) {
      throw fail(Reason.TPM_BLOBS, "missing attestation key public blob");
    }
    if (isEmpty(req.devIdPub())) {
      throw fail(Reason.TPM_BLOBS, "missing DevID key public blob");
    }
    if (isEmpty(req.ekCert())) {
      throw fail(Reason.TPM_BLOBS, "missing endorsement certificate");
    }
    if (isEmpty(req.ekPub())) {
      throw fail(Reason.TPM_BLOBS, "missing endorsement key public blob");
    }
  }

  /** Step 8: strict DER parse of the EK certificate. */
  public static Cert parseEkCertificate(byte[] der) throws AttestationFailure {
    try {
      return Cert.parse(der);
    } catch (CertificateException e) {
      throw fail(Reason.TPM_BLOBS, "cannot parse endorsement certificate: " + e.getMessage());
    }
  }

  /**
   * Step 9: decode DevIDPub, AKPub and EKPub as TPMT_PUBLIC (strict: no trailing bytes) and their
   * keys (RSA; ECC points are checked to be on the curve before any use,
   * docs/security.md#a7-invalid-ecc-point).
   */
  public static TpmPublics decodeTpmPublics(AttestationRequest req) throws AttestationFailure {
    TpmtPublic devId;
    PublicKey devIdKey;
    try {
      devId = TpmtPublic.parse(req.devIdPub());
      devIdKey = devId.toPublicKey();
    } catch (TpmFormatException e) {
      throw fail(Reason.TPM_BLOBS, "cannot decode DevID key public blob: " + e.getMessage());
    }
    TpmtPublic ak;
    PublicKey akKey;
    try {
      ak = TpmtPublic.parse(req.akPub());
      akKey = ak.toPublicKey();
    } catch (TpmFormatException e) {
      throw fail(Reason.TPM_BLOBS, "cannot decode attestation key public blob: " + e.getMessage());
    }
    TpmtPublic ek;
    PublicKey ekKey;
    try {
      ek = TpmtPublic.parse(req.ekPub());
      ekKey = ek.toPublicKey();
    } catch (TpmFormatException e) {
      throw fail(Reason.TPM_BLOBS, "cannot decode endorsement key public blob: " + e.getMessage());
    }
    return new TpmPublics(devId, devIdKey, ak, akKey, ek, ekKey);
  }

  /**
   * Hardening H1 (docs/security.md#go-gaps gap 1, docs/security.md#a2-stolen-devid): the DevID
   * certificate's key must be the key of DevIDPub, so the key the TPM certified is the key the
   * certificate names.
   */
  public static void checkDevIdKeyBinding(Cert devIdLeaf, TpmPublics pubs)
      throws AttestationFailure {
    String diff = KeyComparison.difference(devIdLeaf.x509().getPublicKey(), pubs.devIdKey());
    if (diff != null) {
      throw fail(
          Reason.DEVID_KEY, "DevID certificate key differs from DevID key public blob: " + diff);
    }
  }

  /**
   * Hardening H2 (docs/security.md#a3-exportable-devid): DevIDPub is a non-exportable TPM-generated
   * signing key: fixedTPM, fixedParent, sensitiveDataOrigin and sign set; decrypt clear; restricted
   * either way (a restricted signing DevID is what SPIRE's Go agent can use too); a digest nameAlg
   * of at least SHA-256.
   */
  public static void checkDevIdKeyAttributes(TpmtPublic devId) throws AttestationFailure {
    String problem = attributeProblem(devId.objectAttributes(), DEVID_REQUIRED, DEVID_FORBIDDEN);
    if (problem == null && !strongNameAlg(devId.nameAlg())) {
      problem = "name algorithm must be SHA-256 or stronger";
    }
    if (problem != null) {
      throw fail(Reason.DEVID_KEY, "DevID key attributes check failed: " + problem);
    }
  }

  /**
   * Step 10: the EK certificate's key equals EKPub (RSA n/e as in Go; ECC curve/point when {@code
   * allow_ecc_ek}).
   */
  public static void verifyEkKeyMatch(VerificationPolicy config, Cert ekCert, TpmPublics pubs)
      throws AttestationFailure {
    String prefix =
        "public key in EK certificate differs from public key created via EK template: ";
    PublicKey certKey = ekCert.x509().getPublicKey();
    boolean eccAllowed = config.allowEccEk();
    if (!(certKey instanceof RSAPublicKey) && !(eccAllowed && certKey instanceof ECPublicKey)) {
      throw fail(
          Reason.EK_KEY_MATCH,
          prefix + "key from certificate is not an RSA" + (eccAllowed ? " or ECC" : "") + " key");
    }
    if (!pubs.ekPub().isRsa() && !(eccAllowed && pubs.ekPub().isEcc())) {
      throw fail(
          Reason.EK_KEY_MATCH,
          prefix + "key from template is not an RSA" + (eccAllowed ? " or ECC" : "") + " key");
    }
    String diff = KeyComparison.difference(certKey, pubs.ekKey());
    if (diff != null) {
      throw fail(Reason.EK_KEY_MATCH, prefix + diff);
    }
  }

  /**
   * Hardening H3 (docs/security.md#binding): restricted decryption key, fixedTPM, fixedParent,
   * sensitiveDataOrigin, not sign; AES-128/256-CFB symmetric; SHA-256/384 nameAlg.
   */
  public static void checkEkAttributes(TpmtPublic ek) throws AttestationFailure {
    String problem = attributeProblem(ek.objectAttributes(), EK_REQUIRED, EK_FORBIDDEN);
    if (problem == null) {
      TpmtPublic.Symmetric sym = ek.symmetric();
      if (sym.algorithm() != TpmAlg.AES
          || sym.mode() != TpmAlg.CFB
          || (sym.keyBits() != 128 && sym.keyBits() != 256)) {
        problem = "symmetric algorithm must be AES-128-CFB or AES-256-CFB";
      } else if (ek.nameAlg() != TpmAlg.SHA256 && ek.nameAlg() != TpmAlg.SHA384) {
        problem = "name algorithm must be SHA-256 or SHA-384";
      } else if (ek.isRsa() && ek.rsaKeyBits() < 2048) {
        problem = "RSA key smaller than 2048 bits";
      }
    }
    if (problem != null) {
      throw fail(Reason.EK_ATTRIBUTES, "endorsement key attributes check failed: " + problem);
    }
  }

  /**
   * Step 11: EK certificate chain to the {@code endorsement_ca_path} anchors, no intermediates from
   * the agent, with the TCG SAN of the EK leaf handled explicitly (and only there). Also refuses an
   * EK certificate that is itself a CA (docs/security.md#a8-chain-shortcuts). Then, when the policy
   * has EK CRLs, the revocation of the EK certificate and its CAs ({@link #checkRevocation}).
   */
  public static List<List<Cert>> verifyEkChain(VerificationPolicy config, Cert ekCert)
      throws AttestationFailure {
    String prefix = "cannot verify EK signature: endorsement certificate verification failed: ";
    if (ekCert.basicConstraints() >= 0) {
      throw fail(Reason.EK_CHAIN, prefix + "endorsement certificate is a CA certificate");
    }
    TrustBundle roots = config.endorsementRoots();
    Instant now = config.clock().instant();
    List<List<Cert>> chains;
    try {
      chains = ChainVerifier.verify(ekCert, List.of(), roots, Date.from(now), EK_LEAF_HANDLED);
    } catch (ChainVerificationException e) {
      throw fail(Reason.EK_CHAIN, prefix + e.getMessage());
    }
    checkRevocation(config.endorsementRevocation(), chains, roots, now, Reason.EK_REVOKED);
    return chains;
  }

  /**
   * Hardening H4 (docs/security.md#go-gaps gap 2, docs/security.md#a1-software-ak): the AK is a
   * restricted TPM signing key (sign, restricted, fixedTPM, fixedParent, sensitiveDataOrigin; not
   * decrypt), nameAlg SHA-256, RSA of at least 2048 bits or (with {@code allow_ecc_ak}) ECC
   * P-256/P-384, with a signing scheme.
   */
  public static void checkAkAttributes(VerificationPolicy config, TpmtPublic ak)
      throws AttestationFailure {
    String problem = attributeProblem(ak.objectAttributes(), AK_REQUIRED, AK_FORBIDDEN);
    if (problem == null) {
      if (ak.nameAlg() != TpmAlg.SHA256) {
        problem = "name algorithm must be SHA-256";
      } else if (ak.isRsa()) {
        if (ak.rsaKeyBits() < 2048) {
          problem = "RSA key smaller than 2048 bits";
        } else if (ak.scheme().algorithm() != TpmAlg.RSASSA
            && ak.scheme().algorithm() != TpmAlg.RSAPSS) {
          problem = "signing scheme must be RSASSA or RSAPSS";
        }
      } else if (ak.isEcc() && config.allowEccAk()) {
        if (ak.curveId() != TpmAlg.ECC_NIST_P256 && ak.curveId() != TpmAlg.ECC_NIST_P384) {
          problem = "curve must be NIST P-256 or P-384";
        } else if (ak.scheme().algorithm() != TpmAlg.ECDSA) {
          problem = "signing scheme must be ECDSA";
        }
      } else {
        problem =
            ak.isEcc()
                ? "ECC attestation keys are disabled (allow_ecc_ak)"
                : "key type must be RSA or ECC";
      }
      if (problem == null && !strongNameAlg(ak.scheme().hashAlg())) {
        problem = "signing scheme hash must be SHA-256 or stronger";
      }
    }
    if (problem != null) {
      throw fail(Reason.AK_ATTRIBUTES, "attestation key attributes check failed: " + problem);
    }
  }

  /**
   * Step 12: TPM2_Certify evidence binds DevIDPub to the AK: the TPMT_SIGNATURE uses exactly the
   * AK's scheme and verifies over CertifiedDevID with the AK key; TPMS_ATTEST has magic
   * TPM_GENERATED_VALUE, type CERTIFY and no trailing bytes; the certified Name has DevIDPub's
   * nameAlg and its digest equals H(DevIDPub) (constant-time).
   */
  public static void verifyCertify(
      TpmPublics pubs, byte[] certifiedDevId, byte[] certificationSignature)
      throws AttestationFailure {
    String prefix = "cannot verify that DevID is in the same TPM than AK: ";
    TpmtSignature sig;
    try {
      sig = TpmtSignature.parse(nullToEmpty(certificationSignature));
    } catch (TpmFormatException e) {
      throw fail(
          Reason.CERTIFY, prefix + "cannot decode certification signature: " + e.getMessage());
    }
    TpmtPublic.Scheme scheme = pubs.akPub().scheme();
    if (sig.sigAlg() != scheme.algorithm() || sig.hashAlg() != scheme.hashAlg()) {
      throw fail(
          Reason.CERTIFY, prefix + "signature scheme differs from the attestation key scheme");
    }
    byte[] attestBytes = nullToEmpty(certifiedDevId);
    if (!sig.verify(pubs.akKey(), attestBytes)) {
      throw fail(Reason.CERTIFY, prefix + "certification signature verification failed");
    }
    TpmsAttest attest;
    try {
      attest = TpmsAttest.parse(attestBytes);
    } catch (TpmFormatException e) {
      throw fail(Reason.CERTIFY, prefix + "cannot decode certification data: " + e.getMessage());
    }
    TpmName certified = attest.certifiedName();
    if (!certified.isDigest() || certified.nameAlg() != pubs.devIdPub().nameAlg()) {
      throw fail(
          Reason.CERTIFY,
          prefix + "certified name algorithm differs from the DevID key name algorithm");
    }
    TpmName expected = TpmName.compute(pubs.devIdPub().nameAlg(), pubs.devIdPub().encode());
    if (!certified.matches(expected)) {
      throw fail(
          Reason.CERTIFY,
          prefix + "certify failed: certified name differs from the DevID key name");
    }
  }

  /**
   * Step 13: MakeCredential to the EK for Name(AKPub) with a fresh secret of the EK nameAlg digest
   * size: RSA-OAEP or (ECC EK) ECDH + KDFe seed, KDFa, AES-CFB, HMAC (docs/protocol.md#credential).
   */
  public static CredentialBlob makeCredentialChallenge(
      TpmtPublic ekPub, PublicKey ekKey, byte[] akName, byte[] secret, SecureRandom rng)
      throws AttestationFailure {
    try {
      return MakeCredential.make(
          ekKey,
          ekPub.nameAlg(),
          ekPub.symmetric().algorithm(),
          ekPub.symmetric().keyBits(),
          akName,
          secret,
          rng);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw fail(Reason.CREDENTIAL, "cannot generate credential activation challenge");
    }
  }

  /** Step 14: the ChallengeRequest JSON {@code {"DevID":nonce,"CredActivation":{...}}}. */
  public static byte[] marshalChallenge(byte[] nonce, CredentialBlob blob) {
    return new ChallengeRequest(
            nonce, new CredActivation(blob.credential(), blob.encryptedSecret()))
        .toJson();
  }

  // ---------------------------------------------------------------- response: steps 15 to 18

  /** Steps 15-18: checks the one challenge response and builds the agent's identity. */
  public static AttestedNode verifyResponse(Pending pending, byte[] response)
      throws AttestationFailure {
    ChallengeResponse resp = decodeChallengeResponse(response);
    verifyProofOfPossession(pending, resp.devId());
    verifyProofOfResidency(pending, resp.credActivation());
    return buildAgentAttributes(pending);
  }

  /** Step 15: JSON-decode the ChallengeResponse (size-limited before parsing). */
  public static ChallengeResponse decodeChallengeResponse(byte[] response)
      throws AttestationFailure {
    if (response.length > MAX_CHALLENGE_RESPONSE_BYTES) {
      throw fail(
          Reason.DECODE_RESPONSE, "unable to unmarshall challenges response: response too large");
    }
    try {
      return ChallengeResponse.fromJson(response);
    } catch (WireFormatException e) {
      throw fail(
          Reason.DECODE_RESPONSE, "unable to unmarshall challenges response: " + e.getMessage());
    } catch (RuntimeException e) {
      throw fail(
          Reason.DECODE_RESPONSE,
          "unable to unmarshall challenges response: malformed JSON"); // see above
    }
  }

  /**
   * Step 16: proof of possession: the DevID <em>certificate</em> key signed the nonce with SHA-256
   * (RSASSA-PKCS1-v1_5, or ECDSA with a strict DER signature).
   */
  public static void verifyProofOfPossession(Pending pending, byte[] signature)
      throws AttestationFailure {
    PublicKey key = pending.devIdLeaf.x509().getPublicKey();
    byte[] sig = nullToEmpty(signature);
    boolean ok;
    try {
      if (key instanceof RSAPublicKey) {
        Signature v = Signature.getInstance("SHA256withRSA");
        v.initVerify(key);
        v.update(pending.nonce);
        ok = v.verify(sig);
      } else if (key instanceof ECPublicKey) {
        int size = (((ECPublicKey) key).getParams().getOrder().bitLength() + 7) / 8;
        TpmtSignature strict = TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, sig, size);
        ok = strict.verify(key, pending.nonce);
      } else {
        throw fail(
            Reason.PROOF_OF_POSSESSION,
            "devID challenge verification failed: unsupported key type");
      }
    } catch (TpmFormatException | GeneralSecurityException | RuntimeException e) {
      ok = false;
    }
    if (!ok) {
      throw fail(
          Reason.PROOF_OF_POSSESSION,
          "devID challenge verification failed: signature verification failed");
    }
  }

  /** Step 17: proof of residency: the activated credential equals the secret (constant time). */
  public static void verifyProofOfResidency(Pending pending, byte[] credActivation)
      throws AttestationFailure {
    if (!MessageDigest.isEqual(pending.secret, nullToEmpty(credActivation))) {
      throw fail(Reason.PROOF_OF_RESIDENCY, "credential activation failed: nonces are different");
    }
  }

  /** Step 18: the agent's identity: DevID leaf and selector values (docs/protocol.md#spiffe-id). */
  public static AttestedNode buildAgentAttributes(Pending pending) {
    return new AttestedNode(
        pending.devIdLeaf, AgentIdentity.selectorValues(pending.devIdLeaf, pending.devIdChains));
  }

  // ---------------------------------------------------------------- helpers

  public static byte[] akName(TpmtPublic ak) throws AttestationFailure {
    try {
      return ak.nameBytes();
    } catch (TpmFormatException e) {
      throw fail(Reason.CREDENTIAL, "cannot extract name from AK public: " + e.getMessage());
    }
  }

  /** Null when all of {@code required} and none of {@code forbidden} are set. */
  public static String attributeProblem(
      ObjectAttributes attrs, ObjectAttributes required, ObjectAttributes forbidden) {
    for (ObjectAttribute a : required.asSet()) {
      if (!attrs.contains(a)) {
        return a.specName() + " not set";
      }
    }
    for (ObjectAttribute a : forbidden.asSet()) {
      if (attrs.contains(a)) {
        return a.specName() + " must not be set";
      }
    }
    return null;
  }

  private static boolean strongNameAlg(int alg) {
    return alg == TpmAlg.SHA256 || alg == TpmAlg.SHA384 || alg == TpmAlg.SHA512;
  }

  private static AttestationFailure fail(Reason reason, String message) {
    return new AttestationFailure(reason, message);
  }

  private static boolean isEmpty(byte[] b) {
    return b == null || b.length == 0;
  }

  private static byte[] nullToEmpty(byte[] b) {
    return b == null ? new byte[0] : b;
  }
}
