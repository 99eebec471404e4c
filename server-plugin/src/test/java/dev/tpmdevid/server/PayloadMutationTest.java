package dev.tpmdevid.server;

import dev.tpmdevid.verifier.AttestationFailure;
import dev.tpmdevid.verifier.AttestationVerifier;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutations of a genuine payload's binary members (byte flips, truncation, extension,
 * length-field damage) straight into the verifier: every outcome must be acceptance or an {@link
 * AttestationFailure} with INVALID_ARGUMENT, never another exception (docs/security.md#a11-hostile-input).
 */
class PayloadMutationTest {

  @Test
  void mutatedEvidence_onlyInvalidArgument() throws Exception {
    SoftwareAgent agent = SoftwareAgent.goLike();
    Path dir = Files.createTempDirectory("tpm-devid-mutation");
    ServerConfigHandler h = new ServerConfigHandler(Clock.systemUTC());
    Path d = Files.writeString(dir.resolve("d.pem"), agent.devIdBundlePem());
    Path e = Files.writeString(dir.resolve("e.pem"), agent.ekBundlePem());
    h.configure("example.org", "devid_ca_path = \"" + d + "\"\nendorsement_ca_path = \"" + e + "\"\n");
    ServerConfig cfg = h.current();
    AttestationVerifier v = new AttestationVerifier(new SecureRandom());
    AttestationRequest g = agent.attestationRequest();
    Random rnd = new Random(20261129L);
    int accepted = 0;
    int rejected = 0;
    for (int i = 0; i < 1500; i++) {
      List<byte[]> certs = new ArrayList<>(g.devIdCert());
      byte[][] f = {g.devIdPub(), g.ekCert(), g.ekPub(), g.akPub(), g.certifiedDevId(),
          g.certificationSignature(), certs.get(0), certs.get(1)};
      int which = rnd.nextInt(f.length);
      f[which] = mutate(f[which], rnd);
      certs.set(0, f[6]);
      certs.set(1, f[7]);
      byte[] json = new AttestationRequest(certs, f[0], f[1], f[2], f[3], f[4], f[5]).toJson();
      try {
        v.verifyPayload(cfg, json);
        accepted++;
      } catch (AttestationFailure ex) {
        assertThat(FailureCodes.of(ex)).as("mutation %d of member %d: %s", i, which, ex.getMessage())
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
        rejected++;
      }
    }
    assertThat(rejected).isGreaterThan(1000);
    assertThat(accepted + rejected).isEqualTo(1500);
  }

  static byte[] mutate(byte[] in, Random rnd) {
    byte[] b = in.clone();
    switch (rnd.nextInt(5)) {
      case 0 -> {
        for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
          b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
      }
      case 1 -> b = Arrays.copyOf(b, rnd.nextInt(b.length));
      case 2 -> {
        b = Arrays.copyOf(b, b.length + 1 + rnd.nextInt(8));
        b[b.length - 1] = (byte) rnd.nextInt(256);
      }
      case 3 -> {
        int p = rnd.nextInt(Math.max(1, b.length - 1));
        b[p] = (byte) 0xFF;
        b[p + 1 < b.length ? p + 1 : p] = (byte) 0xFF;
      }
      default -> b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
    }
    return b;
  }
}
