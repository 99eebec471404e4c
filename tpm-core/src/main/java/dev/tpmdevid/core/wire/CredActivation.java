package dev.tpmdevid.core.wire;

import java.util.Arrays;
import java.util.Objects;

/**
 * The credential-activation challenge inside a {@link ChallengeRequest}
 * (docs/protocol.md#challenge-request; SPIRE {@code devid.CredActivation}): {@code
 * {"Credential":b64,"Secret":b64}}.
 *
 * @param credential TPM2B_ID_OBJECT contents without the size (68 bytes for a SHA-256 AK)
 * @param secret TPM2B_ENCRYPTED_SECRET contents without the size
 */
public record CredActivation(byte[] credential, byte[] secret) {
  static final String[] FIELDS = {"Credential", "Secret"};

  public CredActivation {
    credential = Bytes.copy(credential);
    secret = Bytes.copy(secret);
  }

  @Override
  public byte[] credential() {
    return Bytes.copy(credential);
  }

  @Override
  public byte[] secret() {
    return Bytes.copy(secret);
  }

  void appendJson(StringBuilder sb) {
    sb.append('{');
    GoJson.bytes(sb, "Credential", credential);
    sb.append(',');
    GoJson.bytes(sb, "Secret", secret);
    sb.append('}');
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CredActivation
        && Arrays.equals(credential, ((CredActivation) o).credential)
        && Arrays.equals(secret, ((CredActivation) o).secret);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(credential), Arrays.hashCode(secret));
  }

  @Override
  public String toString() {
    return "CredActivation{Credential="
        + Bytes.describe(credential)
        + ", Secret="
        + Bytes.describe(secret)
        + "}";
  }
}
