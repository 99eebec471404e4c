package dev.tpmdevid.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.verifier.AttestationFailure.Reason;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutations of a genuine payload's binary members (bit flips, truncation, extension,
 * length-field damage, byte replacement), each run through a whole attestation ({@code begin}, then
 * {@code complete} with the genuine agent's answer): no mutation of a security-relevant field may
 * be accepted (docs/security.md#a11-hostile-input), and every refusal is an {@link
 * AttestationFailure} blaming the evidence, never another exception.
 *
 * <p>The one region the server does not use is EKPub's authPolicy (the credential depends on the
 * EK's key, name algorithm and symmetric algorithm only), so a mutation confined to it may be
 * accepted; every accepted mutation is listed in the assertion messages, and one that changes
 * anything else fails the test.
 */
class PayloadMutationTest {
  private static final String[] MEMBERS = {
    "DevIDPub",
    "EKCert",
    "EKPub",
    "AKPub",
    "CertifiedDevID",
    "CertificationSignature",
    "DevIDCert[0]",
    "DevIDCert[1]"
  };

  @Test
  void noSecurityRelevantMutationAccepted() throws Exception {
    SoftwareAgent agent = SoftwareAgent.goLike();
    TpmDevIdVerifier v =
        TpmDevIdVerifier.builder()
            .devIdRoots(List.of(agent.devIdRoot.cert()))
            .endorsementRoots(List.of(agent.ekCa.cert()))
            .build();
    AttestationRequest g = agent.attestationRequest();
    Random rnd = new Random(20261129L);
    List<String> acceptedHarmless = new ArrayList<>();
    List<String> acceptedRelevant = new ArrayList<>();
    Map<Reason, Integer> refusedBy = new EnumMap<>(Reason.class);
    int[] perMember = new int[MEMBERS.length];
    int mutations = 0;
    for (int i = 0; i < 1500; i++) {
      List<byte[]> certs = new ArrayList<>(g.devIdCert());
      byte[][] f = {
        g.devIdPub(),
        g.ekCert(),
        g.ekPub(),
        g.akPub(),
        g.certifiedDevId(),
        g.certificationSignature(),
        certs.get(0),
        certs.get(1)
      };
      int which = rnd.nextInt(f.length);
      byte[] original = f[which];
      f[which] = mutate(original, rnd);
      if (Arrays.equals(f[which], original)) {
        continue; // the random edit happened to write the same bytes: not a mutation
      }
      mutations++;
      perMember[which]++;
      certs.set(0, f[6]);
      certs.set(1, f[7]);
      byte[] json = new AttestationRequest(certs, f[0], f[1], f[2], f[3], f[4], f[5]).toJson();
      String what = "mutation " + i + " of " + MEMBERS[which];
      try {
        TpmDevIdVerifier.Challenge c = v.begin(json);
        AttestedNode node = c.complete(agent.respond(c.challengeJson()));
        String entry = what + " accepted as " + node.agentId("example.org");
        if (which == 2 && onlyAuthPolicyDiffers(original, f[which])) {
          acceptedHarmless.add(entry + " (EKPub authPolicy only)");
        } else {
          acceptedRelevant.add(entry);
        }
      } catch (AttestationFailure e) {
        assertThat(e.reason())
            .as("%s: %s", what, e.getMessage())
            .isNotIn(Reason.CREDENTIAL, Reason.CHALLENGE_STATE);
        refusedBy.merge(e.reason(), 1, Integer::sum);
      }
    }
    String summary =
        mutations
            + " mutations; refused by "
            + refusedBy
            + "; accepted (harmless): "
            + acceptedHarmless;
    System.out.println("PayloadMutationTest: " + summary);
    assertThat(acceptedRelevant).as(summary).isEmpty();
    // the run exercised every member and the refusals came from many different checks
    assertThat(Arrays.stream(perMember).min().orElse(0)).as(summary).isGreaterThan(100);
    assertThat(refusedBy.keySet()).as(summary).hasSizeGreaterThanOrEqualTo(6);
    assertThat(acceptedHarmless).as(summary).hasSizeLessThan(mutations / 20);
  }

  /** True when both parse as TPMT_PUBLIC and differ in authPolicy only. */
  private static boolean onlyAuthPolicyDiffers(byte[] genuine, byte[] mutated) {
    try {
      TpmtPublic a = TpmtPublic.parse(genuine);
      TpmtPublic b = TpmtPublic.parse(mutated);
      return a.toBuilder().authPolicy(b.authPolicy()).build().equals(b);
    } catch (TpmFormatException e) {
      return false;
    }
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
