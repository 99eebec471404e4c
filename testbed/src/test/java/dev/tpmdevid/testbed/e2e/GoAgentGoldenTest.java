package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpmdevid.core.tpm.TpmName;
import dev.tpmdevid.core.tpm.TpmsAttest;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.server.ServerPluginConfig;
import dev.tpmdevid.testbed.host.AgentPluginStream;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.provision.ProvisionCache;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.Validity;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import dev.tpmdevid.verifier.AttestedNode;
import dev.tpmdevid.verifier.TpmDevIdVerifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SPIRE's Go agent plugin (v1.13.3, the {@code go-tpm-devid-agent-plugin} binary) and ours, on the
 * same swtpm with the same DevID, compared field by field. Each agent runs one full attestation
 * against this project's verifier (in process, so the challenge's nonce and credential secret are
 * known); then:
 *
 * <ul>
 *   <li>DevIDCert, DevIDPub, EKCert and EKPub are byte-identical, and the JSON members come in the
 *       same order;
 *   <li>AKPub is identical but for its unique field (each agent creates its own AK);
 *   <li>CertifiedDevID is a TPMS_ATTEST of the same type, its qualified signer is a Name of the
 *       same form, its certified Name is the DevID's Name and its certified qualified Name is the
 *       same (same SRK parent); extraData, the clock fields and firmwareVersion may differ (the TPM
 *       obfuscates firmwareVersion and the reset/restart counts per signing key in the storage
 *       hierarchy);
 *   <li>the certification signature and the challenge response have the same scheme and sizes.
 * </ul>
 *
 * <p>It also makes the Go-agent golden data of the verifier's {@code GoldenTest}: with {@code
 * -Dtpmdevid.golden.out=DIR} it writes the Go agent's messages and the files needed to verify them
 * to {@code DIR/rsa-devid} and {@code DIR/ecc-devid} (see {@code
 * server-plugin/verifier/src/test/resources/golden/go-agent/README.md}).
 */
