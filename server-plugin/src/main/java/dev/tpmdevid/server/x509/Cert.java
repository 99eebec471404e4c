package dev.tpmdevid.server.x509;

import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * A parsed certificate with the raw pieces Go's verifier works with: the DER, the raw issuer and
 * subject Name encodings (byte-equal chaining, docs/protocol.md#go-x509) and the SHA-1 fingerprint.
 */
public final class Cert {
  private final X509Certificate x509;
  private final byte[] der;
  private final byte[] rawIssuer;
  private final byte[] rawSubject;
  private String fingerprint;

  private Cert(X509Certificate x509, byte[] der) throws CertificateException {
    this.x509 = x509;
    this.der = der;
    byte[][] names;
    try {
      names = Der.issuerAndSubject(x509.getTBSCertificate());
    } catch (RuntimeException e) {
      throw new CertificateException("x509: malformed certificate");
    }
    this.rawIssuer = names[0];
    this.rawSubject = names[1];
  }

  /** Strict Go-style parse of untrusted DER (see {@link CertificateParser}). */
  public static Cert parse(byte[] der) throws CertificateException {
    X509Certificate c = CertificateParser.parse(der);
    return new Cert(c, der.clone());
  }

  /** Wraps an already parsed certificate (trusted configuration input). */
  public static Cert of(X509Certificate c) throws CertificateException {
    try {
      return new Cert(c, c.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new CertificateException("x509: malformed certificate");
    }
  }

  public X509Certificate x509() {
    return x509;
  }

  /** The DER encoding; callers must not modify it. */
  byte[] derUnsafe() {
    return der;
  }

  public byte[] der() {
    return der.clone();
  }

  byte[] rawIssuer() {
    return rawIssuer;
  }

  byte[] rawSubject() {
    return rawSubject;
  }

  /** Lowercase hex SHA-1 over the DER (computed once). */
  public String fingerprint() {
    String f = fingerprint;
    if (f == null) {
      f = Fingerprint.sha1Hex(der);
      fingerprint = f;
    }
    return f;
  }
}
