package dev.tpmdevid.agent;

import dev.tpmdevid.core.tpm.IDevIdTemplates;
import dev.tpmdevid.plugin.HclConfig;
import io.grpc.StatusException;

/**
 * The opt-in options that take the DevID from inside the TPM, as a manufacturer leaves an IDevID
 * (docs/idevid.md): {@code devid_handle} (a persistent key) or {@code devid_template} (a primary
 * key regenerated in the endorsement hierarchy) instead of {@code devid_priv_path}/{@code
 * devid_pub_path}, and {@code devid_cert_nv_index} (the certificate chain in NV) instead of {@code
 * devid_cert_path}. The payload is the same either way. Immutable; {@link #NONE} when none is set.
 *
 * @param handle persistent handle of the DevID key, or null
 * @param template template of the primary DevID key, or null
 * @param certNvIndex NV index holding the DER certificate chain (leaf first), or null
 */
record IDevIdOptions(Integer handle, IDevIdTemplates.Template template, Integer certNvIndex) {

  static final IDevIdOptions NONE = new IDevIdOptions(null, null, null);

  static final String ALLOWED =
      "the DevID key comes from exactly one of: devid_priv_path + devid_pub_path"
          + " (key blobs loaded under the SRK), devid_handle (a persistent key, e.g. \"0x81020000\"),"
          + " devid_template (\"idevid-rsa\" or \"idevid-ecc\": a primary key regenerated in the endorsement"
          + " hierarchy); its certificates from exactly one of devid_cert_path (PEM file) and"
          + " devid_cert_nv_index (DER chain in NV, e.g. \"0x01C90200\")";

  /** True if the DevID key lives in the TPM (handle or template) rather than in key blob files. */
  boolean keyInTpm() {
    return handle != null || template != null;
  }

  /** True if the certificates come from NV. */
  boolean certInNv() {
    return certNvIndex != null;
  }

  boolean any() {
    return keyInTpm() || certInNv();
  }

  static IDevIdOptions fromHcl(HclConfig c) throws StatusException, AgentException {
    Integer handle =
        parseHandle(
            "devid_handle",
            c.optionalString("devid_handle", ""),
            0x81,
            "a persistent handle such as \"0x81020000\"");
    String t = c.optionalString("devid_template", "");
    IDevIdTemplates.Template template = null;
    if (!t.trim().isEmpty()) {
      template = IDevIdTemplates.Template.fromConfigName(t);
      if (template == null) {
        throw config("devid_template must be \"idevid-rsa\" or \"idevid-ecc\", got \"" + t + "\"");
      }
    }
    Integer nv =
        parseHandle(
            "devid_cert_nv_index",
            c.optionalString("devid_cert_nv_index", ""),
            0x01,
            "an NV index such as \"0x01C90200\"");
    return handle == null && template == null && nv == null
        ? NONE
        : new IDevIdOptions(handle, template, nv);
  }

  /**
   * Checks the combination of key and certificate sources. Called only when an IDevID option is set
   * (without them, AgentConfig's "… is required" checks apply unchanged).
   */
  void validate(boolean certPath, boolean privPath, boolean pubPath) throws AgentException {
    if (handle != null && template != null) {
      throw config("devid_handle and devid_template are both set; " + ALLOWED);
    }
    if (keyInTpm() && (privPath || pubPath)) {
      throw config(
          (handle != null ? "devid_handle" : "devid_template")
              + " is set together with "
              + (privPath ? "devid_priv_path" : "devid_pub_path")
              + "; "
              + ALLOWED);
    }
    if (!keyInTpm() && !(privPath && pubPath)) {
      throw config((privPath ? "devid_pub_path" : "devid_priv_path") + " is required; " + ALLOWED);
    }
    if (certInNv() && certPath) {
      throw config("devid_cert_path and devid_cert_nv_index are both set; " + ALLOWED);
    }
    if (!certInNv() && !certPath) {
      throw config("devid_cert_path is required; " + ALLOWED);
    }
  }

  private static Integer parseHandle(String key, String v, int type, String example)
      throws AgentException {
    String s = v.trim();
    if (s.isEmpty()) {
      return null;
    }
    long h;
    try {
      h =
          s.startsWith("0x") || s.startsWith("0X")
              ? Long.parseLong(s.substring(2), 16)
              : Long.parseLong(s);
    } catch (NumberFormatException e) {
      h = -1;
    }
    if (h < 0 || h > 0xFFFFFFFFL || (h >>> 24) != type) {
      throw config(key + " must be " + example + ", got \"" + v + "\"");
    }
    return (int) h;
  }

  @Override
  public String toString() {
    return (handle == null ? "" : String.format(", devid_handle=0x%08X", handle))
        + (template == null ? "" : ", devid_template=" + template.configName())
        + (certNvIndex == null ? "" : String.format(", devid_cert_nv_index=0x%08X", certNvIndex));
  }

  private static AgentException config(String message) {
    return new AgentException(AgentException.Kind.CONFIG, "invalid configuration: " + message);
  }
}
