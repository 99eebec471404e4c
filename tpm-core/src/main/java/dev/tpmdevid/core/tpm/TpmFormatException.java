package dev.tpmdevid.core.tpm;

/**
 * Malformed or unsupported TPM 2.0 structure.
 *
 * <p>The only exception thrown by the parsers in this package. The message names the structure
 * field and, where it applies, the byte offset, e.g. {@code TPMT_PUBLIC.unique.rsa: length 300
 * exceeds remaining 12 bytes at offset 22}. Messages never contain secret values.
 */
public final class TpmFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  public TpmFormatException(String message) {
    super(message);
  }

  public TpmFormatException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code field: detail at offset N}. */
  static TpmFormatException at(String field, String detail, int offset) {
    return new TpmFormatException(field + ": " + detail + " at offset " + offset);
  }
}
