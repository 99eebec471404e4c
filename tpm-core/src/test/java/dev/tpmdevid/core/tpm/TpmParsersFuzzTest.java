package dev.tpmdevid.core.tpm;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer fuzz targets for the TPM structure parsers. Property: the only exception that escapes is
 * {@link TpmFormatException}, and accepted input re-encodes byte-exactly. {@code mvn verify} runs
 * them in regression mode over the seeds in {@code TpmParsersFuzzTestInputs/}; fuzz with {@code
 * JAZZER_FUZZ=1 mvn -pl tpm-core test -Dtest=TpmParsersFuzzTest#fuzzTpmtPublic}.
 */
class TpmParsersFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void fuzzTpmtPublic(byte[] data) {
    try {
      TpmtPublic p = TpmtPublic.parse(data);
      requireCanonical(data, p.encode());
      if (p.nameAlg() != TpmAlg.NULL) {
        p.name();
      }
      p.toPublicKey();
    } catch (TpmFormatException expected) {
      // the declared failure type
    }
  }

  @FuzzTest(maxDuration = "60s")
  void fuzzTpmsAttest(byte[] data) {
    try {
      requireCanonical(data, TpmsAttest.parse(data).encode());
    } catch (TpmFormatException expected) {
      // the declared failure type
    }
  }

  @FuzzTest(maxDuration = "60s")
  void fuzzTpmtSignature(byte[] data) {
    try {
      TpmtSignature s = TpmtSignature.parse(data);
      requireCanonical(data, s.encode());
      if (s.isEcdsa()) {
        TpmtSignature back = TpmtSignature.fromDerEcdsa(s.hashAlg(), s.toDerEcdsa(), 66);
        if (back.hashAlg() != s.hashAlg()) {
          throw new IllegalStateException("hash changed");
        }
      }
    } catch (TpmFormatException expected) {
      // the declared failure type
    }
  }

  @FuzzTest(maxDuration = "60s")
  void fuzzEcdsaDer(byte[] data) {
    try {
      TpmtSignature s = TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, data, 48);
      requireCanonical(data, s.toDerEcdsa());
    } catch (TpmFormatException expected) {
      // the declared failure type
    }
  }

  private static void requireCanonical(byte[] in, byte[] out) {
    if (!java.util.Arrays.equals(in, out)) {
      throw new IllegalStateException("accepted input does not re-encode identically");
    }
  }
}
