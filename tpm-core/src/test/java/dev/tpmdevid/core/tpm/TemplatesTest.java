package dev.tpmdevid.core.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Template bytes against docs/protocol.md#templates (and the TCG L-2 template for the ECC EK). */
class TemplatesTest {

  private static String hex(TpmtPublic t) {
    return HexFormat.of().formatHex(t.encode());
  }

  private static final String POLICY =
      "0020837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa";

  @Test
  void ekRsaIsL1() {
    assertThat(hex(Templates.EK_RSA))
        .isEqualTo(
            "0001000b000300b2"
                + POLICY
                + "000600800043"
                + "0010"
                + "0800"
                + "00000000"
                + "0100"
                + "00".repeat(256));
  }

  @Test
  void ekEccIsL2() {
    assertThat(hex(Templates.EK_ECC))
        .isEqualTo(
            "0023000b000300b2"
                + POLICY
                + "000600800043"
                + "0010"
                + "0003"
                + "0010"
                + "0020"
                + "00".repeat(32)
                + "0020"
                + "00".repeat(32));
  }

  @Test
  void srkTemplates() {
    assertThat(hex(Templates.SRK_RSA))
        .isEqualTo(
            "0001000b00030472" + "0000" + "000600800043" + "0010" + "0800" + "00000000" + "0000");
    assertThat(hex(Templates.SRK_ECC))
        .isEqualTo(
            "0023000b00030472"
                + "0000"
                + "000600800043"
                + "0010"
                + "0003"
                + "0010"
                + "0000"
                + "0000");
  }

  @Test
  void akTemplates() {
    assertThat(hex(Templates.AK_RSA))
        .isEqualTo(
            "0001000b00050072" + "0000" + "0010" + "0014000b" + "0800" + "00000000" + "0000");
    assertThat(hex(Templates.AK_ECC))
        .isEqualTo(
            "0023000b00050072" + "0000" + "0010" + "0018000b" + "0003" + "0010" + "0000" + "0000");
  }

  @Test
  void devIdTemplates() {
    assertThat(hex(Templates.DEVID_RSA))
        .isEqualTo(
            "0001000b00040072" + "0000" + "0010" + "0014000b" + "0800" + "00000000" + "0000");
    assertThat(hex(Templates.DEVID_ECC))
        .isEqualTo(
            "0023000b00040072" + "0000" + "0010" + "0018000b" + "0003" + "0010" + "0000" + "0000");
  }

  @Test
  void templatesRoundTripThroughTheStrictParser() throws Exception {
    for (TpmtPublic t :
        new TpmtPublic[] {
          Templates.EK_RSA,
          Templates.EK_ECC,
          Templates.SRK_RSA,
          Templates.SRK_ECC,
          Templates.AK_RSA,
          Templates.AK_ECC,
          Templates.DEVID_RSA,
          Templates.DEVID_ECC
        }) {
      assertThat(TpmtPublic.parse(t.encode())).isEqualTo(t);
    }
  }

  @Test
  void ekPolicyIsACopy() {
    byte[] p = Templates.ekAuthPolicy();
    p[0] ^= 1;
    assertThat(Templates.ekAuthPolicy()).isNotEqualTo(p);
    assertThat(Templates.EK_RSA.authPolicy()).isEqualTo(Templates.ekAuthPolicy());
  }
}
