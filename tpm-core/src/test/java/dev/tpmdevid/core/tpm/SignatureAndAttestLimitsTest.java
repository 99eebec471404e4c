package dev.tpmdevid.core.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Size limits of TPMT_SIGNATURE and TPMS_ATTEST on the values just inside and just outside, the
 * strict end of a parsed signature, and which key family a signature verifies with.
 */
class SignatureAndAttestLimitsTest {

  @Test
  void signatureParts_oneToMaxBytes() {
    assertThat(
            TpmtSignature.rsassa(TpmAlg.SHA256, new byte[TpmtSignature.MAX_RSA_SIG]).rsaSignature())
        .hasSize(TpmtSignature.MAX_RSA_SIG);
    assertThatThrownBy(
            () -> TpmtSignature.rsassa(TpmAlg.SHA256, new byte[TpmtSignature.MAX_RSA_SIG + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sig length 513 not in 1..512");
    assertThatThrownBy(() -> TpmtSignature.rsapss(TpmAlg.SHA256, new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sig length 0 not in 1..512");
    byte[] max = new byte[TpmtSignature.MAX_ECC_SCALAR];
    byte[] over = new byte[TpmtSignature.MAX_ECC_SCALAR + 1];
    assertThat(TpmtSignature.ecdsa(TpmAlg.SHA256, max, max).encode()).hasSize(4 + 2 * (2 + 66));
    assertThatThrownBy(() -> TpmtSignature.ecdsa(TpmAlg.SHA256, over, max))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("r length 67 not in 1..66");
    assertThatThrownBy(() -> TpmtSignature.ecdsa(TpmAlg.SHA256, max, over))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("s length 67 not in 1..66");
    assertThatThrownBy(() -> TpmtSignature.ecdsa(TpmAlg.SHA256, new byte[0], max))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("r length 0 not in 1..66");
  }

  @Test
  void fromDerEcdsa_scalarSizeAndValueLength() throws Exception {
    BigInteger r = BigInteger.ONE.shiftLeft(255); // exactly 32 bytes
    byte[] der = EcdsaDer.encode(r, BigInteger.TWO);
    TpmtSignature sig = TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, der, 32);
    assertThat(sig.toDerEcdsa()).isEqualTo(der);
    assertThatThrownBy(() -> TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, der, 31))
        .isInstanceOf(TpmFormatException.class)
        .hasMessage("ECDSA DER: r or s longer than 31 bytes");
    byte[] bigS = EcdsaDer.encode(BigInteger.ONE, r);
    assertThatThrownBy(() -> TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, bigS, 31))
        .isInstanceOf(TpmFormatException.class)
        .hasMessage("ECDSA DER: r or s longer than 31 bytes");
    assertThat(
            TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, der, TpmtSignature.MAX_ECC_SCALAR).encode())
        .hasSize(4 + 2 * (2 + 66));
    for (int size : new int[] {0, TpmtSignature.MAX_ECC_SCALAR + 1}) {
      assertThatThrownBy(() -> TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, der, size))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("bad scalar size " + size);
    }
  }

  @Test
  void parse_noTrailingBytes_familyAndEquality() throws Exception {
    TpmtSignature rsa = TpmtSignature.rsassa(TpmAlg.SHA256, new byte[] {1, 2, 3});
    byte[] enc = rsa.encode();
    assertThat(TpmtSignature.parse(enc)).isEqualTo(rsa).hasSameHashCodeAs(rsa);
    assertThatThrownBy(() -> TpmtSignature.parse(Arrays.copyOf(enc, enc.length + 1)))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageStartingWith("TPMT_SIGNATURE");
    assertThat(rsa.isRsa()).isTrue();
    assertThat(rsa.isEcdsa()).isFalse();
    assertThat(rsa.toString())
        .isEqualTo(
            "TpmtSignature{"
                + TpmAlg.name(TpmAlg.RSASSA)
                + ", hash="
                + TpmAlg.name(TpmAlg.SHA256)
                + ", sig=3 bytes}");
    TpmtSignature ec = TpmtSignature.ecdsa(TpmAlg.SHA256, new byte[] {1}, new byte[] {2});
    assertThat(ec.isRsa()).isFalse();
    assertThat(ec.isEcdsa()).isTrue();
    assertThat(ec.rsaSignature()).isEmpty();
    assertThat(ec.toString()).endsWith(", r=01, s=02}");
    assertThat(ec).isNotEqualTo(rsa);
    assertThat(TpmtSignature.rsassa(TpmAlg.SHA256, new byte[] {1, 2, 4})).isNotEqualTo(rsa);
  }

  @Test
  void verify_onlyWithTheRightKeyAndMessage() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair ec = g.generateKeyPair();
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(ec.getPrivate());
    byte[] msg = {1, 2, 3};
    s.update(msg);
    TpmtSignature sig = TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, s.sign(), 32);
    assertThat(sig.verify(ec.getPublic(), msg)).isTrue();
    assertThat(sig.verify(ec.getPublic(), new byte[] {1, 2, 4})).isFalse();
    KeyPairGenerator rg = KeyPairGenerator.getInstance("RSA");
    rg.initialize(2048);
    KeyPair rsa = rg.generateKeyPair();
    assertThat(sig.verify(rsa.getPublic(), msg)).isFalse();
    Signature rs = Signature.getInstance("SHA256withRSA");
    rs.initSign(rsa.getPrivate());
    rs.update(msg);
    TpmtSignature rsaSig = TpmtSignature.rsassa(TpmAlg.SHA256, rs.sign());
    assertThat(rsaSig.verify(rsa.getPublic(), msg)).isTrue();
    assertThat(rsaSig.verify(ec.getPublic(), msg)).isFalse();
    assertThat(rsaSig.verify(rsa.getPublic(), new byte[0])).isFalse();
  }

  private static TpmsAttest attest(byte[] extraData, long reset, long restart) {
    TpmName n = TpmName.ofDigest(TpmAlg.SHA256, new byte[32]);
    return new TpmsAttest(n, extraData, 1, reset, restart, true, 0, n, n);
  }

  @Test
  void attest_extraDataAndCounterRanges() throws Exception {
    assertThat(attest(new byte[TpmsAttest.MAX_EXTRA_DATA], 0, 0).extraData())
        .hasSize(TpmsAttest.MAX_EXTRA_DATA);
    assertThatThrownBy(() -> attest(new byte[TpmsAttest.MAX_EXTRA_DATA + 1], 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("extraData longer than " + TpmsAttest.MAX_EXTRA_DATA + " bytes");
    TpmsAttest max = attest(new byte[0], 0xFFFFFFFFL, 0xFFFFFFFFL);
    assertThat(TpmsAttest.parse(max.encode())).isEqualTo(max);
    assertThat(max.resetCount()).isEqualTo(0xFFFFFFFFL);
    assertThat(max.safe()).isTrue();
    for (long[] bad : new long[][] {{-1, 0}, {0x1_0000_0000L, 0}, {0, -1}, {0, 0x1_0000_0000L}}) {
      assertThatThrownBy(() -> attest(new byte[0], bad[0], bad[1]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("resetCount/restartCount must be u32");
    }
    TpmName n = TpmName.ofDigest(TpmAlg.SHA256, new byte[32]);
    assertThat(new TpmsAttest(n, new byte[0], 1, 0, 0, false, 0, n, n).safe()).isFalse();
    assertThat(attest(new byte[0], 0, 0)).isNotEqualTo(attest(new byte[0], 1, 0));
  }
}
