package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.labpki.KeyType;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;

/**
 * An in-memory test certificate authority (root or intermediate) that issues the certificates a
 * real fleet carries: intermediate CAs, TPM EK certificates (TCG EK Credential Profile) and LDevID
 * certificates (IEEE 802.1AR). Every certificate is acceptable to Go's {@code crypto/x509}:
 * positive random serial, SHA-256 signature, DER.
 *
 * <p>The key pair is exposed on purpose: negative tests issue forged or expired certificates with
 * it.
 */
public final class TestCa {

  /**
   * tcg-at-tpmManufacturer, tcg-at-tpmModel, tcg-at-tpmVersion (TCG EK Credential Profile §3.2.9).
   */
  public static final ASN1ObjectIdentifier TPM_MANUFACTURER =
      new ASN1ObjectIdentifier("2.23.133.2.1");

  public static final ASN1ObjectIdentifier TPM_MODEL = new ASN1ObjectIdentifier("2.23.133.2.2");
  public static final ASN1ObjectIdentifier TPM_VERSION = new ASN1ObjectIdentifier("2.23.133.2.3");

  /** tcg-kp-EKCertificate, the EK certificate extended key usage. */
  public static final KeyPurposeId EK_CERTIFICATE_EKU =
      KeyPurposeId.getInstance(new ASN1ObjectIdentifier("2.23.133.8.1"));

  private static final SecureRandom RANDOM = new SecureRandom();

  private final KeyType keyType;
  private final KeyPair keyPair;
  private final X509Certificate certificate;
  private final TestCa issuer;

  private TestCa(KeyType keyType, KeyPair keyPair, X509Certificate certificate, TestCa issuer) {
    this.keyType = keyType;
    this.keyPair = keyPair;
    this.certificate = certificate;
    this.issuer = issuer;
  }

  /** A CA made elsewhere (e.g. by openssl); {@code issuer} is {@code null} for a root. */
  static TestCa of(KeyType keyType, KeyPair keyPair, X509Certificate certificate, TestCa issuer) {
    return new TestCa(keyType, keyPair, certificate, issuer);
  }

  /**
   * A self-signed root CA: BC critical CA:TRUE, KU critical keyCertSign|cRLSign, subject key
   * identifier.
   */
  public static TestCa root(String commonName, KeyType keyType, Validity validity) {
    KeyPair kp = generateKeyPair(keyType);
    X500Name name = cn(commonName);
    X509Certificate cert =
        build(
            name,
            name,
            kp.getPublic(),
            kp,
            keyType,
            null,
            validity,
            builder -> {
              builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
              builder.addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            });
    return new TestCa(keyType, kp, cert, null);
  }

