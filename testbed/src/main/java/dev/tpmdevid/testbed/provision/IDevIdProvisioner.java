package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.tpm.IDevIdTemplates;
import dev.tpmdevid.labpki.KeyType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import tss.Tpm;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * Adds a manufacturer-style IDevID (docs/idevid.md) to a TPM {@link Provisioner} has already
 * provisioned (EK certificates, hierarchy passwords): the primary key of the IDevID template in the
 * endorsement hierarchy, a certificate chain for it from the test DevID CA (leaf, then the
 * intermediate when the options ask for one), written as concatenated DER to an NV index, and
 * either
 *
 * <ul>
 *   <li>{@link Mode#PERSISTENT}: the key persisted at {@link IDevIdTemplates#IDEVID_HANDLE}
 *       (TPM2_EvictControl, owner hierarchy) with the options' DevID password as its authValue, or
 *   <li>{@link Mode#TEMPLATE}: nothing persisted; the agent regenerates the key from the template.
 * </ul>
 *
 * The chain is also written as PEM to {@code idevid.crt.pem} in the TPM's files directory (for the
 * docs and the CLI; the agent reads NV). The earlier LDevID stays as it was.
 */
public final class IDevIdProvisioner {

  /** File the IDevID chain is also written to, next to the LDevID files. */
  public static final String IDEVID_CERT = "idevid.crt.pem";

  /** Where the agent finds the key. */
  public enum Mode {
    /** {@code devid_handle}: the key persisted at 0x81020000. */
    PERSISTENT,
    /** {@code devid_template}: the primary key regenerated from the template. */
    TEMPLATE
  }

  /**
   * An IDevID in a TPM: what the agent needs to be configured with.
   *
   * @param base the provisioned TPM it was added to
   * @param keyType RSA-2048 ({@code idevid-rsa}) or P-256 ({@code idevid-ecc})
   * @param mode persistent or template
   * @param nvIndex NV index of the chain
   * @param chain leaf first
   */
  public record IDevId(
      ProvisionedTpm base, KeyType keyType, Mode mode, int nvIndex, List<X509Certificate> chain) {

    public IDevIdTemplates.Template template() {
      return templateOf(keyType);
    }

    public X509Certificate certificate() {
      return chain.get(0);
    }

    /**
     * The agent's {@code plugin_data}: device path, {@code devid_handle} or {@code devid_template},
     * {@code devid_cert_nv_index}, and the passwords of the base options.
     */
    public String agentConfig() {
      ProvisionOptions o = base.options();
      StringBuilder b = new StringBuilder();
      b.append("tpm_device_path = \"").append(base.tpmDevicePath()).append("\"\n");
      if (mode == Mode.PERSISTENT) {
        b.append(String.format("devid_handle = \"0x%08X\"%n", IDevIdTemplates.IDEVID_HANDLE));
      } else {
        b.append("devid_template = \"").append(template().configName()).append("\"\n");
      }
      b.append(String.format("devid_cert_nv_index = \"0x%08X\"%n", nvIndex));
      if (!o.devIdPassword().isEmpty()) {
        b.append("devid_password = \"").append(o.devIdPassword()).append("\"\n");
      }
      if (!o.ownerPassword().isEmpty()) {
        b.append("owner_hierarchy_password = \"").append(o.ownerPassword()).append("\"\n");
      }
      if (!o.endorsementPassword().isEmpty()) {
        b.append("endorsement_hierarchy_password = \"")
            .append(o.endorsementPassword())
            .append("\"\n");
      }
      return b.toString();
    }

    /** The server's {@code plugin_data}: the same CAs as the base TPM's. */
    public String serverConfig() {
      return base.serverConfig();
    }
  }

  private IDevIdProvisioner() {}

  /** The template of an IDevID key type. */
  public static IDevIdTemplates.Template templateOf(KeyType type) {
    return type == KeyType.RSA
        ? IDevIdTemplates.Template.IDEVID_RSA
        : IDevIdTemplates.Template.IDEVID_ECC;
  }

  /**
   * Adds an IDevID to {@code base}'s running TPM (no other user meanwhile), its chain in NV {@link
   * IDevIdTemplates#IDEVID_CERT_NV_INDEX}.
   */
  public static IDevId provision(ProvisionedTpm base, KeyType type, Mode mode) {
    return provision(
        base,
        type,
        mode,
        IDevIdTemplates.IDEVID_CERT_NV_INDEX,
        "idevid-" + type.name().toLowerCase());
  }

  /** As {@link #provision(ProvisionedTpm, KeyType, Mode)} with the NV index and leaf CN given. */
  public static IDevId provision(
      ProvisionedTpm base, KeyType type, Mode mode, int nvIndex, String commonName) {
    try (TpmConnection c = base.openConnection()) {
      return provision(c.tpm(), base, type, mode, nvIndex, commonName);
    }
  }

  /** As {@link #provision(ProvisionedTpm, KeyType, Mode, int, String)} on an open TPM. */
  public static IDevId provision(
      Tpm tpm, ProvisionedTpm base, KeyType type, Mode mode, int nvIndex, String commonName) {
    Objects.requireNonNull(mode, "mode");
    ProvisionOptions o = base.options();
    TPM_HANDLE endorsement = TPM_HANDLE.from(TPM_RH.ENDORSEMENT);
    endorsement.AuthValue = TpmProvisioning.utf8(o.endorsementPassword());
    byte[] auth = mode == Mode.PERSISTENT ? TpmProvisioning.utf8(o.devIdPassword()) : new byte[0];
    CreatePrimaryResponse primary =
        tpm.CreatePrimary(
            endorsement,
            new TPMS_SENSITIVE_CREATE(auth, new byte[0]),
            TPMT_PUBLIC.fromTpm(templateOf(type).encode()),
            new byte[0],
            new TPMS_PCR_SELECTION[0]);
    try {
      if (mode == Mode.PERSISTENT) {
        TPM_HANDLE owner = TPM_HANDLE.from(TPM_RH.OWNER);
        owner.AuthValue = TpmProvisioning.utf8(o.ownerPassword());
        TPM_HANDLE persistent = TPM_HANDLE.persistent(IDevIdTemplates.IDEVID_HANDLE & 0x00FFFFFF);
        persistent.handle = IDevIdTemplates.IDEVID_HANDLE;
        tpm.EvictControl(owner, primary.handle, persistent);
      }
    } finally {
      tpm.FlushContext(primary.handle);
    }
    List<X509Certificate> chain =
        Provisioner.issueDevIdChain(
            base.pki(), TpmKeys.toPublicKey(primary.outPublic), o.withDevIdCommonName(commonName));
    writeChain(tpm, nvIndex, chain);
    Pem.write(base.directory().resolve(IDEVID_CERT), chain);
    return new IDevId(base, type, mode, nvIndex, chain);
  }

  /**
   * Writes {@code chain} as concatenated DER to a new platform-created NV index (ownerread and
   * authread, as EK certificate indices), as a manufacturer writes the IDevID chain.
   */
  public static void writeChain(Tpm tpm, int nvIndex, List<X509Certificate> chain) {
    TpmProvisioning.writeNv(tpm, nvIndex, concatenatedDer(chain));
  }

  /** The certificates' DER back to back (what {@code devid_cert_nv_index} holds). */
  public static byte[] concatenatedDer(List<X509Certificate> chain) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (X509Certificate c : chain) {
      try {
        out.write(c.getEncoded());
      } catch (CertificateEncodingException | IOException e) {
        throw new IllegalStateException("cannot encode " + c.getSubjectX500Principal(), e);
      }
    }
    return out.toByteArray();
  }

  /** Reads back the PEM chain this provisioner wrote next to the TPM's other files. */
  public static Path certificatePath(ProvisionedTpm base) {
    Path p = base.directory().resolve(IDEVID_CERT);
    if (!Files.isRegularFile(p)) {
      throw new UncheckedIOException(
          new IOException("no IDevID provisioned: " + p + " does not exist"));
    }
    return p;
  }
}
