package dev.tpmdevid.labpki;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test PKI: issues X.509 certificates with Bouncy Castle for DevID and EK chains, including the odd
 * ones the attack tests need (SHA-1 signatures, critical unknown extensions, missing CA flag,
 * expired anchors, TCG EK SAN). Keys are cached per kind to keep tests fast.
 */
public final class TestPki {
  private static final SecureRandom RNG = new SecureRandom();
  private static final AtomicLong SERIAL = new AtomicLong(1000);
  private static final List<KeyPair> RSA_POOL = new ArrayList<>();
  private static int rsaNext;

  /** OID of an extension nobody handles, for "unknown critical extension" tests. */
  public static final ASN1ObjectIdentifier UNKNOWN_EXT =
      new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1");

  /** TCG tpmManufacturer / tpmModel / tpmVersion attribute types (EK SAN directoryName). */
  public static final ASN1ObjectIdentifier TPM_MANUFACTURER =
      new ASN1ObjectIdentifier("2.23.133.2.1");

  public static final ASN1ObjectIdentifier TPM_MODEL = new ASN1ObjectIdentifier("2.23.133.2.2");
  public static final ASN1ObjectIdentifier TPM_VERSION = new ASN1ObjectIdentifier("2.23.133.2.3");

  private TestPki() {}

  /** An RSA-2048 key pair; a small pool is reused across tests (generation is slow). */
  public static synchronized KeyPair rsa() {
    if (RSA_POOL.size() < 8) {
      RSA_POOL.add(newRsa(2048));
      return RSA_POOL.get(RSA_POOL.size() - 1);
    }
    return RSA_POOL.get(rsaNext++ % RSA_POOL.size());
  }

