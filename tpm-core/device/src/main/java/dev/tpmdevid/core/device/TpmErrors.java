package dev.tpmdevid.core.device;

/**
 * Builds readable messages for failed TPM commands: {@code <TPM_RC name> on
 * <command>[(<hierarchy>)][: <likely cause>] (rc 0x…[, parameter|handle|session n])}. Only the
 * command code and handle values are read from the command; authorization areas (which hold
 * passwords) never are.
 */
final class TpmErrors {

  static final int RH_OWNER = 0x40000001;
  static final int RH_NULL = 0x40000007;
  static final int RH_LOCKOUT = 0x4000000A;
  static final int RH_ENDORSEMENT = 0x4000000B;
  static final int RH_PLATFORM = 0x4000000C;

  private TpmErrors() {}

  static TpmCommandException exception(byte[] command, ResponseCode rc) {
    int cc = Frames.commandCode(command);
    return new TpmCommandException(message(command, rc), rc, cc);
  }

  static String message(byte[] command, ResponseCode rc) {
    int cc = Frames.commandCode(command);
    StringBuilder sb = new StringBuilder(rc.name()).append(" on ").append(CommandCodes.name(cc));
    String h = hierarchyName(handle(command, 1));
    if (h != null) {
      sb.append('(').append(h).append(')');
    }
    String hint = hint(command, cc, rc);
    if (hint != null) {
      sb.append(": ").append(hint);
    }
    return sb.append(" (").append(rc.detail()).append(')').toString();
  }

  /**
   * The n-th (1-based) handle of a command's handle area, or 0 if the command has no such handle.
   */
  static int handle(byte[] command, int n) {
    int count = CommandCodes.handleCount(Frames.commandCode(command));
    if (n < 1 || n > count || command.length < Frames.HEADER + 4 * n) {
      return 0;
    }
    return Frames.u32(command, Frames.HEADER + 4 * (n - 1));
  }

  static String hierarchyName(int handle) {
    return switch (handle) {
      case RH_OWNER -> "owner";
      case RH_ENDORSEMENT -> "endorsement";
      case RH_PLATFORM -> "platform";
      case RH_LOCKOUT -> "lockout";
      default -> null;
    };
  }

  private static String hint(byte[] command, int cc, ResponseCode rc) {
    int base = rc.base();
    if (base == ResponseCode.AUTH_FAIL || base == ResponseCode.BAD_AUTH) {
      // session n authorizes the n-th handle of the command
      int n =
          rc.kind() == ResponseCode.Kind.SESSION || rc.kind() == ResponseCode.Kind.HANDLE
              ? rc.index()
              : 1;
      return authHint(cc, n, handle(command, n));
    }
    switch (base) {
      case ResponseCode.INTEGRITY:
        return cc == CommandCodes.LOAD ? "DevID blobs were not created under this TPM's SRK" : null;
      case ResponseCode.SIZE:
        return cc == CommandCodes.LOAD
            ? "a key blob has the wrong size (tpm2-tools TPM2B size prefix not " + "stripped?)"
            : null;
      case ResponseCode.OBJECT_MEMORY:
        return "no free transient object slot; flush objects (swtpm has 3 and no resource manager)";
      case ResponseCode.SESSION_MEMORY:
        return "no free session slot; flush sessions";
      case ResponseCode.LOCKOUT:
        return "the TPM is in dictionary-attack lockout";
      case ResponseCode.INITIALIZE:
        return "the TPM has not been started (TPM2_Startup)";
      case ResponseCode.POLICY_FAIL:
        return cc == CommandCodes.ACTIVATE_CREDENTIAL
            ? "the EK policy (PolicySecret(endorsement)) is not satisfied"
            : "policy not satisfied";
      case ResponseCode.RETRY:
      case ResponseCode.YIELDED:
      case ResponseCode.TESTING:
        return "the TPM stayed busy through all retries";
      case ResponseCode.COMMAND_CODE:
        return "command not implemented by this TPM";
      default:
        if (base >= ResponseCode.REFERENCE_H0 && base <= ResponseCode.REFERENCE_H0 + 6) {
          return "handle not loaded (flushed, or the TPM was restarted)";
        }
        return null;
    }
  }

  private static String authHint(int cc, int n, int handle) {
    String hierarchy = hierarchyName(handle);
    if (hierarchy != null) {
      return switch (handle) {
        case RH_OWNER -> "wrong owner_hierarchy_password?";
        case RH_ENDORSEMENT -> "wrong endorsement_hierarchy_password?";
        default -> "wrong " + hierarchy + " hierarchy password?";
      };
    }
    if ((handle >>> 24) == 0x01) {
      return "wrong NV index password?";
    }
    switch (cc) {
      case CommandCodes.SIGN:
        return "wrong devid_password?";
      case CommandCodes.CERTIFY:
        return n == 1 ? "wrong devid_password?" : "wrong AK password?";
      case CommandCodes.ACTIVATE_CREDENTIAL:
        return n == 1 ? "wrong AK password?" : "wrong endorsement authorization?";
      case CommandCodes.LOAD:
      case CommandCodes.CREATE:
        return "wrong parent (SRK) password?";
      default:
        return "wrong authorization value?";
    }
  }
}
