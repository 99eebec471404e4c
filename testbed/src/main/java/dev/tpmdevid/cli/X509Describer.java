package dev.tpmdevid.cli;

import dev.tpmdevid.core.ek.EkCertificates;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.verifier.x509.Cert;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Attribute;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectDirectoryAttributes;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.DefaultAlgorithmNameFinder;

/**
 * X.509 certificates, PKCS#10 requests and EK certificate NV dumps for {@code tpm-devid inspect}:
 * the fields SPIRE uses (subject/issuer CN, SHA-1 fingerprint, docs/protocol.md#spiffe-id), the TCG
 * fields of EK certificates (SAN directoryName tpmManufacturer/tpmModel/tpmVersion,
 * tcg-kp-EKCertificate, tpmSpecification) with the EK Credential Profile checks, and whether Go's
 * strict x509 parser would take the DER (docs/protocol.md#go-x509).
 */
final class X509Describer {
  static final ASN1ObjectIdentifier TPM_MANUFACTURER = new ASN1ObjectIdentifier("2.23.133.2.1");
  static final ASN1ObjectIdentifier TPM_MODEL = new ASN1ObjectIdentifier("2.23.133.2.2");
  static final ASN1ObjectIdentifier TPM_VERSION = new ASN1ObjectIdentifier("2.23.133.2.3");
  static final ASN1ObjectIdentifier TPM_SPECIFICATION = new ASN1ObjectIdentifier("2.23.133.2.16");
  static final ASN1ObjectIdentifier TPM_SECURITY_ASSERTIONS =
      new ASN1ObjectIdentifier("2.23.133.2.18");
  static final ASN1ObjectIdentifier EK_CERTIFICATE_EKU = new ASN1ObjectIdentifier("2.23.133.8.1");
  static final ASN1ObjectIdentifier AIK_CERTIFICATE_EKU = new ASN1ObjectIdentifier("2.23.133.8.3");
  static final ASN1ObjectIdentifier RSAES_OAEP = new ASN1ObjectIdentifier("1.2.840.113549.1.1.7");
  private static final DefaultAlgorithmNameFinder ALG_NAMES = new DefaultAlgorithmNameFinder();

  private X509Describer() {}

  /** A DER certificate, an NV dump holding one, or a PKCS#10 request; null when none of these. */
  static Inspector.Result inspectDer(byte[] data) {
    boolean tcgHeader = (data[0] & 0xFF) == 0x10 && data[1] == 0x01 && data[2] == 0x00;
    int tlv = tcgHeader ? -1 : derLength(data);
    if (tlv == data.length) {
      Map<String, Object> cert = describeOrNull(data);
      if (cert != null) {
        return new Inspector.Result("X.509 certificate (DER)", cert);
      }
      Map<String, Object> csr = describeCsr(data);
      if (csr != null) {
        return new Inspector.Result("PKCS#10 certificate request (DER)", csr);
      }
      return null;
    }
    if (!tcgHeader && tlv < 0) {
      return null;
    }
    byte[] der;
    try {
      der = EkCertificates.fromNvContents(data);
    } catch (TpmFormatException e) {
      return null;
    }
    Map<String, Object> cert = describeOrNull(der);
    if (cert == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", data.length);
    if (tcgHeader) {
      m.put(
          "layout",
          "7-byte TCG PC Client NV header 10 01 00 <size> 10 02, then the DER certificate ("
              + der.length
              + " bytes), then "
              + (data.length - 7 - der.length)
              + " bytes after it");
    } else {
      byte pad = data[der.length];
      boolean uniform = true;
      for (int i = der.length; i < data.length; i++) {
        uniform &= data[i] == pad;
      }
      m.put(
          "layout",
          "DER certificate ("
              + der.length
              + " bytes) then "
              + (data.length - der.length)
              + " bytes of "
              + (uniform ? String.format("0x%02X padding", pad & 0xFF) : "trailing data"));
    }
    m.put("what the agent sends as EKCert", "the first DER TLV only (" + der.length + " bytes)");
    m.put("certificate", cert);
    return new Inspector.Result(
        "EK certificate NV contents (as read from NV index 0x01C00002 / 0x01C0000A)", m);
  }

  /** The length of the DER TLV at the start (definite lengths only), or -1. */
  static int derLength(byte[] b) {
    if (b.length < 2 || (b[0] & 0x1F) == 0x1F) {
      return -1;
    }
    int len = b[1] & 0xFF;
    if (len < 0x80) {
      return 2 + len;
    }
    int n = len & 0x7F;
    if (n == 0 || n > 4 || b.length < 2 + n) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < n; i++) {
      v = (v << 8) | (b[2 + i] & 0xFF);
    }
    return v > Integer.MAX_VALUE - 6 ? -1 : (int) (2 + n + v);
  }

