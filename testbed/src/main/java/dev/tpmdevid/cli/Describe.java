package dev.tpmdevid.cli;

import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmName;
import dev.tpmdevid.core.tpm.TpmsAttest;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decodes the TPM structures and certificates of a tpm_devid exchange into learner-friendly fields
 * (docs/protocol.md#tpm-structures). Each method returns an ordered map: the text narration prints
 * it as {@code key: value} lines, the JSON trace embeds it as is.
 */
final class Describe {
  private static final HexFormat HEX = HexFormat.of();

  private Describe() {}

  /** TPMT_PUBLIC: type, nameAlg, attributes by name, scheme, key size or curve, Name. */
  static Map<String, Object> tpmtPublic(byte[] bytes) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", bytes.length);
    try {
      TpmtPublic p = TpmtPublic.parse(bytes);
      m.put("type", alg(p.type()));
      m.put("nameAlg", alg(p.nameAlg()));
      m.put("objectAttributes", p.objectAttributes().toString());
      if (p.authPolicy().length > 0) {
        m.put("authPolicy", HEX.formatHex(p.authPolicy()));
      }
      m.put(
          "symmetric",
          p.symmetric().algorithm() == TpmAlg.NULL
              ? "NULL"
              : alg(p.symmetric().algorithm())
                  + "-"
                  + p.symmetric().keyBits()
                  + "-"
                  + alg(p.symmetric().mode()));
      m.put(
          "scheme",
          p.scheme().algorithm() == TpmAlg.NULL
              ? "NULL (any)"
              : p.scheme().hashAlg() == TpmAlg.NULL
                  ? alg(p.scheme().algorithm())
                  : alg(p.scheme().algorithm()) + " with " + alg(p.scheme().hashAlg()));
      if (p.isRsa()) {
        m.put("keyBits", p.rsaKeyBits());
        m.put(
            "exponent",
            p.rsaExponent() == 0 ? "65537 (encoded as 0)" : Long.toString(p.rsaExponent()));
      } else if (p.isEcc()) {
        m.put("curve", bare(TpmAlg.curveName(p.curveId())));
      }
      m.put("name", HEX.formatHex(p.nameBytes()));
    } catch (TpmFormatException | RuntimeException e) {
      m.put("error", "cannot decode TPMT_PUBLIC: " + e.getMessage());
    }
    return m;
  }

  /** TPMS_ATTEST of TPM2_Certify: magic, type, signer, certified name. */
  static Map<String, Object> tpmsAttest(byte[] bytes, byte[] devIdPub) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", bytes.length);
    try {
      TpmsAttest a = TpmsAttest.parse(bytes);
      m.put("magic", "0xFF544347 (TPM_GENERATED_VALUE: made inside a TPM)");
      m.put("type", bare(TpmsAttest.stName(a.type())));
      m.put("qualifiedSigner", nameHex(a.qualifiedSigner()));
      m.put("extraData", a.extraData().length == 0 ? "(empty)" : HEX.formatHex(a.extraData()));
      m.put(
          "clock",
          a.clock() + " ms, resetCount " + a.resetCount() + ", restartCount " + a.restartCount());
      if (a.type() == TpmsAttest.TPM_ST_ATTEST_CERTIFY) {
        m.put("certifiedName", nameHex(a.certifiedName()));
        try {
          boolean same = a.certifiedName().matches(TpmtPublic.parse(devIdPub).name());
          m.put("certifiedName == Name(DevIDPub)", same);
        } catch (TpmFormatException | RuntimeException e) {
          m.put("certifiedName == Name(DevIDPub)", "cannot tell: " + e.getMessage());
        }
      }
    } catch (TpmFormatException | RuntimeException e) {
      m.put("error", "cannot decode TPMS_ATTEST: " + e.getMessage());
    }
    return m;
  }

  /** TPMT_SIGNATURE: algorithm, hash, signature size. */
  static Map<String, Object> tpmtSignature(byte[] bytes) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", bytes.length);
    try {
      TpmtSignature s = TpmtSignature.parse(bytes);
      m.put("sigAlg", alg(s.sigAlg()));
      m.put("hashAlg", alg(s.hashAlg()));
      if (s.isRsa()) {
        m.put("signature", s.rsaSignature().length + " bytes");
      } else if (s.isEcdsa()) {
        m.put("signature", "r " + s.ecdsaR().length + " bytes, s " + s.ecdsaS().length + " bytes");
      }
    } catch (TpmFormatException | RuntimeException e) {
      m.put("error", "cannot decode TPMT_SIGNATURE: " + e.getMessage());
    }
    return m;
  }

  /**
   * An X.509 certificate: subject, issuer, validity, key, SHA-1 fingerprint
   * (docs/protocol.md#spiffe-id).
   */
  static Map<String, Object> certificate(byte[] der) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", der.length);
    try {
      X509Certificate c =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(der));
      m.put(
          "subject",
          c.getSubjectX500Principal().getName().isEmpty()
              ? "(empty)"
              : c.getSubjectX500Principal().getName());
      m.put("issuer", c.getIssuerX500Principal().getName());
      m.put("notAfter", c.getNotAfter().toInstant().toString());
      m.put("key", c.getPublicKey().getAlgorithm());
      m.put("sha1", sha1Hex(der));
    } catch (CertificateException | RuntimeException e) {
      m.put("error", "cannot parse certificate: " + e.getMessage());
    }
    return m;
  }

  /** {@code RSA} for TPM_ALG_RSA (TpmAlg names are {@code 0x0001 (RSA)}). */
  static String alg(int id) {
    return bare(TpmAlg.name(id));
  }

  private static String bare(String tpmAlgName) {
    int open = tpmAlgName.indexOf('(');
    int close = tpmAlgName.lastIndexOf(')');
    return open >= 0 && close > open ? tpmAlgName.substring(open + 1, close) : tpmAlgName;
  }

  static String sha1Hex(byte[] der) {
    try {
      return HEX.formatHex(MessageDigest.getInstance("SHA-1").digest(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String nameHex(TpmName n) {
    return n.isEmpty() ? "(empty)" : HEX.formatHex(n.toBytes());
  }
}
