package dev.tpmdevid.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PayloadsTest {

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void attestationRequestGoldenShape() {
    byte[] out =
        Payloads.attestationRequest(
            List.of(new byte[] {1, 2, 3}, new byte[] {(byte) 0xFB, (byte) 0xFF}),
            new byte[] {4},
            new byte[] {5, 6},
            new byte[] {7, 8, 9},
            new byte[] {10},
            new byte[] {11, 12},
            new byte[] {13, 14, 15, 16});
    assertThat(new String(out, StandardCharsets.US_ASCII))
        .isEqualTo(
            "{\"DevIDCert\":[\"AQID\",\"+/8=\"],\"DevIDPub\":\"BA==\",\"EKCert\":\"BQY=\",\"EKPub\":\"BwgJ\","
                + "\"AKPub\":\"Cg==\",\"CertifiedDevID\":\"Cww=\",\"CertificationSignature\":\"DQ4PEA==\"}");
  }

  @Test
  void nullMembersAreWrittenAsNull() {
    byte[] out =
        Payloads.attestationRequest(List.of(new byte[0]), null, null, null, null, null, null);
    assertThat(new String(out, StandardCharsets.US_ASCII))
        .isEqualTo(
            "{\"DevIDCert\":[\"\"],\"DevIDPub\":null,"
                + "\"EKCert\":null,\"EKPub\":null,\"AKPub\":null,\"CertifiedDevID\":null,\"CertificationSignature\":null}");
  }

  @Test
  void challengeResponseGoldenShape() {
    assertThat(
            new String(
                Payloads.challengeResponse(new byte[] {1}, new byte[] {2, 3}),
                StandardCharsets.US_ASCII))
        .isEqualTo("{\"DevID\":\"AQ==\",\"CredActivation\":\"AgM=\"}");
  }

  @Test
  void challengeAsTheGoServerWritesIt() throws Exception {
    Payloads.Challenge c =
        Payloads.challenge(
            json(
                "{\"DevID\":\"AQID\",\"CredActivation\":{\"Credential\":\"BAU=\",\"Secret\":\"Bg==\"}}"));
    assertThat(c.nonce()).containsExactly(1, 2, 3);
    assertThat(c.credential()).containsExactly(4, 5);
    assertThat(c.secret()).containsExactly(6);
  }

  @Test
  void challengeDecodingFollowsGo() throws Exception {
    Payloads.Challenge c =
        Payloads.challenge(
            json(
                " {\"devid\":\"AQ==\",\"Extra\":[1,{\"a\":2}],"
                    + "\"credactivation\":{\"CREDENTIAL\":\"BA==\",\"secret\":\"Bg==\",\"x\":null}} "));
    assertThat(c.nonce()).containsExactly(1);
    assertThat(c.credential()).containsExactly(4);
    assertThat(c.secret()).containsExactly(6);
  }

  @Test
  void malformedChallengesAreChallengeErrors() {
    for (String bad :
        new String[] {
          "",
          "null",
          "[]",
          "{",
          "{\"DevID\":5,\"CredActivation\":{}}",
          "{\"DevID\":\"AQ\",\"CredActivation\":{}}",
          "{\"DevID\":\"A-_=\",\"CredActivation\":{}}",
          "{\"DevID\":\"AQ==\",\"CredActivation\":\"x\"}",
          "{\"CredActivation\":{}} {}",
          "not json"
        }) {
      assertThatThrownBy(() -> Payloads.challenge(json(bad)), bad)
          .isInstanceOf(AgentException.class)
          .satisfies(
              e -> assertThat(((AgentException) e).kind()).isEqualTo(AgentException.Kind.CHALLENGE))
          .hasMessageStartingWith("unable to unmarshall challenges");
    }
  }

  @Test
  void missingCredActivation() {
    for (String bad :
        new String[] {"{\"DevID\":\"AQ==\"}", "{\"DevID\":\"AQ==\",\"CredActivation\":null}"}) {
      assertThatThrownBy(() -> Payloads.challenge(json(bad)))
          .isInstanceOf(AgentException.class)
          .hasMessage("received empty credential activation challenge from server");
    }
  }
}
