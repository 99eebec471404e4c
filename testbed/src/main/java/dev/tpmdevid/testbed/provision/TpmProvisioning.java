package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.labpki.KeyType;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.PKCSException;
import tss.Tpm;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.CreateResponse;
import tss.tpm.GetCapabilityResponse;
import tss.tpm.TPMA_NV;
import tss.tpm.TPML_TAGGED_TPM_PROPERTY;
import tss.tpm.TPMS_NV_PUBLIC;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMS_TAGGED_PROPERTY;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_CAP;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_PT;
import tss.tpm.TPM_RH;

/**
 * The TPM commands of provisioning, on a TSS.Java {@link Tpm} that nobody else uses meanwhile.
 * Every transient object is flushed before a method returns, on every path (swtpm has 3 object
 * slots and no resource manager).
 */
final class TpmProvisioning {

  /**
   * ppwrite|writedefine|ppread|ownerread|authread|no_da|platformcreate, as real TPMs' EK
   * certificate indices.
   */
  static final TPMA_NV EK_CERT_NV_ATTRIBUTES =
      new TPMA_NV(
          TPMA_NV.PPWRITE,
          TPMA_NV.WRITEDEFINE,
          TPMA_NV.PPREAD,
          TPMA_NV.OWNERREAD,
          TPMA_NV.AUTHREAD,
          TPMA_NV.NO_DA,
          TPMA_NV.PLATFORMCREATE);

  private TpmProvisioning() {}

  /**
   * The public area of a primary key created in {@code hierarchy} from {@code template}; the key is
   * flushed.
   */
  static TPMT_PUBLIC createPrimaryPublic(Tpm tpm, TPM_HANDLE hierarchy, TPMT_PUBLIC template) {
    CreatePrimaryResponse primary =
        tpm.CreatePrimary(
            hierarchy,
            new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
            template,
            new byte[0],
            new TPMS_PCR_SELECTION[0]);
    tpm.FlushContext(primary.handle);
    return primary.outPublic;
  }

