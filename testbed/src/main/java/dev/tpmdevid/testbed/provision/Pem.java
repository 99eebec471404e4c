package dev.tpmdevid.testbed.provision;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;

/** PEM encoding of certificates (RFC 7468, 64-character lines), as SPIRE's PEM readers expect. */
public final class Pem {

  private Pem() {}

  /** The certificates as consecutive {@code CERTIFICATE} blocks, in the given order. */
  public static String encode(List<X509Certificate> certificates) {
    StringWriter out = new StringWriter();
    for (X509Certificate cert : certificates) {
      try {
        out.append(dev.tpmdevid.core.pem.Pem.encode("CERTIFICATE", cert.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalArgumentException(
            "cannot encode certificate " + cert.getSubjectX500Principal(), e);
      }
    }
    return out.toString();
  }

  /** Writes {@link #encode(List)} to {@code file}. */
  public static void write(Path file, List<X509Certificate> certificates) {
    try {
      Files.writeString(file, encode(certificates), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
