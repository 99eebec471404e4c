package dev.tpmdevid.verifier.x509;

import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads every {@code CERTIFICATE} block of a PEM text, like Go's {@code pem.Decode} loop that
 * SPIRE's bundle loader runs: other block types are skipped, a block whose base64 does not decode
 * is not a PEM block (skipped), and each certificate is parsed with {@link CertificateParser}.
 */
public final class PemCertificates {
  private static final String BEGIN = "-----BEGIN ";
  private static final String DASHES = "-----";

  private PemCertificates() {}

  /** Certificates in file order; an empty list when there is none. */
  public static List<X509Certificate> parse(byte[] pem) throws CertificateException {
    String text = new String(pem, StandardCharsets.ISO_8859_1);
    List<X509Certificate> out = new ArrayList<>();
    int pos = 0;
    while (true) {
      int begin = text.indexOf(BEGIN, pos);
      if (begin < 0) {
        return out;
      }
      int typeEnd = text.indexOf(DASHES, begin + BEGIN.length());
      if (typeEnd < 0) {
        return out;
      }
      String type = text.substring(begin + BEGIN.length(), typeEnd);
      String endMarker = "-----END " + type + DASHES;
      int bodyStart = typeEnd + DASHES.length();
      int end = text.indexOf(endMarker, bodyStart);
      if (end < 0 || type.indexOf('\n') >= 0) {
        pos = bodyStart;
        continue;
      }
      pos = end + endMarker.length();
      byte[] der = decodeBody(text.substring(bodyStart, end));
      if (der == null || !"CERTIFICATE".equals(type)) {
        continue;
      }
      out.add(CertificateParser.parse(der));
    }
  }

  /** Base64 body without RFC 1421 headers; null when it is not valid base64. */
  private static byte[] decodeBody(String body) {
    StringBuilder b64 = new StringBuilder(body.length());
    for (String line : body.split("\n", -1)) {
      String l = line.strip();
      if (l.indexOf(':') >= 0) {
        continue; // "Proc-Type: ..." style header
      }
      b64.append(l);
    }
    try {
      return Base64.getDecoder().decode(b64.toString());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
