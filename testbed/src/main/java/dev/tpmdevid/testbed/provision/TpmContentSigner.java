package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.labpki.KeyType;
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
import tss.tpm.HashResponse;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMS_SIGNATURE_ECC;
import tss.tpm.TPMS_SIGNATURE_RSA;
import tss.tpm.TPMT_TK_HASHCHECK;
import tss.tpm.TPMU_SIGNATURE;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * A Bouncy Castle {@link ContentSigner} whose signature comes from {@code TPM2_Sign} over the
 * SHA-256 of the collected bytes (docs/tpm-access.md#csr-in-tpm): lets a PKCS#10 CSR be signed by a
 * key that never leaves the TPM. The key's own scheme is used (RSASSA-SHA256 or ECDSA-SHA256);
 * ECDSA (r, s) becomes DER.
 */
final class TpmContentSigner implements ContentSigner {

  private final Tpm tpm;
  private final TPM_HANDLE key;
  private final AlgorithmIdentifier algorithm;
  private final ByteArrayOutputStream collected = new ByteArrayOutputStream();

  private final boolean restricted;

  /** {@code key} is loaded and carries its authValue; {@code type} is its algorithm. */
  TpmContentSigner(Tpm tpm, TPM_HANDLE key, KeyType type) {
    this(tpm, key, type, false);
  }

  /** As above; {@code restricted}: the key only signs a digest the TPM made (TPM2_Hash ticket). */
  TpmContentSigner(Tpm tpm, TPM_HANDLE key, KeyType type, boolean restricted) {
    this.tpm = tpm;
    this.key = key;
    this.restricted = restricted;
    this.algorithm =
        new DefaultSignatureAlgorithmIdentifierFinder().find(type.signatureAlgorithm());
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
    TPMT_TK_HASHCHECK ticket;
    byte[] data = collected.toByteArray();
    collected.reset();
    if (restricted) {
      // a restricted signing key signs only what the TPM hashed itself; the ticket proves it
      if (data.length > 1024) {
        throw new IllegalStateException(
            "CSR body of " + data.length + " bytes is too long for TPM2_Hash");
      }
      HashResponse h = tpm.Hash(data, TPM_ALG_ID.SHA256, TPM_HANDLE.from(TPM_RH.OWNER));
      digest = h.outHash;
      ticket = h.validation;
    } else {
      try {
        digest = MessageDigest.getInstance("SHA-256").digest(data);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      ticket = TPMT_TK_HASHCHECK.nullTicket();
    }
    TPMU_SIGNATURE sig = tpm.Sign(key, digest, new TPMS_NULL_SIG_SCHEME(), ticket);
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
    throw new IllegalStateException(
        "unexpected TPM signature type " + sig.getClass().getSimpleName());
  }
}
