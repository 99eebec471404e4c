package dev.tpmdevid.agent;

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
 * The public-area templates the agent sends to the TPM (docs/protocol.md#templates). Each call returns a fresh
 * object because TSS.Java structures are mutable.
 */
final class Templates {

    /** PolicySecret(TPM_RH_ENDORSEMENT) with SHA-256: the authPolicy of the TCG EK templates. */
    static final byte[] EK_AUTH_POLICY =
            HexFormat.of().parseHex("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");

    private Templates() {}

    private static TPMT_SYM_DEF_OBJECT aes128Cfb() {
        return new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, 128, TPM_ALG_ID.CFB);
    }

    private static TPMT_SYM_DEF_OBJECT symNull() {
        return new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL);
    }

    private static TPMA_OBJECT ekAttributes() {
        return new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                TPMA_OBJECT.adminWithPolicy, TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt);
    }

    private static TPMA_OBJECT srkAttributes() {
        return new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                TPMA_OBJECT.userWithAuth, TPMA_OBJECT.noDA, TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt);
    }

    private static TPMA_OBJECT akAttributes() {
        return new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                TPMA_OBJECT.userWithAuth, TPMA_OBJECT.restricted, TPMA_OBJECT.sign);
    }

    /** TCG EK Credential Profile template L-1 (RSA-2048, AES-128-CFB, unique = 256 zero bytes). */
    static TPMT_PUBLIC ekRsa() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, ekAttributes(), EK_AUTH_POLICY.clone(),
                new TPMS_RSA_PARMS(aes128Cfb(), new TPMS_NULL_ASYM_SCHEME(), 2048, 0),
                new TPM2B_PUBLIC_KEY_RSA(new byte[256]));
    }

    /** TCG EK Credential Profile template L-2 (NIST P-256, AES-128-CFB, unique = two 32-byte zero coordinates). */
    static TPMT_PUBLIC ekEcc() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, ekAttributes(), EK_AUTH_POLICY.clone(),
                new TPMS_ECC_PARMS(aes128Cfb(), new TPMS_NULL_ASYM_SCHEME(), TPM_ECC_CURVE.NIST_P256,
                        new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT(new byte[32], new byte[32]));
    }

    /** SRK template H-1 (RSA-2048, noDA, empty unique), go-tpm-tools SRKTemplateRSA as SPIRE uses it. */
    static TPMT_PUBLIC srkRsa() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, srkAttributes(), new byte[0],
                new TPMS_RSA_PARMS(aes128Cfb(), new TPMS_NULL_ASYM_SCHEME(), 2048, 0),
                new TPM2B_PUBLIC_KEY_RSA(new byte[0]));
    }

    /** SRK template H-2 (NIST P-256, noDA, empty unique). */
    static TPMT_PUBLIC srkEcc() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, srkAttributes(), new byte[0],
                new TPMS_ECC_PARMS(aes128Cfb(), new TPMS_NULL_ASYM_SCHEME(), TPM_ECC_CURVE.NIST_P256,
                        new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT(new byte[0], new byte[0]));
    }

    /** AK as the Go agent makes it: restricted RSA-2048, RSASSA-SHA256, nameAlg SHA-256 (attributes 0x00050072). */
    static TPMT_PUBLIC akRsa() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, akAttributes(), new byte[0],
                new TPMS_RSA_PARMS(symNull(), new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.SHA256), 2048, 0),
                new TPM2B_PUBLIC_KEY_RSA(new byte[0]));
    }

    /** Opt-in AK: restricted NIST P-256, ECDSA-SHA256, nameAlg SHA-256 (same attributes as {@link #akRsa()}). */
    static TPMT_PUBLIC akEcc() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, akAttributes(), new byte[0],
                new TPMS_ECC_PARMS(symNull(), new TPMS_SIG_SCHEME_ECDSA(TPM_ALG_ID.SHA256), TPM_ECC_CURVE.NIST_P256,
                        new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT(new byte[0], new byte[0]));
    }
}
