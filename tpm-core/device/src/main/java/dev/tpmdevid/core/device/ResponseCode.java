package dev.tpmdevid.core.device;

import java.util.HashMap;
import java.util.Map;

/**
 * A decoded TPM 2.0 response code (TPM 2.0 Part 2 §6.6, "TPM_RC").
 *
 * <p>Format 1 (bit 7 set) carries an error number in bits 5:0 plus where it applies: a parameter
 * (bit 6 set, number in bits 11:8), a session (bit 11 set, number in bits 10:8) or a handle (number
 * in bits 10:8). Format 0 codes are TPM 2.0 errors ({@code RC_VER1}, bit 8), warnings ({@code
 * RC_WARN}, bits 8 and 11) or vendor codes (bit 10).
 *
 * @param raw the code as received
 * @param base the code with the parameter/handle/session number removed (e.g. 0x08E for
 *     TPM_RC_AUTH_FAIL)
 * @param kind what {@code index} refers to
 * @param index 1-based parameter, handle or session number; 0 if none
 */
public record ResponseCode(int raw, int base, Kind kind, int index) {

  /** What a format-1 number refers to. */
  public enum Kind {
    NONE,
    PARAMETER,
    HANDLE,
    SESSION
  }

  public static final int SUCCESS = 0x000;
  public static final int INITIALIZE = 0x100;
  public static final int FAILURE = 0x101;
  public static final int COMMAND_CODE = 0x143;
  public static final int NV_LOCKED = 0x148;
  public static final int NV_AUTHORIZATION = 0x149;
  public static final int NV_UNINITIALIZED = 0x14A;
  public static final int AUTH_FAIL = 0x08E;
  public static final int BAD_AUTH = 0x0A2;
  public static final int HANDLE = 0x08B;
  public static final int INTEGRITY = 0x09F;
  public static final int SIZE = 0x095;
  public static final int VALUE = 0x084;
  public static final int POLICY_FAIL = 0x09D;
  public static final int OBJECT_MEMORY = 0x902;
  public static final int SESSION_MEMORY = 0x903;
  public static final int YIELDED = 0x908;
  public static final int TESTING = 0x90A;
  public static final int REFERENCE_H0 = 0x910;
  public static final int LOCKOUT = 0x921;
  public static final int RETRY = 0x922;

  private static final int RC_FMT1 = 0x080;
  private static final int RC_VER1 = 0x100;
  private static final int RC_WARN = 0x900;
  private static final Map<Integer, String> NAMES = new HashMap<>();

