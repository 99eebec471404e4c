package dev.tpmdevid.core.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Each structural check of TPMT_PUBLIC, on parse (the refusal names the field and the offset where
 * the bad value starts) and on build (the same check, for structures made in Java), plus the small
 * value types the checks are made of (object attributes, names, the ECDSA DER codec).
 */
class StructureChecksTest {
  private static final byte[] POLICY = new byte[32];

  /** RSA-2048, SHA-256, 32-byte authPolicy, AES-128-CFB, NULL scheme: fixed offsets below. */
  private static byte[] rsa() {
    byte[] n = new byte[256];
    Arrays.fill(n, (byte) 0x5A);
    n[0] = (byte) 0xC1;
    return TpmtPublic.builder()
        .type(TpmAlg.RSA)
        .nameAlg(TpmAlg.SHA256)
        .attributes(ObjectAttributes.fromBits(0x000300B2))
        .authPolicy(POLICY)
        .symmetric(TpmtPublic.Symmetric.AES_128_CFB)
        .scheme(TpmtPublic.Scheme.NULL)
        .rsaKeyBits(2048)
        .rsaExponent(0)
        .rsaModulus(n)
        .build()
        .encode();
  }

  // RSA layout: type 0, nameAlg 2, attributes 4, authPolicy 8 (2+32), symmetric 42 (alg, bits,
  // mode), scheme 48, keyBits 50, exponent 52, unique 56.

  /** ECC P-256, empty authPolicy, NULL symmetric, ECDSA-SHA256, NULL KDF. */
  private static byte[] ecc() {
    byte[] x = new byte[32];
    byte[] y = new byte[32];
    x[31] = 1;
    y[31] = 2;
    return TpmtPublic.builder()
        .type(TpmAlg.ECC)
        .nameAlg(TpmAlg.SHA256)
        .attributes(ObjectAttributes.fromBits(0x00040072))
        .scheme(TpmtPublic.Scheme.ECDSA_SHA256)
        .curveId(TpmAlg.ECC_NIST_P256)
        .eccPoint(x, y)
        .build()
        .encode();
  }

  // ECC layout: symmetric 10, scheme 12 (+hash 14), curveID 16, kdf 18, x 20 (2+32), y 54.

  private static byte[] patch(byte[] b, int off, int u16) {
    byte[] c = b.clone();
    c[off] = (byte) (u16 >> 8);
    c[off + 1] = (byte) u16;
    return c;
  }

  private static void assertRefused(byte[] b, String field, int offset) {
    assertThatThrownBy(() -> TpmtPublic.parse(b))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageStartingWith("TPMT_PUBLIC." + field + ": ")
        .hasMessageEndingWith(" at offset " + offset);
  }

  @Test
  void parse_namesTheFieldAndOffsetOfEveryCheck() throws Exception {
    assertThat(TpmtPublic.parse(rsa()).encode()).isEqualTo(rsa());
    assertThat(TpmtPublic.parse(ecc()).encode()).isEqualTo(ecc());
    assertRefused(patch(rsa(), 0, TpmAlg.KEYEDHASH), "type", 0);
    assertRefused(patch(rsa(), 2, 0x0099), "nameAlg", 2);
    assertRefused(patch(rsa(), 2, TpmAlg.SHA384), "authPolicy", 8); // 32 bytes, SHA-384 wants 48
    assertRefused(patch(rsa(), 44, 100), "symmetric", 42);
    assertRefused(patch(rsa(), 46, 0x0099), "symmetric", 42);
    assertRefused(patch(rsa(), 48, TpmAlg.RSASSA + 0x100), "scheme", 48);
    assertRefused(patch(rsa(), 48, TpmAlg.ECDSA), "scheme", 48);
    assertRefused(patch(rsa(), 50, 1000), "keyBits", 50);
    assertRefused(patch(rsa(), 50, 1024), "unique.rsa", 56); // 256 bytes for 1024 bits
    assertRefused(patch(ecc(), 12, TpmAlg.RSASSA), "scheme", 12);
    assertRefused(patch(ecc(), 16, 0x0099), "curveID", 16);
    assertRefused(patch(ecc(), 18, TpmAlg.AES), "kdf", 18);
    assertRefused(patch(ecc(), 16, TpmAlg.ECC_NIST_P384), "unique.ecc.x", 20); // 32 bytes, wants 48
    byte[] shortY = Arrays.copyOf(patch(ecc(), 54, 31), ecc().length - 1);
    assertRefused(shortY, "unique.ecc.y", 54);
    byte[] emptyY = Arrays.copyOf(patch(ecc(), 54, 0), ecc().length - 32);
    assertRefused(emptyY, "unique.ecc", 54);
  }

