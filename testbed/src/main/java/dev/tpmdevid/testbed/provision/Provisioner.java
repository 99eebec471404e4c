package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tss.Tpm;

/**
 * Provisions a fresh TPM like a fleet machine, in Java (TSS.Java + Bouncy Castle), in this order:
 *
 * <ol>
 *   <li>EK certificates: RSA EK (TCG L-1) and/or ECC EK (L-2) created, certified by the test
 *       manufacturer CA, written to NV 0x01C00002 / 0x01C0000A (platform-created, chunked, optional
 *       0xFF padding);
 *   <li>LDevID: created under SPIRE's SRK (H-1 or H-2), a PKCS#10 CSR signed by the TPM, a
 *       certificate from the test DevID CA;
 *   <li>hierarchy passwords (owner, endorsement), last, so the SRK was created with an empty one;
 *   <li>the files of {@link ProvisionedTpm}.
 * </ol>
 *
 * The TPM must be fresh (no EK certificate indices defined) and its hierarchy auths empty.
 */
public final class Provisioner {

  private Provisioner() {}

  /**
   * Provisions a fresh, running swtpm with fresh test CAs; files go to {@code outDir}. The swtpm
   * stays the caller's (closing the result does not stop it).
   */
  public static ProvisionedTpm provision(Swtpm swtpm, ProvisionOptions options, Path outDir) {
    return provision(swtpm, options, TestPki.create(options.caKeyType()), outDir);
  }

  /** As {@link #provision(Swtpm, ProvisionOptions, Path)} with given CAs. */
  public static ProvisionedTpm provision(
      Swtpm swtpm, ProvisionOptions options, TestPki pki, Path outDir) {
    try (TpmConnection connection = swtpm.connect()) {
      return provision(connection.tpm(), swtpm.devicePath(), swtpm, options, pki, outDir);
    }
  }

  /**
   * Provisions the TPM behind {@code tpm} (no other user meanwhile) with fresh test CAs.
   *
   * @param tpmDevicePath what the agent's {@code tpm_device_path} must say to reach this TPM
   */
  public static ProvisionedTpm provision(
      Tpm tpm, String tpmDevicePath, ProvisionOptions options, Path outDir) {
    return provision(tpm, tpmDevicePath, options, TestPki.create(options.caKeyType()), outDir);
  }

  /**
   * As {@link #provision(Tpm, String, ProvisionOptions, Path)} with given CAs (whose key type wins
   * over the options').
   */
  public static ProvisionedTpm provision(
      Tpm tpm, String tpmDevicePath, ProvisionOptions options, TestPki pki, Path outDir) {
    return provision(tpm, tpmDevicePath, null, options, pki, outDir);
  }

  private static ProvisionedTpm provision(
      Tpm tpm,
      String tpmDevicePath,
      Swtpm swtpm,
      ProvisionOptions options,
      TestPki pki,
      Path outDir) {
    Objects.requireNonNull(tpm, "tpm");
    Objects.requireNonNull(options, "options");
    Map<KeyType, X509Certificate> ekCerts = new EnumMap<>(KeyType.class);
    TpmIdentity identity = TpmIdentity.read(tpm);
    if (options.rsaEk()) {
      ekCerts.put(
          KeyType.RSA,
          TpmProvisioning.provisionEkCertificate(
              tpm, KeyType.RSA, pki, identity, options.ekNvPadding()));
    }
    if (options.eccEk()) {
      ekCerts.put(
          KeyType.ECC,
          TpmProvisioning.provisionEkCertificate(
              tpm, KeyType.ECC, pki, identity, options.ekNvPadding()));
    }
    TpmProvisioning.DevIdKey devId =
        TpmProvisioning.createDevId(
            tpm,
            options.devIdKeyType(),
            options.devIdRestricted(),
            new byte[0],
            TpmProvisioning.utf8(options.devIdPassword()),
            options.devIdCommonName());
    TpmProvisioning.changeHierarchyAuth(
        tpm,
        TpmProvisioning.utf8(options.ownerPassword()),
        TpmProvisioning.utf8(options.endorsementPassword()));
    List<X509Certificate> chain = issueDevIdChain(pki, devId.publicKey(), options);
    ProvisionedTpm result =
        new ProvisionedTpm(
            options,
            pki,
            outDir,
            tpmDevicePath,
            chain,
            ekCerts,
            devId.publicArea().toTpm(),
            devId.privateBody(),
            swtpm,
            null);
    result.writeFiles();
    return result;
  }

  /**
   * The same provisioned state seen through another TPM (a copy of the state dir) and directory:
   * the files are written again; the DevID certificate is re-issued when {@code options} differ
   * from the original's in the certificate choices (CN, validity, intermediate). The TPM part must
   * match.
   */
  static ProvisionedTpm copyOf(
      ProvisionedTpm original,
      ProvisionOptions options,
      Swtpm swtpm,
      Path outDir,
      AutoCloseable owned) {
    if (!original.options().tpmPart().equals(options.tpmPart())) {
      throw new IllegalArgumentException(
          "TPM state provisioned for " + original.options() + " cannot serve " + options);
    }
    List<X509Certificate> chain =
        original.options().equals(options)
            ? original.devIdChain()
            : issueDevIdChain(original.pki(), original.devIdCertificate().getPublicKey(), options);
    Map<KeyType, X509Certificate> ekCerts = new EnumMap<>(KeyType.class);
    for (KeyType t : KeyType.values()) {
      original.ekCertificate(t).ifPresent(c -> ekCerts.put(t, c));
    }
    ProvisionedTpm copy =
        new ProvisionedTpm(
            options,
            original.pki(),
            outDir,
            swtpm.devicePath(),
            chain,
            ekCerts,
            original.devIdPublic(),
            original.devIdPrivate(),
            swtpm,
            owned);
    copy.writeFiles();
    return copy;
  }

  static List<X509Certificate> issueDevIdChain(
      TestPki pki, PublicKey devIdKey, ProvisionOptions options) {
    Validity validity =
        options.devIdValidity() != null
            ? options.devIdValidity()
            : Validity.fromNow(TestPki.DEFAULT_DEVID_LIFETIME);
    return pki.issueDevIdChain(
        devIdKey, options.devIdCommonName(), validity, options.devIdIntermediate());
  }
}
