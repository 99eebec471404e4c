package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.server.PluginHarness.Outcome;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import io.grpc.Status;
import java.security.Signature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proof of residency rests on a secret the agent can only learn by activating the credential
 * with the EK: an agent that holds the DevID key but not the EK must not be able to guess it. Found
 * by PIT (docs/robustness.md): with the secret's random fill removed, every other test still
 * passed.
 */
class ChallengeRandomnessTest {
  private static SoftwareAgent agent;
  private static PluginHarness harness;

  @BeforeAll
  static void setUp() throws Exception {
    agent = SoftwareAgent.goLike();
    harness = new PluginHarness(agent, null);
  }

  @AfterAll
  static void tearDown() throws Exception {
    harness.close();
  }

  @Test
  void guessedAllZeroSecretWithoutActivation_refused() throws Exception {
    Outcome o =
        harness.attest(
            agent.payload(),
            ch -> {
              try {
                ChallengeRequest r = ChallengeRequest.fromJson(ch);
                Signature s = Signature.getInstance("SHA256withRSA");
                s.initSign(agent.devIdKey.getPrivate());
                s.update(r.devId());
                return new ChallengeResponse(s.sign(), new byte[32])
                    .toJson(); // valid PoP, secret guessed
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(o.ok()).as("a guessed secret must not pass the proof of residency").isFalse();
    assertThat(o.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(o.status().getDescription()).contains("credential activation failed");
  }
}
