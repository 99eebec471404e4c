package dev.tpmdevid.core.tpm;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The manufacturer IDevID key of the TCG "TPM 2.0 Keys for Device Identity and Attestation"
 * document: where a manufacturer leaves it and the templates it is regenerated from (docs/idevid.md
 * has the sources of every value and what could not be confirmed).
 *
 * <p>An IDevID is a primary key of the endorsement hierarchy. A manufacturer either persists it
 * ({@link #IDEVID_HANDLE}) or leaves it to be regenerated with {@code TPM2_CreatePrimary} from one
 * of the templates below: the same seed and template give the same key, so the template is the
 * key's identity. Only the SHA-256 templates (RSA-2048 and NIST P-256) are defined here: they are
 * the ones a SPIRE server verifies (RSASSA-SHA256 or ECDSA-SHA256 signatures by the DevID key).
 *
 * <p>Templates are returned as encoded TPMT_PUBLIC bytes: their {@code unique} field holds the
 * ASCII string "IDevID", which {@link TpmtPublic} (a parsed public area whose unique is empty or a
 * key) deliberately does not represent.
 */
public final class IDevIdTemplates {

  /**
   * Persistent handle of the IDevID key (swtpm_setup {@code --idevidkeyalgo}; see docs/idevid.md).
   */
  public static final int IDEVID_HANDLE = 0x81020000;

  /**
   * Persistent handle of the IAK, next to the IDevID (not used by tpm_devid; listed for the docs).
   */
  public static final int IAK_HANDLE = 0x81020001;

  /** NV index of the IDevID certificate as swtpm_setup writes it (see docs/idevid.md). */
  public static final int IDEVID_CERT_NV_INDEX = 0x01C90200;

  /** NV index of the IAK certificate as swtpm_setup writes it (not used by tpm_devid). */
  public static final int IAK_CERT_NV_INDEX = 0x01C90100;

  /**
   * fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, adminWithPolicy, sign (restricted and
   * decrypt clear): an unrestricted signing key that never leaves the TPM.
   */
  public static final int IDEVID_ATTRIBUTES = 0x000400F2;

  /**
   * authPolicy of the SHA-256 IDevID templates: TPM2_PolicyOR of the four branches of {@link
   * #idevidPolicyBranchesSha256()} (docs/idevid.md#admin-policy).
   */
  public static final byte[] IDEVID_AUTH_POLICY_SHA256 =
      HexFormat.of().parseHex("ad6b3a2284fd698a0710bf5cc1b9bdf15e2532e3f601fa4b93a6a8fa8de579ea");

  /**
   * The document's "PolicyDelegationNV" branch of the IDevID policy (a TPM2_PolicyAuthorizeNV on an
   * index this project does not know the public area of): an opaque SHA-256 digest, checked only
   * through {@link #IDEVID_AUTH_POLICY_SHA256} being the PolicyOR of the four branches.
   */
  static final byte[] IDEVID_POLICY_DELEGATION_NV_SHA256 =
      HexFormat.of().parseHex("629c50b05f1adb5b4297feb241549d4217a1c792c162feb861022def88fa9501");

  private static final int TPM_CC_POLICY_SECRET = 0x00000151;
  private static final int TPM_CC_POLICY_COMMAND_CODE = 0x0000016C;
  private static final int TPM_CC_POLICY_OR = 0x00000171;
  private static final int TPM_RH_ENDORSEMENT = 0x4000000B;

  /** TPM_CC_Certify. */
  public static final int TPM_CC_CERTIFY = 0x00000148;

  private static final int TPM_CC_ACTIVATE_CREDENTIAL = 0x00000147;

  /** The {@code unique} seed of every IDevID template: ASCII "IDevID". */
  public static final byte[] UNIQUE = "IDevID".getBytes(StandardCharsets.US_ASCII);

  /** The templates by the name used in the agent's {@code devid_template} option. */
  public enum Template {
    /** RSA-2048, nameAlg SHA-256, scheme NULL (the signer picks RSASSA-SHA256), unique "IDevID". */
    IDEVID_RSA("idevid-rsa"),
    /**
     * NIST P-256, nameAlg SHA-256, scheme ECDSA-SHA256, unique.x "IDevID" and unique.y empty (as
     * swtpm_setup makes it; keylime puts "IDevID" in y as well — docs/idevid.md).
     */
    IDEVID_ECC("idevid-ecc");

    private final String configName;

    Template(String configName) {
      this.configName = configName;
    }

    /** The value of {@code devid_template}. */
    public String configName() {
      return configName;
    }

    public boolean isEcc() {
      return this == IDEVID_ECC;
    }

    /** A fresh copy of the encoded TPMT_PUBLIC template. */
    public byte[] encode() {
      return this == IDEVID_RSA ? rsa() : ecc();
    }

    /** The template for a {@code devid_template} value (case-insensitive), or null. */
    public static Template fromConfigName(String name) {
      String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
      for (Template t : values()) {
        if (t.configName.equals(n)) {
          return t;
        }
      }
      return null;
    }
  }

  private IDevIdTemplates() {}

  /**
   * The four branches of the SHA-256 IDevID admin policy, in PolicyOR order: PolicyUser =
   * PolicySecret(TPM_RH_ENDORSEMENT); PolicyCertify = PolicyUser then
   * PolicyCommandCode(TPM2_Certify); PolicyActivateCredential = PolicyUser then
   * PolicyCommandCode(TPM2_ActivateCredential); and the opaque PolicyDelegationNV. To Certify the
   * IDevID (ADMIN role) a policy session runs PolicySecret, PolicyCommandCode(TPM2_Certify) and
   * PolicyOR over these four.
   */
  public static List<byte[]> idevidPolicyBranchesSha256() {
    byte[] user = policySecretEndorsement(new byte[32]);
    return List.of(
        user,
        policyCommandCode(user, TPM_CC_CERTIFY),
        policyCommandCode(user, TPM_CC_ACTIVATE_CREDENTIAL),
        IDEVID_POLICY_DELEGATION_NV_SHA256.clone());
  }

  /** TPM2_PolicyOR's digest update over {@code branches} (from an all-zero digest, SHA-256). */
  public static byte[] policyOr(List<byte[]> branches) {
    TpmWriter w = new TpmWriter();
    w.bytes(new byte[32]).u32(TPM_CC_POLICY_OR);
    for (byte[] b : branches) {
      w.bytes(b);
    }
    return sha256(w.toByteArray());
  }

  /** PolicySecret(TPM_RH_ENDORSEMENT) with an empty policyRef, extending {@code digest}. */
  static byte[] policySecretEndorsement(byte[] digest) {
    byte[] name = new TpmWriter().u32(TPM_RH_ENDORSEMENT).toByteArray();
    byte[] first =
        sha256(new TpmWriter().bytes(digest).u32(TPM_CC_POLICY_SECRET).bytes(name).toByteArray());
    return sha256(first); // PolicyUpdate's second hash, over the (empty) policyRef
  }

  static byte[] policyCommandCode(byte[] digest, int commandCode) {
    return sha256(
        new TpmWriter()
            .bytes(digest)
            .u32(TPM_CC_POLICY_COMMAND_CODE)
            .u32(commandCode)
            .toByteArray());
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 not available", e);
    }
  }

  private static byte[] rsa() {
    TpmWriter w = new TpmWriter();
    w.u16(TpmAlg.RSA).u16(TpmAlg.SHA256).u32(IDEVID_ATTRIBUTES).tpm2b(IDEVID_AUTH_POLICY_SHA256);
    w.u16(TpmAlg.NULL); // symmetric
    w.u16(TpmAlg.NULL); // scheme
    w.u16(2048).u32(0); // keyBits, exponent (0 = 65537)
    w.tpm2b(UNIQUE);
    return w.toByteArray();
  }

  private static byte[] ecc() {
    TpmWriter w = new TpmWriter();
    w.u16(TpmAlg.ECC).u16(TpmAlg.SHA256).u32(IDEVID_ATTRIBUTES).tpm2b(IDEVID_AUTH_POLICY_SHA256);
    w.u16(TpmAlg.NULL); // symmetric
    w.u16(TpmAlg.ECDSA).u16(TpmAlg.SHA256); // scheme
    w.u16(TpmAlg.ECC_NIST_P256);
    w.u16(TpmAlg.NULL); // kdf
    w.tpm2b(UNIQUE).tpm2b(new byte[0]);
    return w.toByteArray();
  }
}
