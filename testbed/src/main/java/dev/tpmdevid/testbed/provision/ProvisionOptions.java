package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.labpki.KeyType;
import java.util.Objects;

/**
 * What a provisioned TPM looks like. Immutable; equal options give interchangeable TPMs, so the
 * record doubles as the key of {@link ProvisionCache}. Start from {@link #defaults()} and change
 * fields with the {@code with…} methods.
 *
 * @param devIdKeyType LDevID key: RSA-2048 RSASSA-SHA256 or P-256 ECDSA-SHA256
 * @param rsaEk write an RSA-2048 EK certificate to NV 0x01C00002
 * @param eccEk write a P-256 EK certificate to NV 0x01C0000A
 * @param ekNvPadding extra 0xFF bytes after each EK certificate's DER in NV (the agent must trim
 *     them)
 * @param devIdPassword authValue of the DevID key ("" for none)
 * @param ownerPassword owner hierarchy authValue set at the end of provisioning ("" for none)
 * @param endorsementPassword endorsement hierarchy authValue set at the end of provisioning ("" for
 *     none)
 * @param caKeyType key type of the four test CAs
 * @param devIdIntermediate DevID certificate issued by the DevID intermediate (and the intermediate
 *     in {@code devid.crt.pem}) rather than by the root
 * @param devIdCommonName subject CN of the DevID certificate
 * @param devIdValidity validity of the DevID certificate; {@code null} = one year from provisioning
 * @param devIdRestricted make the DevID a restricted signing key (attributes 0x00050072, as SPIRE's
 *     Go agent can use one: it signs through a TPM2_Hash ticket)
 */