  static {
    name(0x000, "SUCCESS");
    // RC_VER1
    name(0x100, "INITIALIZE");
    name(0x101, "FAILURE");
    name(0x103, "SEQUENCE");
    name(0x10B, "PRIVATE");
    name(0x119, "HMAC");
    name(0x120, "DISABLED");
    name(0x121, "EXCLUSIVE");
    name(0x124, "AUTH_TYPE");
    name(0x125, "AUTH_MISSING");
    name(0x126, "POLICY");
    name(0x127, "PCR");
    name(0x128, "PCR_CHANGED");
    name(0x12D, "UPGRADE");
    name(0x12E, "TOO_MANY_CONTEXTS");
    name(0x12F, "AUTH_UNAVAILABLE");
    name(0x130, "REBOOT");
    name(0x131, "UNBALANCED");
    name(0x142, "COMMAND_SIZE");
    name(0x143, "COMMAND_CODE");
    name(0x144, "AUTHSIZE");
    name(0x145, "AUTH_CONTEXT");
    name(0x146, "NV_RANGE");
    name(0x147, "NV_SIZE");
    name(0x148, "NV_LOCKED");
    name(0x149, "NV_AUTHORIZATION");
    name(0x14A, "NV_UNINITIALIZED");
    name(0x14B, "NV_SPACE");
    name(0x14C, "NV_DEFINED");
    name(0x150, "BAD_CONTEXT");
    name(0x151, "CPHASH");
    name(0x152, "PARENT");
    name(0x153, "NEEDS_TEST");
    name(0x154, "NO_RESULT");
    name(0x155, "SENSITIVE");
    // RC_FMT1
    name(0x081, "ASYMMETRIC");
    name(0x082, "ATTRIBUTES");
    name(0x083, "HASH");
    name(0x084, "VALUE");
    name(0x085, "HIERARCHY");
    name(0x087, "KEY_SIZE");
    name(0x088, "MGF");
    name(0x089, "MODE");
    name(0x08A, "TYPE");
    name(0x08B, "HANDLE");
    name(0x08C, "KDF");
    name(0x08D, "RANGE");
    name(0x08E, "AUTH_FAIL");
    name(0x08F, "NONCE");
    name(0x090, "PP");
    name(0x092, "SCHEME");
    name(0x095, "SIZE");
    name(0x096, "SYMMETRIC");
    name(0x097, "TAG");
    name(0x098, "SELECTOR");
    name(0x09A, "INSUFFICIENT");
    name(0x09B, "SIGNATURE");
    name(0x09C, "KEY");
    name(0x09D, "POLICY_FAIL");
    name(0x09F, "INTEGRITY");
    name(0x0A0, "TICKET");
    name(0x0A1, "RESERVED_BITS");
    name(0x0A2, "BAD_AUTH");
    name(0x0A3, "EXPIRED");
    name(0x0A4, "POLICY_CC");
    name(0x0A5, "BINDING");
    name(0x0A6, "CURVE");
    name(0x0A7, "ECC_POINT");
    // RC_WARN
    name(0x901, "CONTEXT_GAP");
    name(0x902, "OBJECT_MEMORY");
    name(0x903, "SESSION_MEMORY");
    name(0x904, "MEMORY");
    name(0x905, "SESSION_HANDLES");
    name(0x906, "OBJECT_HANDLES");
    name(0x907, "LOCALITY");
    name(0x908, "YIELDED");
    name(0x909, "CANCELED");
    name(0x90A, "TESTING");
    for (int i = 0; i <= 6; i++) {
      name(0x910 + i, "REFERENCE_H" + i);
      name(0x918 + i, "REFERENCE_S" + i);
    }
    name(0x920, "NV_RATE");
    name(0x921, "LOCKOUT");
    name(0x922, "RETRY");
    name(0x923, "NV_UNAVAILABLE");
    name(0x97F, "NOT_USED");
  }

  private static void name(int rc, String n) {
    NAMES.put(rc, "TPM_RC_" + n);
  }

  /** Decodes a raw response code. */
  public static ResponseCode decode(int raw) {
    if ((raw & RC_FMT1) != 0) {
      int base = RC_FMT1 | (raw & 0x3F);
      int n = (raw >>> 8) & 0xF;
      if ((raw & 0x040) != 0) {
        return new ResponseCode(raw, base, Kind.PARAMETER, n);
      }
      if ((n & 0x8) != 0) {
        return new ResponseCode(raw, base, Kind.SESSION, n & 0x7);
      }
      return new ResponseCode(raw, base, n == 0 ? Kind.NONE : Kind.HANDLE, n & 0x7);
    }
    return new ResponseCode(raw, raw, Kind.NONE, 0);
  }

  /** True for TPM_RC_SUCCESS. */
  public boolean isSuccess() {
    return raw == SUCCESS;
  }

  /** True for a format-0 warning ({@code RC_WARN}). */
  public boolean isWarning() {
    return (raw & RC_FMT1) == 0 && (raw & 0xF00) == RC_WARN;
  }

  /** True for the warnings after which the same command may simply be sent again. */
  public boolean isRetryable() {
    return raw == RETRY || raw == YIELDED || raw == TESTING;
  }

  /**
   * {@code TPM_RC_AUTH_FAIL}-style name of {@link #base()}, or a hex form for unknown and vendor
   * codes.
   */
  public String name() {
    String n = NAMES.get(base);
    if (n != null) {
      return n;
    }
    if ((raw & RC_FMT1) == 0 && (raw & 0x400) != 0 && (raw & RC_VER1) != 0) {
      return String.format("vendor TPM_RC 0x%03X", raw);
    }
    if ((raw & RC_FMT1) == 0 && (raw & RC_VER1) == 0 && raw != 0) {
      return String.format("TPM 1.2 response code 0x%X", raw);
    }
    return String.format("TPM_RC 0x%03X", base);
  }

  /** E.g. {@code rc 0x98E, session 1}. */
  String detail() {
    String where =
        switch (kind) {
          case PARAMETER -> ", parameter " + index;
          case HANDLE -> ", handle " + index;
          case SESSION -> ", session " + index;
          case NONE -> "";
        };
    return String.format("rc 0x%03X%s", raw, where);
  }

  @Override
  public String toString() {
    return name() + " (" + detail() + ")";
  }
}
