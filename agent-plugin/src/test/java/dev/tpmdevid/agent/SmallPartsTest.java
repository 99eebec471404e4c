package dev.tpmdevid.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmallPartsTest {

  /** The agent's PoP answer for an ECC DevID: tpm-core's encoder, as AgentSession uses it. */
  private static byte[] ecdsaDer(byte[] r, byte[] s) {
    return dev.tpmdevid.core.tpm.TpmtSignature.ecdsa(dev.tpmdevid.core.tpm.TpmAlg.SHA256, r, s)
        .toDerEcdsa();
  }

  @TempDir Path dir;

  @Test
  void ecdsaDerIsMinimal() throws Exception {
    byte[] der = ecdsaDer(HexFormat.of().parseHex("0000ff01"), HexFormat.of().parseHex("7f"));
    assertThat(HexFormat.of().formatHex(der)).isEqualTo("3008020300ff0102017f");
    assertThat(HexFormat.of().formatHex(ecdsaDer(new byte[32], new byte[] {1})))
        .isEqualTo("3006020100020101");
    // a real signature re-encoded verifies
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(TestFiles.EC.getPrivate());
    s.update(new byte[] {1, 2, 3});
    ASN1Sequence seq = ASN1Sequence.getInstance(s.sign());
    BigInteger r = ASN1Integer.getInstance(seq.getObjectAt(0)).getValue();
    BigInteger ss = ASN1Integer.getInstance(seq.getObjectAt(1)).getValue();
    byte[] reencoded = ecdsaDer(TestFiles.unsigned(r, 32), TestFiles.unsigned(ss, 32));
    Signature v = Signature.getInstance("SHA256withECDSA");
    v.initVerify((ECPublicKey) TestFiles.EC.getPublic());
    v.update(new byte[] {1, 2, 3});
    assertThat(v.verify(reencoded)).isTrue();
  }

  @Test
  void akBlobRoundTripAndFile() throws Exception {
    AkBlob a =
        new AkBlob(
            new byte[] {1, 2}, new byte[] {3}, new byte[32], AkBlob.Parent.PERSISTENT, 0x81000001);
    AkBlob b = AkBlob.decode(a.encode());
    assertThat(b.pub()).containsExactly(1, 2);
    assertThat(b.priv()).containsExactly(3);
    assertThat(b.auth()).hasSize(32);
    assertThat(b.parent()).isEqualTo(AkBlob.Parent.PERSISTENT);
    assertThat(b.srkHandle()).isEqualTo(0x81000001);
    Path f = dir.resolve("ak.blob");
    a.save(f);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");
    assertThat(AkBlob.load(f).encode()).isEqualTo(a.encode());
    byte[] enc = a.encode();
    assertThatThrownBy(() -> AkBlob.decode(Arrays.copyOf(enc, enc.length - 1)))
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> AkBlob.decode(Arrays.copyOf(enc, enc.length + 1)))
        .hasMessageContaining("trailing");
    assertThatThrownBy(() -> AkBlob.decode(new byte[] {1, 2, 3, 4, 5}))
        .hasMessageContaining("AK blob");
    assertThat(a.toString()).doesNotContain("auth");
  }

  @Test
  void responseCodes() {
    assertThat(TpmRc.describe(0x9A2)).isEqualTo("TPM_RC_BAD_AUTH (0x9A2) on session 1");
    assertThat(TpmRc.describe(0x98E)).isEqualTo("TPM_RC_AUTH_FAIL (0x98E) on session 1");
    assertThat(TpmRc.describe(0x1DF)).isEqualTo("TPM_RC_INTEGRITY (0x1DF) on parameter 1");
    assertThat(TpmRc.describe(0x18B)).isEqualTo("TPM_RC_HANDLE (0x18B) on handle 1");
    assertThat(TpmRc.describe(0x902)).isEqualTo("TPM_RC_OBJECT_MEMORY (0x902)");
    assertThat(TpmRc.describe(0x922)).isEqualTo("TPM_RC_RETRY (0x922)");
    assertThat(TpmRc.session(0xA8E)).isEqualTo(2);
    assertThat(Hints.forFailure("TPM2_Sign", 0x98E)).isEqualTo("devid_password is wrong");
    assertThat(Hints.forFailure("TPM2_CreatePrimary(owner)", 0x9A2))
        .isEqualTo("owner_hierarchy_password is wrong");
    assertThat(Hints.forFailure("TPM2_PolicySecret(endorsement)", 0x9A2))
        .isEqualTo("endorsement_hierarchy_password is wrong");
    assertThat(Hints.forFailure("TPM2_Load", 0x1DF)).contains("storage root key");
  }
}
