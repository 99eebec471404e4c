package dev.tpmdevid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpmdevid.core.ek.EkCertificates;
import dev.tpmdevid.core.tpm.KeyComparison;
import dev.tpmdevid.core.tpm.ObjectAttribute;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmName;
import dev.tpmdevid.core.tpm.TpmsAttest;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.core.wire.WireFormatException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Says what a file of the tpm_devid world is, from its content alone (never its name), and decodes
 * it into an ordered tree of fields: the three wire messages (docs/protocol.md#messages),
 * TPMT_PUBLIC and TPM2B_PUBLIC (#tpmt-public), TPM2B_PRIVATE (sizes only), TPMS_ATTEST
 * (#tpms-attest), TPMT_SIGNATURE (#tpmt-signature), tpm2-tools credential files, X.509 certificates
 * and EK certificate NV dumps (#ek-certificate), and the state files of the step-by-step commands.
 */
final class Inspector {
  static final HexFormat HEX = HexFormat.of();
  private static final long TPM2_TOOLS_CREDENTIAL_MAGIC = 0xBADCC0DEL;

  /** What a file is and its decoded fields. */
  record Result(String type, Map<String, Object> fields) {}

  /** The content is none of the known structures. */
  static final class Unknown extends Exception {
    private static final long serialVersionUID = 1L;

    Unknown(String message) {
      super(message, null, false, false);
    }
  }

  private Inspector() {}

  static Result inspect(byte[] data) throws Unknown {
    if (data.length == 0) {
      throw new Unknown("empty file");
    }
    if (Pems.looksLikePem(data)) {
      return Pems.inspect(data);
    }
    int first = firstNonSpace(data);
    if (first >= 0 && data[first] == '{') {
      return json(data);
    }
    if (data.length >= 8 && u32(data, 0) == TPM2_TOOLS_CREDENTIAL_MAGIC) {
      return credentialFile(data);
    }
    if (data.length >= 6
        && Arrays.equals(Arrays.copyOf(data, 4), "TDAK".getBytes(StandardCharsets.US_ASCII))) {
      return new Result(
          "AK blob file of 'tpm-devid agent request' (secret: holds the AK authValue)",
          akBlob(data));
    }
    if (data.length >= 4 && u32(data, 0) == TpmsAttest.TPM_GENERATED_VALUE) {
      return new Result("TPMS_ATTEST", tpmsAttest(data, null));
    }
    if (data.length >= 6
        && u16(data, 0) == data.length - 2
        && u32(data, 2) == TpmsAttest.TPM_GENERATED_VALUE) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("size", u16(data, 0));
      m.put("attestationData", tpmsAttest(Arrays.copyOfRange(data, 2, data.length), null));
      return new Result("TPM2B_ATTEST", m);
    }
    if ((data[0] & 0xFF) == 0x30
        || (data.length > 7 && (data[0] & 0xFF) == 0x10 && data[1] == 0x01)) {
      Result r = X509Describer.inspectDer(data);
      if (r != null) {
        return r;
      }
    }
    if (data.length >= 6) {
      int tag = u16(data, 0);
      if (tag == TpmAlg.RSASSA || tag == TpmAlg.RSAPSS || tag == TpmAlg.ECDSA) {
        try {
          return new Result("TPMT_SIGNATURE", tpmtSignature(TpmtSignature.parse(data)));
        } catch (TpmFormatException | RuntimeException e) {
          // not a signature after all
        }
      }
      if (tag == TpmAlg.RSA || tag == TpmAlg.ECC) {
        try {
          return new Result("TPMT_PUBLIC", tpmtPublic(TpmtPublic.parse(data)));
        } catch (TpmFormatException | RuntimeException e) {
          // fall through
        }
      }
      if (tag == data.length - 2) {
        int inner = u16(data, 2);
        if (inner == TpmAlg.RSA || inner == TpmAlg.ECC) {
          try {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("size", tag);
            m.put(
                "publicArea",
                tpmtPublic(TpmtPublic.parse(Arrays.copyOfRange(data, 2, data.length))));
            return new Result("TPM2B_PUBLIC (tpm2-tools .pub)", m);
          } catch (TpmFormatException | RuntimeException e) {
            // fall through
          }
        }
        Map<String, Object> priv = privateContents(Arrays.copyOfRange(data, 2, data.length));
        if (priv != null) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("size", tag);
          m.putAll(priv);
          return new Result("TPM2B_PRIVATE (tpm2-tools .priv)", m);
        }
      }
      Map<String, Object> raw = privateContents(data);
      if (raw != null) {
        return new Result(
            "TPM2B_PRIVATE contents without size (SPIRE devid_priv_path format)", raw);
      }
    }
    throw new Unknown(
        "not a structure tpm_devid uses ("
            + data.length
            + " bytes, starts with "
            + HEX.formatHex(Arrays.copyOf(data, Math.min(8, data.length)))
            + ")");
  }

  // ------------------------------------------------------------------ JSON

  private static Result json(byte[] data) throws Unknown {
    JsonNode n;
    try {
      n = ToolFiles.JSON.readTree(data);
    } catch (IOException e) {
      throw new Unknown("starts like JSON but is not valid JSON");
    }
    if (!(n instanceof ObjectNode o)) {
      throw new Unknown("JSON, but not an object");
    }
    if (member(o, "DevIDCert") != null) {
      return attestationRequest(data);
    }
    JsonNode cred = member(o, "CredActivation");
    if (cred != null && (cred.isObject() || cred.isNull()) && member(o, "DevID") != null) {
      return challengeRequest(data);
    }
    if (cred != null && member(o, "DevID") != null) {
      return challengeResponse(data);
    }
    if (o.has("request") && o.has("nonce") && o.has("secret")) {
      return serverState(o);
    }
    if (o.has("ak") && o.has("config")) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("config_path", o.path("config_path").asText("(not recorded)"));
      m.put(
          "config",
          "HCL text, " + o.get("config").asText().length() + " characters (may hold passwords)");
      try {
        m.put("ak", akBlob(Base64.getDecoder().decode(o.get("ak").asText())));
      } catch (IllegalArgumentException e) {
        m.put("ak", "not valid base64");
      }
      m.put("request_sha256", o.path("request_sha256").asText(""));
      return new Result(
          "agent state file of 'tpm-devid agent request' (secret, keep mode 0600)", m);
    }
    List<String> names = new ArrayList<>();
    o.fieldNames().forEachRemaining(names::add);
    throw new Unknown("JSON object with members " + names + ": not a tpm_devid message");
  }

  /** Go's decoder matches member names case-insensitively (docs/protocol.md#json-rules). */
  private static JsonNode member(ObjectNode o, String name) {
    JsonNode exact = o.get(name);
    if (exact != null) {
      return exact;
    }
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.equalsIgnoreCase(name)) {
        return o.get(f);
      }
    }
    return null;
  }

  static Result attestationRequest(byte[] data) throws Unknown {
    AttestationRequest r;
    try {
      r = AttestationRequest.fromJson(data);
    } catch (WireFormatException e) {
      throw new Unknown("AttestationRequest that Go's decoder would refuse: " + e.getMessage());
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", data.length);
    m.put("byte-identical to Go's encoding", Arrays.equals(r.toJson(), data));
    List<Object> certs = new ArrayList<>();
    List<byte[]> ders = r.devIdCert() == null ? List.of() : r.devIdCert();
    for (int i = 0; i < ders.size(); i++) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put(
          "role",
          i == 0 ? "DevID leaf" : "intermediate " + (i - 1) + " (untrusted, chain building only)");
      c.putAll(X509Describer.describe(ders.get(i)));
      certs.add(c);
    }
    m.put("DevIDCert", certs);
    TpmtPublic devId = publicOrNote(m, "DevIDPub", r.devIdPub());
    m.put("EKCert", r.ekCert() == null ? "null" : X509Describer.describe(r.ekCert()));
    TpmtPublic ek = publicOrNote(m, "EKPub", r.ekPub());
    TpmtPublic ak = publicOrNote(m, "AKPub", r.akPub());
    TpmsAttest attest = null;
    if (r.certifiedDevId() == null) {
      m.put("CertifiedDevID", "null");
    } else {
      try {
        attest = TpmsAttest.parse(r.certifiedDevId());
        m.put("CertifiedDevID", tpmsAttest(r.certifiedDevId(), r.devIdPub()));
      } catch (TpmFormatException e) {
        m.put("CertifiedDevID", "not a TPMS_ATTEST: " + e.getMessage());
      }
    }
    TpmtSignature sig = null;
    if (r.certificationSignature() == null) {
      m.put("CertificationSignature", "null");
    } else {
      try {
        sig = TpmtSignature.parse(r.certificationSignature());
        m.put("CertificationSignature", tpmtSignature(sig));
      } catch (TpmFormatException e) {
        m.put("CertificationSignature", "not a TPMT_SIGNATURE: " + e.getMessage());
      }
    }
    Map<String, Object> checks = new LinkedHashMap<>();
    if (!ders.isEmpty() && devId != null) {
      checks.put(
          "DevID certificate key == DevIDPub",
          sameKey(X509Describer.publicKey(ders.get(0)), devId));
    }
    if (r.ekCert() != null && ek != null) {
      checks.put("EK certificate key == EKPub", sameKey(X509Describer.publicKey(r.ekCert()), ek));
    }
    if (ak != null) {
      checks.put(
          "AKPub is a restricted signing key",
          ak.objectAttributes().contains(ObjectAttribute.RESTRICTED)
              && ak.objectAttributes().contains(ObjectAttribute.SIGN)
              && !ak.objectAttributes().contains(ObjectAttribute.DECRYPT));
    }
    if (ak != null && sig != null && attest != null) {
      try {
        checks.put(
            "CertificationSignature verifies with AKPub",
            sig.verify(ak.toPublicKey(), r.certifiedDevId()));
      } catch (TpmFormatException e) {
        checks.put("CertificationSignature verifies with AKPub", "AKPub has no usable key");
      }
    }
    if (attest != null && devId != null && attest.type() == TpmsAttest.TPM_ST_ATTEST_CERTIFY) {
      checks.put("CertifiedDevID names DevIDPub", nameMatches(attest.certifiedName(), devId));
    }
    checks.put(
        "note",
        "local consistency only; chains to the trust bundles are checked by"
            + " 'tpm-devid server challenge'");
    m.put("checks", checks);
    return new Result("AttestationRequest (tpm_devid payload, agent -> server)", m);
  }

  private static TpmtPublic publicOrNote(Map<String, Object> m, String member, byte[] bytes) {
    if (bytes == null) {
      m.put(member, "null");
      return null;
    }
    try {
      TpmtPublic p = TpmtPublic.parse(bytes);
      m.put(member, tpmtPublic(p));
      return p;
    } catch (TpmFormatException e) {
      m.put(member, "not a TPMT_PUBLIC: " + e.getMessage());
      return null;
    }
  }

  private static Result challengeRequest(byte[] data) throws Unknown {
    ChallengeRequest c;
    try {
      c = ChallengeRequest.fromJson(data);
    } catch (WireFormatException e) {
      throw new Unknown("ChallengeRequest that Go's decoder would refuse: " + e.getMessage());
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", data.length);
    m.put("byte-identical to Go's encoding", Arrays.equals(c.toJson(), data));
    byte[] nonce = c.devId();
    m.put(
        "DevID",
        nonce == null
            ? "null"
            : Map.of(
                "what",
                "proof-of-possession nonce: the DevID key must sign" + " SHA-256 of these bytes",
                "size",
                nonce.length,
                "hex",
                HEX.formatHex(nonce)));
    if (c.credActivation() == null) {
      m.put("CredActivation", "null (a Go agent fails: empty credential activation challenge)");
    } else {
      Map<String, Object> ca = new LinkedHashMap<>();
      byte[] cred = c.credActivation().credential();
      Map<String, Object> cm = new LinkedHashMap<>();
      cm.put("what", "TPM2B_ID_OBJECT contents (no size): integrityHMAC TPM2B || encIdentity");
      cm.put("size", cred == null ? 0 : cred.length);
      if (cred != null && cred.length >= 2 && u16(cred, 0) + 2 <= cred.length) {
        int h = u16(cred, 0);
        cm.put("integrityHMAC", h + " bytes");
        cm.put("encIdentity", (cred.length - 2 - h) + " bytes (AES-CFB of u16 size || secret)");
      }
      ca.put("Credential", cm);
      byte[] secret = c.credActivation().secret();
      Map<String, Object> sm = new LinkedHashMap<>();
      sm.put(
          "what",
          "TPM2B_ENCRYPTED_SECRET contents (no size): the seed encrypted to the EK"
              + " (RSA-OAEP label IDENTITY, or ECDH point for an ECC EK)");
      sm.put("size", secret == null ? 0 : secret.length);
      ca.put("Secret", sm);
      ca.put(
          "answer",
          "only TPM2_ActivateCredential with this EK and an AK of the certified Name opens it");
      m.put("CredActivation", ca);
    }
    return new Result("ChallengeRequest (tpm_devid challenge, server -> agent)", m);
  }

  private static Result challengeResponse(byte[] data) throws Unknown {
    ChallengeResponse c;
    try {
      c = ChallengeResponse.fromJson(data);
    } catch (WireFormatException e) {
      throw new Unknown("ChallengeResponse that Go's decoder would refuse: " + e.getMessage());
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", data.length);
    m.put("byte-identical to Go's encoding", Arrays.equals(c.toJson(), data));
    byte[] sig = c.devId();
    Map<String, Object> sm = new LinkedHashMap<>();
    sm.put("what", "DevID signature over the nonce (proof of possession)");
    sm.put("size", sig == null ? 0 : sig.length);
    sm.put("format", signatureFormat(sig));
    m.put("DevID", sm);
    byte[] act = c.credActivation();
    Map<String, Object> am = new LinkedHashMap<>();
    am.put(
        "what",
        "certInfo from TPM2_ActivateCredential = the server's credential secret (proof of residency)");
    am.put("size", act == null ? 0 : act.length);
    am.put("hex", act == null ? "" : HEX.formatHex(act));
    m.put("CredActivation", am);
    return new Result("ChallengeResponse (tpm_devid challenge response, agent -> server)", m);
  }

  /** RSA PKCS#1 v1.5 (raw octets) or ECDSA DER SEQUENCE{r, s}. */
  private static String signatureFormat(byte[] sig) {
    if (sig == null || sig.length == 0) {
      return "empty";
    }
    if ((sig[0] & 0xFF) == 0x30 && sig.length >= 8 && sig.length <= 140) {
      try {
        org.bouncycastle.asn1.ASN1Sequence seq =
            org.bouncycastle.asn1.ASN1Sequence.getInstance(sig);
        if (seq.size() == 2 && Arrays.equals(seq.getEncoded("DER"), sig)) {
          BigInteger r =
              org.bouncycastle.asn1.ASN1Integer.getInstance(seq.getObjectAt(0)).getValue();
          BigInteger s =
              org.bouncycastle.asn1.ASN1Integer.getInstance(seq.getObjectAt(1)).getValue();
          return "ECDSA, DER SEQUENCE { r ("
              + r.bitLength()
              + " bits), s ("
              + s.bitLength()
              + " bits) }";
        }
      } catch (IOException | RuntimeException e) {
        // not DER: an RSA signature that starts with 0x30
      }
    }
    return "RSASSA-PKCS1-v1_5 signature octets (" + sig.length * 8 + "-bit modulus)";
  }

  private static Result serverState(ObjectNode o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(
        "warning",
        "secret material: with nonce and secret anyone can answer the challenge; keep mode 0600");
    for (String k : List.of("nonce", "secret")) {
      try {
        byte[] b = Base64.getDecoder().decode(o.get(k).asText());
        m.put(k, b.length + " bytes");
      } catch (IllegalArgumentException e) {
        m.put(k, "not valid base64");
      }
    }
    try {
      byte[] req = Base64.getDecoder().decode(o.get("request").asText());
      m.put("request", attestationRequest(req).fields());
    } catch (IllegalArgumentException | Unknown e) {
      m.put("request", "not a valid AttestationRequest: " + e.getMessage());
    }
    return new Result(
        "server state file of 'tpm-devid server challenge' (secret, keep mode 0600)", m);
  }

  // ------------------------------------------------------------------ TPM structures

  static Map<String, Object> tpmtPublic(TpmtPublic p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", p.encode().length);
    m.put("type", alg(p.type()));
    m.put("nameAlg", alg(p.nameAlg()));
    m.put("objectAttributes", p.objectAttributes().toString());
    m.put("role", role(p));
    m.put(
        "authPolicy",
        p.authPolicy().length == 0
            ? "(empty)"
            : HEX.formatHex(p.authPolicy())
                + (java.util.Arrays.equals(
                        p.authPolicy(), dev.tpmdevid.core.tpm.Templates.ekAuthPolicy())
                    ? " (PolicySecret(TPM_RH_ENDORSEMENT): the TCG EK policy)"
                    : ""));
    TpmtPublic.Symmetric sym = p.symmetric();
    m.put(
        "symmetric",
        sym.algorithm() == TpmAlg.NULL
            ? "NULL"
            : alg(sym.algorithm()) + "-" + sym.keyBits() + "-" + alg(sym.mode()));
    TpmtPublic.Scheme s = p.scheme();
    m.put(
        "scheme",
        s.algorithm() == TpmAlg.NULL
            ? "NULL"
            : s.hashAlg() == TpmAlg.NULL
                ? alg(s.algorithm())
                : alg(s.algorithm()) + " with " + alg(s.hashAlg()));
    if (p.isRsa()) {
      m.put("keyBits", p.rsaKeyBits());
      m.put(
          "exponent",
          p.rsaExponent() == 0 ? "65537 (encoded as 0)" : Long.toString(p.rsaExponent()));
      m.put(
          "modulus",
          p.rsaModulus().length == 0
              ? "(empty: a template)"
              : p.rsaModulus().length
                  + " bytes, "
                  + HEX.formatHex(Arrays.copyOf(p.rsaModulus(), Math.min(8, p.rsaModulus().length)))
                  + "...");
    } else if (p.isEcc()) {
      m.put("curve", bare(TpmAlg.curveName(p.curveId())));
      m.put("kdf", p.kdf().algorithm() == TpmAlg.NULL ? "NULL" : alg(p.kdf().algorithm()));
      m.put("x", p.eccX().length == 0 ? "(empty: a template)" : HEX.formatHex(p.eccX()));
      m.put("y", p.eccY().length == 0 ? "(empty: a template)" : HEX.formatHex(p.eccY()));
    }
    try {
      m.put("name", HEX.formatHex(p.nameBytes()) + " (nameAlg || H(TPMT_PUBLIC))");
    } catch (TpmFormatException e) {
      m.put("name", "none: " + e.getMessage());
    }
    return m;
  }

  /** What kind of key the attributes describe (docs/protocol.md#templates, docs/security.md). */
  private static String role(TpmtPublic p) {
    boolean restricted = p.objectAttributes().contains(ObjectAttribute.RESTRICTED);
    boolean sign = p.objectAttributes().contains(ObjectAttribute.SIGN);
    boolean decrypt = p.objectAttributes().contains(ObjectAttribute.DECRYPT);
    boolean fixed =
        p.objectAttributes().contains(ObjectAttribute.FIXED_TPM)
            && p.objectAttributes().contains(ObjectAttribute.FIXED_PARENT);
    String where = fixed ? "non-exportable" : "duplicable/exportable";
    if (restricted && decrypt && !sign) {
      return where
          + " restricted decryption key (storage parent, or an EK when it has the EK policy)";
    }
    if (restricted && sign && !decrypt) {
      return where + " restricted signing key (an attestation key, AK)";
    }
    if (sign && !decrypt) {
      return where + " unrestricted signing key (e.g. a DevID)";
    }
    if (sign) {
      return where + " general-purpose sign+decrypt key";
    }
    return where + (decrypt ? " decryption key" : " key without sign or decrypt");
  }

  static Map<String, Object> tpmsAttest(byte[] bytes, byte[] devIdPub) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", bytes.length);
    try {
      TpmsAttest a = TpmsAttest.parse(bytes);
      m.put("magic", "0xFF544347 (TPM_GENERATED_VALUE: the TPM made this structure)");
      m.put("type", bare(TpmsAttest.stName(a.type())));
      m.put("qualifiedSigner", nameHex(a.qualifiedSigner()));
      m.put(
          "extraData",
          a.extraData().length == 0
              ? "(empty: no qualifying data, as the Go agent)"
              : HEX.formatHex(a.extraData()));
      m.put(
          "clockInfo",
          "clock "
              + a.clock()
              + " ms, resetCount "
              + a.resetCount()
              + ", restartCount "
              + a.restartCount()
              + ", safe "
              + a.safe());
      m.put("firmwareVersion", String.format("0x%016X", a.firmwareVersion()));
      if (a.type() == TpmsAttest.TPM_ST_ATTEST_CERTIFY) {
        m.put("certify.name", nameHex(a.certifiedName()));
        m.put("certify.qualifiedName", nameHex(a.certifiedQualifiedName()));
        if (devIdPub != null) {
          try {
            m.put(
                "certify.name == Name(DevIDPub)",
                nameMatches(a.certifiedName(), TpmtPublic.parse(devIdPub)));
          } catch (TpmFormatException e) {
            m.put("certify.name == Name(DevIDPub)", "cannot tell: DevIDPub does not decode");
          }
        }
      }
    } catch (TpmFormatException e) {
      m.put("error", "cannot decode TPMS_ATTEST: " + e.getMessage());
    }
    return m;
  }

  static Map<String, Object> tpmtSignature(TpmtSignature s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", s.encode().length);
    m.put("sigAlg", alg(s.sigAlg()));
    m.put("hashAlg", alg(s.hashAlg()));
    if (s.isRsa()) {
      m.put(
          "signature",
          s.rsaSignature().length + " bytes (" + s.rsaSignature().length * 8 + "-bit key)");
    } else if (s.isEcdsa()) {
      m.put("signatureR", s.ecdsaR().length + " bytes");
      m.put("signatureS", s.ecdsaS().length + " bytes");
    }
    return m;
  }

  /**
   * TPM2B_PRIVATE contents: integrity HMAC (TPM2B_DIGEST) followed by the encrypted sensitive area;
   * null when the bytes do not have that shape.
   */
  private static Map<String, Object> privateContents(byte[] b) {
    if (b.length < 4) {
      return null;
    }
    int h = u16(b, 0);
    if (h != 32 && h != 48 && h != 64 && h != 20) {
      return null;
    }
    if (2 + h >= b.length || b.length > 2048) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("integrityHMAC", h + " bytes");
    m.put("encryptedSensitive", (b.length - 2 - h) + " bytes");
    m.put(
        "note",
        "opaque: encrypted under its parent (the SRK); only that TPM, with the same parent, can"
            + " load it");
    return m;
  }

  private static Result credentialFile(byte[] b) throws Unknown {
    try {
      int version = (int) u32(b, 4);
      int off = 8;
      int credLen = u16(b, off);
      byte[] cred = Arrays.copyOfRange(b, off + 2, off + 2 + credLen);
      off += 2 + credLen;
      int secretLen = u16(b, off);
      if (off + 2 + secretLen != b.length || cred.length != credLen) {
        throw new Unknown("tpm2-tools credential file with inconsistent sizes");
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("magic", "0xBADCC0DE");
      m.put("version", version);
      Map<String, Object> cm = new LinkedHashMap<>();
      cm.put("size", credLen);
      if (credLen >= 2 && u16(cred, 0) + 2 <= credLen) {
        cm.put("integrityHMAC", u16(cred, 0) + " bytes");
        cm.put("encIdentity", (credLen - 2 - u16(cred, 0)) + " bytes");
      }
      m.put("TPM2B_ID_OBJECT (= CredActivation.Credential)", cm);
      m.put("TPM2B_ENCRYPTED_SECRET (= CredActivation.Secret)", secretLen + " bytes");
      return new Result("tpm2-tools credential file (tpm2_makecredential output)", m);
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new Unknown("tpm2-tools credential file (magic 0xBADCC0DE) but truncated");
    }
  }

  private static Map<String, Object> akBlob(byte[] b) {
    Map<String, Object> m = new LinkedHashMap<>();
    try {
      dev.tpmdevid.agent.AkBlob ak = dev.tpmdevid.agent.AkBlob.decode(b);
      m.put(
          "parent",
          ak.parent()
              + (ak.parent() == dev.tpmdevid.agent.AkBlob.Parent.PERSISTENT
                  ? String.format(" 0x%08X", ak.srkHandle())
                  : ""));
      try {
        m.put("AKPub", tpmtPublic(TpmtPublic.parse(ak.pub())));
      } catch (TpmFormatException e) {
        m.put("AKPub", "not a TPMT_PUBLIC: " + e.getMessage());
      }
      m.put("private", "TPM2B_PRIVATE (opaque) and the AK authValue (secret)");
    } catch (dev.tpmdevid.agent.AgentException e) {
      m.put("error", e.getMessage());
    }
    return m;
  }

  // ------------------------------------------------------------------ helpers

  static Object sameKey(PublicKey certKey, TpmtPublic pub) {
    if (certKey == null) {
      return "certificate key not readable";
    }
    try {
      return KeyComparison.difference(certKey, pub.toPublicKey()) == null;
    } catch (TpmFormatException e) {
      return "TPM key not usable: " + e.getMessage();
    }
  }

  private static Object nameMatches(TpmName certified, TpmtPublic pub) {
    try {
      return certified.isDigest() && certified.equals(pub.name());
    } catch (TpmFormatException e) {
      return "cannot tell: " + e.getMessage();
    }
  }

  static String alg(int id) {
    return bare(TpmAlg.name(id));
  }

  private static String bare(String tpmAlgName) {
    int open = tpmAlgName.indexOf('(');
    int close = tpmAlgName.lastIndexOf(')');
    return open >= 0 && close > open ? tpmAlgName.substring(open + 1, close) : tpmAlgName;
  }

  private static String nameHex(TpmName n) {
    return n.isEmpty() ? "(empty)" : HEX.formatHex(n.toBytes());
  }

  static int u16(byte[] b, int off) {
    return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
  }

  static long u32(byte[] b, int off) {
    return ((long) (b[off] & 0xFF) << 24)
        | ((b[off + 1] & 0xFF) << 16)
        | ((b[off + 2] & 0xFF) << 8)
        | (b[off + 3] & 0xFF);
  }

  private static int firstNonSpace(byte[] b) {
    for (int i = 0; i < b.length && i < 64; i++) {
      if (!Character.isWhitespace(b[i])) {
        return i;
      }
    }
    return -1;
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /** NV contents → the DER (for {@link X509Describer}). */
  static byte[] nvToDer(byte[] nv) throws TpmFormatException {
    return EkCertificates.fromNvContents(nv);
  }
}
