package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.core.device.TssStructures;
import dev.tpmdevid.core.ek.EkCertificates;
import dev.tpmdevid.labpki.KeyType;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMT_PUBLIC;

/**
 * The key templates of provisioning, by {@link KeyType}, as TSS.Java structures. The templates
 * themselves are tpm-core's {@link dev.tpmdevid.core.tpm.Templates} (docs/protocol.md#templates),
 * the one copy the agent uses too; each call returns a new TSS object (TSS structures are mutable).
 */
public final class Templates {

  /**
   * fixedTPM·fixedParent·sensitiveDataOrigin·userWithAuth·sign (what SPIRE's tests give the DevID).
   */
  public static final int DEVID_ATTRIBUTES = dev.tpmdevid.core.tpm.Templates.DEVID_ATTRIBUTES;

  /** NV index of the RSA-2048 EK certificate (TCG EK Credential Profile, low range). */
  public static final int RSA_EK_CERT_NV_INDEX = EkCertificates.NV_INDEX_RSA_2048;

  /** NV index of the ECC NIST P-256 EK certificate (TCG EK Credential Profile, low range). */
  public static final int ECC_EK_CERT_NV_INDEX = EkCertificates.NV_INDEX_ECC_P256;

  private Templates() {}

  /** TCG EK template L-1 (= {@code tpm2_createek -G rsa}). */
  public static TPMT_PUBLIC ekRsa() {
    return TssStructures.publicArea(dev.tpmdevid.core.tpm.Templates.EK_RSA);
  }

  /** SPIRE's {@code SRKTemplateHighRSA}: the parent of RSA DevIDs. */
  public static TPMT_PUBLIC srkRsa() {
    return TssStructures.publicArea(dev.tpmdevid.core.tpm.Templates.SRK_RSA);
  }

  /** The EK template of a key type. */
  public static TPMT_PUBLIC ek(KeyType type) {
    return TssStructures.publicArea(dev.tpmdevid.core.tpm.Templates.ek(type == KeyType.ECC));
  }

  /** The SRK a DevID of this type lives under (as SPIRE's agent picks it). */
  public static TPMT_PUBLIC srkFor(KeyType devIdType) {
    return TssStructures.publicArea(dev.tpmdevid.core.tpm.Templates.srk(devIdType == KeyType.ECC));
  }

  /** The DevID template of a key type. */
  public static TPMT_PUBLIC devId(KeyType type) {
    return TssStructures.publicArea(dev.tpmdevid.core.tpm.Templates.devId(type == KeyType.ECC));
  }

  /**
   * The DevID template of a key type, made a restricted signing key when {@code restricted}
   * (0x00050072).
   */
  public static TPMT_PUBLIC devId(KeyType type, boolean restricted) {
    TPMT_PUBLIC t = devId(type);
    if (restricted) {
      t.objectAttributes = new TPMA_OBJECT(DEVID_ATTRIBUTES | TPMA_OBJECT.restricted.toInt());
    }
    return t;
  }

  /** The EK certificate NV index of an EK type. */
  public static int ekCertNvIndex(KeyType type) {
    return type == KeyType.RSA ? RSA_EK_CERT_NV_INDEX : ECC_EK_CERT_NV_INDEX;
  }
}
