package dev.tpmdevid.core.device;

import tss.tpm.TPM_HANDLE;

/**
 * The four permanent hierarchies, as TSS.Java handles that carry their password.
 *
 * <p>TSS.Java takes a password session's auth value from the {@link TPM_HANDLE#AuthValue} of the
 * handle being authorized (docs/tpm-access.md#tss-java-pitfalls items 5, 7); a fresh {@code
 * TPM_HANDLE.from(TPM_RH.OWNER)} silently means "empty password". {@link #withPassword} makes the
 * password part of obtaining the handle.
 */
public enum Hierarchy {
  OWNER(TpmErrors.RH_OWNER),
  ENDORSEMENT(TpmErrors.RH_ENDORSEMENT),
  PLATFORM(TpmErrors.RH_PLATFORM),
  LOCKOUT(TpmErrors.RH_LOCKOUT);

  private final int handle;

  Hierarchy(int handle) {
    this.handle = handle;
  }

  /** The TPM_RH value. */
  public int handleValue() {
    return handle;
  }

  /**
   * A new handle for this hierarchy whose password sessions use {@code password} (a copy; null =
   * empty).
   */
  public TPM_HANDLE withPassword(byte[] password) {
    TPM_HANDLE h = new TPM_HANDLE(handle);
    h.AuthValue = password == null ? new byte[0] : password.clone();
    return h;
  }
}
