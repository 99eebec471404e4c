package dev.tpmdevid.core.device;

import tss.ReqStructure;
import tss.RespStructure;
import tss.Tpm;
import tss.tpm.TPM_CC;
import tss.tpm.TPM_RC;

/**
 * TSS.Java's {@link Tpm} with its "this command may fail" markers wired to {@link TransportDevice}:
 * after {@code _allowErrors()}, {@code _expectError(rc)} or {@code _expectResponses(rc…)}, the next
 * command's error response is handed to TSS.Java, which then behaves as documented (returns, sets
 * {@code _getLastResponseCode()}, or throws its own "Unexpected response" exception) — all without
 * printing, since TSS.Java prints only when it expected success. Without a marker, errors are
 * thrown as {@link TpmCommandException} by the device.
 */
final class GuardedTpm extends Tpm {

  private final TransportDevice device;

  GuardedTpm(TransportDevice device) {
    this.device = device;
    _setDevice(device);
  }

  @Override
  public Tpm _allowErrors() {
    device.passErrorsToTssOnce();
    return super._allowErrors();
  }

  @Override
  public Tpm _expectResponses(TPM_RC... expected) {
    if (expectsAnError(expected)) {
      device.passErrorsToTssOnce();
    }
    return super._expectResponses(expected);
  }

  @Override
  public Tpm _expectMoreResponses(TPM_RC... expected) {
    if (expectsAnError(expected)) {
      device.passErrorsToTssOnce();
    }
    return super._expectMoreResponses(expected);
  }

  /**
   * TSS.Java leaves an {@code _expectError} marker set when a command throws (e.g. a different
   * error than the expected one, or an I/O failure), which would make the next successful command
   * fail; clear it.
   */
  @Override
  protected void DispatchCommand(TPM_CC cc, ReqStructure req, RespStructure resp) {
    try {
      super.DispatchCommand(cc, req, resp);
    } catch (RuntimeException e) {
      super._expectResponses(); // no arguments: just resets the expected-responses marker
      throw e;
    }
  }

  private static boolean expectsAnError(TPM_RC[] expected) {
    if (expected == null) {
      return false;
    }
    for (TPM_RC rc : expected) {
      if (rc != null && rc.toInt() != 0) {
        return true;
      }
    }
    return false;
  }
}
