package dev.tpmdevid.core.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every parser, on every truncation and every single-byte mutation of real TPM output, either
 * accepts input it re-encodes byte-exactly or throws {@link TpmFormatException} — never another
 * exception.
 */
class ParserRobustnessTest {
  interface Parser {
    byte[] parseAndEncode(byte[] b) throws TpmFormatException;
  }

  static final Parser PUBLIC =
      b -> {
        TpmtPublic p = TpmtPublic.parse(b);
        if (p.nameAlg() != TpmAlg.NULL) {
          p.name();
        }
        try {
          p.toPublicKey();
        } catch (TpmFormatException expected) {
          // invalid keys are reported as TpmFormatException; that is the property under test
        }
        return p.encode();
      };
  static final Parser ATTEST = b -> TpmsAttest.parse(b).encode();
  static final Parser SIGNATURE =
      b -> {
        TpmtSignature s = TpmtSignature.parse(b);
        if (s.isEcdsa()) {
          s.toDerEcdsa();
        }
        return s.encode();
      };

  private static int[] check(Parser parser, byte[] input) {
    int accepted = 0;
    int rejected = 0;
    for (int len = 0; len < input.length; len++) {
      byte[] prefix = Arrays.copyOf(input, len);
      if (outcome(parser, prefix)) {
        accepted++;
      } else {
        rejected++;
      }
    }
    for (int i = 0; i < input.length; i++) {
      for (int v : new int[] {0x00, 0xFF, input[i] ^ 0x01, input[i] ^ 0x80, input[i] + 1}) {
        byte[] m = input.clone();
        m[i] = (byte) v;
        if (outcome(parser, m)) {
          accepted++;
        } else {
          rejected++;
        }
      }
    }
    return new int[] {accepted, rejected};
  }

  /** True if accepted (and then re-encoded identically), false if TpmFormatException. */
  private static boolean outcome(Parser parser, byte[] in) {
    try {
      byte[] out = parser.parseAndEncode(in);
      assertThat(out).as("accepted input must re-encode byte-exactly").isEqualTo(in);
      return true;
    } catch (TpmFormatException e) {
      assertThat(e.getMessage()).isNotBlank();
      return false;
    } catch (RuntimeException | Error e) {
      if (e instanceof AssertionError) {
        throw (AssertionError) e;
      }
      fail("parser threw " + e + " for " + Hex.encode(in), e);
      return false;
    }
  }

  @Test
  void truncationAtEveryOffsetIsRejected() {
    List<byte[]> inputs = new ArrayList<>();
    for (String f : Fixtures.PUBLIC_TPMT) {
      inputs.add(Fixtures.swtpm(f));
    }
    for (String f : Fixtures.PUBLIC_TPM2B) {
      inputs.add(Fixtures.swtpmStripped(f));
    }
    for (byte[] in : inputs) {
      for (int len = 0; len < in.length; len++) {
        byte[] prefix = Arrays.copyOf(in, len);
        assertThat(outcome(PUBLIC, prefix)).as("prefix of length %d accepted", len).isFalse();
      }
    }
    for (String f : Fixtures.ATTEST) {
      byte[] in = Fixtures.swtpm(f);
      for (int len = 0; len < in.length; len++) {
        assertThat(outcome(ATTEST, Arrays.copyOf(in, len))).isFalse();
      }
    }
    for (String f : Fixtures.SIGNATURE) {
      byte[] in = Fixtures.swtpm(f);
      for (int len = 0; len < in.length; len++) {
        assertThat(outcome(SIGNATURE, Arrays.copyOf(in, len))).isFalse();
      }
    }
  }

  @Test
  void mutationAtEveryOffsetIsAcceptedCanonicallyOrRejectedCleanly() {
    int[] total = new int[2];
    for (String f : Fixtures.PUBLIC_TPMT) {
      add(total, check(PUBLIC, Fixtures.swtpm(f)));
    }
    for (String f : Fixtures.PUBLIC_TPM2B) {
      add(total, check(PUBLIC, Fixtures.swtpmStripped(f)));
    }
    for (String f : Fixtures.ATTEST) {
      add(total, check(ATTEST, Fixtures.swtpm(f)));
    }
    for (String f : Fixtures.SIGNATURE) {
      add(total, check(SIGNATURE, Fixtures.swtpm(f)));
    }
    assertThat(total[0]).isPositive();
    assertThat(total[1]).isPositive();
  }

  @Test
  void tpm2bPublicWrapperIsStrict() throws Exception {
    byte[] b = Fixtures.swtpm("devid-rsa.pub");
    for (int len = 0; len < b.length; len++) {
      byte[] prefix = Arrays.copyOf(b, len);
      try {
        TpmtPublic.parseTpm2b(prefix);
        fail("accepted prefix " + len);
      } catch (TpmFormatException expected) {
        // ok
      }
    }
    assertThat(TpmtPublic.parseTpm2b(b).encodeTpm2b()).isEqualTo(b);
  }

  private static void add(int[] total, int[] r) {
    total[0] += r[0];
    total[1] += r[1];
  }
}
