package dev.tpmdevid.verifier.x509;

import dev.tpmdevid.verifier.x509.Der.DerException;
import dev.tpmdevid.verifier.x509.Der.Element;
import java.io.ByteArrayInputStream;
import java.security.Provider;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Parses one DER certificate with the strictness of Go's {@code x509.ParseCertificate}
 * (docs/protocol.md#go-x509, docs/hardening.md): exactly one DER TLV and no trailing data; DER all
 * the way down (definite, minimal lengths, no constructed strings, minimal INTEGER/OID, canonical
 * BOOLEAN and BIT STRING), so a certificate has exactly one encoding and hence one SHA-1
 * fingerprint; the outer signatureAlgorithm byte-equal to the one inside the TBSCertificate; an
 * ECDSA signature value that is itself DER; issuer and subject attribute values of the string types
 * Go knows, each valid for its type; no negative serial number (Go 1.23+); no duplicate extensions;
 * no critical SubjectKeyIdentifier or AuthorityInfoAccess; a subjectAltName and nameConstraints
 * extension that Go's parser accepts. The JDK parser does the rest of the ASN.1 work; where it
 * refuses what Go accepts (an empty subject with a non-critical subjectAltName) Bouncy Castle
 * parses instead.
 */
public final class CertificateParser {
  private static final String OID_SKI = "2.5.29.14";
  private static final String OID_AIA = "1.3.6.1.5.5.7.1.1";
  private static final byte[] OID_ECDSA_PREFIX = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x04};

  /**
   * Bouncy Castle, built the first time the JDK refuses a certificate (it loads hundreds of
   * classes).
   */
  static final class Bc {
    static final Provider PROVIDER = new BouncyCastleProvider();
  }

  private CertificateParser() {}

  /**
   * The JDK's X.509 factory, one per thread (a factory instance is not documented as thread-safe),
   * so that parsing a certificate does not look the service up in the provider list again.
   */
  private static final ThreadLocal<CertificateFactory> JDK_FACTORY =
      ThreadLocal.withInitial(
          () -> {
            try {
              return CertificateFactory.getInstance("X.509");
            } catch (CertificateException e) {
              throw new IllegalStateException("no X.509 certificate factory", e);
            }
          });

  /** What Go's parser extracts that the verifier needs beyond the JDK certificate. */
  record Parsed(
      X509Certificate x509,
      byte[] rawIssuer,
      byte[] rawSubject,
      String issuerCommonName,
      String subjectCommonName,
      GoNames.Sans sans,
      GoNames.Constraints constraints,
      GoPolicies policies) {}

  /**
   * Returns the certificate, or throws with a terse reason naming what is malformed.
   *
   * @param der untrusted bytes, never modified
   */
  public static X509Certificate parse(byte[] der) throws CertificateException {
    return parseGo(der).x509();
  }

  /** {@link #parse} with the names Go's parser extracts. */
  static Parsed parseGo(byte[] der) throws CertificateException {
    if (der == null || der.length == 0) {
      throw new CertificateException("x509: malformed certificate");
    }
    int tlvLength = derElementLength(der);
    if (tlvLength < 0) {
      throw new CertificateException("x509: malformed certificate");
    }
    if (tlvLength != der.length) {
      throw new CertificateException("x509: trailing data");
    }
    byte[][] names = checkStructure(der);
    String issuerCn = GoNames.parseName(names[0]); // Go parses the issuer first
    String subjectCn = GoNames.parseName(names[1]);
    X509Certificate cert = jdkOrBc(der);
    if (cert.getSerialNumber().signum() < 0) {
      throw new CertificateException("x509: negative serial number");
    }
    Set<String> critical = cert.getCriticalExtensionOIDs();
    if (critical != null && (critical.contains(OID_SKI) || critical.contains(OID_AIA))) {
      throw new CertificateException("x509: extension incorrectly marked critical");
    }
    GoNames.Sans sans = GoNames.Sans.NONE;
    byte[] san = extensionValue(cert, GoExtensionRules.SAN);
    if (san != null) {
      sans = GoNames.parseSans(san);
    }
    GoNames.Constraints constraints = null;
    byte[] nc = extensionValue(cert, GoExtensionRules.NAME_CONSTRAINTS);
    if (nc != null) {
      constraints = GoNames.parseConstraints(nc);
    }
    return new Parsed(
        cert, names[0], names[1], issuerCn, subjectCn, sans, constraints, GoPolicies.parse(cert));
  }

  /**
   * Go's structural checks, in Go's order where it has a specific message, then DER for the whole
   * certificate. Returns the raw issuer and subject Name elements.
   */
  private static byte[][] checkStructure(byte[] der) throws CertificateException {
    Element cert;
    Element tbs;
    try {
      cert = Der.read(der, 0, der.length, Der.SEQUENCE);
      tbs = Der.read(der, cert.contentStart(), cert.end(), Der.SEQUENCE);
    } catch (DerException e) {
      throw new CertificateException("x509: malformed tbs certificate");
    }
    Element innerAi;
    Element issuer;
    Element subject;
    try {
      int p = tbs.contentStart();
      Element first = Der.read(der, p, tbs.end());
      if (first.tag() == 0xA0) {
        p = first.end(); // [0] version
      }
      Element serial = Der.read(der, p, tbs.end(), Der.INTEGER);
      innerAi = Der.read(der, serial.end(), tbs.end(), Der.SEQUENCE);
      issuer = Der.read(der, innerAi.end(), tbs.end(), Der.SEQUENCE);
      Element validity = Der.read(der, issuer.end(), tbs.end(), Der.SEQUENCE);
      subject = Der.read(der, validity.end(), tbs.end(), Der.SEQUENCE);
    } catch (DerException e) {
      throw new CertificateException("x509: malformed tbs certificate");
    }
    Element outerAi;
    try {
      outerAi = Der.read(der, tbs.end(), cert.end(), Der.SEQUENCE);
    } catch (DerException e) {
      throw new CertificateException("x509: malformed algorithm identifier");
    }
    if (!Arrays.equals(outerAi.content(der), innerAi.content(der))) {
      throw new CertificateException(
          "x509: inner and outer signature algorithm identifiers don't match");
    }
    try {
      Der.requireDer(der, tbs.start(), tbs.end());
      Der.requireDer(der, outerAi.start(), outerAi.end());
    } catch (DerException e) {
      throw new CertificateException("x509: malformed certificate: not DER");
    }
    try {
      Element sig = Der.read(der, outerAi.end(), cert.end(), Der.BIT_STRING);
      byte[] value = Der.bitStringContent(der, sig);
      if (sig.end() != cert.end()) {
        throw new DerException();
      }
      if (isEcdsa(der, outerAi)) {
        Element s = Der.read(value, 0, value.length, Der.SEQUENCE);
        if (s.end() != value.length) {
          throw new DerException();
        }
        Der.requireDer(value, 0, value.length);
      }
    } catch (DerException e) {
      throw new CertificateException("x509: malformed signature");
    }
    return new byte[][] {issuer.bytes(der), subject.bytes(der)};
  }

  private static boolean isEcdsa(byte[] der, Element ai) throws DerException {
    Element oid = Der.read(der, ai.contentStart(), ai.end(), Der.OID);
    byte[] o = oid.content(der);
    return o.length > OID_ECDSA_PREFIX.length
        && Arrays.equals(Arrays.copyOf(o, OID_ECDSA_PREFIX.length), OID_ECDSA_PREFIX);
  }

  private static X509Certificate jdkOrBc(byte[] der) throws CertificateException {
    try {
      return (X509Certificate) JDK_FACTORY.get().generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | RuntimeException jdkRefused) {
      // The JDK refuses an empty subject with a non-critical subjectAltName (RFC 5280 says
      // critical); Go accepts it, and so does Bouncy Castle. Everything else the JDK refuses is
      // malformed for us too.
      try {
        X509Certificate bc =
            (X509Certificate)
                CertificateFactory.getInstance("X.509", Bc.PROVIDER)
                    .generateCertificate(new ByteArrayInputStream(der));
        Set<String> critical = bc == null ? null : bc.getCriticalExtensionOIDs();
        if (bc != null
            && bc.getSubjectX500Principal().getEncoded().length == 2
            && bc.getExtensionValue(GoExtensionRules.SAN) != null
            && (critical == null || !critical.contains(GoExtensionRules.SAN))) {
          bc.getPublicKey(); // Bouncy Castle decodes the key lazily: fail here, not later
          bc.getTBSCertificate();
          return bc;
        }
      } catch (CertificateException | RuntimeException bcRefused) {
        // fall through
      }
      throw new CertificateException("x509: malformed certificate");
    }
  }

  /**
   * The contents of the extension's OCTET STRING, or null when absent; the one lookup of an
   * extension value of the verifier.
   */
  static byte[] extensionValue(X509Certificate cert, String oid) throws CertificateException {
    // The JDK's getExtensionValue builds and catches two exceptions for an absent extension (a
    // profile of the server had it at ~3 % of an attestation): ask the extension sets first.
    if (!hasExtension(cert, oid)) {
      return null;
    }
    byte[] v = cert.getExtensionValue(oid);
    if (v == null) {
      return null;
    }
    try {
      return ASN1OctetString.getInstance(v).getOctets();
    } catch (RuntimeException e) {
      throw new CertificateException("x509: malformed extension");
    }
  }

  /**
   * True when the certificate has the extension, asked of the extension OID sets: the JDK's getters
   * for an absent extension build and catch exceptions.
   */
  static boolean hasExtension(X509Certificate cert, String oid) {
    Set<String> critical = cert.getCriticalExtensionOIDs();
    if (critical != null && critical.contains(oid)) {
      return true;
    }
    Set<String> nonCritical = cert.getNonCriticalExtensionOIDs();
    return nonCritical != null && nonCritical.contains(oid);
  }

  /**
   * Length of the outer DER element (tag + length + contents) at offset 0, or -1 when the header is
   * not a definite-length SEQUENCE or runs past the buffer.
   */
  static int derElementLength(byte[] der) {
    if (der.length < 2 || (der[0] & 0xFF) != 0x30) {
      return -1;
    }
    int first = der[1] & 0xFF;
    if (first < 0x80) {
      return 2 + first;
    }
    int lengthBytes = first & 0x7F;
    if (lengthBytes == 0 || lengthBytes > 3 || der.length < 2 + lengthBytes) {
      return -1; // indefinite length (BER) or absurdly large
    }
    int len = 0;
    for (int i = 0; i < lengthBytes; i++) {
      len = (len << 8) | (der[2 + i] & 0xFF);
    }
    if (len < 0x80 || (lengthBytes > 1 && (der[2] & 0xFF) == 0)) {
      return -1; // non-minimal length encoding is not DER
    }
    long total = 2L + lengthBytes + len;
    return total > der.length ? -1 : (int) total;
  }
}
