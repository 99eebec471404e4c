package dev.tpmdevid.core.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * The server's challenge (docs/protocol.md#challenge-request; SPIRE {@code
 * devid.ChallengeRequest}): {@code {"DevID":b64
 * nonce,"CredActivation":{"Credential":b64,"Secret":b64}}}.
 *
 * @param devId the proof-of-possession nonce (32 bytes from a SPIRE server)
 * @param credActivation the credential challenge; null is encoded as JSON {@code null}
 */
public record ChallengeRequest(byte[] devId, CredActivation credActivation) {
  private static final String[] FIELDS = {"DevID", "CredActivation"};

  public ChallengeRequest {
    devId = Bytes.copy(devId);
  }

  @Override
  public byte[] devId() {
    return Bytes.copy(devId);
  }

  /** The JSON bytes Go's {@code json.Marshal} produces for the same values. */
  public byte[] toJson() {
    StringBuilder sb = new StringBuilder(512);
    sb.append('{');
    GoJson.bytes(sb, "DevID", devId);
    sb.append(",\"CredActivation\":");
    if (credActivation == null) {
      sb.append("null");
    } else {
      credActivation.appendJson(sb);
    }
    sb.append('}');
    return GoJson.utf8(sb);
  }

  /**
   * Decodes with Go {@code json.Unmarshal} semantics (see {@link GoJson}). As in Go, a second
   * {@code CredActivation} object is decoded into the first one (members merge) unless a {@code
   * null} came in between.
   */
  public static ChallengeRequest fromJson(byte[] json) throws WireFormatException {
    byte[][] devId = new byte[1][];
    byte[][] cred = new byte[2][];
    boolean[] present = new boolean[1];
    GoJson.decodeDocument(
        json,
        "ChallengeRequest",
        FIELDS,
        (i, p) -> {
          if (i == 0) {
            devId[0] = GoJson.readBytes(p, "ChallengeRequest.DevID");
          } else {
            readCredActivation(p, cred, present);
          }
        });
    return new ChallengeRequest(devId[0], present[0] ? new CredActivation(cred[0], cred[1]) : null);
  }

  private static void readCredActivation(JsonParser p, byte[][] cred, boolean[] present)
      throws IOException, WireFormatException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      present[0] = false;
      cred[0] = null;
      cred[1] = null;
      return;
    }
    if (t != JsonToken.START_OBJECT) {
      throw new WireFormatException(
          "ChallengeRequest.CredActivation: expected an object or null, got " + GoJson.describe(t));
    }
    present[0] = true;
    GoJson.readObject(
        p,
        "ChallengeRequest.CredActivation",
        CredActivation.FIELDS,
        (i, q) ->
            cred[i] =
                GoJson.readBytes(q, "ChallengeRequest.CredActivation." + CredActivation.FIELDS[i]));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChallengeRequest
        && Arrays.equals(devId, ((ChallengeRequest) o).devId)
        && Objects.equals(credActivation, ((ChallengeRequest) o).credActivation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(devId), credActivation);
  }

  @Override
  public String toString() {
    return "ChallengeRequest{DevID="
        + Bytes.describe(devId)
        + ", CredActivation="
        + credActivation
        + "}";
  }
}
