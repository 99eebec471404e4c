package dev.tpmdevid.testbed.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tss.Tpm;
import tss.tpm.TPMT_PUBLIC;

/** Live swtpm provisioned by tpm2-tools + openssl; everything is checked with TSS.Java and JCA. */
class ToolsProvisionerTest {

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void toolsMakeTheSameStructuresAsTheJavaProvisioner(KeyType devIdType) throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults()
            .withDevIdKeyType(devIdType)
            .withCaKeyType(devIdType)
            .withEkNvPadding(16)
            .withSpirePasswords();
    try (Swtpm sw = Swtpm.start()) {
      long t0 = System.nanoTime();
      ProvisionedTpm p = ToolsProvisioner.provision(sw, options, dir.resolve("out"));
      System.out.printf(
          "tools provisioning (%s DevID, %s CAs, RSA+ECC EK certs): %.0f ms%n",
          devIdType, devIdType, (System.nanoTime() - t0) / 1e6);
      TpmConnection connection = p.openConnection();
      Tpm tpm = connection.tpm();
      byte[] owner = ProvisionOptions.SPIRE_OWNER_PASSWORD.getBytes();
      byte[] endorsement = ProvisionOptions.SPIRE_ENDORSEMENT_PASSWORD.getBytes();

      // EK certificates: the key of tpm2_createek equals the key of our TCG templates (L-1, L-2)
      for (KeyType ekType : KeyType.values()) {
        byte[] nv = TpmChecks.readNv(tpm, Templates.ekCertNvIndex(ekType), owner);
        byte[] der = TpmChecks.derTrim(nv);
        assertThat(nv.length - der.length).isEqualTo(16);
        X509Certificate ek = TpmChecks.parseCertificate(der);
        assertThat(ek.getPublicKey())
            .isEqualTo(TpmKeys.toPublicKey(TpmChecks.createEk(tpm, ekType, endorsement)));
        assertThat(ek.getSubjectX500Principal().getEncoded()).containsExactly(0x30, 0x00);
        assertThat(ek.getCriticalExtensionOIDs()).contains("2.5.29.17");
        assertThat(ek.getExtendedKeyUsage()).containsExactly("2.23.133.8.1");
        assertThat(TpmChecks.nvAttributes(tpm, Templates.ekCertNvIndex(ekType)))
            .isEqualTo(0x62072001);
        List<X509Certificate> anchors = TpmChecks.readPemChain(p.endorsementCaPath());
        TestPkiTest.validate(List.of(ek), anchors.get(1));
        TestPkiTest.validate(List.of(ek, anchors.get(1)), anchors.get(0));
      }

      // DevID: same public-area shape as Java's template; the stripped blobs load under our SRK and
      // sign
      byte[] pub = Files.readAllBytes(p.devIdPubPath());
      byte[] priv = Files.readAllBytes(p.devIdPrivPath());
      TPMT_PUBLIC area = TPMT_PUBLIC.fromTpm(pub);
      TPMT_PUBLIC template = Templates.devId(devIdType);
      template.unique = area.unique;
      assertThat(pub).isEqualTo(template.toTpm());
      assertThat(priv[0]).isEqualTo((byte) 0x00);
      assertThat(priv[1]).isEqualTo((byte) 0x20); // integrity HMAC TPM2B first
      List<X509Certificate> chain = TpmChecks.readPemChain(p.devIdCertPath());
      assertThat(chain).hasSize(2);
      assertThat(chain.get(0).getPublicKey()).isEqualTo(TpmKeys.toPublicKey(area));
      TestPkiTest.validate(chain, TpmChecks.readPemChain(p.devIdCaPath()).get(0));
      byte[] nonce = "tools-provisioned-devid-nonce-32".getBytes();
      byte[] sig =
          TpmChecks.loadAndSign(
              tpm,
              devIdType,
              pub,
              priv,
              owner,
              ProvisionOptions.SPIRE_DEVID_PASSWORD.getBytes(),
              nonce);
      assertThat(TpmChecks.verify(chain.get(0).getPublicKey(), devIdType, nonce, sig)).isTrue();

      // the CA keys are usable by tests: forge a DevID certificate for the same key
      X509Certificate forged =
          p.pki()
              .devIdIntermediate()
              .issueDevIdCertificate(
                  TpmKeys.toPublicKey(area), "forged", Validity.fromNow(Duration.ofHours(1)));
      TestPkiTest.validate(
          List.of(forged, chain.get(1)), TpmChecks.readPemChain(p.devIdCaPath()).get(0));
      assertThat(Files.readString(p.agentHclPath()))
          .contains("owner_hierarchy_password = \"owner-hierarchy-pass\"");
      assertThat(connection.transientHandles()).isEmpty();
      connection.close();
    }
  }

  @Test
  void toolFailuresCarryStderr() throws Exception {
    try (Swtpm sw = Swtpm.start()) {
      ToolRunner runner =
          new ToolRunner(
              dir,
              java.util.Map.of("TPM2TOOLS_TCTI", sw.tpm2ToolsTcti()),
              java.util.Set.of("s3cret"));
      assertThatThrownBy(
              () -> runner.run(List.of("tpm2_nvread", "0x01c00002", "-C", "o", "-P", "str:s3cret")))
          .isInstanceOf(ToolRunner.ToolException.class)
          .hasMessageContaining("tpm2_nvread")
          .hasMessageContaining("str:***")
          .hasMessageNotContaining("s3cret")
          .hasMessageContaining("ERROR");
    }
  }

  @Test
  void aSecondProvisioningFailsAtNvDefineWithTheToolsErrorAndLeavesNothingLoaded()
      throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults()
            .withDevIdKeyType(KeyType.ECC)
            .withCaKeyType(KeyType.ECC)
            .withEkCertificates(true, false);
    try (Swtpm sw = Swtpm.start()) {
      ToolsProvisioner.provision(sw, options, dir.resolve("first"));
      assertThatThrownBy(() -> ToolsProvisioner.provision(sw, options, dir.resolve("second")))
          .isInstanceOf(ToolRunner.ToolException.class)
          .hasMessageStartingWith("tpm2_nvdefine 0x01c00002 -C p")
          .hasMessageContaining("exit 1");
      try (TpmConnection c = sw.connect()) {
        assertThat(c.transientHandles()).isEmpty();
        assertThat(c.sessionHandles()).isEmpty();
      }
    }
  }

  @Test
  void stripsOnlyARealTpm2bSize() {
    assertThat(ToolsProvisioner.stripTpm2bSize(new byte[] {0, 2, 7, 8})).containsExactly(7, 8);
    assertThatThrownBy(() -> ToolsProvisioner.stripTpm2bSize(new byte[] {0, 1, 0, 0x0b}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Arrays.equals(new byte[0], ToolsProvisioner.stripTpm2bSize(new byte[] {0, 0})))
        .isTrue();
  }
}
