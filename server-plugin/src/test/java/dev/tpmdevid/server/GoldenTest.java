package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.cred.CredentialBlob;
import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.server.testing.SoftwareAgent;
import dev.tpmdevid.server.testing.SoftwareAgent.KeyType;
import dev.tpmdevid.server.testing.TestPki;
import dev.tpmdevid.server.x509.Cert;
import dev.tpmdevid.server.x509.ChainVerifier;
import dev.tpmdevid.server.x509.PemCertificates;
import dev.tpmdevid.server.x509.TrustBundle;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Golden values for compatibility with SPIRE's Go server (spec 01 §3, §4.6, §7, §10.2). */
class GoldenTest {

  @Test
  void spiffeIdAndSelectors_ofARealFourCertificateChain_inSpireOrder() throws Exception {
    Path rc = dev.tpmdevid.server.x509.RealEkCertificatesTestAccess.realcerts();
    Assumptions.assumeTrue(rc != null, "shared/testdata not found");
    Cert leaf = Cert.parse(Files.readAllBytes(rc.resolve("ek-leaf/stmicro_6.der")));
    List<Cert> intermediates = List.of(
        Cert.of(PemCertificates.parse(Files.readAllBytes(
            rc.resolve("vendor-ca/stmicro/STM_TPM_EK_Intermediate_CA_06.pem"))).get(0)),
        Cert.of(PemCertificates.parse(Files.readAllBytes(
            rc.resolve("vendor-ca/stmicro/STM_TPM_EK_Root_CA.pem"))).get(0)));
    TrustBundle roots = TrustBundle.fromPem(Files.readAllBytes(
        rc.resolve("vendor-ca/stmicro/GlobalSign_Trusted_Platform_Module_Root_CA.pem")));
    List<List<Cert>> chains = ChainVerifier.verify(leaf, intermediates, roots,
        Date.from(Instant.parse("2021-06-01T00:00:00Z")), Set.of("2.5.29.17"));
    // values computed independently with openssl x509 -outform DER | sha1sum
    assertThat(AgentIdentity.spiffeId("example.org", leaf))
        .isEqualTo("spiffe://example.org/spire/agent/tpm_devid/fb51dd3f4a601c98bcc67fff59bf715ea0e66e0b");
    assertThat(AgentIdentity.selectorValues(leaf, chains)).containsExactly(
        "issuer:cn:STM TPM EK Intermediate CA 06", // empty subject: no subject:cn selector
        "ca:fingerprint:a446da11c302000f9e147b3053a7c3f8bf75f78f",
        "ca:fingerprint:ce55f2bd4ebf99f1b9fa0c1a047d323b22cdba78",
        "ca:fingerprint:e75f25c5185a3ad607b9142ead7fd802cc9bc4f9");
  }

