package dev.tpmdevid.core.cred;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The size and range limits of the credential code on the values just inside and just outside: KDF
 * output sizes and labels, the RSA key sizes and exponents a MakeCredential accepts (an attacker
 * chooses the EK), AES key sizes, and the tpm2-tools credential file framing.
 */
class InputLimitsTest {
  private static final int SHA256 = 0x000B;

  @Test
  void kdf_outputSizeFrom1BitToMax_labelWithoutNul() throws Exception {
    byte[] key = {1, 2, 3};
    assertThat(Kdf.kdfa(SHA256, key, "L", new byte[0], new byte[0], 1))
        .hasSize(1)
        .satisfies(b -> assertThat(b[0] & 0xFE).isZero());
    assertThat(Kdf.kdfa(SHA256, key, "L", new byte[0], new byte[0], Kdf.MAX_BITS))
        .hasSize(Kdf.MAX_BITS / 8);
    assertThat(Kdf.kdfe(SHA256, key, "L", new byte[0], new byte[0], Kdf.MAX_BITS))
        .hasSize(Kdf.MAX_BITS / 8);
    for (int bits : new int[] {0, -1, Kdf.MAX_BITS + 1}) {
      assertThatThrownBy(() -> Kdf.kdfa(SHA256, key, "L", new byte[0], new byte[0], bits))
          .isInstanceOf(GeneralSecurityException.class)
          .hasMessage("KDF output size out of range: " + bits + " bits");
      assertThatThrownBy(() -> Kdf.kdfe(SHA256, key, "L", new byte[0], new byte[0], bits))
          .isInstanceOf(GeneralSecurityException.class)
          .hasMessage("KDF output size out of range: " + bits + " bits");
    }
    for (String label : new String[] {"\0IDENTITY", "IDEN\0TITY"}) {
      assertThatThrownBy(() -> Kdf.kdfa(SHA256, key, label, new byte[0], new byte[0], 128))
          .isInstanceOf(GeneralSecurityException.class)
          .hasMessageContaining("must not contain NUL");
    }
    assertThat(Kdf.u32(0x01020304)).containsExactly(1, 2, 3, 4);
    assertThat(Kdf.u32(0xFF000080)).containsExactly(0xFF, 0, 0, 0x80);
  }

  /**
   * A key object as an attacker-chosen EK certificate or EKPub yields (the JDK's key factory would
   * itself refuse moduli above 16384 bits, so the check is fed the interface directly).
   */
  @SuppressWarnings("serial")
  private static RSAPublicKey rsa(BigInteger n, BigInteger e) {
    return new RSAPublicKey() {
      @Override
      public BigInteger getPublicExponent() {
        return e;
      }

      @Override
      public BigInteger getModulus() {
        return n;
      }

      @Override
      public String getAlgorithm() {
        return "RSA";
      }

      @Override
      public String getFormat() {
        return null;
      }

      @Override
      public byte[] getEncoded() {
        return null;
      }
    };
  }

  /** An odd number of exactly {@code bits} bits (only its size and parity matter to the check). */
  private static BigInteger odd(int bits) {
    return new BigInteger(bits - 1, new Random(bits)).setBit(bits - 1).setBit(0);
  }

  @Test
  void rsaKey_sizeAndExponentRanges() throws Exception {
    BigInteger three = BigInteger.valueOf(3);
    for (int bits : new int[] {RsaOaep.MIN_MODULUS_BITS, RsaOaep.MAX_MODULUS_BITS}) {
      RSAPublicKey k = rsa(odd(bits), three);
      assertThatCode(() -> RsaOaep.validate(k)).as("%d bits", bits).doesNotThrowAnyException();
    }
    for (int bits : new int[] {RsaOaep.MIN_MODULUS_BITS - 1, RsaOaep.MAX_MODULUS_BITS + 1}) {
      RSAPublicKey k = rsa(odd(bits), three);
      assertThatThrownBy(() -> RsaOaep.validate(k))
          .isInstanceOf(GeneralSecurityException.class)
          .hasMessage("RSA modulus size not supported: " + bits);
    }
    BigInteger n = odd(2048);
    for (BigInteger e :
        new BigInteger[] {BigInteger.ONE, n, n.add(BigInteger.TWO), BigInteger.valueOf(65536)}) {
      RSAPublicKey k = rsa(n, e);
      assertThatThrownBy(() -> RsaOaep.validate(k))
          .isInstanceOf(GeneralSecurityException.class)
          .hasMessage("RSA public key is malformed");
    }
    RSAPublicKey largest = rsa(n, n.subtract(BigInteger.TWO));
    assertThatCode(() -> RsaOaep.validate(largest)).doesNotThrowAnyException();
    RSAPublicKey even = rsa(n.clearBit(0), three);
    assertThatThrownBy(() -> RsaOaep.validate(even)).hasMessage("RSA public key is malformed");
  }

