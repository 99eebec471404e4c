package dev.tpmdevid.core.ek;

import dev.tpmdevid.core.tpm.TpmFormatException;
import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;

/**
 * EK certificate NV contents to exactly one DER certificate (docs/protocol.md#ek-certificate; TCG
 * EK Credential Profile §2.2.1; realcerts INDEX quirk Q9).
 *
 * <p>Accepted NV layouts:
 *
 * <ul>
 *   <li>a DER certificate followed by anything (0xFF or 0x00 padding up to the NV index size,
 *       vendor filler such as 0x11): only the first DER TLV is kept, as the SPIRE Go agent does;
 *   <li>the TCG PC Client stored-certificate header {@code 10 01 00 <certSize u16> 10 02} followed
 *       by the DER certificate ({@code certSize} counts the {@code 10 02} tag and the certificate);
 *       the certificate must fit inside {@code certSize}.
 * </ul>
 *
 * BER (indefinite length, non-minimal length encodings) is rejected: the SPIRE Go agent fails on it
 * too, and X.509 certificates are DER.
 */
public final class EkCertificates {
  private EkCertificates() {}

  /** Low range: RSA 2048 EK certificate (the index the SPIRE agent reads). */
  public static final int NV_INDEX_RSA_2048 = 0x01C00002;

  /** Low range: ECC NIST P-256 EK certificate. */
  public static final int NV_INDEX_ECC_P256 = 0x01C0000A;

  /** High range H-1: RSA 2048 EK certificate. */
  public static final int NV_INDEX_RSA_2048_H1 = 0x01C00012;

  /** High range H-2: ECC NIST P-256 EK certificate. */
  public static final int NV_INDEX_ECC_P256_H2 = 0x01C00014;

  /** High range H-3: ECC NIST P-384 EK certificate. */
  public static final int NV_INDEX_ECC_P384_H3 = 0x01C00016;

  /** High range H-4: ECC NIST P-521 EK certificate. */
  public static final int NV_INDEX_ECC_P521_H4 = 0x01C00018;

  /** High range H-5: ECC SM2 P-256 EK certificate. */
  public static final int NV_INDEX_ECC_SM2_P256_H5 = 0x01C0001A;

  /** High range H-6: RSA 3072 EK certificate. */
  public static final int NV_INDEX_RSA_3072_H6 = 0x01C0001C;

  /** High range H-7: RSA 4096 EK certificate. */
  public static final int NV_INDEX_RSA_4096_H7 = 0x01C0001E;

  private static final String WHAT = "EK certificate NV contents";

  /**
   * The DER certificate inside EK certificate NV contents.
   *
   * @throws TpmFormatException if the contents hold no complete DER SEQUENCE at the start (after an
   *     optional TCG header)
   */
  public static byte[] fromNvContents(byte[] nv) throws TpmFormatException {
    if (nv == null || nv.length == 0) {
      throw new TpmFormatException(WHAT + ": empty");
    }
    int start = 0;
    int end = nv.length;
    if (hasTcgHeader(nv)) {
      int certSize = ((nv[3] & 0xFF) << 8) | (nv[4] & 0xFF);
      if (certSize < 2 || 5 + certSize > nv.length) {
        throw new TpmFormatException(
            WHAT
                + ": TCG header certSize "
                + certSize
                + " does not fit the "
                + nv.length
                + " bytes read at offset 3");
      }
      start = 7;
      end = 5 + certSize;
    }
    int tag = nv[start] & 0xFF;
    if (tag != 0x30) {
      if ((tag == 0xFF || tag == 0x00) && allEqual(nv, start, tag)) {
        throw new TpmFormatException(
            WHAT + String.format(": no certificate (all bytes are 0x%02X)", tag));
      }
      throw new TpmFormatException(
          WHAT
              + String.format(
                  ": expected a DER SEQUENCE (0x30) at offset %d, found 0x%02X", start, tag));
    }
    int p = start + 1;
    if (p >= end) {
      throw new TpmFormatException(WHAT + ": truncated DER length at offset " + p);
    }
    int first = nv[p] & 0xFF;
    long length;
    int header;
    if (first < 0x80) {
      length = first;
      header = 2;
    } else if (first == 0x80) {
      throw new TpmFormatException(
          WHAT + ": BER indefinite length at offset " + p + " (DER required)");
    } else {
      int n = first & 0x7F;
      if (n > 4) {
        throw new TpmFormatException(WHAT + ": DER length of " + n + " bytes at offset " + p);
      }
      if (p + n >= end) {
        throw new TpmFormatException(WHAT + ": truncated DER length at offset " + p);
      }
      if ((nv[p + 1] & 0xFF) == 0) {
        throw new TpmFormatException(WHAT + ": non-minimal DER length at offset " + p);
      }
      length = 0;
      for (int i = 1; i <= n; i++) {
        length = (length << 8) | (nv[p + i] & 0xFF);
      }
      if (length < 0x80 || (n > 1 && length < (1L << (8 * (n - 1))))) {
        throw new TpmFormatException(WHAT + ": non-minimal DER length at offset " + p);
      }
      header = 2 + n;
    }
    long total = header + length;
    if (total > end - start) {
      throw new TpmFormatException(
          WHAT
              + ": DER certificate of "
              + total
              + " bytes exceeds the "
              + (end - start)
              + " bytes available at offset "
              + start);
    }
    return Arrays.copyOfRange(nv, start, start + (int) total);
  }

  /**
   * {@link #fromNvContents} parsed as an X.509 certificate.
   *
   * @throws TpmFormatException if the DER is not a certificate the JDK can parse
   */
  public static X509Certificate certificateFromNvContents(byte[] nv) throws TpmFormatException {
    byte[] der = fromNvContents(nv);
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      return (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | RuntimeException e) {
      throw new TpmFormatException(WHAT + ": not an X.509 certificate: " + e.getMessage(), e);
    }
  }

  private static boolean hasTcgHeader(byte[] nv) {
    return nv.length >= 7
        && nv[0] == 0x10
        && nv[1] == 0x01
        && nv[2] == 0x00
        && nv[5] == 0x10
        && nv[6] == 0x02;
  }

  private static boolean allEqual(byte[] b, int from, int v) {
    for (int i = from; i < b.length; i++) {
      if ((b[i] & 0xFF) != v) {
        return false;
      }
    }
    return true;
  }
}