  /** Describes a certificate (an error entry when it does not parse). */
  static Map<String, Object> describe(byte[] der) {
    Map<String, Object> m = describeOrNull(der);
    if (m == null) {
      m = new LinkedHashMap<>();
      m.put("size", der.length);
      m.put("error", "not an X.509 certificate");
    }
    return m;
  }

  /** The JCA key of a certificate, null when the JDK cannot read it. */
  static PublicKey publicKey(byte[] der) {
    try {
      return CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der))
          .getPublicKey();
    } catch (CertificateException | RuntimeException e) {
      return null;
    }
  }

  private static Map<String, Object> describeOrNull(byte[] der) {
    Certificate c;
    try {
      c = Certificate.getInstance(ASN1Primitive.fromByteArray(der));
    } catch (IOException | RuntimeException e) {
      return null;
    }
    if (c == null || c.getTBSCertificate() == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("size", der.length);
    m.put("version", c.getVersionNumber());
    m.put("serial", c.getSerialNumber().getValue().toString(16));
    m.put("signature", algName(c.getSignatureAlgorithm().getAlgorithm()));
    m.put("issuer", dn(c.getIssuer()));
    m.put("subject", dn(c.getSubject()));
    m.put("notBefore", c.getStartDate().getDate().toInstant().toString());
    m.put("notAfter", c.getEndDate().getDate().toInstant().toString());
    m.put("key", keyDescription(c.getSubjectPublicKeyInfo()));
    m.put("sha1 fingerprint (SPIRE agent ID / ca:fingerprint)", Describe.sha1Hex(der));
    m.put("sha256 fingerprint", ToolFiles.sha256Hex(der));
    Extensions ext = c.getTBSCertificate().getExtensions();
    List<String> critical = new ArrayList<>();
    Tcg tcg = new Tcg();
    if (ext != null) {
      Map<String, Object> em = new LinkedHashMap<>();
      for (ASN1ObjectIdentifier oid : ext.getExtensionOIDs()) {
        Extension e = ext.getExtension(oid);
        if (e.isCritical()) {
          critical.add(extName(oid));
        }
        em.put(extName(oid) + (e.isCritical() ? " (critical)" : ""), extensionValue(e, tcg));
      }
      m.put("extensions", em);
    }
    m.put("critical extensions", critical.isEmpty() ? "none" : String.join(", ", critical));
    try {
      Cert.parse(der);
      m.put("Go x509 parser", "accepts");
    } catch (CertificateException | RuntimeException e) {
      m.put("Go x509 parser", "rejects: " + e.getMessage());
    }
    if (tcg.looksLikeEk()) {
      m.put("TCG EK Credential Profile", ekProfileChecks(c, ext, tcg));
    }
    return m;
  }

  /** TCG facts found while describing the extensions. */
  private static final class Tcg {
    boolean sanTcgAttributes;
    boolean sanCritical;
    boolean ekEku;
    boolean specAttribute;
    boolean hasSan;

    boolean looksLikeEk() {
      return sanTcgAttributes || ekEku || specAttribute;
    }
  }

  private static Map<String, Object> ekProfileChecks(Certificate c, Extensions ext, Tcg tcg) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version 3", check(c.getVersionNumber() == 3, "MUST"));
    boolean emptySubject = c.getSubject().getRDNs().length == 0;
    if (emptySubject) {
      m.put(
          "empty subject => subjectAltName critical", check(tcg.hasSan && tcg.sanCritical, "MUST"));
    }
    m.put(
        "subjectAltName with tpmManufacturer, tpmModel, tpmVersion",
        check(tcg.sanTcgAttributes, "MUST"));
    BasicConstraints bc = ext == null ? null : BasicConstraints.fromExtensions(ext);
    m.put("basicConstraints absent or CA=false", check(bc == null || !bc.isCA(), "MUST"));
    KeyUsage ku = ext == null ? null : KeyUsage.fromExtensions(ext);
    ASN1ObjectIdentifier keyAlg = c.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm();
    boolean ecc = X9ObjectIdentifiers.id_ecPublicKey.equals(keyAlg);
    m.put(
        ecc ? "keyUsage keyAgreement (ECC EK)" : "keyUsage keyEncipherment (RSA EK)",
        check(
            ku != null && ku.hasUsages(ecc ? KeyUsage.keyAgreement : KeyUsage.keyEncipherment),
            "MUST"));
    m.put("extKeyUsage tcg-kp-EKCertificate (2.23.133.8.1)", check(tcg.ekEku, "SHOULD"));
    m.put("subjectDirectoryAttributes tpmSpecification", check(tcg.specAttribute, "SHOULD"));
    m.put(
        "SPIRE's Go server",
        "handles the critical SAN on the EK leaf only; needs every EK intermediate in"
            + " endorsement_ca_path");
    return m;
  }

  private static String check(boolean ok, String level) {
    return ok ? "ok" : (level.equals("MUST") ? "NOT MET (MUST)" : "absent (SHOULD)");
  }

  private static Object extensionValue(Extension e, Tcg tcg) {
    ASN1ObjectIdentifier oid = e.getExtnId();
    try {
      if (oid.equals(Extension.basicConstraints)) {
        BasicConstraints bc = BasicConstraints.getInstance(e.getParsedValue());
        return bc.isCA()
            ? "CA=true"
                + (bc.getPathLenConstraint() == null
                    ? ""
                    : ", pathLen=" + bc.getPathLenConstraint())
            : "CA=false";
      }
      if (oid.equals(Extension.keyUsage)) {
        return keyUsageNames(KeyUsage.getInstance(e.getParsedValue()));
      }
      if (oid.equals(Extension.extendedKeyUsage)) {
        List<String> names = new ArrayList<>();
        for (KeyPurposeId k : ExtendedKeyUsage.getInstance(e.getParsedValue()).getUsages()) {
          ASN1ObjectIdentifier id = k.toOID();
          if (id.equals(EK_CERTIFICATE_EKU)) {
            tcg.ekEku = true;
            names.add("tcg-kp-EKCertificate (2.23.133.8.1)");
          } else if (id.equals(AIK_CERTIFICATE_EKU)) {
            names.add("tcg-kp-AIKCertificate (2.23.133.8.3)");
          } else {
            names.add(id.getId());
          }
        }
        return String.join(", ", names);
      }
      if (oid.equals(Extension.subjectAlternativeName)) {
        tcg.hasSan = true;
        tcg.sanCritical = e.isCritical();
        List<Object> names = new ArrayList<>();
        for (GeneralName g : GeneralNames.getInstance(e.getParsedValue()).getNames()) {
          names.add(generalName(g, tcg));
        }
        return names;
      }
      if (oid.equals(Extension.subjectDirectoryAttributes)) {
        List<String> out = new ArrayList<>();
        for (Object o :
            SubjectDirectoryAttributes.getInstance(e.getParsedValue()).getAttributes()) {
          Attribute a = (Attribute) o;
          if (a.getAttrType().equals(TPM_SPECIFICATION)) {
            tcg.specAttribute = true;
            out.add("tpmSpecification " + tpmSpecification(a));
          } else if (a.getAttrType().equals(TPM_SECURITY_ASSERTIONS)) {
            out.add("tpmSecurityAssertions (2.23.133.2.18)");
          } else {
            out.add(a.getAttrType().getId());
          }
        }
        return String.join(", ", out);
      }
      if (oid.equals(Extension.subjectKeyIdentifier)
          || oid.equals(Extension.authorityKeyIdentifier)) {
        return "present";
      }
    } catch (RuntimeException ex) {
      return "cannot decode: " + ex.getMessage();
    }
    return e.getExtnValue().getOctets().length + " bytes";
  }

  private static Object generalName(GeneralName g, Tcg tcg) {
    if (g.getTagNo() != GeneralName.directoryName) {
      return g.toString();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    X500Name n = X500Name.getInstance(g.getName());
    for (RDN rdn : n.getRDNs()) {
      for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
        String value =
            atv.getValue() instanceof ASN1String s ? s.getString() : atv.getValue().toString();
        if (atv.getType().equals(TPM_MANUFACTURER)) {
          tcg.sanTcgAttributes = true;
          m.put("tpmManufacturer", value + vendorId(value));
        } else if (atv.getType().equals(TPM_MODEL)) {
          tcg.sanTcgAttributes = true;
          m.put("tpmModel", value);
        } else if (atv.getType().equals(TPM_VERSION)) {
          tcg.sanTcgAttributes = true;
          m.put("tpmVersion", value);
        } else {
          m.put(atv.getType().getId(), value);
        }
      }
    }
    return Map.of("directoryName", m);
  }

  /** {@code id:53544D20} → {@code ("STM ")}: the TCG vendor ID is four ASCII characters. */
  private static String vendorId(String value) {
    String v = value.startsWith("id:") ? value.substring(3) : value;
    if (v.length() != 8) {
      return "";
    }
    try {
      byte[] b = Inspector.HEX.parseHex(v);
      StringBuilder sb = new StringBuilder();
      for (byte x : b) {
        if (x == 0) {
          continue;
        }
        if (x < 0x20 || x > 0x7E) {
          return "";
        }
        sb.append((char) x);
      }
      return " (\"" + sb + "\")";
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  private static String tpmSpecification(Attribute a) {
    try {
      ASN1Encodable v = a.getAttrValues().getObjectAt(0);
      ASN1Sequence s = ASN1Sequence.getInstance(v);
      String family = ((ASN1String) s.getObjectAt(0)).getString();
      int level = ASN1Integer.getInstance(s.getObjectAt(1)).intValueExact();
      int revision = ASN1Integer.getInstance(s.getObjectAt(2)).intValueExact();
      return "family " + family + ", level " + level + ", revision " + revision;
    } catch (RuntimeException e) {
      return "(undecodable)";
    }
  }

  private static String keyUsageNames(KeyUsage ku) {
    String[] names = {
      "digitalSignature",
      "nonRepudiation",
      "keyEncipherment",
      "dataEncipherment",
      "keyAgreement",
      "keyCertSign",
      "cRLSign",
      "encipherOnly",
      "decipherOnly"
    };
    int[] bits = {
      KeyUsage.digitalSignature,
      KeyUsage.nonRepudiation,
      KeyUsage.keyEncipherment,
      KeyUsage.dataEncipherment,
      KeyUsage.keyAgreement,
      KeyUsage.keyCertSign,
      KeyUsage.cRLSign,
      KeyUsage.encipherOnly,
      KeyUsage.decipherOnly
    };
    List<String> out = new ArrayList<>();
    for (int i = 0; i < bits.length; i++) {
      if (ku.hasUsages(bits[i])) {
        out.add(names[i]);
      }
    }
    return out.isEmpty() ? "none" : String.join(", ", out);
  }

  static String keyDescription(SubjectPublicKeyInfo spki) {
    ASN1ObjectIdentifier alg = spki.getAlgorithm().getAlgorithm();
    try {
      if (alg.equals(PKCSObjectIdentifiers.rsaEncryption) || alg.equals(RSAES_OAEP)) {
        org.bouncycastle.asn1.pkcs.RSAPublicKey k =
            org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(spki.parsePublicKey());
        return "RSA-"
            + k.getModulus().bitLength()
            + ", exponent "
            + k.getPublicExponent()
            + (alg.equals(RSAES_OAEP) ? " (SPKI algorithm id-RSAES-OAEP, TPM 1.2 era)" : "");
      }
      if (alg.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
        ASN1ObjectIdentifier curve =
            ASN1ObjectIdentifier.getInstance(spki.getAlgorithm().getParameters());
        String name = ECNamedCurveTable.getName(curve);
        String nist =
            name == null
                ? null
                : switch (name) {
                  case "prime256v1", "secp256r1" -> "P-256";
                  case "secp384r1" -> "P-384";
                  case "secp521r1" -> "P-521";
                  default -> null;
                };
        return "EC "
            + (name == null ? curve.getId() : nist == null ? name : nist + " (" + name + ")");
      }
    } catch (IOException | RuntimeException e) {
      return algName(alg) + " (key not decodable)";
    }
    return algName(alg);
  }

  private static Map<String, Object> describeCsr(byte[] der) {
    try {
      CertificationRequest r = CertificationRequest.getInstance(ASN1Primitive.fromByteArray(der));
      if (r == null || r.getCertificationRequestInfo() == null) {
        return null;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("size", der.length);
      m.put("subject", dn(r.getCertificationRequestInfo().getSubject()));
      m.put("key", keyDescription(r.getCertificationRequestInfo().getSubjectPublicKeyInfo()));
      m.put("signature", algName(r.getSignatureAlgorithm().getAlgorithm()));
      org.bouncycastle.pkcs.PKCS10CertificationRequest p =
          new org.bouncycastle.pkcs.PKCS10CertificationRequest(r);
      boolean ok =
          p.isSignatureValid(
              new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder()
                  .build(
                      new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter()
                          .getPublicKey(p.getSubjectPublicKeyInfo())));
      m.put("self-signature", ok ? "verifies (the key holder signed it)" : "DOES NOT VERIFY");
      return m;
    } catch (Exception e) {
      return null;
    }
  }

  static String dn(X500Name n) {
    String s = n.toString();
    return s.isEmpty() ? "(empty)" : s;
  }

  private static String algName(ASN1ObjectIdentifier oid) {
    String n = ALG_NAMES.getAlgorithmName(oid);
    return n == null || n.equals(oid.getId()) ? oid.getId() : n;
  }

  private static final Map<String, String> EXT_NAMES =
      Map.ofEntries(
          Map.entry("2.5.29.19", "basicConstraints"), Map.entry("2.5.29.15", "keyUsage"),
          Map.entry("2.5.29.37", "extKeyUsage"), Map.entry("2.5.29.17", "subjectAltName"),
          Map.entry("2.5.29.9", "subjectDirectoryAttributes"),
              Map.entry("2.5.29.14", "subjectKeyIdentifier"),
          Map.entry("2.5.29.35", "authorityKeyIdentifier"),
              Map.entry("2.5.29.32", "certificatePolicies"),
          Map.entry("2.5.29.31", "cRLDistributionPoints"),
              Map.entry("1.3.6.1.5.5.7.1.1", "authorityInfoAccess"),
          Map.entry("2.5.29.30", "nameConstraints"), Map.entry("2.5.29.36", "policyConstraints"));

  private static String extName(ASN1ObjectIdentifier oid) {
    String n = EXT_NAMES.get(oid.getId());
    return n == null ? oid.getId() : n;
  }
}
