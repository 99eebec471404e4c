package dev.tpmdevid.testbed.provision;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import tss.Tpm;
import tss.tpm.GetCapabilityResponse;
import tss.tpm.TPML_TAGGED_TPM_PROPERTY;
import tss.tpm.TPMS_TAGGED_PROPERTY;
import tss.tpm.TPM_CAP;

/**
 * The TPM identity an EK certificate names in its subjectAltName directoryName (TCG EK Credential
 * Profile §3.2.9): tpmManufacturer (2.23.133.2.1), tpmModel (2.23.133.2.2), tpmVersion
 * (2.23.133.2.3). Values are the strings as they appear in the certificate, e.g. {@code
 * id:49424D00}.
 */
public record TpmIdentity(String manufacturer, String model, String version) {

  /**
   * What swtpm 0.7.1 / libtpms 0.9.2 reports: manufacturer "IBM" (0x49424D00), model "swtpm",
   * firmware 20191023.
   */
  public static final TpmIdentity SWTPM = new TpmIdentity("id:49424D00", "swtpm", "id:20191023");

  private static final int PT_MANUFACTURER = 0x105;
  private static final int PT_VENDOR_STRING_1 = 0x106;
  private static final int PT_VENDOR_STRING_4 = 0x109;
  private static final int PT_FIRMWARE_VERSION_1 = 0x10B;

  public TpmIdentity {
    Objects.requireNonNull(manufacturer, "manufacturer");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(version, "version");
  }

  /**
   * The identity a manufacturer would certify for this TPM: {@code id:} + TPM_PT_MANUFACTURER in
   * hex, the vendor strings TPM_PT_VENDOR_STRING_1..4 as text, {@code id:} +
   * TPM_PT_FIRMWARE_VERSION_1 in hex.
   */
  public static TpmIdentity read(Tpm tpm) {
    GetCapabilityResponse r =
        tpm.GetCapability(
            TPM_CAP.TPM_PROPERTIES, PT_MANUFACTURER, PT_FIRMWARE_VERSION_1 - PT_MANUFACTURER + 1);
    Map<Integer, Integer> props = new HashMap<>();
    for (TPMS_TAGGED_PROPERTY p : ((TPML_TAGGED_TPM_PROPERTY) r.capabilityData).tpmProperty) {
      props.put(p.property.toInt(), p.value);
    }
    StringBuilder model = new StringBuilder();
    for (int pt = PT_VENDOR_STRING_1; pt <= PT_VENDOR_STRING_4; pt++) {
      int v = props.getOrDefault(pt, 0);
      byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
      model.append(new String(b, StandardCharsets.US_ASCII).replace("\0", ""));
    }
    return new TpmIdentity(
        String.format("id:%08X", props.getOrDefault(PT_MANUFACTURER, 0)),
        model.toString().strip(),
        String.format("id:%08X", props.getOrDefault(PT_FIRMWARE_VERSION_1, 0)));
  }
}
