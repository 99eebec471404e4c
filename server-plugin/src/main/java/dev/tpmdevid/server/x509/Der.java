package dev.tpmdevid.server.x509;

import java.util.Arrays;

/** Minimal DER walker over trusted-length buffers (input already accepted by the JDK parser). */
final class Der {
  private Der() {}

  /** Offset just past the header of the element at {@code off}; the contents length via {@link #length}. */
  static int headerEnd(byte[] b, int off) {
    int first = b[off + 1] & 0xFF;
    return first < 0x80 ? off + 2 : off + 2 + (first & 0x7F);
  }

  static int length(byte[] b, int off) {
    int first = b[off + 1] & 0xFF;
    if (first < 0x80) {
      return first;
    }
    int n = first & 0x7F;
    int len = 0;
    for (int i = 0; i < n; i++) {
      len = (len << 8) | (b[off + 2 + i] & 0xFF);
    }
    return len;
  }

  static int next(byte[] b, int off) {
    return headerEnd(b, off) + length(b, off);
  }

  /**
   * Raw issuer and subject Name elements (tag + length + contents) of a DER TBSCertificate, as Go
   * keeps them in {@code RawIssuer}/{@code RawSubject}.
   */
  static byte[][] issuerAndSubject(byte[] tbs) {
    int p = headerEnd(tbs, 0); // inside TBSCertificate SEQUENCE
    if ((tbs[p] & 0xFF) == 0xA0) {
      p = next(tbs, p); // [0] version
    }
    p = next(tbs, p); // serialNumber
    p = next(tbs, p); // signature AlgorithmIdentifier
    int issuerStart = p;
    p = next(tbs, p);
    byte[] issuer = Arrays.copyOfRange(tbs, issuerStart, p);
    p = next(tbs, p); // validity
    byte[] subject = Arrays.copyOfRange(tbs, p, next(tbs, p));
    return new byte[][] {issuer, subject};
  }
}
