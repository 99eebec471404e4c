package dev.tpmdevid.verifier.x509;

import java.util.Arrays;

/**
 * DER as Go's {@code cryptobyte} reads it: a strict reader of one element (definite, minimal
 * lengths; minimal tags) and {@link #requireDer}, which walks every constructed element of a
 * certificate and refuses any encoding that is BER but not DER (constructed strings, non-minimal
 * INTEGER/OID, BOOLEAN other than 00/FF, BIT STRING with unused bits set, NULL with content).
 */
final class Der {
  static final int BOOLEAN = 0x01;
  static final int INTEGER = 0x02;
  static final int BIT_STRING = 0x03;
  static final int OCTET_STRING = 0x04;
  static final int NULL = 0x05;
  static final int OID = 0x06;
  static final int ENUMERATED = 0x0A;
  static final int SEQUENCE = 0x30;
  static final int SET = 0x31;
  private static final int MAX_DEPTH = 32;

  private Der() {}

  /** Not DER (or truncated). */
  static final class DerException extends Exception {
    private static final long serialVersionUID = 1L;

    DerException() {
      super(null, null, false, false);
    }
  }

  /** One element: its tag (with class and constructed bits; high-tag form folded), offsets. */
  record Element(int tag, int start, int contentStart, int end) {
    int contentLength() {
      return end - contentStart;
    }

    byte[] bytes(byte[] b) {
      return Arrays.copyOfRange(b, start, end);
    }

    byte[] content(byte[] b) {
      return Arrays.copyOfRange(b, contentStart, end);
    }

    boolean constructed() {
      return (tag & 0x20) != 0;
    }
  }

  /**
   * The element at {@code off} that must end at or before {@code limit}; throws when the header is
   * not DER (indefinite or non-minimal length, non-minimal high tag number) or runs past the limit.
   */
  static Element read(byte[] b, int off, int limit) throws DerException {
    if (off + 2 > limit) {
      throw new DerException();
    }
    int p = off;
    int tag = b[p++] & 0xFF;
    if ((tag & 0x1F) == 0x1F) { // high tag number form, base 128, minimal, >= 31
      long n = 0;
      int digits = 0;
      while (true) {
        if (p >= limit) {
          throw new DerException();
        }
        int d = b[p++] & 0xFF;
        if (digits == 0 && d == 0x80) {
          throw new DerException();
        }
        n = (n << 7) | (d & 0x7F);
        if (++digits > 4) {
          throw new DerException();
        }
        if ((d & 0x80) == 0) {
          break;
        }
      }
      if (n < 0x1F) {
        throw new DerException();
      }
      tag = (tag & 0xE0) | 0x1F | (int) (n << 8); // distinct from low-form tags
    }
    if (p >= limit) {
      throw new DerException();
    }
    int first = b[p++] & 0xFF;
    long len;
    if (first < 0x80) {
      len = first;
    } else {
      int n = first & 0x7F;
      if (n == 0 || n > 4 || p + n > limit) {
        throw new DerException(); // indefinite (BER) or absurd
      }
      if ((b[p] & 0xFF) == 0) {
        throw new DerException(); // leading zero: non-minimal
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (b[p + i] & 0xFF);
      }
      p += n;
      if (len < 0x80) {
        throw new DerException(); // fits the short form: non-minimal
      }
    }
    if (len > limit - p) {
      throw new DerException();
    }
    return new Element(tag, off, p, p + (int) len);
  }

  /** Reads an element that must have {@code tag}. */
  static Element read(byte[] b, int off, int limit, int tag) throws DerException {
    Element e = read(b, off, limit);
    if (e.tag() != tag) {
      throw new DerException();
    }
    return e;
  }

  /** Every element from {@code off} to {@code end} (exclusive), DER all the way down. */
  static void requireDer(byte[] b, int off, int end) throws DerException {
    requireDer(b, off, end, 0);
  }

  private static void requireDer(byte[] b, int off, int end, int depth) throws DerException {
    if (depth > MAX_DEPTH) {
      throw new DerException();
    }
    int p = off;
    while (p < end) {
      Element e = read(b, p, end);
      checkElement(b, e, depth);
      p = e.end();
    }
  }

  private static void checkElement(byte[] b, Element e, int depth) throws DerException {
    int tag = e.tag();
    boolean universal = (tag & 0xC0) == 0;
    if (e.constructed()) {
      if (universal && tag != SEQUENCE && tag != SET) {
        throw new DerException(); // constructed string types are BER only
      }
      requireDer(b, e.contentStart(), e.end(), depth + 1);
      return;
    }
    if (!universal) {
      return;
    }
    int len = e.contentLength();
    int c = e.contentStart();
    switch (tag) {
      case BOOLEAN:
        if (len != 1 || (b[c] != 0 && b[c] != (byte) 0xFF)) {
          throw new DerException();
        }
        break;
      case INTEGER:
      case ENUMERATED:
        if (len == 0
            || (len > 1
                && ((b[c] == 0 && (b[c + 1] & 0x80) == 0)
                    || (b[c] == (byte) 0xFF && (b[c + 1] & 0x80) != 0)))) {
          throw new DerException();
        }
        break;
      case BIT_STRING:
        bitStringContent(b, e);
        break;
      case NULL:
        if (len != 0) {
          throw new DerException();
        }
        break;
      case OID:
        if (len == 0 || (b[e.end() - 1] & 0x80) != 0) {
          throw new DerException();
        }
        boolean startOfArc = true;
        for (int i = c; i < e.end(); i++) {
          if (startOfArc && (b[i] & 0xFF) == 0x80) {
            throw new DerException(); // non-minimal arc
          }
          startOfArc = (b[i] & 0x80) == 0;
        }
        break;
      default:
        break;
    }
  }

  /** Checks DER rules for a BIT STRING and returns its bytes (unused bits must be zero). */
  static byte[] bitStringContent(byte[] b, Element e) throws DerException {
    int len = e.contentLength();
    int c = e.contentStart();
    if (len == 0) {
      throw new DerException();
    }
    int unused = b[c] & 0xFF;
    if (unused > 7
        || (len == 1 && unused != 0)
        || (unused != 0 && (b[e.end() - 1] & ((1 << unused) - 1)) != 0)) {
      throw new DerException();
    }
    return Arrays.copyOfRange(b, c + 1, e.end());
  }

  /**
   * Offset just past the header of the element at {@code off}; the contents length via {@link
   * #length}.
   */
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
