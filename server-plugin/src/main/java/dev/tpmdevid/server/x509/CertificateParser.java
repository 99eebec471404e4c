package dev.tpmdevid.server.x509;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Set;

/**
 * Parses one DER certificate with the strictness of Go's {@code x509.ParseCertificate}
 * (docs/protocol.md#go-x509, "Parser rejects"): exactly one DER TLV and no trailing data, no negative serial
 * number (Go 1.23+), no duplicate extensions (the JDK parser refuses them), and no critical SubjectKeyIdentifier or
 * AuthorityInfoAccess extension. The JDK parser does the rest of the ASN.1 work.
 */
public final class CertificateParser {
  private static final String OID_SKI = "2.5.29.14";
  private static final String OID_AIA = "1.3.6.1.5.5.7.1.1";

  private CertificateParser() {}

  /**
   * Returns the certificate, or throws with a terse reason naming what is malformed.
   *
   * @param der untrusted bytes, never modified
   */
  public static X509Certificate parse(byte[] der) throws CertificateException {
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
    X509Certificate cert;
    try {
      cert = (X509Certificate) factory().generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | RuntimeException e) {
      throw new CertificateException("x509: malformed certificate");
    }
    if (cert.getSerialNumber().signum() < 0) {
      throw new CertificateException("x509: negative serial number");
    }
    Set<String> critical = cert.getCriticalExtensionOIDs();
    if (critical != null && (critical.contains(OID_SKI) || critical.contains(OID_AIA))) {
      throw new CertificateException("x509: extension incorrectly marked critical");
    }
    return cert;
  }

  /**
   * Length of the outer DER element (tag + length + contents) at offset 0, or -1 when the header
   * is not a definite-length SEQUENCE or runs past the buffer.
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

  private static CertificateFactory factory() throws CertificateException {
    return CertificateFactory.getInstance("X.509");
  }
}
