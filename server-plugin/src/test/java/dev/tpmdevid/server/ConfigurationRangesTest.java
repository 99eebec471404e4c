package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.verifier.testing.SoftwareAgent;
import io.grpc.Status;
import io.grpc.StatusException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration ranges of the server plugin (challenge_timeout, max_payload_bytes), each on the
 * value just inside and just outside the limit, asserting the loader's message. (The verification
 * checks' boundaries are in the verifier module's CheckBoundariesTest.)
 */
class ConfigurationRangesTest {
  private static SoftwareAgent agent;

  @BeforeAll
  static void setUp() throws Exception {
    agent = SoftwareAgent.goLike();
  }

  @TempDir static Path dir;

  private static String paths() throws Exception {
    Path d = Files.writeString(dir.resolve("devid.pem"), agent.devIdBundlePem());
    Path e = Files.writeString(dir.resolve("ek.pem"), agent.ekBundlePem());
    return "devid_ca_path = \"" + d + "\"\nendorsement_ca_path = \"" + e + "\"\n";
  }

  private static void assertConfigRefused(String hcl, String message) {
    assertThatThrownBy(() -> ServerConfigLoader.load("example.org", hcl, Clock.systemUTC()))
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).isEqualTo(message);
            });
  }

  @Test
  void configurationRanges_inclusiveLimits() throws Exception {
    String ok = paths();
    List<String> accepted = new ArrayList<>();
    for (String t : new String[] {"1s", "10m"}) {
      ServerConfig c =
          ServerConfigLoader.load(
                  "example.org", ok + "challenge_timeout = \"" + t + "\"\n", Clock.systemUTC())
              .config();
      accepted.add(c.challengeTimeout().toString());
    }
    assertThat(accepted).containsExactly("PT1S", "PT10M");
    String timeout = "invalid configuration: challenge_timeout must be between 1s and 10m";
    assertConfigRefused(ok + "challenge_timeout = \"999ms\"\n", timeout);
    assertConfigRefused(ok + "challenge_timeout = \"601s\"\n", timeout);
    for (int n : new int[] {8192, 4194304}) {
      assertThat(
              ServerConfigLoader.load(
                      "example.org", ok + "max_payload_bytes = " + n + "\n", Clock.systemUTC())
                  .config()
                  .maxPayloadBytes())
          .isEqualTo(n);
    }
    String size = "invalid configuration: max_payload_bytes must be between 8192 and 4194304";
    assertConfigRefused(ok + "max_payload_bytes = 8191\n", size);
    assertConfigRefused(ok + "max_payload_bytes = 4194305\n", size);
  }
}
