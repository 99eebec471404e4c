package dev.tpmdevid.agent;

import dev.tpmdevid.core.device.ResponseCode;

/**
 * TPM response codes as the agent's messages show them, decoded by {@link ResponseCode} (TPM 2.0
 * Part 2 §6.6): name, raw value and the handle, session or parameter they refer to.
 */
final class TpmRc {

  static final int INITIALIZE = ResponseCode.INITIALIZE;
  static final int AUTH_FAIL = ResponseCode.AUTH_FAIL;
  static final int BAD_AUTH = ResponseCode.BAD_AUTH;
  static final int HANDLE = ResponseCode.HANDLE;
  static final int INTEGRITY = ResponseCode.INTEGRITY;
  static final int OBJECT_MEMORY = ResponseCode.OBJECT_MEMORY;
  static final int SESSION_MEMORY = ResponseCode.SESSION_MEMORY;
  static final int LOCKOUT = ResponseCode.LOCKOUT;
  static final int RETRY = ResponseCode.RETRY;

  private TpmRc() {}

  /** The code without handle/session/parameter number. */
  static int base(int rc) {
    return ResponseCode.decode(rc).base();
  }

  /** "handle 1", "session 2", "parameter 3" or "" for codes that name nothing. */
  static String where(int rc) {
    ResponseCode c = ResponseCode.decode(rc);
    switch (c.kind()) {
      case PARAMETER:
        return "parameter " + c.index();
      case HANDLE:
        return "handle " + c.index();
      case SESSION:
        return "session " + c.index();
      default:
        return "";
    }
  }

  /** 1-based session number a format-one code refers to, or 0. */
  static int session(int rc) {
    ResponseCode c = ResponseCode.decode(rc);
    return c.kind() == ResponseCode.Kind.SESSION ? c.index() : 0;
  }

  static String describe(int rc) {
    String w = where(rc);
    return String.format(
        "%s (0x%03X)%s", ResponseCode.decode(rc).name(), rc, w.isEmpty() ? "" : " on " + w);
  }
}
