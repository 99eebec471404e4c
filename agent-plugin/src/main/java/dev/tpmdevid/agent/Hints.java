package dev.tpmdevid.agent;

/** What to fix, per TPM command and response code. Never mentions a password's value. */
final class Hints {

  private Hints() {}

  static String forFailure(String command, int rc) {
    int base = TpmRc.base(rc);
    int session = TpmRc.session(rc);
    boolean authFailed = base == TpmRc.BAD_AUTH || base == TpmRc.AUTH_FAIL;
    switch (base) {
      case TpmRc.LOCKOUT:
        return "the TPM is in dictionary-attack lockout after too many wrong passwords;"
            + " wait for the lockout to expire or reset it with the lockout authorisation";
      case TpmRc.OBJECT_MEMORY:
        return "no free transient object slot: another client left objects loaded; use the resource"
            + " manager device (/dev/tpmrm0) or flush them (tpm2_flushcontext -t)";
      case TpmRc.SESSION_MEMORY:
        return "no free session slot: another client left sessions open; use /dev/tpmrm0 or flush them"
            + " (tpm2_flushcontext -s -l)";
      case TpmRc.RETRY:
        return "the TPM kept answering TPM_RC_RETRY; try again later";
      case TpmRc.INITIALIZE:
        return "the TPM has not been started (TPM2_Startup missing)";
      default:
        break;
    }
    if (command.startsWith("TPM2_CreatePrimary(owner)") && authFailed) {
      return "owner_hierarchy_password is wrong";
    }
    if (command.startsWith("TPM2_CreatePrimary(owner)") && base == 0x085) {
      return "the owner hierarchy is disabled";
    }
    if ((command.startsWith("TPM2_CreatePrimary(endorsement)")
            || command.startsWith("TPM2_PolicySecret"))
        && authFailed) {
      return "endorsement_hierarchy_password is wrong";
    }
    if (command.startsWith("TPM2_CreatePrimary(endorsement)") && base == 0x085) {
      return "the endorsement hierarchy is disabled";
    }
    if (command.equals("TPM2_Load") && base == TpmRc.INTEGRITY) {
      return "the DevID blobs were not created under this TPM's storage root key (another TPM, the owner"
          + " hierarchy was cleared, or the SRK template at provisioning differed from H-1/H-2 with noDA)";
    }
    if (command.equals("TPM2_Load") && (base == 0x095 || base == 0x084)) {
      return "devid_priv_path/devid_pub_path do not hold a matching TPM2B_PRIVATE/TPMT_PUBLIC pair";
    }
    if (command.equals("TPM2_Load(AK)") && base == TpmRc.INTEGRITY) {
      return "the saved attestation key belongs to another TPM or SRK";
    }
    if ((command.equals("TPM2_Certify") || command.equals("TPM2_Sign"))
        && authFailed
        && (session == 1 || session == 0)) {
      return "devid_password is wrong";
    }
    if (command.equals("TPM2_NV_Read") && authFailed) {
      return "the EK certificate index is not readable with an empty index password"
          + " (or with owner_hierarchy_password)";
    }
    return "";
  }
}
