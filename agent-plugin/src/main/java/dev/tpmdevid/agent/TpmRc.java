package dev.tpmdevid.agent;

import java.util.Map;

/**
 * Decodes TPM 2.0 response codes (TPM 2.0 Part 2 §6.6) into a name plus the handle, session or parameter
 * number they refer to, so error messages can say which authorisation failed.
 */
final class TpmRc {

    static final int SUCCESS = 0;
    static final int INITIALIZE = 0x100;
    static final int NV_LOCKED = 0x148;
    static final int NV_AUTHORIZATION = 0x149;
    static final int NV_UNINITIALIZED = 0x14A;
    static final int AUTH_FAIL = 0x08E;
    static final int BAD_AUTH = 0x0A2;
    static final int HANDLE = 0x08B;
    static final int INTEGRITY = 0x09F;
    static final int OBJECT_MEMORY = 0x902;
    static final int SESSION_MEMORY = 0x903;
    static final int LOCKOUT = 0x921;
    static final int RETRY = 0x922;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(0x081, "TPM_RC_ASYMMETRIC"), Map.entry(0x082, "TPM_RC_ATTRIBUTES"),
            Map.entry(0x083, "TPM_RC_HASH"), Map.entry(0x084, "TPM_RC_VALUE"), Map.entry(0x085, "TPM_RC_HIERARCHY"),
            Map.entry(0x087, "TPM_RC_KEY_SIZE"), Map.entry(0x088, "TPM_RC_MGF"), Map.entry(0x089, "TPM_RC_MODE"),
            Map.entry(0x08A, "TPM_RC_TYPE"), Map.entry(0x08B, "TPM_RC_HANDLE"), Map.entry(0x08C, "TPM_RC_KDF"),
            Map.entry(0x08D, "TPM_RC_RANGE"), Map.entry(0x08E, "TPM_RC_AUTH_FAIL"), Map.entry(0x08F, "TPM_RC_NONCE"),
            Map.entry(0x090, "TPM_RC_PP"), Map.entry(0x092, "TPM_RC_SCHEME"), Map.entry(0x095, "TPM_RC_SIZE"),
            Map.entry(0x096, "TPM_RC_SYMMETRIC"), Map.entry(0x097, "TPM_RC_TAG"), Map.entry(0x098, "TPM_RC_SELECTOR"),
            Map.entry(0x09A, "TPM_RC_INSUFFICIENT"), Map.entry(0x09B, "TPM_RC_SIGNATURE"), Map.entry(0x09C, "TPM_RC_KEY"),
            Map.entry(0x09D, "TPM_RC_POLICY_FAIL"), Map.entry(0x09F, "TPM_RC_INTEGRITY"), Map.entry(0x0A0, "TPM_RC_TICKET"),
            Map.entry(0x0A1, "TPM_RC_RESERVED_BITS"), Map.entry(0x0A2, "TPM_RC_BAD_AUTH"), Map.entry(0x0A3, "TPM_RC_EXPIRED"),
            Map.entry(0x0A4, "TPM_RC_POLICY_CC"), Map.entry(0x0A5, "TPM_RC_BINDING"), Map.entry(0x0A6, "TPM_RC_CURVE"),
            Map.entry(0x0A7, "TPM_RC_ECC_POINT"),
            Map.entry(0x100, "TPM_RC_INITIALIZE"), Map.entry(0x101, "TPM_RC_FAILURE"), Map.entry(0x103, "TPM_RC_SEQUENCE"),
            Map.entry(0x10B, "TPM_RC_PRIVATE"), Map.entry(0x119, "TPM_RC_HMAC"), Map.entry(0x120, "TPM_RC_DISABLED"),
            Map.entry(0x121, "TPM_RC_EXCLUSIVE"), Map.entry(0x124, "TPM_RC_AUTH_TYPE"), Map.entry(0x125, "TPM_RC_AUTH_MISSING"),
            Map.entry(0x126, "TPM_RC_POLICY"), Map.entry(0x127, "TPM_RC_PCR"), Map.entry(0x128, "TPM_RC_PCR_CHANGED"),
            Map.entry(0x12D, "TPM_RC_UPGRADE"), Map.entry(0x12E, "TPM_RC_TOO_MANY_CONTEXTS"),
            Map.entry(0x12F, "TPM_RC_AUTH_UNAVAILABLE"), Map.entry(0x130, "TPM_RC_REBOOT"),
            Map.entry(0x131, "TPM_RC_UNBALANCED"), Map.entry(0x142, "TPM_RC_COMMAND_SIZE"),
            Map.entry(0x143, "TPM_RC_COMMAND_CODE"), Map.entry(0x144, "TPM_RC_AUTHSIZE"),
            Map.entry(0x145, "TPM_RC_AUTH_CONTEXT"), Map.entry(0x146, "TPM_RC_NV_RANGE"), Map.entry(0x147, "TPM_RC_NV_SIZE"),
            Map.entry(0x148, "TPM_RC_NV_LOCKED"), Map.entry(0x149, "TPM_RC_NV_AUTHORIZATION"),
            Map.entry(0x14A, "TPM_RC_NV_UNINITIALIZED"), Map.entry(0x14B, "TPM_RC_NV_SPACE"),
            Map.entry(0x14C, "TPM_RC_NV_DEFINED"), Map.entry(0x150, "TPM_RC_BAD_CONTEXT"), Map.entry(0x151, "TPM_RC_CPHASH"),
            Map.entry(0x152, "TPM_RC_PARENT"), Map.entry(0x153, "TPM_RC_NEEDS_TEST"), Map.entry(0x154, "TPM_RC_NO_RESULT"),
            Map.entry(0x155, "TPM_RC_SENSITIVE"),
            Map.entry(0x901, "TPM_RC_CONTEXT_GAP"), Map.entry(0x902, "TPM_RC_OBJECT_MEMORY"),
            Map.entry(0x903, "TPM_RC_SESSION_MEMORY"), Map.entry(0x904, "TPM_RC_MEMORY"),
            Map.entry(0x905, "TPM_RC_SESSION_HANDLES"), Map.entry(0x906, "TPM_RC_OBJECT_HANDLES"),
            Map.entry(0x907, "TPM_RC_LOCALITY"), Map.entry(0x908, "TPM_RC_YIELDED"), Map.entry(0x909, "TPM_RC_CANCELED"),
            Map.entry(0x90A, "TPM_RC_TESTING"), Map.entry(0x920, "TPM_RC_NV_RATE"), Map.entry(0x921, "TPM_RC_LOCKOUT"),
            Map.entry(0x922, "TPM_RC_RETRY"), Map.entry(0x923, "TPM_RC_NV_UNAVAILABLE"));

    private TpmRc() {}

    /** The code without handle/session/parameter number (for format-one codes: 0x080 | error number). */
    static int base(int rc) {
        if ((rc & 0x080) != 0) {
            return 0x080 | (rc & 0x03F);
        }
        return rc & 0x97F;
    }

    /** "handle 1", "session 2", "parameter 3" or "" for codes that name nothing. */
    static String where(int rc) {
        if ((rc & 0x080) == 0) {
            return "";
        }
        int n = (rc >>> 8) & 0xF;
        if ((rc & 0x040) != 0) {
            return "parameter " + n;
        }
        return ((n & 0x8) != 0 ? "session " : "handle ") + (n & 0x7);
    }

    /** 1-based session number a format-one code refers to, or 0. */
    static int session(int rc) {
        if ((rc & 0x080) == 0 || (rc & 0x040) != 0) {
            return 0;
        }
        int n = (rc >>> 8) & 0xF;
        return (n & 0x8) != 0 ? n & 0x7 : 0;
    }

    static String describe(int rc) {
        int b = base(rc);
        String name = NAMES.getOrDefault(b, "TPM_RC");
        String w = where(rc);
        return String.format("%s (0x%03X)%s", name, rc, w.isEmpty() ? "" : " on " + w);
    }
}
