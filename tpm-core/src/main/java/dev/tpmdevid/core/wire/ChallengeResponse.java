package dev.tpmdevid.core.wire;

import java.util.Arrays;
import java.util.Objects;

/**
 * The agent's answer (docs/protocol.md#challenge-response; SPIRE {@code devid.ChallengeResponse}):
 * {@code {"DevID":b64 signature,"CredActivation":b64 32 bytes}}. Note that here {@code
 * CredActivation} is a byte string, not an object.
 *
 * @param devId DevID signature over the nonce (RSA: raw PKCS#1 v1.5; ECDSA: DER)
 * @param credActivation the secret recovered by TPM2_ActivateCredential
 */
public record ChallengeResponse(byte[] devId, byte[] credActivation) {
  private static final String[] FIELDS = {"DevID", "CredActivation"};

  public ChallengeResponse {
    devId = Bytes.copy(devId);
    credActivation = Bytes.copy(credActivation);
  }

  @Override
  public byte[] devId() {
    return Bytes.copy(devId);
  }

  @Override
  public byte[] credActivation() {
    return Bytes.copy(credActivation);
  }

  /** The JSON bytes Go's {@code json.Marshal} produces for the same values. */
  public byte[] toJson() {
    StringBuilder sb = new StringBuilder(512);
    sb.append('{');
    GoJson.bytes(sb, "DevID", devId);
    sb.append(',');
    GoJson.bytes(sb, "CredActivation", credActivation);
    sb.append('}');
    return GoJson.utf8(sb);
  }

  /** Decodes with Go {@code json.Unmarshal} semantics (see {@link GoJson}). */
  public static ChallengeResponse fromJson(byte[] json) throws WireFormatException {
    byte[][] v = new byte[2][];
    GoJson.decodeDocument(
        json,
        "ChallengeResponse",
        FIELDS,
        (i, p) -> v[i] = GoJson.readBytes(p, "ChallengeResponse." + FIELDS[i]));
    return new ChallengeResponse(v[0], v[1]);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChallengeResponse
        && Arrays.equals(devId, ((ChallengeResponse) o).devId)
        && Arrays.equals(credActivation, ((ChallengeResponse) o).credActivation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(devId), Arrays.hashCode(credActivation));
  }

  /** Sizes only (the members are a signature and a secret). */
  @Override
  public String toString() {
    return "ChallengeResponse{DevID="
        + Bytes.describe(devId)
        + ", CredActivation="
        + Bytes.describe(credActivation)
        + "}";
  }
}
