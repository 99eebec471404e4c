package dev.tpmdevid.core.device;

import tss.TpmException;

/**
 * The TPM could not be reached or is not a TPM 2.0: missing device, refused connection, I/O error,
 * timeout, malformed response, failed TPM_PT_MANUFACTURER probe. The message names the device.
 * Unchecked for the same reason as {@link TpmCommandException}; after one of these the {@link
 * TpmConnection} should be closed.
 */
public final class TpmDeviceException extends TpmException {

  private static final long serialVersionUID = 1L;

  TpmDeviceException(String message) {
    super(message);
  }

  TpmDeviceException(String message, Exception cause) {
    super(message, cause);
    initCause(cause);
  }
}