  /**
   * Creates the EK of {@code ekType} from its TCG template, has {@code pki} certify it and writes
   * the DER (plus {@code padding} 0xFF bytes) to the EK certificate NV index, as the platform.
   */
  static X509Certificate provisionEkCertificate(
      Tpm tpm, KeyType ekType, TestPki pki, TpmIdentity identity, int padding) {
    TPMT_PUBLIC ek =
        createPrimaryPublic(tpm, TPM_HANDLE.from(TPM_RH.ENDORSEMENT), Templates.ek(ekType));
    X509Certificate cert = pki.issueEkCertificate(TpmKeys.toPublicKey(ek), identity);
    byte[] der;
    try {
      der = cert.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
    byte[] contents = Arrays.copyOf(der, der.length + padding);
    Arrays.fill(contents, der.length, contents.length, (byte) 0xFF);
    writeNv(tpm, Templates.ekCertNvIndex(ekType), contents);
    return cert;
  }

  /**
   * Defines a platform-created NV index of exactly {@code contents.length} bytes and writes it in
   * chunks.
   */
  static void writeNv(Tpm tpm, int index, byte[] contents) {
    TPM_HANDLE platform = TPM_HANDLE.from(TPM_RH.PLATFORM);
    TPM_HANDLE nv = TPM_HANDLE.NV(index & 0x00FFFFFF);
    tpm.NV_DefineSpace(
        platform,
        new byte[0],
        new TPMS_NV_PUBLIC(
            nv, TPM_ALG_ID.SHA256, EK_CERT_NV_ATTRIBUTES, new byte[0], contents.length));
    int chunk = nvBufferMax(tpm);
    for (int off = 0; off < contents.length; off += chunk) {
      tpm.NV_Write(
          platform,
          nv,
          Arrays.copyOfRange(contents, off, Math.min(contents.length, off + chunk)),
          off);
    }
  }

  /** TPM_PT_NV_BUFFER_MAX: the largest NV_Write/NV_Read payload (1024 on swtpm). */
  static int nvBufferMax(Tpm tpm) {
    GetCapabilityResponse r =
        tpm.GetCapability(TPM_CAP.TPM_PROPERTIES, TPM_PT.NV_BUFFER_MAX.toInt(), 1);
    for (TPMS_TAGGED_PROPERTY p : ((TPML_TAGGED_TPM_PROPERTY) r.capabilityData).tpmProperty) {
      if (p.property.toInt() == TPM_PT.NV_BUFFER_MAX.toInt()) {
        return p.value;
      }
    }
    throw new IllegalStateException("TPM does not report TPM_PT_NV_BUFFER_MAX");
  }

  /** A DevID key created under the SRK, and its CSR signed inside the TPM. */
  record DevIdKey(TPMT_PUBLIC publicArea, byte[] privateBody, PKCS10CertificationRequest csr) {
    PublicKey publicKey() {
      return TpmKeys.toPublicKey(publicArea);
    }
  }

  /**
   * Creates the DevID under the SRK SPIRE's agent will re-create (H-1 for RSA, H-2 for ECC, empty
   * SRK auth — the auth value does not change the key), loads it and has it sign a PKCS#10 CSR for
   * {@code commonName}. The CSR signature is checked before returning.
   */
  static DevIdKey createDevId(
      Tpm tpm, KeyType type, byte[] ownerAuth, byte[] devIdAuth, String commonName) {
    return createDevId(tpm, type, false, ownerAuth, devIdAuth, commonName);
  }

  /**
   * As above; a restricted signing DevID when {@code restricted} (its CSR is signed through a
   * TPM2_Hash ticket).
   */
  static DevIdKey createDevId(
      Tpm tpm,
      KeyType type,
      boolean restricted,
      byte[] ownerAuth,
      byte[] devIdAuth,
      String commonName) {
    TPM_HANDLE owner = TPM_HANDLE.from(TPM_RH.OWNER);
    owner.AuthValue = ownerAuth;
    CreatePrimaryResponse srk =
        tpm.CreatePrimary(
            owner,
            new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
            Templates.srkFor(type),
            new byte[0],
            new TPMS_PCR_SELECTION[0]);
    CreateResponse created;
    TPM_HANDLE devId;
    try {
      created =
          tpm.Create(
              srk.handle,
              new TPMS_SENSITIVE_CREATE(devIdAuth, new byte[0]),
              Templates.devId(type, restricted),
              new byte[0],
              new TPMS_PCR_SELECTION[0]);
      devId = tpm.Load(srk.handle, created.outPrivate, created.outPublic);
    } finally {
      tpm.FlushContext(srk.handle);
    }
    try {
      devId.AuthValue = devIdAuth;
      PublicKey key = TpmKeys.toPublicKey(created.outPublic);
      X500Name subject =
          new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
      PKCS10CertificationRequest csr =
          new PKCS10CertificationRequestBuilder(
                  subject, SubjectPublicKeyInfo.getInstance(key.getEncoded()))
              .build(new TpmContentSigner(tpm, devId, type, restricted));
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new IllegalStateException("the TPM-signed CSR does not verify");
      }
      return new DevIdKey(created.outPublic, created.outPrivate.buffer, csr);
    } catch (OperatorCreationException | PKCSException e) {
      throw new IllegalStateException("cannot build the DevID CSR", e);
    } finally {
      tpm.FlushContext(devId);
    }
  }

  /**
   * Sets the owner and endorsement hierarchy authValues (each only if non-empty); both start empty.
   */
  static void changeHierarchyAuth(Tpm tpm, byte[] ownerAuth, byte[] endorsementAuth) {
    if (ownerAuth.length > 0) {
      tpm.HierarchyChangeAuth(TPM_HANDLE.from(TPM_RH.OWNER), ownerAuth);
    }
    if (endorsementAuth.length > 0) {
      tpm.HierarchyChangeAuth(TPM_HANDLE.from(TPM_RH.ENDORSEMENT), endorsementAuth);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
