package dev.tpmdevid.testbed.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.agent.AgentConfig;
import dev.tpmdevid.agent.AgentSession;
import dev.tpmdevid.agent.DevIdAttestor;
import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmsAttest;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The agent against a live swtpm, each test with its own provisioned TPM: the payload decodes to
 * the expected structures, certify and PoP signatures verify with JCA, the JSON is Go's encoding,
 * and a challenge from {@code MakeCredential} is answered; nothing is left loaded on the TPM
 * afterwards.
 */
class AgentAttestationTest {

  private static final Pattern GO_JSON =
      Pattern.compile(
          "\\{\"DevIDCert\":\\[(\"[A-Za-z0-9+/]+=*\",?)+\\],"
              + "\"DevIDPub\":\"[A-Za-z0-9+/]+=*\",\"EKCert\":\"[A-Za-z0-9+/]+=*\",\"EKPub\":\"[A-Za-z0-9+/]+=*\","
              + "\"AKPub\":\"[A-Za-z0-9+/]+=*\",\"CertifiedDevID\":\"[A-Za-z0-9+/]+=*\","
              + "\"CertificationSignature\":\"[A-Za-z0-9+/]+=*\"\\}");

  @TempDir Path dir;

  @BeforeAll
  static void needsSwtpm() {
    assertTrue(
        ProvisionedSwtpm.available(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
  }

  @ParameterizedTest(name = "DevID {0}, AK {1}, {2}, passwords {3}")
  @CsvSource({
    "RSA, rsa, TCP, false",
    "ECC, rsa, TCP, true",
    "RSA, ecc, UNIX, true",
    "ECC, ecc, UNIX, false",
  })
  void attestsAndAnswersTheChallenge(
      KeyType devIdType, String akType, Swtpm.Transport transport, boolean passwords)
      throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults().withDevIdKeyType(devIdType).withEkNvPadding(16);
    if (passwords) {
      options = options.withSpirePasswords();
    }
    try (ProvisionedSwtpm tpm = new ProvisionedSwtpm(dir, transport, options)) {
      DevIdAttestor attestor =
          DevIdAttestor.create(AgentConfig.fromHcl(tpm.agentHcl("ak_type = \"" + akType + "\"\n")));
      byte[] payload;
      byte[] responseJson;
      AgentChecks.Challenge challenge;
      long commands;
      try (AgentSession session = attestor.begin()) {
        payload = session.payload();
        AttestationRequest request = AttestationRequest.fromJson(payload);
        checkPayload(tpm, request, akType.equals("ecc"));
        assertThat(new String(payload, StandardCharsets.US_ASCII)).matches(GO_JSON);
        assertThat(request.toJson()).isEqualTo(payload);

        challenge = AgentChecks.challengeFor(request);
        responseJson = session.solve(challenge.json());
        commands = session.tpmCommands();
      }
      ChallengeResponse response = ChallengeResponse.fromJson(responseJson);
      assertThat(response.toJson()).isEqualTo(responseJson);
      assertThat(
              AgentChecks.verifyPop(
                  tpm.provisioned.devIdCertificate(), challenge.nonce(), response.devId()))
          .as("PoP signature verifies with the DevID certificate key")
          .isTrue();
      assertThat(response.credActivation())
          .as("activated credential")
          .isEqualTo(challenge.secret());
      assertThat(tpm.handlesInUse()).as("transient objects and sessions left").isEmpty();
      System.out.printf(
          "agent attestation DevID %s AK %s over %s: %d TPM commands%n",
          devIdType, akType, transport, commands);
    }
  }

  private static void checkPayload(ProvisionedSwtpm tpm, AttestationRequest r, boolean eccAk)
      throws Exception {
    List<X509Certificate> chain = tpm.provisioned.devIdChain();
    assertThat(r.devIdCert()).hasSize(chain.size());
    for (int i = 0; i < chain.size(); i++) {
      assertThat(r.devIdCert().get(i)).isEqualTo(chain.get(i).getEncoded());
    }
    assertThat(r.devIdPub()).isEqualTo(Files.readAllBytes(tpm.provisioned.devIdPubPath()));
    assertThat(r.ekCert())
        .isEqualTo(tpm.provisioned.ekCertificate(KeyType.RSA).orElseThrow().getEncoded());

    TpmtPublic ek = TpmtPublic.parse(r.ekPub());
    assertThat(ek.toPublicKey())
        .isEqualTo(tpm.provisioned.ekCertificate(KeyType.RSA).orElseThrow().getPublicKey());

    TpmtPublic ak = TpmtPublic.parse(r.akPub());
    assertThat(ak.nameAlg()).isEqualTo(TpmAlg.SHA256);
    assertThat(ak.objectAttributes()).isEqualTo(ObjectAttributes.fromBits(0x00050072));
    assertThat(ak.isEcc()).isEqualTo(eccAk);
    if (!eccAk) {
      assertThat(ak.rsaKeyBits()).isEqualTo(2048);
      assertThat(ak.scheme()).isEqualTo(TpmtPublic.Scheme.RSASSA_SHA256);
    } else {
      assertThat(ak.scheme()).isEqualTo(TpmtPublic.Scheme.ECDSA_SHA256);
    }

    TpmsAttest attest = TpmsAttest.parse(r.certifiedDevId());
    assertThat(attest.type()).isEqualTo(TpmsAttest.TPM_ST_ATTEST_CERTIFY);
    assertThat(attest.extraData()).isEmpty();
    assertThat(attest.certifiedName().toBytes())
        .as("CertifiedDevID names DevIDPub")
        .isEqualTo(TpmtPublic.parse(r.devIdPub()).nameBytes());
    assertThat(attest.qualifiedSigner()).isNotNull();
    TpmtSignature sig = TpmtSignature.parse(r.certificationSignature());
    assertThat(AgentChecks.verifyCertify(ak, r.certifiedDevId(), sig))
        .as("certify signature verifies")
        .isTrue();
    if (!eccAk) {
      assertThat(r.certifiedDevId()).hasSize(141);
      assertThat(r.certificationSignature()).hasSize(262);
    }
  }
}
