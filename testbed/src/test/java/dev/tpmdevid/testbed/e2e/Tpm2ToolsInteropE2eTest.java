package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.core.wire.CredActivation;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.host.AgentPluginStream;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.AttestationRelay;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interoperability with tpm2-tools (docs/protocol.md#tpm2-tools-peer): an agent made of tpm2-tools
 * commands is attested by our server plugin, and our agent plugin answers a challenge made by
 * {@code tpm2_makecredential -T none}.
 */
class Tpm2ToolsInteropE2eTest extends E2eLabTest {
  private static ProvisionOptions options(KeyType ek) {
    return ProvisionOptions.defaults().withEkCertificates(ek == KeyType.RSA, ek == KeyType.ECC);
  }

  @ParameterizedTest(name = "EK {0}")
  @EnumSource(KeyType.class)
  void serverAttestsAnAgentMadeOfTpm2Tools(KeyType ek, @TempDir Path dir) throws Exception {
    ProvisionedTpm tpm = lab.provision(dir, options(ek));
    Path work = Files.createDirectories(dir.resolve("tools"));
    Tpm2Tools tools = new Tpm2Tools(work, port(tpm));
    lab.server.configure(E2eLab.TRUST_DOMAIN, tpm.serverConfig());

    AttestationOutcome o =
        new AttestationRelay(
                () -> new ToolsAgent(tools, tpm, ek), "tpm_devid", lab.server, E2eLab.TRUST_DOMAIN)
            .attest();

    assertThat(o.succeeded()).as(o.operatorView()).isTrue();
    assertThat(o.spiffeId()).isEqualTo(E2eLab.expectedSpiffeId(tpm.devIdCertificate()));
    assertThat(o.selectors())
        .containsExactlyElementsOf(
            E2eLab.expectedSelectors(
                tpm.devIdCertificate(),
                List.of(
                    tpm.pki().devIdIntermediate().certificate(),
                    tpm.pki().devIdRoot().certificate())));
    // tpm2_certify's default qualifying data is 00 FF 55 AA: the server ignores extraData like Go.
    AttestationRequest sent =
        AttestationRequest.fromJson(
            o.transcript().first(dev.tpmdevid.testbed.host.Transcript.Kind.PAYLOAD).bytes());
    assertThat(sent.certifiedDevId()).hasSize(145);
  }

  @ParameterizedTest(name = "EK {0}")
  @EnumSource(KeyType.class)
  void agentAnswersAChallengeMadeByTpm2MakeCredential(KeyType ek, @TempDir Path dir)
      throws Exception {
    ProvisionedTpm tpm = lab.provision(dir, options(ek));
    Path work = Files.createDirectories(dir.resolve("tools"));
    Tpm2Tools tools = new Tpm2Tools(work, port(tpm));
    lab.agent.configure(E2eLab.TRUST_DOMAIN, tpm.agentConfig());

    try (AgentPluginStream agent = new AgentPluginStream(lab.agent, Duration.ofMinutes(2))) {
      AttestationRequest payload = AttestationRequest.fromJson(agent.payload());
      byte[] nonce = new byte[32];
      byte[] secret = new byte[32];
      SecureRandom rng = new SecureRandom();
      rng.nextBytes(nonce);
      rng.nextBytes(secret);
      Files.write(work.resolve("ek.pub"), ToolsAgent.tpm2b(payload.ekPub()));
      Files.write(work.resolve("secret.bin"), secret);
      String akName = HexFormat.of().formatHex(TpmtPublic.parse(payload.akPub()).nameBytes());
      tools.run(
          "tpm2_makecredential",
          "-T",
          "none",
          "-e",
          "ek.pub",
          "-s",
          "secret.bin",
          "-n",
          akName,
          "-o",
          "cred.out");
      ByteBuffer cred = ByteBuffer.wrap(Files.readAllBytes(work.resolve("cred.out")));
      assertThat(cred.getInt()).isEqualTo(0xBADCC0DE);
      assertThat(cred.getInt()).isEqualTo(1);
      byte[] credential = new byte[cred.getShort() & 0xFFFF];
      cred.get(credential);
      byte[] encryptedSecret = new byte[cred.getShort() & 0xFFFF];
      cred.get(encryptedSecret);
      assertThat(cred.hasRemaining()).isFalse();

      ChallengeResponse r =
          ChallengeResponse.fromJson(
              agent.answer(
                  new ChallengeRequest(nonce, new CredActivation(credential, encryptedSecret))
                      .toJson()));

      assertThat(r.credActivation()).isEqualTo(secret);
      Signature v = Signature.getInstance("SHA256withRSA");
      v.initVerify(tpm.devIdCertificate().getPublicKey());
      v.update(nonce);
      assertThat(v.verify(r.devId())).isTrue();
    }
  }

  private static int port(ProvisionedTpm tpm) {
    String path = tpm.tpmDevicePath();
    return Integer.parseInt(path.substring(path.lastIndexOf(':') + 1));
  }
}