  public static KeyPair newRsa(int bits) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(bits, RNG);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static KeyPair ec(String curve) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(curve), RNG);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public static KeyPair p256() {
    return ec("secp256r1");
  }

  /** A certificate authority: its certificate and private key. */
  public record Ca(X509Certificate cert, PrivateKey key) {}

  public static CertSpec cert(String cn) {
    return new CertSpec(cn);
  }

  /** A step on the Bouncy Castle certificate builder (e.g. extensions computed from keys). */
  @FunctionalInterface
  public interface Customizer {
    void apply(X509v3CertificateBuilder builder) throws Exception;
  }

  /** Fluent description of one certificate. */
  public static final class CertSpec {
    private X500Name subject;
    private Ca issuer;
    private PublicKey publicKey;
    private PrivateKey selfSignKey;
    private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
    private Instant notAfter = Instant.now().plus(Duration.ofDays(365));
    private Boolean ca;
    private Integer pathLen;
    private Integer keyUsage = null;
    private String sigAlg;
    private BigInteger serial = BigInteger.valueOf(SERIAL.incrementAndGet());
    private boolean tcgSan;
    private boolean unknownCritical;
    private boolean basicConstraints = true;
    private java.security.spec.AlgorithmParameterSpec sigParams;
    private final List<Object[]> extensions = new ArrayList<>();
    private final List<Customizer> customizers = new ArrayList<>();

    CertSpec(String cn) {
      this.subject =
          cn == null || cn.isEmpty()
              ? new X500Name(new org.bouncycastle.asn1.x500.RDN[0])
              : new X500NameBuilder()
                  .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, cn)
                  .build();
    }

    public CertSpec issuedBy(Ca issuer) {
      this.issuer = issuer;
      return this;
    }

    public CertSpec key(PublicKey k) {
      this.publicKey = k;
      return this;
    }

    public CertSpec selfSigned(KeyPair kp) {
      this.publicKey = kp.getPublic();
      this.selfSignKey = kp.getPrivate();
      return this;
    }

    public CertSpec ca(Integer pathLen) {
      this.ca = true;
      this.pathLen = pathLen;
      return this;
    }

    public CertSpec notCa() {
      this.ca = false;
      return this;
    }

    public CertSpec noBasicConstraints() {
      this.basicConstraints = false;
      return this;
    }

    public CertSpec validity(Instant nb, Instant na) {
      this.notBefore = nb;
      this.notAfter = na;
      return this;
    }

    public CertSpec keyUsage(int ku) {
      this.keyUsage = ku;
      return this;
    }

    public CertSpec sigAlg(String alg) {
      this.sigAlg = alg;
      return this;
    }

    public CertSpec serial(BigInteger s) {
      this.serial = s;
      return this;
    }

    public CertSpec tcgEkSan() {
      this.tcgSan = true;
      return this;
    }

    public CertSpec unknownCriticalExtension() {
      this.unknownCritical = true;
      return this;
    }

    /** Any subject Name, including forged attribute values (e.g. invalid UTF-8 bytes). */
    public CertSpec subject(X500Name name) {
      this.subject = name;
      return this;
    }

    /** An extra extension (subjectAltName, nameConstraints, ...). */
    public CertSpec extension(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
      extensions.add(new Object[] {oid, critical, value});
      return this;
    }

    /**
     * Anything else done to the Bouncy Castle builder, after the extensions above, in call order.
     */
    public CertSpec customize(Customizer c) {
      customizers.add(c);
      return this;
    }

    /** Signed with RSASSA-PSS and exactly these parameters. */
    public CertSpec pss(java.security.spec.PSSParameterSpec params) {
      this.sigAlg = "RSASSA-PSS";
      this.sigParams = params;
      return this;
    }

    public X509Certificate build() {
      try {
        PrivateKey signer = issuer != null ? issuer.key() : selfSignKey;
        X500Name issuerName =
            issuer != null
                ? X500Name.getInstance(issuer.cert().getSubjectX500Principal().getEncoded())
                : subject;
        X509v3CertificateBuilder b =
            new JcaX509v3CertificateBuilder(
                issuerName, serial, Date.from(notBefore), Date.from(notAfter), subject, publicKey);
        if (basicConstraints && ca != null) {
          b.addExtension(
              Extension.basicConstraints,
              true,
              ca
                  ? (pathLen == null ? new BasicConstraints(true) : new BasicConstraints(pathLen))
                  : new BasicConstraints(false));
        }
        if (keyUsage != null) {
          b.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
        }
        if (tcgSan) {
          X500Name dir =
              new X500NameBuilder()
                  .addRDN(TPM_MANUFACTURER, new DERUTF8String("id:53574D20"))
                  .addRDN(TPM_MODEL, new DERUTF8String("swtpm"))
                  .addRDN(TPM_VERSION, new DERUTF8String("id:20170619"))
                  .build();
          b.addExtension(
              Extension.subjectAlternativeName,
              true,
              new GeneralNames(new GeneralName(GeneralName.directoryName, dir)));
        }
        if (unknownCritical) {
          b.addExtension(UNKNOWN_EXT, true, (ASN1Encodable) new DERUTF8String("x"));
        }
        for (Object[] e : extensions) {
          b.addExtension((ASN1ObjectIdentifier) e[0], (Boolean) e[1], (ASN1Encodable) e[2]);
        }
        for (Customizer c : customizers) {
          c.apply(b);
        }
        String alg =
            sigAlg != null
                ? sigAlg
                : signer.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        org.bouncycastle.operator.ContentSigner cs =
            sigParams == null
                ? new JcaContentSignerBuilder(alg).build(signer)
                : pssSigner(signer, (java.security.spec.PSSParameterSpec) sigParams);
        org.bouncycastle.cert.X509CertificateHolder holder = b.build(cs);
        try {
          return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (java.security.cert.CertificateException jdkRefuses) {
          // forged structures the JDK will not parse (the verifier must still see them)
          return new JcaX509CertificateConverter()
              .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
              .getCertificate(holder);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A self-signed root CA with a fresh (hence unique) ECDSA P-256 key. */
  public static Ca rootCa(String cn) {
    return rootCa(cn, p256());
  }

  /** A self-signed root CA with the given key (e.g. RSA, for an all-RSA benchmark). */
  public static Ca rootCa(String cn, KeyPair kp) {
    return new Ca(
        cert(cn).selfSigned(kp).ca(null).keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign).build(),
        kp.getPrivate());
  }

  /**
   * An RSASSA-PSS signer with any parameter set (Bouncy Castle's builder only makes MGF1 over the
   * message hash): JDK signature, parameters encoded as RFC 4055 RSASSA-PSS-params.
   */
  static org.bouncycastle.operator.ContentSigner pssSigner(
      PrivateKey key, java.security.spec.PSSParameterSpec spec) throws Exception {
    java.security.Signature sig = java.security.Signature.getInstance("RSASSA-PSS");
    sig.setParameter(spec);
    sig.initSign(key);
    var digests = new org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder();
    var hash = digests.find(spec.getDigestAlgorithm());
    var mgfHash =
        digests.find(
            ((java.security.spec.MGF1ParameterSpec) spec.getMGFParameters()).getDigestAlgorithm());
    var params =
        new org.bouncycastle.asn1.pkcs.RSASSAPSSparams(
            hash,
            new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_mgf1, mgfHash),
            new org.bouncycastle.asn1.ASN1Integer(spec.getSaltLength()),
            new org.bouncycastle.asn1.ASN1Integer(spec.getTrailerField()));
    var algId =
        new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
            org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.id_RSASSA_PSS, params);
    java.io.ByteArrayOutputStream tbs = new java.io.ByteArrayOutputStream();
    return new org.bouncycastle.operator.ContentSigner() {
      @Override
      public org.bouncycastle.asn1.x509.AlgorithmIdentifier getAlgorithmIdentifier() {
        return algId;
      }

      @Override
      public java.io.OutputStream getOutputStream() {
        return tbs;
      }

      @Override
      public byte[] getSignature() {
        try {
          sig.update(tbs.toByteArray());
          return sig.sign();
        } catch (java.security.SignatureException e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  /** A self-signed root CA with an RSA-2048 key (RSA signatures carry a NULL parameter). */
  public static Ca rsaRootCa(String cn) {
    KeyPair kp = rsa();
    return new Ca(
        cert(cn).selfSigned(kp).ca(null).keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign).build(),
        kp.getPrivate());
  }

  /** An intermediate CA issued by {@code parent}, with a fresh ECDSA P-256 key. */
  public static Ca intermediateCa(String cn, Ca parent) {
    return intermediateCa(cn, parent, p256());
  }

  /** An intermediate CA issued by {@code parent} with the given key. */
  public static Ca intermediateCa(String cn, Ca parent, KeyPair kp) {
    return new Ca(
        cert(cn)
            .issuedBy(parent)
            .key(kp.getPublic())
            .ca(null)
            .keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
            .build(),
        kp.getPrivate());
  }

  /**
   * A CRL of {@code issuer} (v2, SHA-256 signature with {@code signer}, which is normally the
   * issuer's key; another key forges one), listing {@code revoked} serials as keyCompromise.
   */
  public static byte[] crl(
      Ca issuer, PrivateKey signer, Instant thisUpdate, Instant nextUpdate, BigInteger... revoked) {
    return crl(issuer, signer, thisUpdate, nextUpdate, false, revoked);
  }

  /** As above; {@code deltaIndicator} adds a critical deltaCRLIndicator (unsupported scope). */
  public static byte[] crl(
      Ca issuer,
      PrivateKey signer,
      Instant thisUpdate,
      Instant nextUpdate,
      boolean deltaIndicator,
      BigInteger... revoked) {
    return crl(issuer.cert(), signer, thisUpdate, nextUpdate, deltaIndicator, revoked);
  }

  /**
   * The one CRL builder of the test and lab PKIs: a v2 CRL of {@code issuer} with a CRL number and
   * the issuer's authority key identifier, signed (SHA-256) by {@code signer}, listing {@code
   * revoked} serials as keyCompromise; {@code nextUpdate} may be null.
   */
  public static byte[] crl(
      X509Certificate issuer,
      PrivateKey signer,
      Instant thisUpdate,
      Instant nextUpdate,
      boolean deltaIndicator,
      BigInteger... revoked) {
    try {
      org.bouncycastle.cert.X509v2CRLBuilder b =
          new org.bouncycastle.cert.X509v2CRLBuilder(
              X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
              Date.from(thisUpdate));
      if (nextUpdate != null) {
        b.setNextUpdate(Date.from(nextUpdate));
      }
      for (BigInteger serial : revoked) {
        b.addCRLEntry(
            serial, Date.from(thisUpdate), org.bouncycastle.asn1.x509.CRLReason.keyCompromise);
      }
      b.addExtension(
          Extension.cRLNumber,
          false,
          new org.bouncycastle.asn1.ASN1Integer(SERIAL.incrementAndGet()));
      b.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          new org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils()
              .createAuthorityKeyIdentifier(issuer.getPublicKey()));
      if (deltaIndicator) {
        b.addExtension(Extension.deltaCRLIndicator, true, new org.bouncycastle.asn1.ASN1Integer(1));
      }
      String alg = signer.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
      return b.build(new JcaContentSignerBuilder(alg).build(signer)).getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot issue a CRL for " + issuer.getSubjectX500Principal(), e);
    }
  }

  /** PEM text of DER CRLs. */
  public static String crlPem(byte[]... ders) {
    StringBuilder sb = new StringBuilder();
    for (byte[] der : ders) {
      sb.append(pemBlock("X509 CRL", der));
    }
    return sb.toString();
  }

  /** PEM text of certificates. */
  public static String pem(X509Certificate... certs) {
    StringBuilder sb = new StringBuilder();
    for (X509Certificate c : certs) {
      try {
        sb.append(pemBlock("CERTIFICATE", c.getEncoded()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return sb.toString();
  }

  /** One RFC 7468 block: tpm-core's PEM codec, the one copy. */
  private static String pemBlock(String type, byte[] der) {
    return dev.tpmdevid.core.pem.Pem.encode(type, der);
  }
}
