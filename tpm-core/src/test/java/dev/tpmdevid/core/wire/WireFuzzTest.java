package dev.tpmdevid.core.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Jazzer fuzz targets for the JSON decoders. Property: only {@link WireFormatException} escapes,
 * and a decoded message re-encodes to JSON that decodes to an equal message. Regression mode runs
 * in {@code mvn verify} over {@code WireFuzzTestInputs/}; fuzz with {@code JAZZER_FUZZ=1 mvn -pl
 * tpm-core test -Dtest=WireFuzzTest#fuzzAttestationRequest}.
 */
class WireFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void fuzzAttestationRequest(byte[] data) {
    try {
      AttestationRequest r = AttestationRequest.fromJson(data);
      byte[] json = r.toJson();
      AttestationRequest again = AttestationRequest.fromJson(json);
      if (!again.equals(r) || !Arrays.equals(again.toJson(), json)) {
        throw new IllegalStateException("re-encoding changed the message");
      }
    } catch (WireFormatException expected) {
      // the declared failure type
    }
  }

  @FuzzTest(maxDuration = "60s")
  void fuzzChallengeRequest(byte[] data) {
    try {
      ChallengeRequest r = ChallengeRequest.fromJson(data);
      if (!ChallengeRequest.fromJson(r.toJson()).equals(r)) {
        throw new IllegalStateException("re-encoding changed the message");
      }
    } catch (WireFormatException expected) {
      // the declared failure type
    }
  }

  @FuzzTest(maxDuration = "60s")
  void fuzzChallengeResponse(byte[] data) {
    try {
      ChallengeResponse r = ChallengeResponse.fromJson(data);
      if (!ChallengeResponse.fromJson(r.toJson()).equals(r)) {
        throw new IllegalStateException("re-encoding changed the message");
      }
    } catch (WireFormatException expected) {
      // the declared failure type
    }
  }
}
