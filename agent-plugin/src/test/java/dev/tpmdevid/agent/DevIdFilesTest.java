package dev.tpmdevid.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.pem.Pem;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmtPublic;
import io.grpc.Status;
import io.grpc.StatusException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_SIG_SCHEME_RSASSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPM_ALG_ID;

class DevIdFilesTest {

  @TempDir Path dir;

  private AgentConfig config() throws AgentException {
    return AgentConfig.fromHcl(TestFiles.hcl(dir, ""));
  }

  private static void assertConfigError(ThrowingRunnable r, String... fragments) {
    assertThatThrownBy(r::run)
        .isInstanceOf(AgentException.class)
        .satisfies(
            e -> assertThat(((AgentException) e).kind()).isEqualTo(AgentException.Kind.CONFIG))
        .hasMessageContainingAll(fragments);
  }

  private static DevIdFiles files(DevIdAttestor a) {
    return (DevIdFiles) a.devIdSource();
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void pemChainLeafFirstOtherBlocksSkipped() throws Exception {
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.RSA, 2);
    String pem = Files.readString(dir.resolve("devid.crt.pem"));
    Files.writeString(
        dir.resolve("devid.crt.pem"),
        "some text\n"
            + TestFiles.pem("PRIVATE KEY", new byte[] {1, 2})
            + pem
            + TestFiles.pem("X509 CRL", new byte[] {3}));
    DevIdAttestor a = DevIdAttestor.create(config());
    List<byte[]> chain = a.devIdCertificates();
    assertThat(chain).hasSize(3);
    assertThat(chain.get(0)).isEqualTo(Pem.decode(pem.getBytes(), "CERTIFICATE").get(0));
  }

