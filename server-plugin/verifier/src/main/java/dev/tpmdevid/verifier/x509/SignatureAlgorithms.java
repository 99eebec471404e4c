package dev.tpmdevid.verifier.x509;

import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Map;

/**
 * Certificate signature algorithms as Go's {@code CheckSignatureFrom} treats them
 * (docs/protocol.md#go-x509): RSA PKCS#1 v1.5 and ECDSA with SHA-256/384/512, RSASSA-PSS and
 * Ed25519 are verified; SHA-1 and MD5 based algorithms are insecure; anything else is unsupported.
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

  private static final String RSA_PSS = "1.2.840.113549.1.1.10";
  private static final String ED25519 = "1.3.101.112";
  private static final byte[] HASH_OID_PREFIX = {
    0x60, (byte) 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02
  };
  private static final byte[] MGF1_OID = {
    0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x08
  };

  /**
   * Null when Go verifies this certificate's signature algorithm, otherwise the reason it refuses.
   * RSASSA-PSS counts only with Go's three parameter sets (SHA-256/384/512, MGF1 over the same
   * hash, salt length = hash length, trailer field 1); Ed25519 only without parameters; anything
   * else is Go's {@code UnknownSignatureAlgorithm}.
   */
  static String goRefusal(X509Certificate cert) {
    String oid = cert.getSigAlgOID();
    byte[] params = cert.getSigAlgParams();
    if (RSA_PSS.equals(oid) && !goPssParameters(params)) {
      return UNIMPLEMENTED;
    }
    if (ED25519.equals(oid) && params != null && params.length != 0) {
      return UNIMPLEMENTED;
    }
    return goRefusal(oid);
  }

  private static final String UNIMPLEMENTED = "cannot verify signature: algorithm unimplemented";

  /** Go's {@code getSignatureAlgorithmFromAI} for RSASSA-PSS: one of its three buckets. */
  static boolean goPssParameters(byte[] p) {
    if (p == null) {
      return false;
    }
    try {
      Der.Element seq = Der.read(p, 0, p.length, Der.SEQUENCE);
      Der.Element hashTag = Der.read(p, seq.contentStart(), seq.end(), 0xA0);
      byte[] hash =
          hashAlgorithm(p, Der.read(p, hashTag.contentStart(), hashTag.end(), Der.SEQUENCE));
      Der.Element mgfTag = Der.read(p, hashTag.end(), seq.end(), 0xA1);
      Der.Element mgf = Der.read(p, mgfTag.contentStart(), mgfTag.end(), Der.SEQUENCE);
      Der.Element mgfOid = Der.read(p, mgf.contentStart(), mgf.end(), Der.OID);
      if (!Arrays.equals(mgfOid.content(p), MGF1_OID) || mgfOid.end() == mgf.end()) {
        return false;
      }
      byte[] mgfHash = hashAlgorithm(p, Der.read(p, mgfOid.end(), mgf.end(), Der.SEQUENCE));
      Der.Element saltTag = Der.read(p, mgfTag.end(), seq.end(), 0xA2);
      Der.Element salt = Der.read(p, saltTag.contentStart(), saltTag.end(), Der.INTEGER);
      if (saltTag.end() < seq.end()) {
        Der.Element trailerTag = Der.read(p, saltTag.end(), seq.end(), 0xA3);
        Der.Element trailer = Der.read(p, trailerTag.contentStart(), trailerTag.end(), Der.INTEGER);
        if (trailer.contentLength() != 1 || p[trailer.contentStart()] != 1) {
          return false;
        }
      }
      if (!Arrays.equals(hash, mgfHash)
          || salt.contentLength() != 1
          || hash.length != HASH_OID_PREFIX.length + 1
          || !Arrays.equals(Arrays.copyOf(hash, HASH_OID_PREFIX.length), HASH_OID_PREFIX)) {
        return false;
      }
      int saltLength = p[salt.contentStart()];
      switch (hash[HASH_OID_PREFIX.length]) {
        case 1:
          return saltLength == 32; // SHA-256
        case 2:
          return saltLength == 48; // SHA-384
        case 3:
          return saltLength == 64; // SHA-512
        default:
          return false;
      }
    } catch (Der.DerException | RuntimeException e) {
      return false;
    }
  }

  /** OID content of an AlgorithmIdentifier whose parameters are absent or NULL. */
  private static byte[] hashAlgorithm(byte[] p, Der.Element ai) throws Der.DerException {
    Der.Element oid = Der.read(p, ai.contentStart(), ai.end(), Der.OID);
    if (oid.end() != ai.end()) {
      Der.Element params = Der.read(p, oid.end(), ai.end(), Der.NULL);
      if (params.contentLength() != 0 || params.end() != ai.end()) {
        throw new Der.DerException();
      }
    }
    return oid.content(p);
  }

  /** Null when Go verifies signatures of this algorithm, otherwise the reason it refuses. */
  static String goRefusal(String sigAlgOid) {
    String r = KNOWN.get(sigAlgOid);
    if (r == null) {
      return "cannot verify signature: algorithm unimplemented";
    }
    return r.isEmpty() ? null : "cannot verify signature: " + r;
  }
}
