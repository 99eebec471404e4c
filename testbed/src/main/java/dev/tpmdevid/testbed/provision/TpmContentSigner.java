package dev.tpmdevid.testbed.provision;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import tss.Tpm;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMS_SIGNATURE_ECC;
import tss.tpm.TPMS_SIGNATURE_RSA;
import tss.tpm.TPMT_TK_HASHCHECK;
import tss.tpm.TPMU_SIGNATURE;
import tss.tpm.TPM_HANDLE;

/**
 * A Bouncy Castle {@link ContentSigner} whose signature comes from {@code TPM2_Sign} over the SHA-256
 * of the collected bytes (docs/tpm-access.md#csr-in-tpm): lets a PKCS#10 CSR be signed by a key that never leaves the
 * TPM. The key's own scheme is used (RSASSA-SHA256 or ECDSA-SHA256); ECDSA (r, s) becomes DER.
 */
final class TpmContentSigner implements ContentSigner {

    private final Tpm tpm;
    private final TPM_HANDLE key;
    private final AlgorithmIdentifier algorithm;
    private final ByteArrayOutputStream collected = new ByteArrayOutputStream();

    /** {@code key} is loaded and carries its authValue; {@code type} is its algorithm. */
    TpmContentSigner(Tpm tpm, TPM_HANDLE key, KeyType type) {
        this.tpm = tpm;
        this.key = key;
        this.algorithm = new DefaultSignatureAlgorithmIdentifierFinder().find(type.signatureAlgorithm());
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithm;
    }

    @Override
    public OutputStream getOutputStream() {
        return collected;
    }

    @Override
    public byte[] getSignature() {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(collected.toByteArray());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        collected.reset();
        TPMU_SIGNATURE sig = tpm.Sign(key, digest, new TPMS_NULL_SIG_SCHEME(), TPMT_TK_HASHCHECK.nullTicket());
        if (sig instanceof TPMS_SIGNATURE_RSA rsa) {
            return rsa.sig;
        }
        if (sig instanceof TPMS_SIGNATURE_ECC ecc) {
            ASN1EncodableVector rs = new ASN1EncodableVector();
            rs.add(new ASN1Integer(new BigInteger(1, ecc.signatureR)));
            rs.add(new ASN1Integer(new BigInteger(1, ecc.signatureS)));
            try {
                return new DERSequence(rs).getEncoded(ASN1Encoding.DER);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("unexpected TPM signature type " + sig.getClass().getSimpleName());
    }
}