  @Test
  void aes_128And256Only() throws Exception {
    assertThat(AesCfb.checkParams(AesCfb.TPM_ALG_AES, 128)).isEqualTo(16);
    assertThat(AesCfb.checkParams(AesCfb.TPM_ALG_AES, 256)).isEqualTo(32);
    assertThatThrownBy(() -> AesCfb.checkParams(AesCfb.TPM_ALG_AES, 192))
        .hasMessage("unsupported AES key size: 192");
  }

  private static byte[] toolsFile(int... sizesAndLengths) {
    ByteBuffer b = ByteBuffer.allocate(1024);
    b.putInt(CredentialBlob.TOOLS_MAGIC).putInt(CredentialBlob.TOOLS_VERSION);
    for (int i = 0; i < sizesAndLengths.length; i += 2) {
      b.putShort((short) sizesAndLengths[i]);
      b.put(new byte[sizesAndLengths[i + 1]]);
    }
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  @Test
  void toolsFormat_framing() throws Exception {
    CredentialBlob ok = CredentialBlob.fromTpm2ToolsFormat(toolsFile(2, 2, 3, 3));
    assertThat(ok)
        .isEqualTo(new CredentialBlob(new byte[2], new byte[3]))
        .hasSameHashCodeAs(new CredentialBlob(new byte[2], new byte[3]));
    assertThat(ok.toString()).isEqualTo("CredentialBlob{credential=2 B, encryptedSecret=3 B}");
    // 12 bytes with the right magic and version are framing, not a wrong magic
    assertThatThrownBy(() -> CredentialBlob.fromTpm2ToolsFormat(toolsFile(0, 0, 0, 0)))
        .hasMessage("credential: size 0 out of range");
    assertThatThrownBy(() -> CredentialBlob.fromTpm2ToolsFormat(Arrays.copyOf(toolsFile(0, 0), 11)))
        .hasMessage("not a tpm2-tools credential file (magic/version)");
    // the secret's size field is the last two bytes: present, but its content is missing
    assertThatThrownBy(() -> CredentialBlob.fromTpm2ToolsFormat(toolsFile(1, 1, 1, 0)))
        .hasMessage("encrypted secret: size 1 out of range");
    // 12 bytes: one byte of credential, then a single byte where the secret size belongs
    assertThatThrownBy(() -> CredentialBlob.fromTpm2ToolsFormat(toolsFile(1, 2)))
        .hasMessage("encrypted secret: truncated size");
    assertThatThrownBy(() -> CredentialBlob.fromTpm2ToolsFormat(toolsFile(1, 1, 1, 1, 0, 0)))
        .hasMessage("trailing bytes after tpm2-tools credential file");
  }

  @Test
  void blobParts_atMostATpm2b() {
    assertThat(new CredentialBlob(new byte[CredentialBlob.MAX_TPM2B], new byte[1]).credential())
        .hasSize(CredentialBlob.MAX_TPM2B);
    assertThat(
            new CredentialBlob(new byte[1], new byte[CredentialBlob.MAX_TPM2B]).encryptedSecret())
        .hasSize(CredentialBlob.MAX_TPM2B);
    assertThatThrownBy(
            () -> new CredentialBlob(new byte[CredentialBlob.MAX_TPM2B + 1], new byte[1]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new CredentialBlob(new byte[1], new byte[CredentialBlob.MAX_TPM2B + 1]))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