class GoAgentGoldenTest extends E2eLabTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  /** One agent's attestation, recorded. */
  record Recording(
      byte[] payload,
      TpmDevIdVerifier.Challenge.State challenge,
      byte[] challengeJson,
      byte[] response,
      AttestedNode result) {}

  static Recording record(PluginHost agent, ProvisionedTpm tpm) throws Exception {
    agent.configure(E2eLab.TRUST_DOMAIN, tpm.agentConfig());
    TpmDevIdVerifier verifier =
        ServerPluginConfig.verifier(
            E2eLab.TRUST_DOMAIN, tpm.serverConfig(), java.time.Clock.systemUTC());
    try (AgentPluginStream stream = new AgentPluginStream(agent, TIMEOUT)) {
      byte[] payload = stream.payload();
      TpmDevIdVerifier.Challenge challenge = verifier.begin(payload);
      byte[] challengeJson = challenge.challengeJson();
      TpmDevIdVerifier.Challenge.State state = challenge.export();
      byte[] response = stream.answer(challengeJson);
      return new Recording(payload, state, challengeJson, response, challenge.complete(response));
    }
  }

  @ParameterizedTest(name = "{0} DevID")
  @EnumSource(KeyType.class)
  void goAgentAndOurAgentSendTheSameEvidence(KeyType devId) throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults()
            .withDevIdKeyType(devId)
            .withDevIdCommonName("go-agent-golden-" + devId.name().toLowerCase())
            .withDevIdValidity(Validity.untilForever());
    try (ProvisionedTpm tpm = ProvisionCache.shared().start(options, Swtpm.Transport.UNIX);
        PluginHost goAgent =
            PluginHost.builder(PluginKind.AGENT, PluginCommands.go(PluginKind.AGENT)).start()) {
      Instant recordedAt = Instant.now();
      Recording go = record(goAgent, tpm);
      Recording ours = record(lab.agent, tpm);

      String expectedId = E2eLab.expectedSpiffeId(tpm.devIdCertificate());
      assertThat(go.result().agentId(E2eLab.TRUST_DOMAIN)).isEqualTo(expectedId);
      assertThat(ours.result().agentId(E2eLab.TRUST_DOMAIN)).isEqualTo(expectedId);
      assertThat(ours.result().selectors()).isEqualTo(go.result().selectors());

      AttestationRequest g = AttestationRequest.fromJson(go.payload());
      AttestationRequest j = AttestationRequest.fromJson(ours.payload());
      assertThat(memberNames(ours.payload())).isEqualTo(memberNames(go.payload()));
      assertThat(j.devIdCert()).as("DevIDCert").containsExactlyElementsOf(g.devIdCert());
      assertThat(j.devIdPub()).as("DevIDPub").isEqualTo(g.devIdPub()).isEqualTo(tpm.devIdPublic());
      assertThat(j.ekCert()).as("EKCert").isEqualTo(g.ekCert());
      assertThat(j.ekPub()).as("EKPub").isEqualTo(g.ekPub());

      TpmtPublic goAk = TpmtPublic.parse(g.akPub());
      TpmtPublic ourAk = TpmtPublic.parse(j.akPub());
      TpmtPublic ourAkWithGoUnique =
          goAk.isRsa()
              ? ourAk.toBuilder().rsaModulus(goAk.rsaModulus()).build()
              : ourAk.toBuilder().eccPoint(goAk.eccX(), goAk.eccY()).build();
      assertThat(ourAkWithGoUnique.encode())
          .as("AKPub but for unique: ours " + ourAk + ", Go " + goAk)
          .isEqualTo(g.akPub());

      TpmsAttest goAttest = TpmsAttest.parse(g.certifiedDevId());
      TpmsAttest ourAttest = TpmsAttest.parse(j.certifiedDevId());
      TpmName devIdName = TpmtPublic.parse(g.devIdPub()).name();
      assertThat(ourAttest.type())
          .isEqualTo(goAttest.type())
          .isEqualTo(TpmsAttest.TPM_ST_ATTEST_CERTIFY);
      byte[] goSigner = goAttest.qualifiedSigner().toBytes();
      byte[] ourSigner = ourAttest.qualifiedSigner().toBytes();
      assertThat(ourSigner.length).as("qualified signer size").isEqualTo(goSigner.length);
      assertThat(new byte[] {ourSigner[0], ourSigner[1]})
          .as("qualified signer nameAlg")
          .isEqualTo(new byte[] {goSigner[0], goSigner[1]});
      assertThat(goAttest.certifiedName()).isEqualTo(devIdName);
      assertThat(ourAttest.certifiedName()).isEqualTo(devIdName);
      assertThat(ourAttest.certifiedQualifiedName())
          .as("same DevID parent (SPIRE's SRK)")
          .isEqualTo(goAttest.certifiedQualifiedName());
      // firmwareVersion, resetCount and restartCount are not compared: the TPM obfuscates them per
      // signing key when the signer (here the AK) is in the storage hierarchy, so they differ by
      // AK.

      TpmtSignature goSig = TpmtSignature.parse(g.certificationSignature());
      TpmtSignature ourSig = TpmtSignature.parse(j.certificationSignature());
      assertThat(ourSig.sigAlg()).isEqualTo(goSig.sigAlg());
      assertThat(ourSig.hashAlg()).isEqualTo(goSig.hashAlg());
      assertThat(ourSig.encode().length).isEqualTo(goSig.encode().length);

      ChallengeResponse goResp = ChallengeResponse.fromJson(go.response());
      ChallengeResponse ourResp = ChallengeResponse.fromJson(ours.response());
      assertThat(goResp.credActivation()).isEqualTo(go.challenge().credentialSecret());
      assertThat(ourResp.credActivation()).isEqualTo(ours.challenge().credentialSecret());
      if (devId == KeyType.RSA) {
        assertThat(ourResp.devId().length).isEqualTo(goResp.devId().length).isEqualTo(256);
      } else {
        assertThat(ourResp.devId()[0])
            .as("ECDSA DER SEQUENCE")
            .isEqualTo(goResp.devId()[0])
            .isEqualTo((byte) 0x30);
      }

      System.out.printf(
          "GOLDEN-COMPARE %s DevID: identical DevIDCert (%d certs), DevIDPub (%d B), EKCert (%d B),"
              + " EKPub (%d B); AKPub differs only in unique (%d B); TPMS_ATTEST type CERTIFY, signer %d B,"
              + " extraData Go %d B / ours %d B, clock Go %d / ours %d; signature %s/%s %d B;"
              + " PoP signature Go %d B / ours %d B%n",
          devId,
          g.devIdCert().size(),
          g.devIdPub().length,
          g.ekCert().length,
          g.ekPub().length,
          g.akPub().length,
          goSigner.length,
          goAttest.extraData().length,
          ourAttest.extraData().length,
          goAttest.clock(),
          ourAttest.clock(),
          Integer.toHexString(goSig.sigAlg()),
          Integer.toHexString(goSig.hashAlg()),
          goSig.encode().length,
          goResp.devId().length,
          ourResp.devId().length);

      String out = System.getProperty("tpmdevid.golden.out");
      if (out != null && !out.isBlank()) {
        write(Path.of(out).resolve(devId.name().toLowerCase() + "-devid"), tpm, go, recordedAt);
      }
    }
  }

  private static List<String> memberNames(byte[] json) throws IOException {
    List<String> names = new ArrayList<>();
    JSON.readTree(json).fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** The Go agent's messages and what a server needs to verify them again (GoldenTest). */
  private static void write(Path dir, ProvisionedTpm tpm, Recording go, Instant recordedAt)
      throws IOException {
    Files.createDirectories(dir);
    Files.write(dir.resolve("attestation-request.json"), go.payload());
    Files.write(dir.resolve("challenge-request.json"), go.challengeJson());
    Files.writeString(
        dir.resolve("credential-secret.hex"),
        HexFormat.of().formatHex(go.challenge().credentialSecret()) + "\n",
        StandardCharsets.US_ASCII);
    Files.write(dir.resolve("challenge-response.json"), go.response());
    for (Path f :
        List.of(
            tpm.devIdCertPath(), tpm.devIdPubPath(), tpm.devIdCaPath(), tpm.endorsementCaPath())) {
      Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }
    StringBuilder expected = new StringBuilder();
    expected.append(
        "# Recorded by testbed GoAgentGoldenTest (-Dtpmdevid.golden.out); read by the verifier's GoldenTest.\n");
    expected.append("spire_version=").append(spireVersion()).append('\n');
    expected.append("recorded_at=").append(recordedAt).append('\n');
    expected.append("trust_domain=").append(E2eLab.TRUST_DOMAIN).append('\n');
    expected.append("spiffe_id=").append(go.result().agentId(E2eLab.TRUST_DOMAIN)).append('\n');
    List<String> selectors = go.result().selectors();
    for (int i = 0; i < selectors.size(); i++) {
      expected.append("selector.").append(i + 1).append('=').append(selectors.get(i)).append('\n');
    }
    Files.writeString(
        dir.resolve("expected.properties"), expected.toString(), StandardCharsets.UTF_8);
  }

  /** The SPIRE version pinned by testbed/spire/go.mod (what build.sh built the Go plugins from). */
  private static String spireVersion() {
    Path goMod = PluginCommands.home().orElseThrow().resolve("testbed/spire/go.mod");
    try {
      Matcher m =
          Pattern.compile("github\\.com/spiffe/spire (v\\S+)").matcher(Files.readString(goMod));
      if (!m.find()) {
        throw new IllegalStateException("no github.com/spiffe/spire version in " + goMod);
      }
      return m.group(1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
