package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.labpki.KeyType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
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
import tss.tpm.CreateResponse;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPM_HANDLE;

/**
 * The LDevID step of provisioning alone, for an already provisioned machine (the {@code tpm-devid
 * provision} command): a DevID key created in the TPM under SPIRE's SRK template (H-1 RSA / H-2
 * ECC, re-created from the owner hierarchy) or under a persistent SRK handle, and a PKCS#10 CSR
 * signed inside the TPM. The blobs are in SPIRE's format: raw TPMT_PUBLIC and the TPM2B_PRIVATE
 * contents without size.
 */
public final class LDevIdProvisioner {

  /** What the TPM made. */
  public record LDevId(byte[] publicArea, byte[] privateBlob, byte[] csrDer, PublicKey publicKey) {}

  private LDevIdProvisioner() {}

  /**
   * @param srkHandle a persistent SRK (e.g. 0x81000001, empty auth), or {@code null} for SPIRE's
   *     SRK template under the owner hierarchy
   */
  public static LDevId create(
      Tpm tpm,
      KeyType type,
      String ownerPassword,
      String devIdPassword,
      String commonName,
      Integer srkHandle) {
    byte[] devIdAuth = devIdPassword.getBytes(StandardCharsets.UTF_8);
    TpmProvisioning.DevIdKey key;
    if (srkHandle == null) {
      key =
          TpmProvisioning.createDevId(
              tpm, type, ownerPassword.getBytes(StandardCharsets.UTF_8), devIdAuth, commonName);
    } else {
      key = underPersistentSrk(tpm, type, srkHandle, devIdAuth, commonName);
    }
    try {
      return new LDevId(
          key.publicArea().toTpm(), key.privateBody(), key.csr().getEncoded(), key.publicKey());
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode the CSR", e);
    }
  }

  private static TpmProvisioning.DevIdKey underPersistentSrk(
      Tpm tpm, KeyType type, int handle, byte[] devIdAuth, String commonName) {
    TPM_HANDLE srk = TPM_HANDLE.from(handle);
    CreateResponse created =
        tpm.Create(
            srk,
            new TPMS_SENSITIVE_CREATE(devIdAuth, new byte[0]),
            Templates.devId(type),
            new byte[0],
            new TPMS_PCR_SELECTION[0]);
    TPM_HANDLE devId = tpm.Load(srk, created.outPrivate, created.outPublic);
    try {
      devId.AuthValue = devIdAuth;
      PublicKey key = TpmKeys.toPublicKey(created.outPublic);
      X500Name subject =
          new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
      PKCS10CertificationRequest csr =
          new PKCS10CertificationRequestBuilder(
                  subject, SubjectPublicKeyInfo.getInstance(key.getEncoded()))
              .build(new TpmContentSigner(tpm, devId, type));
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new IllegalStateException("the TPM-signed CSR does not verify");
      }
      return new TpmProvisioning.DevIdKey(created.outPublic, created.outPrivate.buffer, csr);
    } catch (OperatorCreationException | PKCSException e) {
      throw new IllegalStateException("cannot build the DevID CSR", e);
    } finally {
      tpm.FlushContext(devId);
    }
  }
}