  @Test
  void commonName_lastCnAttributeWins_likeGoPkixName() throws Exception {
    var name = new org.bouncycastle.asn1.x500.X500NameBuilder()
        .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, "first")
        .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.O, "org")
        .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, "last").build();
    assertThat(AgentIdentity.lastCommonName(name.getEncoded())).isEqualTo("last");
    assertThat(AgentIdentity.lastCommonName(
        new org.bouncycastle.asn1.x500.X500Name(new org.bouncycastle.asn1.x500.RDN[0]).getEncoded()))
        .isEmpty();
  }

  @Test
  void payloadJson_asReceived_caseInsensitiveNamesUnknownMembersAndLastDuplicateWin()
      throws Exception {
    SoftwareAgent agent = SoftwareAgent.goLike();
    String json = new String(agent.payload(), StandardCharsets.UTF_8);
    // Go's encoding/json: member names match case-insensitively, unknown members are ignored,
    // the last duplicate wins.
    String mangled = json.replace("\"DevIDPub\"", "\"devidpub\"")
        .replace("{\"DevIDCert\"", "{\"Unknown\":{\"x\":[1,2]},\"AKPub\":\"AAAA\",\"DevIDCert\"");
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
        byte[] ch = ((dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse) c.next())
            .getChallenge().toByteArray();
        String s = new String(ch, StandardCharsets.UTF_8);
        assertThat(s).matches("\\{\"DevID\":\"[A-Za-z0-9+/]{43}=\",\"CredActivation\":"
            + "\\{\"Credential\":\"[A-Za-z0-9+/=]+\",\"Secret\":\"[A-Za-z0-9+/=]+\"\\}\\}");
        JsonNode n = new ObjectMapper().readTree(ch);
        byte[] cred = Base64.getDecoder().decode(n.get("CredActivation").get("Credential").asText());
        byte[] secret = Base64.getDecoder().decode(n.get("CredActivation").get("Secret").asText());
        assertThat(Base64.getDecoder().decode(n.get("DevID").asText())).hasSize(32);
        // u16 32 || HMAC-SHA256 (32) || AES-CFB(u16 32 || secret 32) = 68 bytes, no TPM2B wrapper
        assertThat(cred).hasSize(68);
        assertThat(cred[0]).isEqualTo((byte) 0);
        assertThat(cred[1]).isEqualTo((byte) 32);
        // RSA: raw OAEP ciphertext (256); ECC P-256: TPM2B(x) || TPM2B(y) = 68
        assertThat(secret).hasSize(ek == KeyType.RSA ? 256 : 68);
        c.sendResponse(agent.respond(ch));
        assertThat(((dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse) c.next())
            .hasAgentAttributes()).isTrue();
      }
    }
  }

  /** go-tpm legacy/tpm2/credactivation test vector (spec 01 §10.2) through our challenge step. */
  @Test
  void goTpmDeterministicVector_throughMakeCredentialChallenge() throws Exception {
    String ekSpki = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArIqmuAvuIcakIEPd2hZl"
        + "avob21ehQ7zaHduJQNbNuKVSc1HTlvw9DkWN03b0SktcRIfsjw/omqPl60RhCx0j"
        + "qxsYnf5Gk4jhfCnUeQVicAqHnUGrKjMkLIGTZVOpyqBEXHsdhugw6M5HVIKyfwNO"
        + "KhvLZKRH8JkvtElVhLQ6E2+H83XoSpkt9oCnGPyN2Z5qRP+fhQiRylMCD8Rz8ABn"
        + "YVqGBBrG+2cBt/0uFLjxHx2mm/4sI/1scG5xrcrDLva9WZB40MehW5VlS6Fwqq05"
        + "dKtLGpk7ludjH38m2zhM5/UdKZ34skJaS/Aiyj+P5AT1BpJL2ZtjCbBdnMDUSbRF"
        + "1QIDAQAB";
    String expected = "AEQAIFjKZAUo3Wmgxu+CqHFzsQZr7BqawtprBmpXpZa77nb5S+iN6IcSPQLCKPZMNuunv7BIb4/VJA/xjMrj8RnQbj"
        + "spCwEAJcQogjACOfStYTVjmR4p61ZbTTRt7ZNG5nc6iifq+TfnyfoU+E3T6Kount4M8fSUdMWlKx5A24Ms4ndi1V"
        + "YOA+s4inPusyn1X1ZCHe5tNwT1E9jpVxc0jaUAVad6Q5cOgUyAp4qvc8wmaYXcIa/PzVfa6teF4iXxNqVDAYqpdm"
        + "bP68v0Hk5gRqCa/tHAdg5avE3C20DP1SSvPitumWROL6mHMooVxjsyjPnHEBLo7y/BKwezEO/15xnBvPOvWs7ARI"
        + "u1KdER+zrCJX9SMCPbn4cVMfLdrX70xko7XjdhV7pXtAeUeKmmKSYE45m5ZN0h83YgHXGDjf+ynWse10okyA==";
    PublicKey ek = KeyFactory.getInstance("RSA")
        .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(ekSpki)));
    TpmtPublic ekPub = TpmtPublic.fromPublicKey(ek, TpmAlg.SHA256,
            ObjectAttributes.fromBits(SoftwareAgent.EK_ATTRIBUTES), TpmtPublic.Scheme.NULL)
        .toBuilder().symmetric(TpmtPublic.Symmetric.AES_128_CFB).build();
    byte[] akName = HexFormat.of().parseHex(
        "000be6c9e97fda917ca0f64dbef678b019a82fdafccc94860f88bddc036644c92bdc");
    byte[] secret = HexFormat.of().parseHex("0102030405060708".repeat(4));
    SecureRandom zeros = new SecureRandom() {
      @Override
      public void nextBytes(byte[] bytes) {
        java.util.Arrays.fill(bytes, (byte) 0);
      }
    };
    CredentialBlob blob = AttestationVerifier.makeCredentialChallenge(ekPub, ek, akName, secret, zeros);
    byte[] got = new byte[4 + blob.credential().length + blob.encryptedSecret().length];
    java.nio.ByteBuffer.wrap(got).putShort((short) blob.credential().length).put(blob.credential())
        .putShort((short) blob.encryptedSecret().length).put(blob.encryptedSecret());
    assertThat(Base64.getEncoder().encodeToString(got)).isEqualTo(expected);
  }
}
