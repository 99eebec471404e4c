package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A TPM provisioned like a fleet machine, and the files SPIRE's {@code tpm_devid} plugins read
 * (docs/protocol.md#agent-config, #server-config), all in {@link #directory()}:
 *
 * <ul>
 *   <li>{@code devid.crt.pem} — DevID leaf, then intermediates ({@code devid_cert_path})
 *   <li>{@code devid.priv.blob} — TPM2B_PRIVATE body without its size ({@code devid_priv_path})
 *   <li>{@code devid.pub.blob} — TPMT_PUBLIC ({@code devid_pub_path})
 *   <li>{@code devid-ca.pem} — DevID root ({@code devid_ca_path})
 *   <li>{@code endorsement-ca.pem} — manufacturer root and intermediate ({@code
 *       endorsement_ca_path})
 *   <li>{@code agent.hcl}, {@code server.hcl} — the plugins' {@code plugin_data} bodies
 * </ul>
 *
 * Closing it stops the swtpm it owns (if any); the files stay.
 */
public final class ProvisionedTpm implements AutoCloseable {

  public static final String DEVID_CERT = "devid.crt.pem";
  public static final String DEVID_PRIV = "devid.priv.blob";
  public static final String DEVID_PUB = "devid.pub.blob";
  public static final String DEVID_CA = "devid-ca.pem";
  public static final String ENDORSEMENT_CA = "endorsement-ca.pem";
  public static final String AGENT_HCL = "agent.hcl";
  public static final String SERVER_HCL = "server.hcl";

  private final ProvisionOptions options;
  private final TestPki pki;
  private final Path directory;
  private final String tpmDevicePath;
  private final List<X509Certificate> devIdChain;
  private final Map<KeyType, X509Certificate> ekCertificates;
  private final byte[] devIdPublic;
  private final byte[] devIdPrivate;
  private final Swtpm swtpm;
  private final AutoCloseable owned;

  ProvisionedTpm(
      ProvisionOptions options,
      TestPki pki,
      Path directory,
      String tpmDevicePath,
      List<X509Certificate> devIdChain,
      Map<KeyType, X509Certificate> ekCertificates,
      byte[] devIdPublic,
      byte[] devIdPrivate,
      Swtpm swtpm,
      AutoCloseable owned) {
    this.options = options;
    this.pki = pki;
    this.directory = directory;
    this.tpmDevicePath = tpmDevicePath;
    this.devIdChain = List.copyOf(devIdChain);
    this.ekCertificates = ekCertificates.isEmpty() ? Map.of() : new EnumMap<>(ekCertificates);
    this.devIdPublic = devIdPublic.clone();
    this.devIdPrivate = devIdPrivate.clone();
    this.swtpm = swtpm;
    this.owned = owned;
  }

  /** Writes every file of the class comment into {@code directory} (created if missing). */
  void writeFiles() {
    try {
      Files.createDirectories(directory);
      Pem.write(devIdCertPath(), devIdChain);
      Files.write(devIdPrivPath(), devIdPrivate);
      Files.write(devIdPubPath(), devIdPublic);
      Pem.write(devIdCaPath(), pki.devIdCaCertificates());
      Pem.write(endorsementCaPath(), pki.endorsementCaCertificates());
      Files.writeString(agentHclPath(), agentConfig(), StandardCharsets.UTF_8);
      Files.writeString(serverHclPath(), serverConfig(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write provisioning files to " + directory, e);
    }
  }

  /**
   * The agent plugin's {@code plugin_data}: device path, the three DevID files, and the passwords
   * that are set.
   */
  public String agentConfig() {
    StringBuilder b = new StringBuilder();
    line(b, "tpm_device_path", tpmDevicePath);
    line(b, "devid_cert_path", devIdCertPath().toString());
    line(b, "devid_priv_path", devIdPrivPath().toString());
    line(b, "devid_pub_path", devIdPubPath().toString());
    if (!options.devIdPassword().isEmpty()) {
      line(b, "devid_password", options.devIdPassword());
    }
    if (!options.ownerPassword().isEmpty()) {
      line(b, "owner_hierarchy_password", options.ownerPassword());
    }
    if (!options.endorsementPassword().isEmpty()) {
      line(b, "endorsement_hierarchy_password", options.endorsementPassword());
    }
    return b.toString();
  }

  /**
   * The server plugin's {@code plugin_data}: {@code devid_ca_path} and {@code endorsement_ca_path}.
   */
  public String serverConfig() {
    StringBuilder b = new StringBuilder();
    line(b, "devid_ca_path", devIdCaPath().toString());
    line(b, "endorsement_ca_path", endorsementCaPath().toString());
    return b.toString();
  }

  private static void line(StringBuilder b, String key, String value) {
    b.append(key).append(" = \"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> b.append(c);
      }
    }
    b.append("\"\n");
  }

  public ProvisionOptions options() {
    return options;
  }

  /** The four test CAs, with their key pairs (for forged or expired certificates). */
  public TestPki pki() {
    return pki;
  }

  public Path directory() {
    return directory;
  }

  /** What the agent's {@code tpm_device_path} is set to: the swtpm's address. */
  public String tpmDevicePath() {
    return tpmDevicePath;
  }

  /**
   * The swtpm this TPM runs in, if it is known (always for {@link ProvisionCache} and the {@code
   * Swtpm} overloads of the provisioners; empty when provisioned through a bare {@code Tpm}).
   */
  public Optional<Swtpm> swtpm() {
    return Optional.ofNullable(swtpm);
  }

  /**
   * A new connection to this TPM ({@link Swtpm#connect()} when the swtpm is known, else {@link
   * TpmConnection#open(String)} on {@link #tpmDevicePath()}); the caller closes it. swtpm serves
   * one connection at a time: close it before the agent opens its own.
   */
  public TpmConnection openConnection() {
    return swtpm != null ? swtpm.connect() : TpmConnection.open(tpmDevicePath);
  }

  /** DevID leaf first, then the intermediate if it was issued through one. */
  public List<X509Certificate> devIdChain() {
    return devIdChain;
  }

  public X509Certificate devIdCertificate() {
    return devIdChain.get(0);
  }

  /** The EK certificate in NV for an EK type, if one was provisioned. */
  public Optional<X509Certificate> ekCertificate(KeyType ekType) {
    return Optional.ofNullable(ekCertificates.get(ekType));
  }

  /** The DevID TPMT_PUBLIC, as in {@code devid.pub.blob}. */
  public byte[] devIdPublic() {
    return devIdPublic.clone();
  }

  /** The DevID TPM2B_PRIVATE body, as in {@code devid.priv.blob}. */
  public byte[] devIdPrivate() {
    return devIdPrivate.clone();
  }

  public Path devIdCertPath() {
    return directory.resolve(DEVID_CERT);
  }

  public Path devIdPrivPath() {
    return directory.resolve(DEVID_PRIV);
  }

  public Path devIdPubPath() {
    return directory.resolve(DEVID_PUB);
  }

  public Path devIdCaPath() {
    return directory.resolve(DEVID_CA);
  }

  public Path endorsementCaPath() {
    return directory.resolve(ENDORSEMENT_CA);
  }

  public Path agentHclPath() {
    return directory.resolve(AGENT_HCL);
  }

  public Path serverHclPath() {
    return directory.resolve(SERVER_HCL);
  }

  /**
   * Stops the swtpm this object owns and deletes its files (for TPMs from {@link ProvisionCache});
   * no-op otherwise.
   */
  @Override
  public void close() {
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot stop the TPM of " + directory, e);
      }
    }
  }

  @Override
  public String toString() {
    return "ProvisionedTpm[" + tpmDevicePath + ", " + directory + ", " + options + "]";
  }
}
