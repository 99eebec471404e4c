package dev.tpmdevid.verifier.x509;

import java.nio.file.Path;

/** Lets tests in other packages find the vendored {@code testdata/realcerts}. */
public final class RealEkCertificatesTestAccess {
  private RealEkCertificatesTestAccess() {}

  public static Path realcerts() {
    return RealEkCertificatesTest.realcerts();
  }
}
