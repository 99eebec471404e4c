package dev.tpmdevid.core.ek;

import dev.tpmdevid.core.tpm.TpmFormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A certificate chain stored in one NV index (the agent's {@code devid_cert_nv_index}): one or more
 * DER certificates back to back, leaf first, optionally followed by padding (one repeated byte,
 * e.g. 0xFF or 0x00, as an index sized larger than its contents reads). The first certificate may
 * carry the TCG header that {@link EkCertificates#fromNvContents} understands. Each certificate's
 * length is parsed by that one DER reader; nothing here parses X.509.
 */
public final class NvCertificateChain {

  /** More certificates than any real chain holds: the bound on the loop. */
  static final int MAX_CERTIFICATES = 16;

  private NvCertificateChain() {}

  /**
   * The DER certificates in {@code nv}, leaf first.
   *
   * @throws TpmFormatException if the contents do not start with a certificate, or if bytes after a
   *     certificate are neither another certificate nor uniform padding
   */
  public static List<byte[]> fromNvContents(byte[] nv) throws TpmFormatException {
    List<byte[]> chain = new ArrayList<>();
    chain.add(EkCertificates.fromNvContents(nv));
    int offset = endOfFirst(nv, chain.get(0));
    while (offset < nv.length) {
      int tag = nv[offset] & 0xFF;
      if (uniform(nv, offset, tag)) {
        break; // padding: the rest of the index is one repeated byte (0xFF, 0x00, or a vendor's
        // filler)
      }
      if (tag != 0x30) {
        throw new TpmFormatException(
            String.format(
                "certificate chain NV contents: after certificate %d, expected another DER certificate"
                    + " (0x30) or padding at offset %d, found 0x%02X",
                chain.size(), offset, tag));
      }
      if (chain.size() == MAX_CERTIFICATES) {
        throw new TpmFormatException(
            "certificate chain NV contents: more than " + MAX_CERTIFICATES + " certificates");
      }
      byte[] next;
      try {
        next = EkCertificates.fromNvContents(Arrays.copyOfRange(nv, offset, nv.length));
      } catch (TpmFormatException e) {
        throw new TpmFormatException(
            "certificate chain NV contents: certificate "
                + (chain.size() + 1)
                + " at offset "
                + offset
                + ": "
                + e.getMessage(),
            e);
      }
      chain.add(next);
      offset += next.length;
    }
    return chain;
  }

  /** Offset just after the first certificate (after the TCG header when there is one). */
  private static int endOfFirst(byte[] nv, byte[] first) {
    int start = (nv[0] & 0xFF) == 0x30 ? 0 : 7;
    return start + first.length;
  }

  private static boolean uniform(byte[] b, int from, int v) {
    for (int i = from; i < b.length; i++) {
      if ((b[i] & 0xFF) != v) {
        return false;
      }
    }
    return true;
  }
}
