package dev.tpmdevid.server.x509;

import java.util.Map;

/**
 * Certificate signature algorithms as Go's {@code CheckSignatureFrom} treats them (docs/protocol.md#go-x509):
 * RSA PKCS#1 v1.5 and ECDSA with SHA-256/384/512, RSASSA-PSS and Ed25519 are verified; SHA-1 and
 * MD5 based algorithms are insecure; anything else is unsupported.
 */
final class SignatureAlgorithms {
  private static final Map<String, String> KNOWN =
      Map.ofEntries(
          Map.entry("1.2.840.113549.1.1.11", ""), // sha256WithRSAEncryption
          Map.entry("1.2.840.113549.1.1.12", ""), // sha384WithRSAEncryption
          Map.entry("1.2.840.113549.1.1.13", ""), // sha512WithRSAEncryption
          Map.entry("1.2.840.113549.1.1.10", ""), // RSASSA-PSS
          Map.entry("1.2.840.10045.4.3.2", ""), // ecdsa-with-SHA256
          Map.entry("1.2.840.10045.4.3.3", ""), // ecdsa-with-SHA384
          Map.entry("1.2.840.10045.4.3.4", ""), // ecdsa-with-SHA512
          Map.entry("1.3.101.112", ""), // Ed25519
          Map.entry("1.2.840.113549.1.1.5", "insecure algorithm SHA1-RSA"),
          Map.entry("1.3.14.3.2.29", "insecure algorithm SHA1-RSA"),
          Map.entry("1.2.840.10045.4.1", "insecure algorithm ECDSA-SHA1"),
          Map.entry("1.2.840.10040.4.3", "insecure algorithm DSA-SHA1"),
          Map.entry("1.2.840.113549.1.1.4", "insecure algorithm MD5-RSA"),
          Map.entry("1.2.840.113549.1.1.2", "insecure algorithm MD2-RSA"));

  private SignatureAlgorithms() {}

  /** Null when Go verifies signatures of this algorithm, otherwise the reason it refuses. */
  static String goRefusal(String sigAlgOid) {
    String r = KNOWN.get(sigAlgOid);
    if (r == null) {
      return "cannot verify signature: algorithm unimplemented";
    }
    return r.isEmpty() ? null : "cannot verify signature: " + r;
  }
}
