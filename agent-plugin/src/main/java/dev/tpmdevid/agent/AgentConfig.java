package dev.tpmdevid.agent;

import dev.tpmdevid.plugin.HclConfig;
import io.grpc.StatusException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Configuration of the agent half (docs/protocol.md#agent-config plus this project's options).
 * Immutable; passwords are kept as the UTF-8 bytes of the configured strings (as Go's {@code
 * []byte(s)}) and never printed.
 *
 * <table>
 * <caption>HCL keys</caption>
 * <tr><th>key</th><th>default</th></tr>
 * <tr><td>{@code devid_cert_path}, {@code devid_priv_path}, {@code devid_pub_path}</td><td>required</td></tr>
 * <tr><td>{@code devid_handle} or {@code devid_template}; {@code devid_cert_nv_index}</td><td>none; IDevID
 *     alternatives to the key files and to the certificate file ({@link IDevIdOptions}, docs/idevid.md)</td></tr>
 * <tr><td>{@code tpm_device_path}</td><td>autodetect {@code /dev/tpmrm<N>} then {@code /dev/tpm<N>}</td></tr>
 * <tr><td>{@code devid_password}, {@code owner_hierarchy_password}, {@code endorsement_hierarchy_password}</td><td>""</td></tr>
 * <tr><td>{@code ak_type}</td><td>{@code "rsa"} (what the Go server requires); {@code "ecc"} = P-256 AK</td></tr>
 * <tr><td>{@code ek_type}</td><td>{@code "auto"}: RSA EK if NV 0x01C00002 exists, else ECC EK if NV 0x01C0000A exists</td></tr>
 * <tr><td>{@code ek_cert_path}</td><td>none (EK certificate read from NV); if set, its key type picks the EK</td></tr>
 * <tr><td>{@code srk_handle}</td><td>none (SRK created once per attestation); e.g. {@code "0x81000001"}</td></tr>
 * <tr><td>{@code reuse_ak}</td><td>{@code true}: keep the AK blobs in process memory and Load them next time</td></tr>
 * <tr><td>{@code reuse_contexts}</td><td>{@code true}: keep TPM2_ContextSave blobs of SRK, DevID, AK, EK and
 *     ContextLoad them next time (falls back to the templates after a TPM reset)</td></tr>
 * </table>
 */
public final class AgentConfig {

  /** Algorithm of the attestation key. */
  public enum AkType {
    RSA,
    ECC
  }

  /** Which endorsement key to use. */
  public enum EkType {
    AUTO,
    RSA,
    ECC
  }

  static final Set<String> KEYS =
      Set.of(
          "tpm_device_path",
          "devid_cert_path",
          "devid_priv_path",
          "devid_pub_path",
          "devid_password",
          "owner_hierarchy_password",
          "endorsement_hierarchy_password",
          "ak_type",
          "ek_type",
          "ek_cert_path",
          "srk_handle",
          "reuse_ak",
          "reuse_contexts",
          "devid_handle",
          "devid_template",
          "devid_cert_nv_index"); // IDevID options (issue #17)

  private final String tpmDevicePath;
  private final Path devIdCertPath;
  private final Path devIdPrivPath;
  private final Path devIdPubPath;
  private final byte[] devIdPassword;
  private final byte[] ownerPassword;
  private final byte[] endorsementPassword;
  private final AkType akType;
  private final EkType ekType;
  private final Path ekCertPath;
  private final Integer srkHandle;
  private final boolean reuseAk;
  private final boolean reuseContexts;
  private final IDevIdOptions idevid; // IDevID options (issue #17)

