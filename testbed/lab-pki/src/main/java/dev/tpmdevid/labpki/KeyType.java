package dev.tpmdevid.labpki;

/** Key algorithm of a test CA or key: RSA-2048 or ECC NIST P-256. */
public enum KeyType {
  RSA,
  ECC;

  /** JCA signature algorithm a CA of this type signs with (SHA-256, which Go's x509 accepts). */
  public String signatureAlgorithm() {
    return this == RSA ? "SHA256withRSA" : "SHA256withECDSA";
  }

  /** A fresh key pair of this type (RSA-2048 or P-256). */
  public java.security.KeyPair generateKeyPair() {
    return this == RSA ? TestPki.newRsa(2048) : TestPki.p256();
  }
}
