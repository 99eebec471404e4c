package dev.tpmdevid.testbed.provision;

import java.util.HexFormat;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_ECC_POINT;
import tss.tpm.TPMS_NULL_ASYM_SCHEME;
import tss.tpm.TPMS_NULL_KDF_SCHEME;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMS_SIG_SCHEME_ECDSA;
import tss.tpm.TPMS_SIG_SCHEME_RSASSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_ECC_CURVE;

/**
 * The key templates of provisioning (docs/protocol.md#templates), as TSS.Java structures. Each call returns a new
 * object (TSS structures are mutable).
 */
public final class Templates {

    /** PolicySecret(TPM_RH_ENDORSEMENT) with SHA-256: the authPolicy of the TCG default EKs. */
    public static final byte[] EK_AUTH_POLICY =
            HexFormat.of().parseHex("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");

    /** fixedTPM·fixedParent·sensitiveDataOrigin·adminWithPolicy·restricted·decrypt. */
    public static final int EK_ATTRIBUTES = 0x000300B2;
    /** fixedTPM·fixedParent·sensitiveDataOrigin·userWithAuth·noDA·restricted·decrypt (TCG H-1/H-2). */
    public static final int SRK_ATTRIBUTES = 0x00030472;
    /** fixedTPM·fixedParent·sensitiveDataOrigin·userWithAuth·sign (what SPIRE's tests give the DevID). */
    public static final int DEVID_ATTRIBUTES = 0x00040072;

    /** NV index of the RSA-2048 EK certificate (TCG EK Credential Profile, low range). */
    public static final int RSA_EK_CERT_NV_INDEX = 0x01C00002;
    /** NV index of the ECC NIST P-256 EK certificate (TCG EK Credential Profile, low range). */
    public static final int ECC_EK_CERT_NV_INDEX = 0x01C0000A;

    private Templates() {
    }

    /** TCG EK template L-1: RSA-2048, AES-128-CFB, unique = 256 zero bytes (= {@code tpm2_createek -G rsa}). */
    public static TPMT_PUBLIC ekRsa() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, new TPMA_OBJECT(EK_ATTRIBUTES), EK_AUTH_POLICY.clone(),
                new TPMS_RSA_PARMS(aes128Cfb(), new TPMS_NULL_ASYM_SCHEME(), 2048, 0),
                new TPM2B_PUBLIC_KEY_RSA(new byte[256]));
    }

    /** TCG EK template L-2: NIST P-256, AES-128-CFB, unique x and y = 32 zero bytes each (= {@code tpm2_createek -G ecc}). */
    public static TPMT_PUBLIC ekEcc() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, new TPMA_OBJECT(EK_ATTRIBUTES), EK_AUTH_POLICY.clone(),
                new TPMS_ECC_PARMS(aes128Cfb(), new TPMS_NULL_ASYM_SCHEME(), TPM_ECC_CURVE.NIST_P256, new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT(new byte[32], new byte[32]));
    }

    /** SPIRE's {@code SRKTemplateHighRSA} (TCG H-1 with an empty unique): the parent of RSA DevIDs. */
    public static TPMT_PUBLIC srkRsa() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, new TPMA_OBJECT(SRK_ATTRIBUTES), new byte[0],
                new TPMS_RSA_PARMS(aes128Cfb(), new TPMS_NULL_ASYM_SCHEME(), 2048, 0), new TPM2B_PUBLIC_KEY_RSA());
    }

    /** SPIRE's {@code SRKTemplateHighECC} (TCG H-2 with an empty unique): the parent of ECC DevIDs. */
    public static TPMT_PUBLIC srkEcc() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, new TPMA_OBJECT(SRK_ATTRIBUTES), new byte[0],
                new TPMS_ECC_PARMS(aes128Cfb(), new TPMS_NULL_ASYM_SCHEME(), TPM_ECC_CURVE.NIST_P256, new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT());
    }

    /** RSA-2048 DevID, RSASSA-SHA256, attributes 0x00040072. */
    public static TPMT_PUBLIC devIdRsa() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, new TPMA_OBJECT(DEVID_ATTRIBUTES), new byte[0],
                new TPMS_RSA_PARMS(TPMT_SYM_DEF_OBJECT.nullObject(), new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.SHA256), 2048, 0),
                new TPM2B_PUBLIC_KEY_RSA());
    }

    /** NIST P-256 DevID, ECDSA-SHA256, attributes 0x00040072. */
    public static TPMT_PUBLIC devIdEcc() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, new TPMA_OBJECT(DEVID_ATTRIBUTES), new byte[0],
                new TPMS_ECC_PARMS(TPMT_SYM_DEF_OBJECT.nullObject(), new TPMS_SIG_SCHEME_ECDSA(TPM_ALG_ID.SHA256),
                        TPM_ECC_CURVE.NIST_P256, new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT());
    }

    /** The EK template of a key type. */
    public static TPMT_PUBLIC ek(KeyType type) {
        return type == KeyType.RSA ? ekRsa() : ekEcc();
    }

    /** The SRK a DevID of this type lives under (as SPIRE's agent picks it). */
    public static TPMT_PUBLIC srkFor(KeyType devIdType) {
        return devIdType == KeyType.RSA ? srkRsa() : srkEcc();
    }

    /** The DevID template of a key type. */
    public static TPMT_PUBLIC devId(KeyType type) {
        return type == KeyType.RSA ? devIdRsa() : devIdEcc();
    }

    /** The DevID template of a key type, made a restricted signing key when {@code restricted} (0x00050072). */
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

    private static TPMT_SYM_DEF_OBJECT aes128Cfb() {
        return new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, 128, TPM_ALG_ID.CFB);
    }
}
