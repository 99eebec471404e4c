package dev.tpmdevid.verifier.x509;

import dev.tpmdevid.core.pem.Pem;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Every {@code CERTIFICATE} block of a PEM text, read with the project's one PEM codec ({@link
 * Pem}: Go's {@code pem.Decode} loop, as SPIRE's bundle loader runs it: other block types and
 * blocks that are not valid PEM are skipped), each parsed with {@link CertificateParser}.
 */
public final class PemCertificates {
  private PemCertificates() {}

  /** Certificates in file order; an empty list when there is none. */
  public static List<X509Certificate> parse(byte[] pem) throws CertificateException {
    List<X509Certificate> out = new ArrayList<>();
    for (byte[] der : Pem.decode(pem, "CERTIFICATE")) {
      out.add(CertificateParser.parse(der));
    }
    return out;
  }
}
