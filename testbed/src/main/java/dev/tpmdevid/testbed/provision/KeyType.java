package dev.tpmdevid.testbed.provision;

/** Key algorithm of a test CA or TPM key: RSA-2048 or ECC NIST P-256. */
public enum KeyType {
    RSA,
    ECC;

    /** JCA signature algorithm a CA of this type signs with (SHA-256, which Go's x509 accepts). */
    String signatureAlgorithm() {
        return this == RSA ? "SHA256withRSA" : "SHA256withECDSA";
    }
}
