package dev.tpmdevid.core.device;

import tss.TpmException;

/**
 * A TPM command failed with a response code other than TPM_RC_SUCCESS.
 *
 * <p>The message names the response code, the command and, where it helps, a likely cause, e.g.
 * {@code TPM_RC_AUTH_FAIL on Sign: wrong devid_password? (rc 0x98E, session 1)}. It never contains
 * an authorization value. Unchecked, because it is thrown from inside TSS.Java's generated command
 * methods; it extends {@link TpmException}, so code catching TSS.Java's exception still sees it.
 */
public final class TpmCommandException extends TpmException {

  private static final long serialVersionUID = 1L;

  private final transient ResponseCode responseCode;
  private final int commandCode;

  TpmCommandException(String message, ResponseCode responseCode, int commandCode) {
    super(message);
    this.responseCode = responseCode;
    this.commandCode = commandCode;
    this.EncodedError = responseCode.raw();
  }

  /** The decoded response code. */
  public ResponseCode responseCode() {
    return responseCode;
  }

  /** The raw response code as the TPM sent it. */
  public int rc() {
    return responseCode.raw();
  }

  /**
   * The response code without parameter/handle/session number (compare with {@link ResponseCode}
   * constants).
   */
  public int baseRc() {
    return responseCode.base();
  }

  /** True if the base response code is {@code base}, e.g. {@code is(ResponseCode.AUTH_FAIL)}. */
  public boolean is(int base) {
    return responseCode.base() == base;
  }

  /** TPM_CC of the failed command. */
  public int commandCode() {
    return commandCode;
  }

  /** Name of the failed command, e.g. {@code Sign}. */
  public String commandName() {
    return CommandCodes.name(commandCode);
  }
}
