package dev.tpmdevid.verifier.x509;

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
  private final String issuerCommonName;
  private final String subjectCommonName;
  private final GoNames.Sans sans;
  private final GoNames.Constraints constraints;
  private final GoPolicies policies;
  private String fingerprint;

  private Cert(CertificateParser.Parsed parsed, byte[] der) throws CertificateException {
    this.x509 = parsed.x509();
    this.der = der;
    this.issuerCommonName = parsed.issuerCommonName();
    this.subjectCommonName = parsed.subjectCommonName();
    this.sans = parsed.sans();
    this.constraints = parsed.constraints();
    this.policies = parsed.policies();
    // the raw Names of the strict DER walk (the same bytes as in the TBSCertificate; not walked
    // again)
    this.rawIssuer = parsed.rawIssuer();
    this.rawSubject = parsed.rawSubject();
  }

  /** Strict Go-style parse of untrusted DER (see {@link CertificateParser}). */
  public static Cert parse(byte[] der) throws CertificateException {
    byte[] copy = der.clone();
    return new Cert(CertificateParser.parseGo(copy), copy);
  }

  /**
   * Wraps an already parsed certificate (trusted configuration input), parsed again as strictly as
   * untrusted input: Go parses its trust bundles with the same parser.
   */
  public static Cert of(X509Certificate c) throws CertificateException {
    byte[] encoded;
    try {
      encoded = c.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new CertificateException("x509: malformed certificate");
    }
    return new Cert(CertificateParser.parseGo(encoded), encoded);
  }

  /** The value of the last subject commonName attribute as Go decodes it; "" when none. */
  public String subjectCommonName() {
    return subjectCommonName;
  }

  /** The value of the last issuer commonName attribute as Go decodes it; "" when none. */
  public String issuerCommonName() {
    return issuerCommonName;
  }

  /**
   * The last commonName of a DER Name as Go's parser decodes it ("" when none); throws with Go's
   * message when Go's {@code parseName} refuses the Name.
   */
  public static String commonNameOf(byte[] nameDer) throws CertificateException {
    return GoNames.parseName(nameDer);
  }

  /**
   * The basicConstraints path length as {@link X509Certificate#getBasicConstraints}: -1 without the
   * extension or with CA=false, {@link Integer#MAX_VALUE} for a CA without a limit. Asked only when
   * the extension is present (the JDK getter builds exceptions for an absent one).
   */
  public int basicConstraints() {
    return CertificateParser.hasExtension(x509, "2.5.29.19") ? x509.getBasicConstraints() : -1;
  }

  /** The certificate-policy extensions as Go reads them. */
  GoPolicies policies() {
    return policies;
  }

  GoNames.Sans sans() {
    return sans;
  }

  /** The DNS/email/IP/URI name constraints, or null without a nameConstraints extension. */
  GoNames.Constraints constraints() {
    return constraints;
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