  /** An intermediate CA issued by this CA (BC critical CA:TRUE, pathLen 0). */
  public TestCa intermediate(String commonName, KeyType intermediateKeyType, Validity validity) {
    KeyPair kp = generateKeyPair(intermediateKeyType);
    X509Certificate cert =
        issue(
            cn(commonName),
            kp.getPublic(),
            validity,
            builder -> {
              builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
              builder.addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
              builder.addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensionUtils().createSubjectKeyIdentifier(kp.getPublic()));
            });
    return new TestCa(intermediateKeyType, kp, cert, this);
  }

  /**
   * An EK certificate as TPM manufacturers issue them: empty subject, <b>critical</b>
   * subjectAltName with a directoryName holding tpmManufacturer/tpmModel/tpmVersion, EKU
   * tcg-kp-EKCertificate, KU keyEncipherment (RSA EK) or keyAgreement (ECC EK), BC critical
   * CA:FALSE.
   */
  public X509Certificate issueEkCertificate(
      PublicKey ekPublicKey, TpmIdentity tpm, Validity validity) {
    Objects.requireNonNull(tpm, "tpm");
    X500Name tpmName =
        new X500NameBuilder()
            .addRDN(TPM_MANUFACTURER, new DERUTF8String(tpm.manufacturer()))
            .addRDN(TPM_MODEL, new DERUTF8String(tpm.model()))
            .addRDN(TPM_VERSION, new DERUTF8String(tpm.version()))
            .build();
    int keyUsage =
        ekPublicKey.getAlgorithm().equals("RSA") ? KeyUsage.keyEncipherment : KeyUsage.keyAgreement;
    return issue(
        new X500Name(new RDN[0]),
        ekPublicKey,
        validity,
        builder -> {
          builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
          builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
          builder.addExtension(
              Extension.extendedKeyUsage, false, new ExtendedKeyUsage(EK_CERTIFICATE_EKU));
          builder.addExtension(
              Extension.subjectAlternativeName,
              true,
              new GeneralNames(new GeneralName(GeneralName.directoryName, tpmName)));
        });
  }

  /**
   * An LDevID certificate: subject CN, BC critical CA:FALSE, KU critical digitalSignature, key
   * identifiers.
   */
  public X509Certificate issueDevIdCertificate(
      PublicKey devIdPublicKey, String commonName, Validity validity) {
    return issue(
        cn(commonName),
        devIdPublicKey,
        validity,
        builder -> {
          builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
          builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
          builder.addExtension(
              Extension.subjectKeyIdentifier,
              false,
              extensionUtils().createSubjectKeyIdentifier(devIdPublicKey));
        });
  }

  /**
   * A certificate with the given subject and extensions, signed by this CA (authority key
   * identifier added). For negative tests that need an unusual certificate.
   */
  public X509Certificate issue(
      X500Name subject, PublicKey subjectKey, Validity validity, Extensions extensions) {
    return build(
        X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
        subject,
        subjectKey,
        keyPair,
        keyType,
        certificate,
        validity,
        extensions);
  }

  /** Adds extensions to a certificate being built. */
  @FunctionalInterface
  public interface Extensions {
    void addTo(X509v3CertificateBuilder builder) throws CertIOException, GeneralSecurityException;
  }

  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * A v2 CRL of this CA (DER), signed with its key: {@code revoked} serials listed with reason
   * keyCompromise, a CRL number, {@code thisUpdate} and {@code nextUpdate} as given.
   */
  public byte[] crl(Instant thisUpdate, Instant nextUpdate, Collection<BigInteger> revoked) {
    return crl(certificate, keyPair.getPrivate(), thisUpdate, nextUpdate, revoked);
  }

  /** A v2 CRL issued by {@code issuer} and signed with {@code issuerKey} (see {@link #crl}). */
  public static byte[] crl(
      X509Certificate issuer,
      PrivateKey issuerKey,
      Instant thisUpdate,
      Instant nextUpdate,
      Collection<BigInteger> revoked) {
    return dev.tpmdevid.labpki.TestPki.crl(
        issuer, issuerKey, thisUpdate, nextUpdate, false, revoked.toArray(BigInteger[]::new));
  }

  public KeyPair keyPair() {
    return keyPair;
  }

  public KeyType keyType() {
    return keyType;
  }

  /** The CA that issued this one, or {@code null} for a root. */
  public TestCa issuer() {
    return issuer;
  }

  /** The top of this CA's chain (this CA if it is a root). */
  public TestCa root() {
    TestCa ca = this;
    while (ca.issuer != null) {
      ca = ca.issuer;
    }
    return ca;
  }

  /** This CA's certificate followed by its issuers' up to and including the root. */
  public List<X509Certificate> chain() {
    List<X509Certificate> chain = new ArrayList<>();
    for (TestCa ca = this; ca != null; ca = ca.issuer) {
      chain.add(ca.certificate);
    }
    return Collections.unmodifiableList(chain);
  }

  static KeyPair generateKeyPair(KeyType keyType) {
    try {
      return keyType.generateKeyPair();
    } catch (IllegalStateException e) {
      throw new IllegalStateException("cannot generate a " + keyType + " key pair", e.getCause());
    }
  }

  private static X500Name cn(String commonName) {
    return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
  }

  private static JcaX509ExtensionUtils extensionUtils() throws GeneralSecurityException {
    return new JcaX509ExtensionUtils();
  }

  private static X509Certificate build(
      X500Name issuerName,
      X500Name subject,
      PublicKey subjectKey,
      KeyPair signer,
      KeyType signerType,
      X509Certificate issuerCert,
      Validity validity,
      Extensions extensions) {
    Objects.requireNonNull(subjectKey, "subjectKey");
    Objects.requireNonNull(validity, "validity");
    // positive, non-zero, at most 20 octets (RFC 5280 §4.1.2.2)
    BigInteger serial = new BigInteger(127, RANDOM).setBit(126);
    dev.tpmdevid.labpki.TestPki.CertSpec spec =
        dev.tpmdevid.labpki.TestPki.cert(null)
            .subject(subject)
            .serial(serial)
            .validity(validity.notBefore(), validity.notAfter())
            .sigAlg(signerType.signatureAlgorithm());
    if (issuerCert != null) {
      spec.issuedBy(new dev.tpmdevid.labpki.TestPki.Ca(issuerCert, signer.getPrivate()))
          .key(subjectKey)
          .customize(
              builder ->
                  builder.addExtension(
                      Extension.authorityKeyIdentifier,
                      false,
                      extensionUtils().createAuthorityKeyIdentifier(issuerCert)));
    } else {
      spec.selfSigned(signer)
          .customize(
              builder ->
                  builder.addExtension(
                      Extension.subjectKeyIdentifier,
                      false,
                      extensionUtils().createSubjectKeyIdentifier(subjectKey)));
    }
    try {
      return spec.customize(extensions::addTo).build();
    } catch (IllegalStateException e) {
      throw new IllegalStateException("cannot issue certificate for " + subject, e.getCause());
    }
  }
}
