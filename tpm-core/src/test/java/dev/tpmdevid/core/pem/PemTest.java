package dev.tpmdevid.core.pem;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Pem} reads what Go's {@code encoding/pem} reads. Each expected value below is the output
 * of Go 1.26.8's {@code pem.Decode} loop on the same input (recorded with a ten-line Go program:
 * {@code type:hex(bytes):number of headers} per block), so the cases pin Go's behaviour, not ours.
 */
class PemTest {
  private static final String C = "AAEC"; // 00 01 02

  private static String decoded(String text) {
    List<String> out = new ArrayList<>();
    for (Pem.Block b : Pem.decodeAll(text.getBytes(StandardCharsets.ISO_8859_1))) {
      out.add(b.type() + ":" + HexFormat.of().formatHex(b.bytes()) + ":" + b.headers().size());
    }
    return String.join(",", out);
  }

  @Test
  void decodesLikeGo() {
    assertThat(decoded("-----BEGIN X-----\n" + C + "\n-----END X-----\n")).isEqualTo("X:000102:0");
    assertThat(
            decoded(
                "junk\n-----BEGIN X-----\n"
                    + C
                    + "\n-----END X-----\njunk\n-----BEGIN Y-----\nAAED\n"
                    + "-----END Y-----"))
        .isEqualTo("X:000102:0,Y:000103:0");
    assertThat(
            decoded(
                "-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\nA: b\n\n" + C + "\n-----END X-----\n"))
        .isEqualTo("X:000102:2");
    // a block whose base64 does not decode is skipped, the next one is read
    assertThat(
            decoded(
                "-----BEGIN X-----\n!!!!\n-----END X-----\n-----BEGIN Y-----\n"
                    + C
                    + "\n-----END Y-----\n"))
        .isEqualTo("Y:000102:0");
    assertThat(decoded("-----BEGIN X-----\nAAE\n-----END X-----\n"))
        .as("padding required")
        .isEmpty();
    assertThat(decoded("-----BEGIN X-----\n" + C + "\n-----END Y-----\n"))
        .as("END of another type")
        .isEmpty();
    assertThat(decoded("-----BEGIN X-----\n" + C + "\n-----END X----- trailing\n")).isEmpty();
    assertThat(decoded("-----BEGIN X-----\r\n" + C + "\r\n-----END X-----\r\n"))
        .isEqualTo("X:000102:0");
    assertThat(decoded("text-----BEGIN X-----\n" + C + "\n-----END X-----\n"))
        .as("BEGIN mid-line")
        .isEmpty();
    assertThat(decoded("-----BEGIN X-----\n-----END X-----\n")).isEqualTo("X::0");
    // a BEGIN without its END is skipped: the last BEGIN before the first END counts
    assertThat(decoded("-----BEGIN X-----\n" + C + "\n-----BEGIN Y-----\nAAED\n-----END Y-----\n"))
        .isEqualTo("Y:000103:0");
    assertThat(decoded("-----BEGIN X-----  \n A A E C \t\n-----END X-----   \n"))
        .isEqualTo("X:000102:0");
    assertThat(decoded("-----BEGIN X-----\n" + C + "\n")).isEmpty();
    assertThat(decoded("-----BEGIN X-----\n" + C + "\n-----END X-----\n-----BEGIN X-----\n" + C))
        .isEqualTo("X:000102:0");
    assertThat(decoded("-----BEGIN X\n" + C + "\n-----END X-----\n")).isEmpty();
    assertThat(decoded("")).isEmpty();
  }

  @Test
  void decodeByType_andEncodeRoundTrip() {
    byte[] der = new byte[200];
    for (int i = 0; i < der.length; i++) {
      der[i] = (byte) i;
    }
    String pem = Pem.encode("CERTIFICATE", der);
    for (String line : pem.split("\n")) {
      assertThat(line.length()).isLessThanOrEqualTo(64);
    }
    assertThat(pem)
        .startsWith("-----BEGIN CERTIFICATE-----\n")
        .endsWith("-----END CERTIFICATE-----\n");
    String both = Pem.encode("PRIVATE KEY", new byte[] {1}) + pem + pem;
    List<byte[]> certs = Pem.decode(both.getBytes(StandardCharsets.US_ASCII), "CERTIFICATE");
    assertThat(certs).hasSize(2);
    assertThat(certs.get(0)).isEqualTo(der);
    assertThat(certs.get(1)).isEqualTo(der);
  }
}
