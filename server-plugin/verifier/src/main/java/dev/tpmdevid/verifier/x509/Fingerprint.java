package dev.tpmdevid.verifier.x509;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/**
 * Certificate fingerprint as SPIRE prints it: lowercase hex SHA-1 over the full DER
 * (docs/protocol.md#spiffe-id).
 */
public final class Fingerprint {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Fingerprint() {}

  /** Lowercase hex SHA-1 of {@code der} (40 characters). */
  public static String sha1Hex(byte[] der) {
    try {
      return hex(MessageDigest.getInstance("SHA-1").digest(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 unavailable", e);
    }
  }

  /** Lowercase hex SHA-1 of the certificate's DER encoding. */
  public static String sha1Hex(X509Certificate cert) {
    try {
      return sha1Hex(cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("certificate cannot be encoded", e);
    }
  }

  static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX[bytes[i] & 0xF];
    }
    return new String(out);
  }
}
