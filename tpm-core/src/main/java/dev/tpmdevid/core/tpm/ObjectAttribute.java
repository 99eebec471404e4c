package dev.tpmdevid.core.tpm;

/** One TPMA_OBJECT bit (TPM 2.0 Part 2 §8.3; docs/protocol.md#templates). */
public enum ObjectAttribute {
  FIXED_TPM(0x2, "fixedTPM"),
  ST_CLEAR(0x4, "stClear"),
  FIXED_PARENT(0x10, "fixedParent"),
  SENSITIVE_DATA_ORIGIN(0x20, "sensitiveDataOrigin"),
  USER_WITH_AUTH(0x40, "userWithAuth"),
  ADMIN_WITH_POLICY(0x80, "adminWithPolicy"),
  NO_DA(0x400, "noDA"),
  ENCRYPTED_DUPLICATION(0x800, "encryptedDuplication"),
  RESTRICTED(0x10000, "restricted"),
  DECRYPT(0x20000, "decrypt"),
  SIGN(0x40000, "sign"),
  /** TPM 2.0 rev 1.59 {@code x509sign}. */
  X509_SIGN(0x80000, "x509sign");

  private final int bit;
  private final String specName;

  ObjectAttribute(int bit, String specName) {
    this.bit = bit;
    this.specName = specName;
  }

  /** The bit mask of this attribute. */
  public int bit() {
    return bit;
  }

  /** The TPM specification name, e.g. {@code fixedTPM}. */
  public String specName() {
    return specName;
  }

  @Override
  public String toString() {
    return specName;
  }
}
