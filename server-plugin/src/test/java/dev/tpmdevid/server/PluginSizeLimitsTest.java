package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.server.PluginHarness.Outcome;
import dev.tpmdevid.verifier.AttestationVerifier;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import io.grpc.Status;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The plugin's two size limits through its Attest stream, on the sizes just inside and just
 * outside: the payload against {@code max_payload_bytes} (step 1) and the challenge response
 * against its fixed 16 KiB limit. Messages are padded with JSON whitespace, which Go's decoder (and
 * ours) accepts, so a message at the limit is otherwise the genuine one.
 */
class PluginSizeLimitsTest {
  private static final int LIMIT = 8192;
  private static SoftwareAgent agent;
  private static PluginHarness harness;

  @BeforeAll
  static void setUp() throws Exception {
    agent = SoftwareAgent.goLike();
    harness = new PluginHarness(agent, "max_payload_bytes = " + LIMIT);
  }

  @AfterAll
  static void tearDown() throws Exception {
    harness.close();
  }

  private static byte[] padded(byte[] json, int size) {
    assertThat(json.length).as("genuine message fits the padding").isLessThanOrEqualTo(size);
    byte[] b = Arrays.copyOf(json, size);
    Arrays.fill(b, json.length, size, (byte) ' ');
    return b;
  }

  @Test
  void payload_atMostMaxPayloadBytes() throws Exception {
    Outcome atLimit = harness.attest(padded(agent.payload(), LIMIT), agent::respond);
    assertThat(atLimit.ok())
        .as("payload of exactly max_payload_bytes: %s", atLimit.status())
        .isTrue();
    Outcome over = harness.attest(padded(agent.payload(), LIMIT + 1), agent::respond);
    assertThat(over.ok()).isFalse();
    assertThat(over.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(over.status().getDescription())
        .isEqualTo("attestation payload larger than max_payload_bytes");
  }

  @Test
  void challengeResponse_atMost16KiB() throws Exception {
    int max = AttestationVerifier.MAX_CHALLENGE_RESPONSE_BYTES;
    Outcome atLimit = harness.attest(agent.payload(), ch -> padded(agent.respond(ch), max));
    assertThat(atLimit.ok()).as("response of exactly 16 KiB: %s", atLimit.status()).isTrue();
    Outcome over = harness.attest(agent.payload(), ch -> padded(agent.respond(ch), max + 1));
    assertThat(over.ok()).isFalse();
    assertThat(over.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(over.status().getDescription()).isEqualTo("challenge response too large");
  }
}