  @Test
  void parseTpm2b_sizeMustCoverExactlyTheRest() throws Exception {
    byte[] body = rsa();
    byte[] wrapped = new byte[body.length + 2];
    wrapped[0] = (byte) (body.length >> 8);
    wrapped[1] = (byte) body.length;
    System.arraycopy(body, 0, wrapped, 2, body.length);
    assertThat(TpmtPublic.parseTpm2b(wrapped).encode()).isEqualTo(body);
    byte[] trailing = Arrays.copyOf(wrapped, wrapped.length + 1);
    assertThatThrownBy(() -> TpmtPublic.parseTpm2b(trailing))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageStartingWith("TPM2B_PUBLIC");
  }

  private static void assertNotBuilt(TpmtPublic.Builder b, String message) {
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("TPMT_PUBLIC." + message);
  }

  @Test
  void build_sameChecksAsParse() throws Exception {
    TpmtPublic r = TpmtPublic.parse(rsa());
    TpmtPublic e = TpmtPublic.parse(ecc());
    assertNotBuilt(r.toBuilder().type(TpmAlg.KEYEDHASH), "type: unsupported type");
    assertNotBuilt(r.toBuilder().nameAlg(0x0099), "nameAlg: unsupported name algorithm");
    assertNotBuilt(r.toBuilder().nameAlg(TpmAlg.SHA384), "authPolicy: length 32");
    assertNotBuilt(r.toBuilder().scheme(TpmtPublic.Scheme.ECDSA_SHA256), "scheme: ");
    assertNotBuilt(r.toBuilder().rsaKeyBits(1000), "keyBits: unsupported RSA key size 1000");
    assertNotBuilt(r.toBuilder().rsaExponent(-1), "exponent: out of u32 range");
    assertNotBuilt(r.toBuilder().rsaExponent(0x1_0000_0000L), "exponent: out of u32 range");
    assertThat(r.toBuilder().rsaExponent(0xFFFF_FFFFL).build().rsaExponent())
        .isEqualTo(0xFFFF_FFFFL);
    assertThat(r.toBuilder().rsaExponent(65537).build().rsaExponent()).isEqualTo(65537);
    assertNotBuilt(r.toBuilder().rsaKeyBits(1024), "unique.rsa: ");
    assertNotBuilt(e.toBuilder().curveId(0x0099), "curveID: ");
    assertNotBuilt(e.toBuilder().kdf(new TpmtPublic.Scheme(TpmAlg.AES, TpmAlg.NULL)), "kdf: ");
    assertNotBuilt(e.toBuilder().eccPoint(new byte[31], new byte[32]), "unique.ecc.x: ");
    assertNotBuilt(e.toBuilder().eccPoint(new byte[32], new byte[31]), "unique.ecc.y: ");
    assertNotBuilt(e.toBuilder().eccPoint(new byte[32], new byte[0]), "unique.ecc: ");
    assertThat(
            e.toBuilder()
                .kdf(new TpmtPublic.Scheme(TpmAlg.KDF1_SP800_108, TpmAlg.SHA256))
                .build()
                .kdf()
                .algorithm())
        .isEqualTo(TpmAlg.KDF1_SP800_108);
    assertThat(e.type()).isEqualTo(TpmAlg.ECC);
    assertThat(r.type()).isEqualTo(TpmAlg.RSA);
    assertThatThrownBy(() -> new TpmtPublic.Symmetric(TpmAlg.NULL, 128, TpmAlg.NULL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NULL takes no keyBits");
    assertThatThrownBy(() -> new TpmtPublic.Symmetric(TpmAlg.NULL, 0, TpmAlg.CFB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NULL takes no keyBits");
  }

  @Test
  void equality_byEncodedContent() throws Exception {
    TpmtPublic a = TpmtPublic.parse(rsa());
    TpmtPublic b = TpmtPublic.parse(rsa());
    TpmtPublic c = TpmtPublic.parse(ecc());
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c);
    assertThat(a.toBuilder().rsaExponent(3).build()).isNotEqualTo(a);
  }

  @Test
  void objectAttributes_setOperations() {
    ObjectAttributes none = ObjectAttributes.NONE;
    ObjectAttributes fixed =
        none.with(ObjectAttribute.FIXED_TPM).with(ObjectAttribute.FIXED_PARENT);
    assertThat(fixed.bits())
        .isEqualTo(ObjectAttribute.FIXED_TPM.bit() | ObjectAttribute.FIXED_PARENT.bit());
    assertThat(fixed.asSet())
        .containsExactlyInAnyOrder(ObjectAttribute.FIXED_TPM, ObjectAttribute.FIXED_PARENT);
    assertThat(none.asSet()).isEmpty();
    assertThat(
            ObjectAttributes.of(
                EnumSet.of(ObjectAttribute.FIXED_TPM, ObjectAttribute.FIXED_PARENT)))
        .isEqualTo(fixed)
        .hasSameHashCodeAs(fixed);
    assertThat(ObjectAttributes.of(Set.of())).isEqualTo(none);
    assertThat(fixed)
        .isNotEqualTo(none)
        .isNotEqualTo(fixed.with(ObjectAttribute.SIGN))
        .isNotEqualTo("fixed");
    assertThat(fixed.hashCode()).isEqualTo(fixed.bits());
    assertThat(fixed.containsAll(none.with(ObjectAttribute.FIXED_TPM))).isTrue();
    assertThat(none.with(ObjectAttribute.FIXED_TPM).containsAll(fixed)).isFalse();
    assertThat(fixed.without(ObjectAttribute.FIXED_TPM).asSet())
        .containsExactly(ObjectAttribute.FIXED_PARENT);
    assertThat(ObjectAttribute.SIGN.toString()).isEqualTo("sign");
  }

  @Test
  void hex_lowerCaseTwoDigitsPerByte() {
    assertThat(Hex.encode(new byte[] {0x00, 0x0F, (byte) 0xA5, (byte) 0xFF, 0x10}))
        .isEqualTo("000fa5ff10");
    assertThat(Hex.encode(new byte[0])).isEmpty();
  }

  @Test
  void names_kindsAndAlgorithm() throws Exception {
    TpmName digest = TpmName.compute(TpmAlg.SHA256, rsa());
    assertThat(digest.isDigest()).isTrue();
    assertThat(digest.isEmpty()).isFalse();
    assertThat(digest.isHandle()).isFalse();
    assertThat(digest.nameAlg()).isEqualTo(TpmAlg.SHA256);
    assertThat(digest.size()).isEqualTo(34);
    assertThat(TpmName.compute(TpmAlg.SHA384, rsa()).nameAlg()).isEqualTo(TpmAlg.SHA384);
    assertThat(digest)
        .isEqualTo(TpmName.compute(TpmAlg.SHA256, rsa()))
        .hasSameHashCodeAs(TpmName.compute(TpmAlg.SHA256, rsa()))
        .isNotEqualTo(TpmName.compute(TpmAlg.SHA256, ecc()));
    assertThat(digest.toString())
        .isEqualTo(
            "TpmName(" + TpmAlg.name(TpmAlg.SHA256) + " " + Hex.encode(digest.digest()) + ")");
    TpmName handle = TpmName.ofHandle(0x81010001);
    assertThat(handle.isHandle()).isTrue();
    assertThat(handle.isDigest()).isFalse();
    assertThat(handle.isEmpty()).isFalse();
    assertThat(handle.nameAlg()).isEqualTo(TpmAlg.NULL);
    assertThat(handle.toString()).isEqualTo("TpmName(handle 81010001)");
    assertThat(TpmName.EMPTY.isEmpty()).isTrue();
    assertThat(TpmName.EMPTY.isHandle()).isFalse();
    assertThat(TpmName.EMPTY.isDigest()).isFalse();
    assertThat(TpmName.EMPTY.size()).isZero();
    assertThat(TpmName.EMPTY.toString()).isEqualTo("TpmName(empty)");
    // more than four bytes is a digest name and must have its algorithm's digest size
    assertThatThrownBy(() -> TpmName.of(new byte[] {0, 4, 1, 2, 3}))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("must be 22 bytes, got 5");
  }

  @Test
  void ecdsaDer_lengthForms() throws Exception {
    BigInteger small = BigInteger.valueOf(0x7F);
    assertThat(EcdsaDer.encode(small, small)).containsExactly(0x30, 6, 2, 1, 0x7F, 2, 1, 0x7F);
    // 0x80 needs a leading zero byte to stay positive
    assertThat(EcdsaDer.encode(BigInteger.valueOf(0x80), BigInteger.ONE))
        .containsExactly(0x30, 7, 2, 2, 0, 0x80, 2, 1, 1);
    // a 127-byte integer still has a short length; a 128-byte one needs 0x81
    BigInteger i127 = BigInteger.ONE.shiftLeft(8 * 127 - 2);
    BigInteger i128 = BigInteger.ONE.shiftLeft(8 * 128 - 2);
    byte[] e127 = EcdsaDer.encode(i127, BigInteger.ONE);
    assertThat(Arrays.copyOf(e127, 5)).containsExactly(0x30, 0x81, 132, 2, 127);
    byte[] e128 = EcdsaDer.encode(i128, BigInteger.ONE);
    assertThat(Arrays.copyOf(e128, 6)).containsExactly(0x30, 0x81, 134, 2, 0x81, 128);
    assertThat(EcdsaDer.decode(e128)).containsExactly(i128, BigInteger.ONE);
    assertThat(EcdsaDer.decode(e127)).containsExactly(i127, BigInteger.ONE);
    // 256 bytes and more: two length bytes
    BigInteger i300 = BigInteger.ONE.shiftLeft(8 * 300 - 2);
    byte[] e300 = EcdsaDer.encode(i300, BigInteger.ONE);
    assertThat(Arrays.copyOf(e300, 7)).containsExactly(0x30, 0x82, 0x01, 0x33, 2, 0x82, 0x01);
    assertThat(e300[7] & 0xFF).isEqualTo(0x2C);
    assertThat(e300).hasSize(4 + 4 + 300 + 3);
    assertThatThrownBy(() -> EcdsaDer.decode(e300))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("unsupported length form at offset 0");
    // the 0x81 form must carry a length of at least 0x80
    byte[] nonMinimal = {0x30, (byte) 0x81, 6, 2, 1, 1, 2, 1, 1};
    assertThatThrownBy(() -> EcdsaDer.decode(nonMinimal))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("non-minimal length at offset 0");
    byte[] cut = {0x30, (byte) 0x81};
    assertThatThrownBy(() -> EcdsaDer.decode(cut))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("non-minimal length at offset 0");
    byte[] tooLong = {0x30, 7, 2, 1, 1, 2, 1, 1};
    assertThatThrownBy(() -> EcdsaDer.decode(tooLong))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("SEQUENCE length exceeds input at offset 0");
    byte[] exact = {0x30, 6, 2, 1, 1, 2, 1, 1};
    assertThat(EcdsaDer.decode(exact)).containsExactly(BigInteger.ONE, BigInteger.ONE);
    byte[] intTooLong = {0x30, 6, 2, 1, 1, 2, 2, 1};
    assertThatThrownBy(() -> EcdsaDer.decode(intTooLong))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("INTEGER s length exceeds input at offset 5");
    byte[] noTag = {0x30, 0};
    assertThatThrownBy(() -> EcdsaDer.decode(noTag))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageContaining("expected INTEGER r at offset 2");
  }
}
