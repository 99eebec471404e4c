package dev.tpmdevid.core.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmtPublic;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyBlobsTest {
  @TempDir Path dir;

  static byte[] fixture(String name) throws IOException {
    try (InputStream in =
        KeyBlobsTest.class.getResourceAsStream("/dev/tpmdevid/core/tpm/swtpm/" + name)) {
      return in.readAllBytes();
    }
  }

  Path write(String name, byte[] b) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, b);
    return p;
  }

  @Test
  void tpm2ToolsFilesAreStripped() throws Exception {
    for (String k : new String[] {"devid-rsa", "devid-ecc", "devid-ecc384"}) {
      byte[] pub = fixture(k + ".pub");
      byte[] priv = fixture(k + ".priv");
      KeyBlobs b = KeyBlobs.load(write(k + ".pub", pub), write(k + ".priv", priv));
      assertThat(b.publicFormat()).isEqualTo(KeyBlobs.Format.TPM2_TOOLS_TPM2B);
      assertThat(b.privateFormat()).isEqualTo(KeyBlobs.Format.TPM2_TOOLS_TPM2B);
      assertThat(b.publicArea()).isEqualTo(Arrays.copyOfRange(pub, 2, pub.length));
      assertThat(b.privateBlob()).isEqualTo(Arrays.copyOfRange(priv, 2, priv.length));
      assertThat(b.publicKey()).isEqualTo(TpmtPublic.parseTpm2b(pub));
    }
  }

  @Test
  void spireRawFilesAreKeptVerbatim() throws Exception {
    byte[] pub = Arrays.copyOfRange(fixture("devid-rsa.pub"), 2, 282);
    byte[] priv = Arrays.copyOfRange(fixture("devid-rsa.priv"), 2, 224);
    KeyBlobs b = KeyBlobs.load(write("devid.pub.blob", pub), write("devid.priv.blob", priv));
    assertThat(b.publicFormat()).isEqualTo(KeyBlobs.Format.SPIRE_RAW);
    assertThat(b.privateFormat()).isEqualTo(KeyBlobs.Format.SPIRE_RAW);
    assertThat(b.publicArea()).isEqualTo(pub);
    assertThat(b.privateBlob()).isEqualTo(priv);
    // mixed formats are each detected on their own
    KeyBlobs mixed = KeyBlobs.load(write("a", pub), write("b", fixture("devid-rsa.priv")));
    assertThat(mixed.privateBlob()).isEqualTo(priv);
    // the ECC public blob of 88 bytes has no ambiguity either
    byte[] ecc = Arrays.copyOfRange(fixture("devid-ecc.pub"), 2, 90);
    assertThat(KeyBlobs.load(write("e", ecc), write("p", priv)).publicArea()).isEqualTo(ecc);
  }

  @Test
  void errorsNameTheFile() throws Exception {
    byte[] priv = fixture("devid-rsa.priv");
    Path goodPriv = write("ok.priv", priv);
    Path garbage = write("garbage.pub", new byte[] {1, 2, 3, 4, 5});
    assertThatThrownBy(() -> KeyBlobs.load(garbage, goodPriv))
        .isInstanceOf(TpmFormatException.class)
        .hasMessageStartingWith(garbage + ": neither a TPMT_PUBLIC");
    byte[] pub = fixture("devid-rsa.pub");
    byte[] badInner = pub.clone();
    badInner[2] = 0x00;
    badInner[3] = 0x08; // KEYEDHASH
    Path bad = write("bad.pub", badInner);
    assertThatThrownBy(() -> KeyBlobs.load(bad, goodPriv))
        .hasMessageContaining(bad + ": tpm2-tools TPM2B_PUBLIC")
        .hasMessageContaining("TPMT_PUBLIC.type: unsupported type 0x0008 (KEYEDHASH)");
    byte[] truncated = Arrays.copyOfRange(pub, 2, 100);
    Path tr = write("tr.pub", truncated);
    assertThatThrownBy(() -> KeyBlobs.load(tr, goodPriv))
        .hasMessageContaining(tr + ": invalid TPMT_PUBLIC: ");
    Path goodPub = write("ok.pub", pub);
    Path swapped = write("swapped.priv", pub);
    assertThatThrownBy(() -> KeyBlobs.load(goodPub, swapped))
        .hasMessageStartingWith(swapped + ": neither a TPM2B_PRIVATE body");
    Path empty = write("empty.priv", new byte[0]);
    assertThatThrownBy(() -> KeyBlobs.load(goodPub, empty)).hasMessageStartingWith(empty + ": ");
    assertThatThrownBy(() -> KeyBlobs.load(dir.resolve("missing"), goodPriv))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining("missing");
    Path huge = write("huge.pub", new byte[KeyBlobs.MAX_FILE_SIZE + 1]);
    assertThatThrownBy(() -> KeyBlobs.load(huge, goodPriv))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("huge.pub");
  }
}
