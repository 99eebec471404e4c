package dev.tpmdevid.core.device;

import java.util.HashMap;
import java.util.Map;

/** Names and handle-area sizes of TPM 2.0 commands (TPM 2.0 Part 2 §6.5, Part 3 per command). */
public final class CommandCodes {

  private record Info(String name, int handles) {}

  private static final Map<Integer, Info> INFO = new HashMap<>();

  static {
    cc(0x11F, "NV_UndefineSpaceSpecial", 2);
    cc(0x120, "EvictControl", 2);
    cc(0x121, "HierarchyControl", 1);
    cc(0x122, "NV_UndefineSpace", 2);
    cc(0x124, "ChangeEPS", 1);
    cc(0x125, "ChangePPS", 1);
    cc(0x126, "Clear", 1);
    cc(0x127, "ClearControl", 1);
    cc(0x128, "ClockSet", 1);
    cc(0x129, "HierarchyChangeAuth", 1);
    cc(0x12A, "NV_DefineSpace", 1);
    cc(0x12B, "PCR_Allocate", 1);
    cc(0x12C, "PCR_SetAuthPolicy", 1);
    cc(0x12E, "SetPrimaryPolicy", 1);
    cc(0x131, "CreatePrimary", 1);
    cc(0x132, "NV_GlobalWriteLock", 1);
    cc(0x133, "GetCommandAuditDigest", 2);
    cc(0x134, "NV_Increment", 2);
    cc(0x135, "NV_SetBits", 2);
    cc(0x136, "NV_Extend", 2);
    cc(0x137, "NV_Write", 2);
    cc(0x138, "NV_WriteLock", 2);
    cc(0x139, "DictionaryAttackLockReset", 1);
    cc(0x13A, "DictionaryAttackParameters", 1);
    cc(0x13B, "NV_ChangeAuth", 1);
    cc(0x13C, "PCR_Event", 1);
    cc(0x13D, "PCR_Reset", 1);
    cc(0x13E, "SequenceComplete", 1);
    cc(0x143, "SelfTest", 0);
    cc(0x144, "Startup", 0);
    cc(0x145, "Shutdown", 0);
    cc(0x146, "StirRandom", 0);
    cc(0x147, "ActivateCredential", 2);
    cc(0x148, "Certify", 2);
    cc(0x149, "PolicyNV", 3);
    cc(0x14A, "CertifyCreation", 2);
    cc(0x14B, "Duplicate", 2);
    cc(0x14C, "GetTime", 2);
    cc(0x14D, "GetSessionAuditDigest", 3);
    cc(0x14E, "NV_Read", 2);
    cc(0x14F, "NV_ReadLock", 2);
    cc(0x150, "ObjectChangeAuth", 2);
    cc(0x151, "PolicySecret", 2);
    cc(0x152, "Rewrap", 2);
    cc(0x153, "Create", 1);
    cc(0x154, "ECDH_ZGen", 1);
    cc(0x155, "HMAC", 1);
    cc(0x156, "Import", 1);
    cc(0x157, "Load", 1);
    cc(0x158, "Quote", 1);
    cc(0x159, "RSA_Decrypt", 1);
    cc(0x15B, "HMAC_Start", 1);
    cc(0x15C, "SequenceUpdate", 1);
    cc(0x15D, "Sign", 1);
    cc(0x15E, "Unseal", 1);
    cc(0x160, "PolicySigned", 2);
    cc(0x161, "ContextLoad", 0);
    cc(0x162, "ContextSave", 1);
    cc(0x163, "ECDH_KeyGen", 1);
    cc(0x164, "EncryptDecrypt", 1);
    cc(0x165, "FlushContext", 0);
    cc(0x167, "LoadExternal", 0);
    cc(0x168, "MakeCredential", 1);
    cc(0x169, "NV_ReadPublic", 1);
    cc(0x16A, "PolicyAuthorize", 1);
    cc(0x16B, "PolicyAuthValue", 1);
    cc(0x16C, "PolicyCommandCode", 1);
    cc(0x16D, "PolicyCounterTimer", 1);
    cc(0x16E, "PolicyCpHash", 1);
    cc(0x16F, "PolicyLocality", 1);
    cc(0x170, "PolicyNameHash", 1);
    cc(0x171, "PolicyOR", 1);
    cc(0x172, "PolicyTicket", 1);
    cc(0x173, "ReadPublic", 1);
    cc(0x174, "RSA_Encrypt", 1);
    cc(0x176, "StartAuthSession", 2);
    cc(0x177, "VerifySignature", 1);
    cc(0x178, "ECC_Parameters", 0);
    cc(0x17A, "GetCapability", 0);
    cc(0x17B, "GetRandom", 0);
    cc(0x17C, "GetTestResult", 0);
    cc(0x17D, "Hash", 0);
    cc(0x17E, "PCR_Read", 0);
    cc(0x17F, "PolicyPCR", 1);
    cc(0x180, "PolicyRestart", 1);
    cc(0x181, "ReadClock", 0);
    cc(0x182, "PCR_Extend", 1);
    cc(0x183, "PCR_SetAuthValue", 1);
    cc(0x185, "EventSequenceComplete", 2);
    cc(0x186, "HashSequenceStart", 0);
    cc(0x188, "PolicyGetDigest", 1);
    cc(0x189, "TestParms", 0);
    cc(0x18A, "Commit", 1);
    cc(0x18B, "PolicyPassword", 1);
    cc(0x18C, "ZGen_2Phase", 1);
    cc(0x18D, "EC_Ephemeral", 0);
    cc(0x18E, "PolicyNvWritten", 1);
    cc(0x18F, "PolicyTemplate", 1);
    cc(0x190, "CreateLoaded", 1);
    cc(0x191, "PolicyAuthorizeNV", 3);
    cc(0x192, "EncryptDecrypt2", 1);
  }

  private static void cc(int code, String name, int handles) {
    INFO.put(code, new Info(name, handles));
  }

  private CommandCodes() {}

  /** E.g. {@code Sign}; {@code command 0x1234} if unknown. */
  public static String name(int code) {
    Info i = INFO.get(code);
    return i != null ? i.name() : String.format("command 0x%X", code);
  }

  /** Number of handles in the command's handle area, or -1 if unknown. */
  static int handleCount(int code) {
    Info i = INFO.get(code);
    return i != null ? i.handles() : -1;
  }

  static final int CREATE_PRIMARY = 0x131;
  static final int HIERARCHY_CHANGE_AUTH = 0x129;
  static final int LOAD = 0x157;
  static final int SIGN = 0x15D;
  static final int CERTIFY = 0x148;
  static final int ACTIVATE_CREDENTIAL = 0x147;
  static final int POLICY_SECRET = 0x151;
  static final int CREATE = 0x153;
  static final int NV_READ = 0x14E;
  static final int START_AUTH_SESSION = 0x176;
  static final int GET_CAPABILITY = 0x17A;
  static final int FLUSH_CONTEXT = 0x165;
}
