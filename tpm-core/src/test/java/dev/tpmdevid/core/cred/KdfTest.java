package dev.tpmdevid.core.cred;

import static dev.tpmdevid.core.cred.TestJson.hex;
import static dev.tpmdevid.core.cred.TestJson.list;
import static dev.tpmdevid.core.cred.TestJson.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KdfTest {

  private static final HexFormat HEX = HexFormat.of();

  /**
   * Vectors from an independent implementation (Python 'cryptography' KBKDFHMAC / ConcatKDFHash,
   * see cred/README.md), SHA-1/256/384/512, single- and multi-block outputs.
   */
  @Test
  void independentVectors() throws Exception {
    Map<String, Object> doc = obj(TestJson.read(TestJson.resource("kdf_vectors.json")));
    int n = 0;
    for (Object o : list(doc.get("kdfa"))) {
      Map<String, Object> v = obj(o);
      byte[] out =
          Kdf.kdfa(
              ((Long) v.get("hashAlg")).intValue(),
              hex(v.get("key")),
              (String) v.get("label"),
              hex(v.get("contextU")),
              hex(v.get("contextV")),
              ((Long) v.get("bits")).intValue());
      assertThat(HEX.formatHex(out)).as("kdfa %s", v).isEqualTo(v.get("out"));
      n++;
    }
    for (Object o : list(doc.get("kdfe"))) {
      Map<String, Object> v = obj(o);
      byte[] out =
          Kdf.kdfe(
              ((Long) v.get("hashAlg")).intValue(),
              hex(v.get("z")),
              (String) v.get("label"),
              hex(v.get("partyU")),
              hex(v.get("partyV")),
              ((Long) v.get("bits")).intValue());
      assertThat(HEX.formatHex(out)).as("kdfe %s", v).isEqualTo(v.get("out"));
      n++;
    }
    assertThat(n).isEqualTo(32);
  }

  @Test
  void oddBitCountsClearHighOrderBitsOfFirstByte() throws Exception {
    byte[] key = new byte[16];
    for (int bits = 1; bits <= 17; bits++) {
      byte[] a = Kdf.kdfa(0x000B, key, "TEST", new byte[0], new byte[0], bits);
      byte[] e = Kdf.kdfe(0x000B, key, "TEST", new byte[0], new byte[0], bits);
      assertThat(a).hasSize((bits + 7) / 8);
      assertThat(e).hasSize((bits + 7) / 8);
      if (bits % 8 != 0) {
        int mask = ~((1 << (bits % 8)) - 1) & 0xFF;
        assertThat(a[0] & mask).isZero();
        assertThat(e[0] & mask).isZero();
      }
    }
  }

  @Test
  void rejectsBadInput() {
    byte[] k = new byte[16];
    byte[] none = new byte[0];
    assertThatThrownBy(() -> Kdf.kdfa(0x0012, k, "X", none, none, 128))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("0x0012");
    assertThatThrownBy(() -> Kdf.kdfa(0x000B, none, "X", none, none, 128))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> Kdf.kdfa(0x000B, k, "X", none, none, 0))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> Kdf.kdfa(0x000B, k, "X\0", none, none, 8))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> Kdf.kdfe(0x000B, none, "X", none, none, 8))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> Kdf.kdfe(0x000B, k, "X", none, none, Kdf.MAX_BITS + 1))
        .isInstanceOf(GeneralSecurityException.class);
  }
}
