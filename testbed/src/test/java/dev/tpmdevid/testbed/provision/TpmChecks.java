package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.labpki.KeyType;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import tss.Tpm;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.NV_ReadPublicResponse;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMS_SIGNATURE_ECC;
import tss.tpm.TPMS_SIGNATURE_RSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_TK_HASHCHECK;
import tss.tpm.TPMU_SIGNATURE;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/** Independent checks of a provisioned TPM, written from the agent's point of view. */
final class TpmChecks {

  private TpmChecks() {}

  /** NV contents of an index, read with owner auth in chunks of TPM_PT_NV_BUFFER_MAX. */
  static byte[] readNv(Tpm tpm, int index, byte[] ownerAuth) {
    TPM_HANDLE nv = TPM_HANDLE.NV(index & 0x00FFFFFF);
    NV_ReadPublicResponse pub = tpm.NV_ReadPublic(nv);
    int size = pub.nvPublic.dataSize;
    int chunk = TpmProvisioning.nvBufferMax(tpm);
    byte[] out = new byte[size];
    TPM_HANDLE owner = TPM_HANDLE.from(TPM_RH.OWNER);
    owner.AuthValue = ownerAuth;
    for (int off = 0; off < size; off += chunk) {
      byte[] part = tpm.NV_Read(owner, nv, Math.min(chunk, size - off), off);
      System.arraycopy(part, 0, out, off, part.length);
    }
    return out;
  }

  static int nvAttributes(Tpm tpm, int index) {
    return tpm.NV_ReadPublic(TPM_HANDLE.NV(index & 0x00FFFFFF)).nvPublic.attributes.toInt();
  }

  /** The first DER TLV of {@code b} (what SPIRE's agent keeps of the NV contents). */
  static byte[] derTrim(byte[] b) {
    if (b[0] != 0x30) {
      throw new IllegalArgumentException("not a SEQUENCE");
    }
    int len = b[1] & 0xFF;
    int header = 2;
    if (len >= 0x80) {
      int n = len & 0x7F;
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (b[2 + i] & 0xFF);
      }
      header += n;
    }
    return Arrays.copyOf(b, header + len);
  }

  static X509Certificate parseCertificate(byte[] der) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  static List<X509Certificate> readPemChain(Path pem) throws Exception {
    List<X509Certificate> out = new ArrayList<>();
    for (Certificate c :
        CertificateFactory.getInstance("X.509").generateCertificates(Files.newInputStream(pem))) {
      out.add((X509Certificate) c);
    }
    return out;
  }

  /** The EK public area, created again from the template (with the endorsement password). */
  static TPMT_PUBLIC createEk(Tpm tpm, KeyType type, byte[] endorsementAuth) {
    TPM_HANDLE e = TPM_HANDLE.from(TPM_RH.ENDORSEMENT);
    e.AuthValue = endorsementAuth;
    return TpmProvisioning.createPrimaryPublic(tpm, e, Templates.ek(type));
  }

  /**
   * As SPIRE's agent does: SRK from SPIRE's template (random SRK auth), Load the blob files, sign
   * SHA-256(nonce) with the DevID, flush everything; returns the signature in JCA form.
   */
  static byte[] loadAndSign(
      Tpm tpm,
      KeyType type,
      byte[] pubBlob,
      byte[] privBlob,
      byte[] ownerAuth,
      byte[] devIdAuth,
      byte[] nonce)
      throws Exception {
    TPM_HANDLE owner = TPM_HANDLE.from(TPM_RH.OWNER);
    owner.AuthValue = ownerAuth;
    byte[] srkAuth = new byte[32];
    new java.security.SecureRandom().nextBytes(srkAuth);
    CreatePrimaryResponse srk =
        tpm.CreatePrimary(
            owner,
            new TPMS_SENSITIVE_CREATE(srkAuth, new byte[0]),
            Templates.srkFor(type),
            new byte[0],
            new TPMS_PCR_SELECTION[0]);
    srk.handle.AuthValue = srkAuth;
    TPM_HANDLE devId;
    try {
      devId = tpm.Load(srk.handle, new TPM2B_PRIVATE(privBlob), TPMT_PUBLIC.fromTpm(pubBlob));
    } finally {
      tpm.FlushContext(srk.handle);
    }
    try {
      devId.AuthValue = devIdAuth;
      return sign(tpm, devId, nonce);
    } finally {
      tpm.FlushContext(devId);
    }
  }

  /**
   * TPM2_Sign(SHA-256(message)) with the key's scheme; ECDSA (r, s) as DER, as SPIRE's agent sends
   * it.
   */
  static byte[] sign(Tpm tpm, TPM_HANDLE key, byte[] message) throws Exception {
    TPMU_SIGNATURE sig =
        tpm.Sign(key, sha256(message), new TPMS_NULL_SIG_SCHEME(), TPMT_TK_HASHCHECK.nullTicket());
    if (sig instanceof TPMS_SIGNATURE_RSA rsa) {
      return rsa.sig;
    }
    TPMS_SIGNATURE_ECC ecc = (TPMS_SIGNATURE_ECC) sig;
    return new DERSequence(
            new ASN1Encodable[] {
              new ASN1Integer(new BigInteger(1, ecc.signatureR)),
              new ASN1Integer(new BigInteger(1, ecc.signatureS))
            })
        .getEncoded();
  }

  static boolean verify(PublicKey key, KeyType type, byte[] message, byte[] signature)
      throws Exception {
    Signature v = Signature.getInstance(type.signatureAlgorithm());
    v.initVerify(key);
    v.update(message);
    return v.verify(signature);
  }

  static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }
}
