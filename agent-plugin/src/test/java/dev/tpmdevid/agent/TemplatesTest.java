package dev.tpmdevid.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** Template bytes against docs/protocol.md#templates (and the TCG L-2 template for the ECC EK). */
class TemplatesTest {

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static final String POLICY = "0020837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa";

    @Test
    void ekRsaIsL1() {
        assertThat(hex(Templates.ekRsa().toTpm()))
                .isEqualTo("0001000b000300b2" + POLICY + "000600800043" + "0010" + "0800" + "00000000" + "0100"
                        + "00".repeat(256));
    }

    @Test
    void ekEccIsL2() {
        assertThat(hex(Templates.ekEcc().toTpm()))
                .isEqualTo("0023000b000300b2" + POLICY + "000600800043" + "0010" + "0003" + "0010"
                        + "0020" + "00".repeat(32) + "0020" + "00".repeat(32));
    }

    @Test
    void srkTemplates() {
        assertThat(hex(Templates.srkRsa().toTpm()))
                .isEqualTo("0001000b00030472" + "0000" + "000600800043" + "0010" + "0800" + "00000000" + "0000");
        assertThat(hex(Templates.srkEcc().toTpm()))
                .isEqualTo("0023000b00030472" + "0000" + "000600800043" + "0010" + "0003" + "0010" + "0000" + "0000");
    }

    @Test
    void akTemplates() {
        assertThat(hex(Templates.akRsa().toTpm()))
                .isEqualTo("0001000b00050072" + "0000" + "0010" + "0014000b" + "0800" + "00000000" + "0000");
        assertThat(hex(Templates.akEcc().toTpm()))
                .isEqualTo("0023000b00050072" + "0000" + "0010" + "0018000b" + "0003" + "0010" + "0000" + "0000");
    }
}
