package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Go's JSON and credential-blob conventions through the plugin over gRPC: the payload as SPIRE's Go
 * server would read it, the challenge as the Go server would write it. (The Go agent's recordings
 * and go-tpm's credential vector go through the verifier directly, in the verifier module's
 * GoldenTest.)
 */
class GoJsonConventionsTest {

  @Test
  void payloadJson_asReceived_caseInsensitiveNamesUnknownMembersAndLastDuplicateWin()
      throws Exception {
    SoftwareAgent agent = SoftwareAgent.goLike();
    String json = new String(agent.payload(), StandardCharsets.UTF_8);
    // Go's encoding/json: member names match case-insensitively, unknown members are ignored,
    // the last duplicate wins.
    String mangled =
        json.replace("\"DevIDPub\"", "\"devidpub\"")
            .replace(
                "{\"DevIDCert\"", "{\"Unknown\":{\"x\":[1,2]},\"AKPub\":\"AAAA\",\"DevIDCert\"");
    try (PluginHarness h = new PluginHarness(agent, null)) {
      PluginHarness.Outcome o = h.attest(mangled.getBytes(StandardCharsets.UTF_8), agent::respond);
      assertThat(o.status()).isNull();
      assertThat(o.ok()).isTrue();
    }
  }

  @Test
  void challengeJson_andCredentialBlobLayout_matchTheGoServer() throws Exception {
    for (KeyType ek : new KeyType[] {KeyType.RSA, KeyType.ECC}) {
      SoftwareAgent agent = SoftwareAgent.of(ek, KeyType.RSA, KeyType.RSA);
      try (PluginHarness h = new PluginHarness(agent, null)) {
        PluginHarness.Conversation c = h.open();
        c.sendPayload(agent.payload());
        byte[] ch =
            ((dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse) c.next())
                .getChallenge()
                .toByteArray();
        String s = new String(ch, StandardCharsets.UTF_8);
        assertThat(s)
            .matches(
                "\\{\"DevID\":\"[A-Za-z0-9+/]{43}=\",\"CredActivation\":"
                    + "\\{\"Credential\":\"[A-Za-z0-9+/=]+\",\"Secret\":\"[A-Za-z0-9+/=]+\"\\}\\}");
        JsonNode n = new ObjectMapper().readTree(ch);
        byte[] cred =
            Base64.getDecoder().decode(n.get("CredActivation").get("Credential").asText());
        byte[] secret = Base64.getDecoder().decode(n.get("CredActivation").get("Secret").asText());
        assertThat(Base64.getDecoder().decode(n.get("DevID").asText())).hasSize(32);
        // u16 32 || HMAC-SHA256 (32) || AES-CFB(u16 32 || secret 32) = 68 bytes, no TPM2B wrapper
        assertThat(cred).hasSize(68);
        assertThat(cred[0]).isEqualTo((byte) 0);
        assertThat(cred[1]).isEqualTo((byte) 32);
        // RSA: raw OAEP ciphertext (256); ECC P-256: TPM2B(x) || TPM2B(y) = 68
        assertThat(secret).hasSize(ek == KeyType.RSA ? 256 : 68);
        c.sendResponse(agent.respond(ch));
        assertThat(
                ((dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse) c.next())
                    .hasAgentAttributes())
            .isTrue();
      }
    }
  }
}
