package dev.tpmdevid.core.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class TpmCommandsTest {

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  /**
   * The frame go-tpm sends (and the agent sent before this codec, marshalled by hand): password
   * session for the AK with continueSession, policy session for the EK without it.
   */
  @Test
  void activateCredentialFrame() {
    byte[] cmd =
        TpmCommands.activateCredential(
            0x80000001,
            0x80000002,
            TpmCommands.AuthCommand.password(hex("aabb")),
            TpmCommands.AuthCommand.policy(0x03000000, false),
            hex("0002 1111 2222"),
            hex("3333"));
    String expected =
        "8002"
            + "00000036"
            + "00000147"
            + "80000001"
            + "80000002"
            + "00000014" // authorization size: 9 + 2 (password) + 9
            + "40000009"
            + "0000"
            + "01"
            + "0002aabb"
            + "03000000"
            + "0000"
            + "00"
            + "0000"
            + "0006"
            + "000211112222"
            + "0002"
            + "3333";
    assertThat(HexFormat.of().formatHex(cmd)).isEqualTo(expected);
    assertThat(cmd.length).isEqualTo(0x36);
  }

  @Test
  void passwordIsNotInToString() {
    assertThat(TpmCommands.AuthCommand.password("secret-pw".getBytes()).toString())
        .doesNotContain("secret")
        .doesNotContain("7365");
  }

  @Test
  void responseCertInfo() throws Exception {
    byte[] ok = hex("8002 00000019 00000000 00000006 0004 01020304 0000 01 0000");
    assertThat(ok.length).isEqualTo(0x19);
    assertThat(TpmCommands.activateCredentialResponse(ok)).isEqualTo(hex("01020304"));
  }

  @Test
  void malformedResponsesAreRejected() {
    // size field disagrees
    assertThatThrownBy(
            () ->
                TpmCommands.activateCredentialResponse(
                    hex("8002 00000020 00000000 00000006 0004 01020304 0000 01 0000")))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("size field");
    // certInfo longer than the response
    assertThatThrownBy(
            () ->
                TpmCommands.activateCredentialResponse(
                    hex("8002 00000014 00000000 00000004 0008 0102")))
        .isInstanceOf(TpmFormatException.class);
    // error code
    assertThatThrownBy(() -> TpmCommands.activateCredentialResponse(hex("8001 0000000a 00000922")))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("0x922");
    // truncated header
    assertThatThrownBy(() -> TpmCommands.activateCredentialResponse(hex("8002 0000")))
        .isInstanceOf(TpmFormatException.class);
    // certInfo outside parameterSize
    assertThatThrownBy(
            () ->
                TpmCommands.activateCredentialResponse(
                    hex("8002 00000019 00000000 00000002 0004 01020304 0000 01 0000")))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("parameterSize");
  }

  @Test
  void oversizedParametersAreRefused() {
    assertThatThrownBy(
            () ->
                TpmCommands.activateCredential(
                    1,
                    2,
                    TpmCommands.AuthCommand.password(null),
                    TpmCommands.AuthCommand.policy(3, false),
                    new byte[0x10000],
                    new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