public record ProvisionOptions(
    KeyType devIdKeyType,
    boolean rsaEk,
    boolean eccEk,
    int ekNvPadding,
    String devIdPassword,
    String ownerPassword,
    String endorsementPassword,
    KeyType caKeyType,
    boolean devIdIntermediate,
    String devIdCommonName,
    Validity devIdValidity,
    boolean devIdRestricted) {

  /** The passwords SPIRE's own tests use (docs/protocol.md#test-material). */
  public static final String SPIRE_DEVID_PASSWORD = "devid-pass";

  public static final String SPIRE_OWNER_PASSWORD = "owner-hierarchy-pass";
  public static final String SPIRE_ENDORSEMENT_PASSWORD = "endorsement-hierarchy-pass";

  public ProvisionOptions {
    Objects.requireNonNull(devIdKeyType, "devIdKeyType");
    Objects.requireNonNull(devIdPassword, "devIdPassword");
    Objects.requireNonNull(ownerPassword, "ownerPassword");
    Objects.requireNonNull(endorsementPassword, "endorsementPassword");
    Objects.requireNonNull(caKeyType, "caKeyType");
    Objects.requireNonNull(devIdCommonName, "devIdCommonName");
    if (ekNvPadding < 0 || ekNvPadding > 1024) {
      throw new IllegalArgumentException("ekNvPadding must be 0..1024: " + ekNvPadding);
    }
  }

  /**
   * RSA DevID via the DevID intermediate, RSA and ECC EK certificates, no padding, no passwords,
   * RSA CAs.
   */
  public static ProvisionOptions defaults() {
    return new ProvisionOptions(
        KeyType.RSA, true, true, 0, "", "", "", KeyType.RSA, true, "devid-leaf", null, false);
  }

  public ProvisionOptions withDevIdKeyType(KeyType type) {
    return new ProvisionOptions(
        type,
        rsaEk,
        eccEk,
        ekNvPadding,
        devIdPassword,
        ownerPassword,
        endorsementPassword,
        caKeyType,
        devIdIntermediate,
        devIdCommonName,
        devIdValidity,
        devIdRestricted);
  }

  public ProvisionOptions withEkCertificates(boolean rsa, boolean ecc) {
    return new ProvisionOptions(
        devIdKeyType,
        rsa,
        ecc,
        ekNvPadding,
        devIdPassword,
        ownerPassword,
        endorsementPassword,
        caKeyType,
        devIdIntermediate,
        devIdCommonName,
        devIdValidity,
        devIdRestricted);
  }

  public ProvisionOptions withEkNvPadding(int bytes) {
    return new ProvisionOptions(
        devIdKeyType,
        rsaEk,
        eccEk,
        bytes,
        devIdPassword,
        ownerPassword,
        endorsementPassword,
        caKeyType,
        devIdIntermediate,
        devIdCommonName,
        devIdValidity,
        devIdRestricted);
  }

  public ProvisionOptions withPasswords(String devId, String owner, String endorsement) {
    return new ProvisionOptions(
        devIdKeyType,
        rsaEk,
        eccEk,
        ekNvPadding,
        devId,
        owner,
        endorsement,
        caKeyType,
        devIdIntermediate,
        devIdCommonName,
        devIdValidity,
        devIdRestricted);
  }

  /**
   * The three passwords of SPIRE's tests: {@code devid-pass}, {@code owner-hierarchy-pass}, {@code
   * endorsement-hierarchy-pass}.
   */
  public ProvisionOptions withSpirePasswords() {
    return withPasswords(SPIRE_DEVID_PASSWORD, SPIRE_OWNER_PASSWORD, SPIRE_ENDORSEMENT_PASSWORD);
  }

  public ProvisionOptions withCaKeyType(KeyType type) {
    return new ProvisionOptions(
        devIdKeyType,
        rsaEk,
        eccEk,
        ekNvPadding,
        devIdPassword,
        ownerPassword,
        endorsementPassword,
        type,
        devIdIntermediate,
        devIdCommonName,
        devIdValidity,
        devIdRestricted);
  }

  public ProvisionOptions withDevIdIntermediate(boolean viaIntermediate) {
    return new ProvisionOptions(
        devIdKeyType,
        rsaEk,
        eccEk,
        ekNvPadding,
        devIdPassword,
        ownerPassword,
        endorsementPassword,
        caKeyType,
        viaIntermediate,
        devIdCommonName,
        devIdValidity,
        devIdRestricted);
  }

  public ProvisionOptions withDevIdCommonName(String commonName) {
    return new ProvisionOptions(
        devIdKeyType,
        rsaEk,
        eccEk,
        ekNvPadding,
        devIdPassword,
        ownerPassword,
        endorsementPassword,
        caKeyType,
        devIdIntermediate,
        commonName,
        devIdValidity,
        devIdRestricted);
  }

  public ProvisionOptions withDevIdValidity(Validity validity) {
    return new ProvisionOptions(
        devIdKeyType,
        rsaEk,
        eccEk,
        ekNvPadding,
        devIdPassword,
        ownerPassword,
        endorsementPassword,
        caKeyType,
        devIdIntermediate,
        devIdCommonName,
        validity,
        devIdRestricted);
  }

  /** A restricted signing DevID key (or the default unrestricted one). */
  public ProvisionOptions withDevIdRestricted(boolean restricted) {
    return new ProvisionOptions(
        devIdKeyType,
        rsaEk,
        eccEk,
        ekNvPadding,
        devIdPassword,
        ownerPassword,
        endorsementPassword,
        caKeyType,
        devIdIntermediate,
        devIdCommonName,
        devIdValidity,
        restricted);
  }

  /**
   * These options without the DevID-certificate choices (intermediate, CN, validity): what is baked
   * into the TPM state. Two options with the same TPM part can share a manufactured state; only the
   * DevID certificate differs.
   */
  public ProvisionOptions tpmPart() {
    ProvisionOptions d = defaults();
    return new ProvisionOptions(
        devIdKeyType,
        rsaEk,
        eccEk,
        ekNvPadding,
        devIdPassword,
        ownerPassword,
        endorsementPassword,
        caKeyType,
        d.devIdIntermediate,
        d.devIdCommonName,
        d.devIdValidity,
        devIdRestricted);
  }

  /** Does not show the passwords. */
  @Override
  public String toString() {
    return "ProvisionOptions[devId="
        + devIdKeyType
        + ", rsaEk="
        + rsaEk
        + ", eccEk="
        + eccEk
        + ", ekNvPadding="
        + ekNvPadding
        + ", devIdPassword="
        + (devIdPassword.isEmpty() ? "none" : "set")
        + ", ownerPassword="
        + (ownerPassword.isEmpty() ? "none" : "set")
        + ", endorsementPassword="
        + (endorsementPassword.isEmpty() ? "none" : "set")
        + ", ca="
        + caKeyType
        + ", devIdIntermediate="
        + devIdIntermediate
        + ", devIdCommonName="
        + devIdCommonName
        + ", devIdValidity="
        + devIdValidity
        + ", devIdRestricted="
        + devIdRestricted
        + "]";
  }
}
