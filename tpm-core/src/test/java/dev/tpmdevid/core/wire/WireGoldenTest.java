package dev.tpmdevid.core.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Exact JSON as Go's encoding/json writes it (docs/protocol.md#messages). */
class WireGoldenTest {
  static final byte[] B010203 = {1, 2, 3};

  static String json(byte[] b) {
    return new String(b, UTF_8);
  }

  @Test
  void attestationRequestGolden() throws Exception {
    AttestationRequest r =
        new AttestationRequest(
            List.of(B010203, new byte[0]),
            new byte[] {(byte) 0xFF},
            null,
            new byte[] {0x00, 0x01},
            new byte[] {(byte) 0xFB, (byte) 0xFF},
            null,
            "abc".getBytes(UTF_8));
    String want =
        "{\"DevIDCert\":[\"AQID\",\"\"],\"DevIDPub\":\"/w==\",\"EKCert\":null,\"EKPub\":\"AAE=\","
            + "\"AKPub\":\"+/8=\",\"CertifiedDevID\":null,\"CertificationSignature\":\"YWJj\"}";
    assertThat(json(r.toJson())).isEqualTo(want);
    assertThat(AttestationRequest.fromJson(want.getBytes(UTF_8))).isEqualTo(r);
  }

  @Test
  void attestationRequestAllNullAndEmptyList() throws Exception {
    AttestationRequest none = new AttestationRequest(null, null, null, null, null, null, null);
    String want =
        "{\"DevIDCert\":null,\"DevIDPub\":null,\"EKCert\":null,\"EKPub\":null,\"AKPub\":null,"
            + "\"CertifiedDevID\":null,\"CertificationSignature\":null}";
    assertThat(json(none.toJson())).isEqualTo(want);
    assertThat(AttestationRequest.fromJson(want.getBytes(UTF_8))).isEqualTo(none);
    assertThat(AttestationRequest.fromJson("{}".getBytes(UTF_8))).isEqualTo(none);

    AttestationRequest empty =
        new AttestationRequest(List.of(), new byte[0], null, null, null, null, null);
    assertThat(json(empty.toJson())).startsWith("{\"DevIDCert\":[],\"DevIDPub\":\"\",");
    AttestationRequest back = AttestationRequest.fromJson(empty.toJson());
    assertThat(back.devIdCert()).isEmpty();
    assertThat(back.devIdPub()).isEmpty();
    assertThat(back).isEqualTo(empty).isNotEqualTo(none);

    AttestationRequest nullElement =
        new AttestationRequest(Arrays.asList(B010203, null), null, null, null, null, null, null);
    assertThat(json(nullElement.toJson())).startsWith("{\"DevIDCert\":[\"AQID\",null],");
    assertThat(AttestationRequest.fromJson(nullElement.toJson())).isEqualTo(nullElement);
  }

  @Test
  void challengeRequestGolden() throws Exception {
    ChallengeRequest r = new ChallengeRequest(B010203, new CredActivation(new byte[] {4, 5}, null));
    String want =
        "{\"DevID\":\"AQID\",\"CredActivation\":{\"Credential\":\"BAU=\",\"Secret\":null}}";
    assertThat(json(r.toJson())).isEqualTo(want);
    assertThat(ChallengeRequest.fromJson(want.getBytes(UTF_8))).isEqualTo(r);

    ChallengeRequest none = new ChallengeRequest(null, null);
    assertThat(json(none.toJson())).isEqualTo("{\"DevID\":null,\"CredActivation\":null}");
    assertThat(ChallengeRequest.fromJson(none.toJson())).isEqualTo(none);
  }

  @Test
  void challengeResponseGolden() throws Exception {
    ChallengeResponse r = new ChallengeResponse(B010203, new byte[] {(byte) 0xFF});
    String want = "{\"DevID\":\"AQID\",\"CredActivation\":\"/w==\"}";
    assertThat(json(r.toJson())).isEqualTo(want);
    assertThat(ChallengeResponse.fromJson(want.getBytes(UTF_8))).isEqualTo(r);
    assertThat(json(new ChallengeResponse(null, new byte[0]).toJson()))
        .isEqualTo("{\"DevID\":null,\"CredActivation\":\"\"}");
  }

  @Test
  void realisticSizesUseStandardPaddedBase64() throws Exception {
    byte[] sig = new byte[256];
    Arrays.fill(sig, (byte) 0xFB); // '+' and '/' in base64
    byte[] nonce = new byte[32];
    ChallengeResponse r = new ChallengeResponse(sig, nonce);
    String s = json(r.toJson());
    assertThat(s).contains("+").contains("/").doesNotContain("\n").doesNotContain(" ");
    assertThat(s).contains("\"CredActivation\":\"" + "A".repeat(43) + "=\"");
  }

  @Test
  void recordsCopyDefensivelyAndCompareByContent() {
    byte[] b = {1};
    ChallengeResponse r = new ChallengeResponse(b, b);
    b[0] = 9;
    assertThat(r.devId()).containsExactly(1);
    r.devId()[0] = 7;
    assertThat(r.devId()).containsExactly(1);
    assertThat(r).isEqualTo(new ChallengeResponse(new byte[] {1}, new byte[] {1}));
    assertThat(r.hashCode())
        .isEqualTo(new ChallengeResponse(new byte[] {1}, new byte[] {1}).hashCode());
    assertThat(r.toString()).doesNotContain("[B@").contains("1 bytes");

    List<byte[]> certs = new java.util.ArrayList<>(List.of(new byte[] {1}));
    AttestationRequest a = new AttestationRequest(certs, null, null, null, null, null, null);
    certs.get(0)[0] = 5;
    certs.add(new byte[0]);
    assertThat(a.devIdCert()).hasSize(1);
    assertThat(a.devIdCert().get(0)).containsExactly(1);
  }
}
