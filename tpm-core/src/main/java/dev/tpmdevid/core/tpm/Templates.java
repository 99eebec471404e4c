package dev.tpmdevid.core.tpm;

import java.util.HexFormat;

/**
 * The one set of public-area templates of tpm_devid (docs/protocol.md#templates): the TCG EKs,
 * SPIRE's SRKs, the AK and the DevIDs the testbed provisions. Used by the agent, the testbed
 * provisioner and the tests. {@link TpmtPublic} is immutable, so the templates are shared
 * constants; {@link TpmtPublic#encode()} gives the bytes to hand to TPM2_CreatePrimary /
 * TPM2_Create.
 */
public final class Templates {

  /** fixedTPM·fixedParent·sensitiveDataOrigin·adminWithPolicy·restricted·decrypt (TCG L-1/L-2). */
  public static final int EK_ATTRIBUTES = 0x000300B2;

  /**
   * fixedTPM·fixedParent·sensitiveDataOrigin·userWithAuth·noDA·restricted·decrypt (TCG H-1/H-2).
   */
  public static final int SRK_ATTRIBUTES = 0x00030472;

  /** fixedTPM·fixedParent·sensitiveDataOrigin·userWithAuth·restricted·sign (the Go agent's AK). */
  public static final int AK_ATTRIBUTES = 0x00050072;

  /**
   * fixedTPM·fixedParent·sensitiveDataOrigin·userWithAuth·sign (what SPIRE's tests give the DevID).
   */
  public static final int DEVID_ATTRIBUTES = 0x00040072;

  private static final String EK_POLICY_HEX =
      "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa";

  /** TCG EK Credential Profile template L-1: RSA-2048, AES-128-CFB, unique = 256 zero bytes. */
  public static final TpmtPublic EK_RSA =
      TpmtPublic.builder()
          .type(TpmAlg.RSA)
          .attributes(ObjectAttributes.fromBits(EK_ATTRIBUTES))
          .authPolicy(ekAuthPolicy())
          .symmetric(TpmtPublic.Symmetric.AES_128_CFB)
          .rsaKeyBits(2048)
          .rsaModulus(new byte[256])
          .build();

  /**
   * TCG EK Credential Profile template L-2: NIST P-256, AES-128-CFB, unique = two 32-byte zeros.
   */
  public static final TpmtPublic EK_ECC =
      TpmtPublic.builder()
          .type(TpmAlg.ECC)
          .attributes(ObjectAttributes.fromBits(EK_ATTRIBUTES))
          .authPolicy(ekAuthPolicy())
          .symmetric(TpmtPublic.Symmetric.AES_128_CFB)
          .curveId(TpmAlg.ECC_NIST_P256)
          .eccPoint(new byte[32], new byte[32])
          .build();

  /** SPIRE's {@code SRKTemplateHighRSA} (TCG H-1 with an empty unique): parent of RSA DevIDs. */
  public static final TpmtPublic SRK_RSA =
      TpmtPublic.builder()
          .type(TpmAlg.RSA)
          .attributes(ObjectAttributes.fromBits(SRK_ATTRIBUTES))
          .symmetric(TpmtPublic.Symmetric.AES_128_CFB)
          .rsaKeyBits(2048)
          .build();

  /** SPIRE's {@code SRKTemplateHighECC} (TCG H-2 with an empty unique): parent of ECC DevIDs. */
  public static final TpmtPublic SRK_ECC =
      TpmtPublic.builder()
          .type(TpmAlg.ECC)
          .attributes(ObjectAttributes.fromBits(SRK_ATTRIBUTES))
          .symmetric(TpmtPublic.Symmetric.AES_128_CFB)
          .curveId(TpmAlg.ECC_NIST_P256)
          .build();

  /** The AK as the Go agent makes it: restricted RSA-2048, RSASSA-SHA256. */
  public static final TpmtPublic AK_RSA =
      TpmtPublic.builder()
          .type(TpmAlg.RSA)
          .attributes(ObjectAttributes.fromBits(AK_ATTRIBUTES))
          .scheme(TpmtPublic.Scheme.RSASSA_SHA256)
          .rsaKeyBits(2048)
          .build();

  /** Opt-in AK: restricted NIST P-256, ECDSA-SHA256 (same attributes as {@link #AK_RSA}). */
  public static final TpmtPublic AK_ECC =
      TpmtPublic.builder()
          .type(TpmAlg.ECC)
          .attributes(ObjectAttributes.fromBits(AK_ATTRIBUTES))
          .scheme(TpmtPublic.Scheme.ECDSA_SHA256)
          .curveId(TpmAlg.ECC_NIST_P256)
          .build();

  /** RSA-2048 DevID, RSASSA-SHA256, attributes {@link #DEVID_ATTRIBUTES}. */
  public static final TpmtPublic DEVID_RSA =
      TpmtPublic.builder()
          .type(TpmAlg.RSA)
          .attributes(ObjectAttributes.fromBits(DEVID_ATTRIBUTES))
          .scheme(TpmtPublic.Scheme.RSASSA_SHA256)
          .rsaKeyBits(2048)
          .build();

  /** NIST P-256 DevID, ECDSA-SHA256, attributes {@link #DEVID_ATTRIBUTES}. */
  public static final TpmtPublic DEVID_ECC =
      TpmtPublic.builder()
          .type(TpmAlg.ECC)
          .attributes(ObjectAttributes.fromBits(DEVID_ATTRIBUTES))
          .scheme(TpmtPublic.Scheme.ECDSA_SHA256)
          .curveId(TpmAlg.ECC_NIST_P256)
          .build();

  private Templates() {}

  /**
   * The authPolicy of the TCG EK templates: PolicySecret(TPM_RH_ENDORSEMENT) with SHA-256 (a fresh
   * copy on each call).
   */
  public static byte[] ekAuthPolicy() {
    return HexFormat.of().parseHex(EK_POLICY_HEX);
  }

  /** The EK template (L-1 or L-2). */
  public static TpmtPublic ek(boolean ecc) {
    return ecc ? EK_ECC : EK_RSA;
  }

  /** The SRK a DevID of this type lives under, as SPIRE's agent picks it. */
  public static TpmtPublic srk(boolean ecc) {
    return ecc ? SRK_ECC : SRK_RSA;
  }

  /** The AK template. */
  public static TpmtPublic ak(boolean ecc) {
    return ecc ? AK_ECC : AK_RSA;
  }

  /** The DevID template the testbed provisions. */
  public static TpmtPublic devId(boolean ecc) {
    return ecc ? DEVID_ECC : DEVID_RSA;
  }
}
