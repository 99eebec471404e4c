package dev.tpmdevid.testbed.provision;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.blob.KeyBlobs;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.ek.EkCertificates;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The agent's own readers (tpm-core) accept what both provisioners write. */
class TpmCoreReadsProvisionedFilesTest {

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void javaProvisionedFiles(KeyType devIdType) throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults().withDevIdKeyType(devIdType).withEkNvPadding(32);
    try (ProvisionedTpm p = ProvisionCache.shared().start(options)) {
      check(p);
    }
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void toolsProvisionedFilesInBothFormats(KeyType devIdType) throws Exception {
    try (Swtpm sw = Swtpm.start()) {
      ProvisionedTpm p =
          ToolsProvisioner.provision(
              sw, ProvisionOptions.defaults().withDevIdKeyType(devIdType).withEkNvPadding(7), dir);
      check(p);
      KeyBlobs spire = KeyBlobs.load(p.devIdPubPath(), p.devIdPrivPath());
      KeyBlobs tpm2b =
          KeyBlobs.load(dir.resolve("tools/devid.pub"), dir.resolve("tools/devid.priv"));
      assertThat(tpm2b.publicFormat()).isEqualTo(KeyBlobs.Format.TPM2_TOOLS_TPM2B);
      assertThat(tpm2b.privateFormat()).isEqualTo(KeyBlobs.Format.TPM2_TOOLS_TPM2B);
      assertThat(tpm2b.publicArea()).isEqualTo(spire.publicArea());
      assertThat(tpm2b.privateBlob()).isEqualTo(spire.privateBlob());
    }
  }

  private static void check(ProvisionedTpm p) throws Exception {
    KeyBlobs blobs = KeyBlobs.load(p.devIdPubPath(), p.devIdPrivPath());
    assertThat(blobs.publicFormat()).isEqualTo(KeyBlobs.Format.SPIRE_RAW);
    assertThat(blobs.privateFormat()).isEqualTo(KeyBlobs.Format.SPIRE_RAW);
    TpmtPublic pub = blobs.publicKey();
    assertThat(pub.encode()).isEqualTo(p.devIdPublic());
    assertThat(pub.toPublicKey()).isEqualTo(p.devIdCertificate().getPublicKey());
    assertThat(pub.objectAttributes().bits()).isEqualTo(Templates.DEVID_ATTRIBUTES);
    try (TpmConnection c = p.openConnection()) {
      byte[] owner = p.options().ownerPassword().getBytes();
      for (KeyType ekType : KeyType.values()) {
        byte[] nv = TpmChecks.readNv(c.tpm(), Templates.ekCertNvIndex(ekType), owner);
        assertThat(nv.length)
            .isEqualTo(
                p.ekCertificate(ekType).orElseThrow().getEncoded().length
                    + p.options().ekNvPadding());
        assertThat(EkCertificates.certificateFromNvContents(nv))
            .isEqualTo(p.ekCertificate(ekType).orElseThrow());
      }
    }
    assertThat(EkCertificates.NV_INDEX_RSA_2048).isEqualTo(Templates.RSA_EK_CERT_NV_INDEX);
    assertThat(EkCertificates.NV_INDEX_ECC_P256).isEqualTo(Templates.ECC_EK_CERT_NV_INDEX);
  }
}