  private AgentConfig(Builder b) {
    this.tpmDevicePath = b.tpmDevicePath;
    // IDevID options (issue #17): the paths may be null when the key / certificates come from the
    // TPM
    this.idevid = b.idevid;
    this.devIdCertPath =
        idevid.certInNv() ? null : Objects.requireNonNull(b.devIdCertPath, "devIdCertPath");
    this.devIdPrivPath =
        idevid.keyInTpm() ? null : Objects.requireNonNull(b.devIdPrivPath, "devIdPrivPath");
    this.devIdPubPath =
        idevid.keyInTpm() ? null : Objects.requireNonNull(b.devIdPubPath, "devIdPubPath");
    this.devIdPassword = b.devIdPassword.clone();
    this.ownerPassword = b.ownerPassword.clone();
    this.endorsementPassword = b.endorsementPassword.clone();
    this.akType = b.akType;
    this.ekType = b.ekType;
    this.ekCertPath = b.ekCertPath;
    this.srkHandle = b.srkHandle;
    this.reuseAk = b.reuseAk;
    this.reuseContexts = b.reuseContexts;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses the plugin's {@code hcl_configuration} as SPIRE hands it over. Unknown keys are ignored
   * (as HCL v1 decoding in the Go agent does); see {@link #unknownKeys(String)} to warn about them.
   */
  public static AgentConfig fromHcl(String hcl) throws AgentException {
    try {
      HclConfig c = HclConfig.parse(hcl == null ? "" : hcl);
      Builder b =
          builder()
              .tpmDevicePath(c.optionalString("tpm_device_path", null))
              .devIdPassword(c.optionalString("devid_password", ""))
              .ownerHierarchyPassword(c.optionalString("owner_hierarchy_password", ""))
              .endorsementHierarchyPassword(c.optionalString("endorsement_hierarchy_password", ""))
              .akType(parseAkType(c.optionalString("ak_type", "rsa")))
              .ekType(parseEkType(c.optionalString("ek_type", "auto")))
              .srkHandle(parseHandle(c.optionalString("srk_handle", "")))
              .reuseAk(c.optionalBoolean("reuse_ak", true))
              .reuseContexts(c.optionalBoolean("reuse_contexts", true));
      b.idevid(
          IDevIdOptions.fromHcl(c)); // IDevID options (issue #17); build() checks what is required
      b.devIdCertPath(optionalPath(c, "devid_cert_path"));
      b.devIdPrivPath(optionalPath(c, "devid_priv_path"));
      b.devIdPubPath(optionalPath(c, "devid_pub_path"));
      String ek = c.optionalString("ek_cert_path", "");
      b.ekCertPath(ek.isEmpty() ? null : Path.of(ek));
      return b.build();
    } catch (StatusException e) {
      String msg = e.getStatus().getDescription();
      throw new AgentException(
          AgentException.Kind.CONFIG, msg == null ? "unable to decode configuration" : msg);
    } catch (java.nio.file.InvalidPathException e) {
      throw new AgentException(
          AgentException.Kind.CONFIG, "invalid configuration: bad path: " + e.getMessage());
    }
  }

  /**
   * Keys present in {@code hcl} that this plugin does not know (sorted); empty if it does not
   * parse.
   */
  public static Set<String> unknownKeys(String hcl) {
    try {
      return HclConfig.parse(hcl == null ? "" : hcl).unknownKeys(KEYS);
    } catch (StatusException e) {
      return Set.of();
    }
  }

  private static Path optionalPath(HclConfig c, String key) throws StatusException {
    String s = c.optionalString(key, "");
    return s.isEmpty() ? null : Path.of(s);
  }

  /** Device path, unix socket path or {@code tcp://host:port}; {@code null} = autodetect. */
  public String tpmDevicePath() {
    return tpmDevicePath;
  }

  /** DevID certificate file; {@code null} when {@code devid_cert_nv_index} is set. */
  public Path devIdCertPath() {
    return devIdCertPath;
  }

  public Path devIdPrivPath() {
    return devIdPrivPath;
  }

  public Path devIdPubPath() {
    return devIdPubPath;
  }

  byte[] devIdPassword() {
    return devIdPassword.clone();
  }

  byte[] ownerPassword() {
    return ownerPassword.clone();
  }

  byte[] endorsementPassword() {
    return endorsementPassword.clone();
  }

  public AkType akType() {
    return akType;
  }

  public EkType ekType() {
    return ekType;
  }

  /** EK certificate file (DER or PEM) used instead of NV; {@code null} = read NV. */
  public Path ekCertPath() {
    return ekCertPath;
  }

  /** Persistent SRK handle, or {@code null} to create the SRK from its template. */
  public Integer srkHandle() {
    return srkHandle;
  }

  public boolean reuseAk() {
    return reuseAk;
  }

  /**
   * Keep TPM2_ContextSave blobs of SRK, DevID, AK and EK for the next attestation of this process.
   */
  public boolean reuseContexts() {
    return reuseContexts;
  }

  /** The IDevID options (docs/idevid.md); {@link IDevIdOptions#NONE} when the DevID is in files. */
  IDevIdOptions idevid() {
    return idevid;
  }

  @Override
  public String toString() {
    return "AgentConfig{tpm_device_path="
        + (tpmDevicePath == null ? "(autodetect)" : tpmDevicePath)
        + ", devid_cert_path="
        + devIdCertPath
        + ", devid_priv_path="
        + devIdPrivPath
        + ", devid_pub_path="
        + devIdPubPath
        + ", ak_type="
        + akType
        + ", ek_type="
        + ekType
        + ", ek_cert_path="
        + ekCertPath
        + ", srk_handle="
        + (srkHandle == null ? "(create)" : String.format("0x%08X", srkHandle))
        + ", reuse_ak="
        + reuseAk
        + ", reuse_contexts="
        + reuseContexts
        + idevid
        + "}";
  }

  /** Builder; every setter validates what it can, {@link #build()} checks the required paths. */
  public static final class Builder {
    private String tpmDevicePath;
    private Path devIdCertPath;
    private Path devIdPrivPath;
    private Path devIdPubPath;
    private byte[] devIdPassword = new byte[0];
    private byte[] ownerPassword = new byte[0];
    private byte[] endorsementPassword = new byte[0];
    private AkType akType = AkType.RSA;
    private EkType ekType = EkType.AUTO;
    private Path ekCertPath;
    private Integer srkHandle;
    private boolean reuseAk = true;
    private boolean reuseContexts = true;
    private IDevIdOptions idevid = IDevIdOptions.NONE;

    private Builder() {}

    public Builder tpmDevicePath(String v) {
      this.tpmDevicePath = emptyToNull(v);
      return this;
    }

    public Builder devIdCertPath(Path v) {
      this.devIdCertPath = v;
      return this;
    }

    public Builder devIdPrivPath(Path v) {
      this.devIdPrivPath = v;
      return this;
    }

    public Builder devIdPubPath(Path v) {
      this.devIdPubPath = v;
      return this;
    }

    public Builder devIdPassword(String v) {
      this.devIdPassword = utf8(v);
      return this;
    }

    public Builder ownerHierarchyPassword(String v) {
      this.ownerPassword = utf8(v);
      return this;
    }

    public Builder endorsementHierarchyPassword(String v) {
      this.endorsementPassword = utf8(v);
      return this;
    }

    public Builder akType(AkType v) {
      this.akType = Objects.requireNonNull(v);
      return this;
    }

    public Builder ekType(EkType v) {
      this.ekType = Objects.requireNonNull(v);
      return this;
    }

    public Builder ekCertPath(Path v) {
      this.ekCertPath = v;
      return this;
    }

    public Builder srkHandle(Integer v) {
      this.srkHandle = v;
      return this;
    }

    public Builder reuseAk(boolean v) {
      this.reuseAk = v;
      return this;
    }

    public Builder reuseContexts(boolean v) {
      this.reuseContexts = v;
      return this;
    }

    Builder idevid(IDevIdOptions v) {
      this.idevid = Objects.requireNonNull(v);
      return this;
    }

    public AgentConfig build() throws AgentException {
      if (idevid.any()) { // IDevID options (issue #17)
        idevid.validate(devIdCertPath != null, devIdPrivPath != null, devIdPubPath != null);
      } else if (devIdCertPath == null) {
        throw required("devid_cert_path");
      } else if (devIdPrivPath == null) {
        throw required("devid_priv_path");
      } else if (devIdPubPath == null) {
        throw required("devid_pub_path");
      }
      if (srkHandle != null && (srkHandle >>> 24) != 0x81) {
        throw new AgentException(
            AgentException.Kind.CONFIG,
            String.format(
                "invalid configuration: srk_handle 0x%08X is not a persistent handle (0x81xxxxxx)",
                srkHandle));
      }
      return new AgentConfig(this);
    }

    private static AgentException required(String key) {
      return new AgentException(
          AgentException.Kind.CONFIG, "invalid configuration: " + key + " is required");
    }
  }

  static AkType parseAkType(String v) throws AgentException {
    switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "":
      case "rsa":
        return AkType.RSA;
      case "ecc":
      case "ecdsa":
      case "p256":
        return AkType.ECC;
      default:
        throw new AgentException(
            AgentException.Kind.CONFIG,
            "invalid configuration: ak_type must be \"rsa\" or \"ecc\", got \"" + v + "\"");
    }
  }

  static EkType parseEkType(String v) throws AgentException {
    switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "":
      case "auto":
        return EkType.AUTO;
      case "rsa":
        return EkType.RSA;
      case "ecc":
        return EkType.ECC;
      default:
        throw new AgentException(
            AgentException.Kind.CONFIG,
            "invalid configuration: ek_type must be \"auto\", \"rsa\" or \"ecc\", got \""
                + v
                + "\"");
    }
  }

  static Integer parseHandle(String v) throws AgentException {
    String s = v.trim();
    if (s.isEmpty()) {
      return null;
    }
    try {
      long h =
          s.startsWith("0x") || s.startsWith("0X")
              ? Long.parseLong(s.substring(2), 16)
              : Long.parseLong(s);
      if (h < 0 || h > 0xFFFFFFFFL) {
        throw new NumberFormatException();
      }
      return (int) h;
    } catch (NumberFormatException e) {
      throw new AgentException(
          AgentException.Kind.CONFIG,
          "invalid configuration: srk_handle must be a handle such as \"0x81000001\", got \""
              + v
              + "\"");
    }
  }

  private static String emptyToNull(String v) {
    return v == null || v.isEmpty() ? null : v;
  }

  private static byte[] utf8(String v) {
    return v == null ? new byte[0] : v.getBytes(StandardCharsets.UTF_8);
  }
}
