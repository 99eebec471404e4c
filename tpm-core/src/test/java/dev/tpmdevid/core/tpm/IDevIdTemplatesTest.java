package dev.tpmdevid.core.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The IDevID templates and admin policy (docs/idevid.md). The policy value itself comes from
 * swtpm_setup, keylime and wolfTPM (three independent copies of the TCG table); the test rebuilds
 * it from its four branches, so the branches the agent sends in TPM2_PolicyOR are the ones the
 * digest was made of.
 */
class IDevIdTemplatesTest {

  /** PolicySecret(TPM_RH_ENDORSEMENT): the TCG EK credential profile's "PolicyA". */
  static final String POLICY_A = "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa";

  @Test
  void theFourBranchesOrTogetherToTheTemplatePolicy() {
    List<byte[]> branches = IDevIdTemplates.idevidPolicyBranchesSha256();
    assertThat(branches).hasSize(4);
    assertThat(IDevIdTemplates.policyOr(branches))
        .isEqualTo(IDevIdTemplates.IDEVID_AUTH_POLICY_SHA256);
    assertThat(HexFormat.of().formatHex(branches.get(0))).isEqualTo(POLICY_A);
  }

  @Test
  void theCertifyBranchIsPolicyAThenPolicyCommandCodeCertify() {
    byte[] a = HexFormat.of().parseHex(POLICY_A);
    assertThat(IDevIdTemplates.idevidPolicyBranchesSha256().get(1))
        .isEqualTo(IDevIdTemplates.policyCommandCode(a, IDevIdTemplates.TPM_CC_CERTIFY));
  }

  @Test
  void rsaTemplateIsAnUnrestrictedSigningPrimaryWithNoScheme() throws Exception {
    byte[] t = IDevIdTemplates.Template.IDEVID_RSA.encode();
    TpmReader r = new TpmReader(t);
    assertThat(r.u16("f")).isEqualTo(TpmAlg.RSA);
    assertThat(r.u16("f")).isEqualTo(TpmAlg.SHA256);
    assertThat(ObjectAttributes.fromBits((int) r.u32("f")))
        .isEqualTo(
            ObjectAttributes.of(
                ObjectAttribute.FIXED_TPM,
                ObjectAttribute.FIXED_PARENT,
                ObjectAttribute.SENSITIVE_DATA_ORIGIN,
                ObjectAttribute.USER_WITH_AUTH,
                ObjectAttribute.ADMIN_WITH_POLICY,
                ObjectAttribute.SIGN));
    assertThat(r.tpm2b("f", 1024)).isEqualTo(IDevIdTemplates.IDEVID_AUTH_POLICY_SHA256);
    assertThat(r.u16("f")).as("symmetric").isEqualTo(TpmAlg.NULL);
    assertThat(r.u16("f")).as("scheme").isEqualTo(TpmAlg.NULL);
    assertThat(r.u16("f")).as("keyBits").isEqualTo(2048);
    assertThat(r.u32("f")).as("exponent").isZero();
    assertThat(new String(r.tpm2b("f", 1024), "US-ASCII")).isEqualTo("IDevID");
    assertThat(r.remaining()).isZero();
  }

  @Test
  void eccTemplateIsP256EcdsaSha256WithIDevIdInX() throws Exception {
    byte[] t = IDevIdTemplates.Template.IDEVID_ECC.encode();
    TpmReader r = new TpmReader(t);
    assertThat(r.u16("f")).isEqualTo(TpmAlg.ECC);
    assertThat(r.u16("f")).isEqualTo(TpmAlg.SHA256);
    assertThat((int) r.u32("f")).isEqualTo(IDevIdTemplates.IDEVID_ATTRIBUTES);
    assertThat(r.tpm2b("f", 1024)).isEqualTo(IDevIdTemplates.IDEVID_AUTH_POLICY_SHA256);
    assertThat(r.u16("f")).as("symmetric").isEqualTo(TpmAlg.NULL);
    assertThat(r.u16("f")).as("scheme").isEqualTo(TpmAlg.ECDSA);
    assertThat(r.u16("f")).as("scheme hash").isEqualTo(TpmAlg.SHA256);
    assertThat(r.u16("f")).as("curve").isEqualTo(TpmAlg.ECC_NIST_P256);
    assertThat(r.u16("f")).as("kdf").isEqualTo(TpmAlg.NULL);
    assertThat(new String(r.tpm2b("f", 1024), "US-ASCII")).isEqualTo("IDevID");
    assertThat(r.tpm2b("f", 1024)).as("unique.y").isEmpty();
    assertThat(r.remaining()).isZero();
  }

  @Test
  void configNamesAreCaseInsensitiveAndClosed() {
    assertThat(IDevIdTemplates.Template.fromConfigName(" IDevID-RSA "))
        .isEqualTo(IDevIdTemplates.Template.IDEVID_RSA);
    assertThat(IDevIdTemplates.Template.fromConfigName("idevid-ecc"))
        .isEqualTo(IDevIdTemplates.Template.IDEVID_ECC);
    assertThat(IDevIdTemplates.Template.fromConfigName("idevid-p384")).isNull();
    assertThat(IDevIdTemplates.Template.fromConfigName(null)).isNull();
  }

  @Test
  void encodeReturnsAFreshCopy() {
    byte[] a = IDevIdTemplates.Template.IDEVID_RSA.encode();
    a[0] = 0x7F;
    assertThat(IDevIdTemplates.Template.IDEVID_RSA.encode()[0]).isZero();
  }
}