  @Test
  void pemWithoutCertificates() throws Exception {
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.RSA, 0);
    Files.writeString(dir.resolve("devid.crt.pem"), TestFiles.pem("PUBLIC KEY", new byte[] {1}));
    assertConfigError(
        () -> DevIdAttestor.create(config()), "devid_cert_path", "no PEM CERTIFICATE");
    Files.writeString(
        dir.resolve("devid.crt.pem"), TestFiles.pem("CERTIFICATE", new byte[] {1, 2, 3}));
    assertConfigError(() -> DevIdAttestor.create(config()), "devid_cert_path", "cannot be parsed");
  }

  @Test
  void reconfigureReplacesTheCertificateList() throws Exception {
    AgentPlugin plugin = new AgentPlugin();
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.RSA, 2);
    plugin.configure("example.org", TestFiles.hcl(dir, ""));
    assertThat(plugin.attestor().devIdCertificates()).hasSize(3);
    plugin.configure("example.org", TestFiles.hcl(dir, ""));
    assertThat(plugin.attestor().devIdCertificates()).hasSize(3);
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.RSA, 0);
    plugin.configure("example.org", TestFiles.hcl(dir, ""));
    assertThat(plugin.attestor().devIdCertificates()).hasSize(1);
  }

  @Test
  void failedReconfigureKeepsThePreviousConfiguration() throws Exception {
    AgentPlugin plugin = new AgentPlugin();
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.RSA, 1);
    plugin.configure("example.org", TestFiles.hcl(dir, ""));
    DevIdAttestor before = plugin.attestor();
    assertThatThrownBy(() -> plugin.configure("example.org", "devid_cert_path = \"/nonexistent\""))
        .isInstanceOf(StatusException.class)
        .extracting(e -> ((StatusException) e).getStatus().getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(plugin.attestor()).isSameAs(before);
  }

  @Test
  void publicBlobFormats() throws Exception {
    byte[] pub = TestFiles.rsaPublic().toTpm();
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.RSA, 0);
    DevIdAttestor a = DevIdAttestor.create(config());
    assertThat(files(a).blobs().publicArea()).isEqualTo(pub);

    byte[] prefixed = new byte[pub.length + 2];
    prefixed[0] = (byte) (pub.length >> 8);
    prefixed[1] = (byte) pub.length;
    System.arraycopy(pub, 0, prefixed, 2, pub.length);
    Files.write(dir.resolve("devid.pub.blob"), prefixed);
    assertThat(files(DevIdAttestor.create(config())).blobs().publicArea()).isEqualTo(pub);

    Files.write(dir.resolve("devid.pub.blob"), Arrays.copyOf(pub, pub.length - 10));
    assertConfigError(() -> DevIdAttestor.create(config()), "devid_pub_path", "not a TPMT_PUBLIC");
    Files.write(dir.resolve("devid.pub.blob"), Arrays.copyOf(pub, pub.length + 1));
    assertConfigError(() -> DevIdAttestor.create(config()), "devid_pub_path", "not a TPMT_PUBLIC");
    Files.write(dir.resolve("devid.pub.blob"), TestFiles.privateBlob());
    assertConfigError(() -> DevIdAttestor.create(config()), "devid_pub_path", "not a TPMT_PUBLIC");
  }

  @Test
  void privateBlobFormats() throws Exception {
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.RSA, 0);
    byte[] priv = TestFiles.privateBlob();
    byte[] prefixed = new byte[priv.length + 2];
    prefixed[1] = (byte) priv.length;
    System.arraycopy(priv, 0, prefixed, 2, priv.length);
    Files.write(dir.resolve("devid.priv.blob"), prefixed);
    assertThat(files(DevIdAttestor.create(config())).blobs().privateBlob()).isEqualTo(priv);

    Files.write(dir.resolve("devid.priv.blob"), TestFiles.rsaPublic().toTpm());
    assertConfigError(
        () -> DevIdAttestor.create(config()), "devid_priv_path", "not a TPM2B_PRIVATE");
    Files.write(dir.resolve("devid.priv.blob"), new byte[0]);
    assertConfigError(() -> DevIdAttestor.create(config()), "devid_priv_path");
  }

  @Test
  void eccDevId() throws Exception {
    TestFiles.writeDevId(dir, TestFiles.eccPublic(), TestFiles.EC, 0);
    DevIdSource m = DevIdAttestor.create(config()).devIdSource();
    assertThat(m.publicArea().isEcc()).isTrue();
    assertThat(m.publicArea().scheme().hashAlg()).isEqualTo(TPM_ALG_ID.SHA256.toInt());
  }

  @Test
  void schemeHashNullIsRejected() throws Exception {
    TestFiles.writeDevId(
        dir,
        TestFiles.rsaPublic((RSAPublicKey) TestFiles.RSA.getPublic(), TestFiles.nullScheme()),
        TestFiles.RSA,
        0);
    assertConfigError(
        () -> DevIdAttestor.create(config()), "devid_pub_path", "signature hash algorithm is NULL");
    // RSASSA with hashAlg NULL is not a valid TPMT_PUBLIC for the server's strict parser: refused
    // at Configure
    TestFiles.writeDevId(
        dir,
        TestFiles.rsaPublic(
            (RSAPublicKey) TestFiles.RSA.getPublic(), new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.NULL)),
        TestFiles.RSA,
        0);
    assertConfigError(
        () -> DevIdAttestor.create(config()),
        "devid_pub_path",
        "not a TPMT_PUBLIC the server accepts",
        "hashAlg");
  }

  /**
   * Public areas TSS.Java reads and writes back unchanged (what the agent accepted before it used
   * tpm-core's parser) but the server's strict parser refuses: refused at Configure, naming the
   * problem.
   */
  @Test
  void devIdTheServerRefusesIsRefusedAtConfigure() throws Exception {
    TPMT_PUBLIC shortPolicy = TestFiles.rsaPublic();
    shortPolicy.authPolicy = new byte[] {1, 2, 3, 4, 5};
    TPMT_PUBLIC reservedBit = TestFiles.rsaPublic();
    reservedBit.objectAttributes =
        new TPMA_OBJECT(reservedBit.objectAttributes.toInt() | 0x00000100);
    for (TPMT_PUBLIC bad : List.of(shortPolicy, reservedBit)) {
      assertThat(Arrays.equals(TPMT_PUBLIC.fromTpm(bad.toTpm()).toTpm(), bad.toTpm())).isTrue();
      assertThatThrownBy(() -> TpmtPublic.parse(bad.toTpm()))
          .isInstanceOf(TpmFormatException.class);
      TestFiles.writeDevId(dir, bad, TestFiles.RSA, 0);
      assertConfigError(
          () -> DevIdAttestor.create(config()),
          "devid_pub_path",
          "not a TPMT_PUBLIC the server accepts");
    }
  }

  @Test
  void certificateForAnotherKeyIsRejected() throws Exception {
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.EC, 0);
    assertConfigError(
        () -> DevIdAttestor.create(config()), "devid_pub_path", "differs from the key");
  }

  @Test
  void ekCertPathTypeMustMatchEkType() throws Exception {
    TestFiles.writeDevId(dir, TestFiles.rsaPublic(), TestFiles.RSA, 0);
    Files.write(dir.resolve("ek.der"), TestFiles.certificate(TestFiles.EC, "ek"));
    DevIdAttestor a =
        DevIdAttestor.create(
            AgentConfig.fromHcl(
                TestFiles.hcl(dir, "ek_cert_path = \"" + dir.resolve("ek.der") + "\"\n")));
    assertThat(a).isNotNull();
    assertConfigError(
        () ->
            DevIdAttestor.create(
                AgentConfig.fromHcl(
                    TestFiles.hcl(
                        dir,
                        "ek_cert_path = \"" + dir.resolve("ek.der") + "\"\nek_type = \"rsa\"\n"))),
        "ek_type",
        "ek_cert_path");
    Files.writeString(dir.resolve("ek.der"), "garbage");
    assertConfigError(
        () ->
            DevIdAttestor.create(
                AgentConfig.fromHcl(
                    TestFiles.hcl(dir, "ek_cert_path = \"" + dir.resolve("ek.der") + "\"\n"))),
        "ek_cert_path");
  }

  @Test
  void autodetection() throws Exception {
    Path dev = Files.createDirectory(dir.resolve("dev"));
    assertThatThrownBy(() -> DeviceAutodetect.detect(dev))
        .hasMessageContaining("tpm autodetection failed");
    Files.createFile(dev.resolve("tpm0"));
    assertThat(DeviceAutodetect.detect(dev)).isEqualTo(dev.resolve("tpm0").toString());
    Files.createFile(dev.resolve("tpmrm0"));
    assertThat(DeviceAutodetect.detect(dev)).isEqualTo(dev.resolve("tpmrm0").toString());
    Files.createFile(dev.resolve("tpmrm1"));
    assertThatThrownBy(() -> DeviceAutodetect.detect(dev))
        .hasMessageContaining("more than one possible TPM device");
    Files.delete(dev.resolve("tpmrm0"));
    Files.delete(dev.resolve("tpmrm1"));
    Files.createFile(dev.resolve("tpm1"));
    assertThatThrownBy(() -> DeviceAutodetect.detect(dev))
        .hasMessageContaining("more than one possible TPM device");
    Files.delete(dev.resolve("tpm1"));
    Files.createFile(dev.resolve("tpmx"));
    assertThat(DeviceAutodetect.detect(dev)).isEqualTo(dev.resolve("tpm0").toString());
  }
}
