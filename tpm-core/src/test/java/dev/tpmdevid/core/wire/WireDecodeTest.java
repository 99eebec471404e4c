package dev.tpmdevid.core.wire;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Go decoder semantics (docs/protocol.md#json-rules). */
class WireDecodeTest {
  static byte[] j(String s) {
    return s.getBytes(UTF_8);
  }

  static AttestationRequest att(String s) throws WireFormatException {
    return AttestationRequest.fromJson(j(s));
  }

  @Test
  void memberNamesMatchCaseInsensitivelyWithGoFolding() throws Exception {
    assertThat(att("{\"devidpub\":\"AQID\"}").devIdPub()).containsExactly(1, 2, 3);
    assertThat(att("{\"DEVIDPUB\":\"AQID\"}").devIdPub()).containsExactly(1, 2, 3);
    assertThat(att("{\"ekCERT\":\"AQID\"}").ekCert()).containsExactly(1, 2, 3);
    // U+017F LATIN SMALL LETTER LONG S folds to S, U+212A KELVIN SIGN to K (Go foldName)
    assertThat(att("{\"Certification\u017Fignature\":\"AQID\"}").certificationSignature())
        .containsExactly(1, 2, 3);
    assertThat(att("{\"A\u212APub\":\"AQID\"}").akPub()).containsExactly(1, 2, 3);
    // other non-ASCII look-alikes do not match
    assertThat(att("{\"D\u0435vIDPub\":\"AQID\"}").devIdPub()).isNull();
    assertThat(
            ChallengeRequest.fromJson(j("{\"credactivation\":{\"SECRET\":\"AQ==\"}}"))
                .credActivation()
                .secret())
        .containsExactly(1);
  }

  @Test
  void lastDuplicateWinsAcrossSpellings() throws Exception {
    assertThat(att("{\"DevIDPub\":\"AQ==\",\"devidpub\":\"Ag==\"}").devIdPub()).containsExactly(2);
    assertThat(att("{\"DevIDPub\":\"AQ==\",\"DevIDPub\":null}").devIdPub()).isNull();
    assertThat(att("{\"DevIDCert\":[\"AQ==\",\"AQ==\"],\"DevIDCert\":[\"Ag==\"]}").devIdCert())
        .hasSize(1);
  }

  @Test
  void unknownMembersAreSkippedWhateverTheirValue() throws Exception {
    AttestationRequest r =
        att(
            "{\"X\":{\"a\":[1,{\"b\":null},\"s\",true,-1.5e3]},\"Y\":[[[]]],\"Z\":12345678901234567890,"
                + "\"DevIDPub\":\"AQID\",\"W\":\"\\u00e9\"}");
    assertThat(r.devIdPub()).containsExactly(1, 2, 3);
  }

  @Test
  void credActivationObjectsMergeLikeGoUnlessNullInBetween() throws Exception {
    ChallengeRequest merged =
        ChallengeRequest.fromJson(
            j(
                "{\"CredActivation\":{\"Credential\":\"AQ==\"},\"CredActivation\":{\"Secret\":\"Ag==\"}}"));
    assertThat(merged.credActivation().credential()).containsExactly(1);
    assertThat(merged.credActivation().secret()).containsExactly(2);
    ChallengeRequest reset =
        ChallengeRequest.fromJson(
            j(
                "{\"CredActivation\":{\"Credential\":\"AQ==\"},\"CredActivation\":null,"
                    + "\"CredActivation\":{\"Secret\":\"Ag==\"}}"));
    assertThat(reset.credActivation().credential()).isNull();
    assertThat(reset.credActivation().secret()).containsExactly(2);
    assertThat(ChallengeRequest.fromJson(j("{\"CredActivation\":{}}")).credActivation())
        .isEqualTo(new CredActivation(null, null));
  }

  @Test
  void base64IsGoStdEncoding() throws Exception {
    assertThat(att("{\"DevIDPub\":\"\"}").devIdPub()).isEmpty();
    assertThat(att("{\"DevIDPub\":\"AQ\\r\\nID\"}").devIdPub()).containsExactly(1, 2, 3);
    assertThat(att("{\"DevIDPub\":\"\\nAQ=\\r\\n=\\n\"}").devIdPub()).containsExactly(1);
    assertThat(att("{\"DevIDPub\":\"AR==\"}").devIdPub()).containsExactly(1); // non-strict bits
    assertThat(att("{\"DevIDPub\":\"\\u0041\\u0051\\u003d\\u003d\"}").devIdPub())
        .containsExactly(1);
    assertThat(att("{\"DevIDPub\":\"+/+/\"}").devIdPub()).hasSize(3);
    for (String bad :
        new String[] {
          "AQI",
          "AQ=",
          "AQ",
          "-_-_",
          "AQ==AQ==",
          "A===",
          "====",
          "AQ= =",
          "AQ =",
          "AQ\\tI=",
          "A",
          "AQID=",
          "AQ=A",
          // padded length without line breaks: the JDK decoder's path must refuse these too
          "=AAA",
          "AA=A",
          "AAA=AAAA",
          "AQ==AAAA",
          "AAA*",
          "AA\\u00e9A",
          "AQI=====",
          "AQ==="
        }) {
      assertThatThrownBy(() -> att("{\"DevIDPub\":\"" + bad + "\"}"))
          .as(bad)
          .isInstanceOf(WireFormatException.class)
          .hasMessageStartingWith("AttestationRequest.DevIDPub: ");
    }
    assertThatThrownBy(() -> att("{\"DevIDPub\":\"-_-_\"}")).hasMessageContaining("URL-safe");
  }

  @Test
  void wrongMemberTypesAreRejectedNamingTheMember() {
    assertThatThrownBy(() -> att("{\"DevIDPub\":123}"))
        .isInstanceOf(WireFormatException.class)
        .hasMessage("AttestationRequest.DevIDPub: expected a base64 string or null, got a number");
    assertThatThrownBy(() -> att("{\"DevIDPub\":[1,2]}"))
        .hasMessageContaining("DevIDPub: expected a base64 string or null, got an array");
    assertThatThrownBy(() -> att("{\"DevIDCert\":\"AQID\"}"))
        .hasMessage("AttestationRequest.DevIDCert: expected an array or null, got a string");
    assertThatThrownBy(() -> att("{\"DevIDCert\":[1]}"))
        .hasMessage(
            "AttestationRequest.DevIDCert[0]: expected a base64 string or null, got a number");
    assertThatThrownBy(() -> att("{\"EKPub\":true}")).hasMessageContaining("got a boolean");
    assertThatThrownBy(() -> ChallengeResponse.fromJson(j("{\"CredActivation\":{}}")))
        .hasMessage(
            "ChallengeResponse.CredActivation: expected a base64 string or null, got an object");
    assertThatThrownBy(() -> ChallengeRequest.fromJson(j("{\"CredActivation\":\"AQID\"}")))
        .hasMessage("ChallengeRequest.CredActivation: expected an object or null, got a string");
    assertThatThrownBy(() -> ChallengeRequest.fromJson(j("{\"CredActivation\":{\"Secret\":1}}")))
        .hasMessageContaining("ChallengeRequest.CredActivation.Secret");
  }

  @Test
  void documentMustBeExactlyOneObject() throws Exception {
    for (String bad :
        new String[] {
          "",
          " ",
          "null",
          "[]",
          "\"x\"",
          "1",
          "true",
          "{} {}",
          "{}x",
          "{},",
          "{",
          "{\"DevIDPub\":\"AQ==\",}",
          "{'DevIDPub':null}",
          "{\"a\":01}",
          "{\"a\":NaN}",
          "{\"a\":\"\u0001\"}",
          "{\"a\" : [}",
          "\uFEFF{}",
          "{} /* c */",
          "{\"a\":\"\\x\"}",
          "\u000B{}",
          "{}\u0000",
          "{\u00A0}",
          "{\"a\":+1}",
          "{\"a\":.5}",
          "{\"a\":tru}"
        }) {
      assertThatThrownBy(() -> att(bad)).as(bad).isInstanceOf(WireFormatException.class);
    }
    assertThat(att(" \t\r\n{ \"DevIDPub\" : \"AQ==\" } \n").devIdPub()).containsExactly(1);
    assertThatThrownBy(() -> AttestationRequest.fromJson(null))
        .isInstanceOf(WireFormatException.class);
    assertThatThrownBy(() -> att("[]"))
        .hasMessage("AttestationRequest: document is an array, not a JSON object");
  }

  @Test
  void invalidUtf8InStringsIsReplacedLikeGo() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(j("{\"X\":\""));
    b.write(0xFF);
    b.write(0xC3);
    b.writeBytes(j("\",\"DevIDPub\":\"AQ==\"}"));
    assertThat(AttestationRequest.fromJson(b.toByteArray()).devIdPub()).containsExactly(1);
  }

  @Test
  void nestingDepthIsBounded() throws Exception {
    String ok = "{\"X\":" + "[".repeat(20) + "]".repeat(20) + ",\"DevIDPub\":\"AQ==\"}";
    assertThat(att(ok).devIdPub()).containsExactly(1);
    String deep = "{\"X\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    assertThatThrownBy(() -> att(deep))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("nesting");
  }

  @Test
  void everyTruncationIsRejected() {
    AttestationRequest r =
        new AttestationRequest(
            List.of(new byte[40], new byte[7]),
            new byte[20],
            new byte[5],
            new byte[3],
            null,
            new byte[1],
            new byte[2]);
    byte[] full = r.toJson();
    for (int len = 0; len < full.length; len++) {
      byte[] prefix = Arrays.copyOf(full, len);
      assertThatThrownBy(() -> AttestationRequest.fromJson(prefix))
          .as("prefix %d", len)
          .isInstanceOf(WireFormatException.class);
    }
    byte[] c =
        new ChallengeRequest(new byte[32], new CredActivation(new byte[68], new byte[256]))
            .toJson();
    for (int len = 0; len < c.length; len++) {
      byte[] prefix = Arrays.copyOf(c, len);
      assertThatThrownBy(() -> ChallengeRequest.fromJson(prefix))
          .isInstanceOf(WireFormatException.class);
    }
  }

  @Test
  void largeInputsDecodeInLinearTime() throws Exception {
    List<byte[]> certs = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      certs.add(new byte[100]);
    }
    byte[] big =
        new AttestationRequest(certs, new byte[1 << 20], null, null, null, null, null).toJson();
    StringBuilder manyMembers = new StringBuilder("{");
    for (int i = 0; i < 100_000; i++) {
      manyMembers.append("\"k").append(i).append("\":0,");
    }
    manyMembers.append("\"DevIDPub\":\"AQ==\"}");
    long t0 = System.nanoTime();
    assertThat(AttestationRequest.fromJson(big).devIdCert()).hasSize(20_000);
    assertThat(att(manyMembers.toString()).devIdPub()).containsExactly(1);
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
  }
}
