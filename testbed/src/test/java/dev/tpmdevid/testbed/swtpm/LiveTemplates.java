package dev.tpmdevid.testbed.swtpm;

import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_ECC_POINT;
import tss.tpm.TPMS_NULL_ASYM_SCHEME;
import tss.tpm.TPMS_NULL_KDF_SCHEME;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMS_SIG_SCHEME_ECDSA;
import tss.tpm.TPMS_SIG_SCHEME_RSASSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_ECC_CURVE;

/** Small, fast key templates for live tests of the device layer (ECC keys take ~1 ms on swtpm). */
final class LiveTemplates {

    private LiveTemplates() {
    }

    /** A restricted ECC P-256 decryption (storage) primary, usable as a parent. */
    static TPMT_PUBLIC eccStorageKey() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256,
                new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                        TPMA_OBJECT.userWithAuth, TPMA_OBJECT.noDA, TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt),
                new byte[0],
                new TPMS_ECC_PARMS(new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, 128, TPM_ALG_ID.CFB),
                        new TPMS_NULL_ASYM_SCHEME(), TPM_ECC_CURVE.NIST_P256, new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT());
    }

    /** An unrestricted ECC P-256 ECDSA-SHA256 signing key. */
    static TPMT_PUBLIC eccSigningKey() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256,
                new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                        TPMA_OBJECT.userWithAuth, TPMA_OBJECT.sign),
                new byte[0],
                new TPMS_ECC_PARMS(new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL),
                        new TPMS_SIG_SCHEME_ECDSA(TPM_ALG_ID.SHA256), TPM_ECC_CURVE.NIST_P256,
                        new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT());
    }

    /** TCG EK policy: PolicySecret(TPM_RH_ENDORSEMENT) (TCG EK Credential Profile, template L-1/L-2). */
    static final byte[] EK_POLICY = java.util.HexFormat.of()
            .parseHex("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");

    private static TPMA_OBJECT ekAttributes() {
        return new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                TPMA_OBJECT.adminWithPolicy, TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt);
    }

    /** TCG default RSA-2048 EK (template L-1; what tpm2_createek -G rsa and swtpm_setup create). */
    static TPMT_PUBLIC rsaEk() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, ekAttributes(), EK_POLICY,
                new TPMS_RSA_PARMS(new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, 128, TPM_ALG_ID.CFB),
                        new TPMS_NULL_ASYM_SCHEME(), 2048, 0),
                new TPM2B_PUBLIC_KEY_RSA(new byte[256]));
    }

    /** TCG default ECC NIST P-256 EK (template L-2; what tpm2_createek -G ecc creates). */
    static TPMT_PUBLIC eccEk() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, ekAttributes(), EK_POLICY,
                new TPMS_ECC_PARMS(new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, 128, TPM_ALG_ID.CFB),
                        new TPMS_NULL_ASYM_SCHEME(), TPM_ECC_CURVE.NIST_P256, new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT(new byte[32], new byte[32]));
    }

    /** A restricted ECC P-256 ECDSA-SHA256 signing key: an attestation key that is fast to create. */
    static TPMT_PUBLIC eccAk() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256,
                new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                        TPMA_OBJECT.userWithAuth, TPMA_OBJECT.restricted, TPMA_OBJECT.sign),
                new byte[0],
                new TPMS_ECC_PARMS(new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL),
                        new TPMS_SIG_SCHEME_ECDSA(TPM_ALG_ID.SHA256), TPM_ECC_CURVE.NIST_P256,
                        new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT());
    }

    /** SPIRE's SRK for RSA DevIDs (SRKTemplateHighRSA: noDA, AES-128-CFB, empty unique), docs/tpm-access.md#templates. */
    static TPMT_PUBLIC rsaSrk() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256,
                new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                        TPMA_OBJECT.userWithAuth, TPMA_OBJECT.noDA, TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt),
                new byte[0],
                new TPMS_RSA_PARMS(new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, 128, TPM_ALG_ID.CFB),
                        new TPMS_NULL_ASYM_SCHEME(), 2048, 0),
                new TPM2B_PUBLIC_KEY_RSA());
    }

    /** SPIRE's AK (go-tpm-tools AKTemplateRSA): restricted RSASSA-SHA256 signing key. */
    static TPMT_PUBLIC rsaAk() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256,
                new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                        TPMA_OBJECT.userWithAuth, TPMA_OBJECT.restricted, TPMA_OBJECT.sign),
                new byte[0],
                new TPMS_RSA_PARMS(new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL),
                        new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.SHA256), 2048, 0),
                new TPM2B_PUBLIC_KEY_RSA());
    }

    /** An RSA DevID: unrestricted RSASSA-SHA256 signing key. */
    static TPMT_PUBLIC rsaDevId() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256,
                new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                        TPMA_OBJECT.userWithAuth, TPMA_OBJECT.sign),
                new byte[0],
                new TPMS_RSA_PARMS(new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL),
                        new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.SHA256), 2048, 0),
                new TPM2B_PUBLIC_KEY_RSA());
    }
}
