package dev.tpmdevid.testbed.provision;

import java.util.Objects;

/**
 * The TPM identity an EK certificate names in its subjectAltName directoryName (TCG EK Credential
 * Profile §3.2.9): tpmManufacturer (2.23.133.2.1), tpmModel (2.23.133.2.2), tpmVersion (2.23.133.2.3).
 * Values are the strings as they appear in the certificate, e.g. {@code id:49424D00}.
 */
public record TpmIdentity(String manufacturer, String model, String version) {

    /** What swtpm 0.7.1 / libtpms 0.9.2 reports: manufacturer "IBM" (0x49424D00), model "swtpm", firmware 20191023. */
    public static final TpmIdentity SWTPM = new TpmIdentity("id:49424D00", "swtpm", "id:20191023");

    public TpmIdentity {
        Objects.requireNonNull(manufacturer, "manufacturer");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(version, "version");
    }
}
