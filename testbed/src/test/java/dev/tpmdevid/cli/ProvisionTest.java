package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.TestCa;
import dev.tpmdevid.testbed.provision.Validity;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tss.Tpm;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * {@code tpm-devid provision}: a lab TPM, then an extra LDevID signed by a given CA key that
 * attests.
 */
class ProvisionTest {
  @TempDir Path dir;

  private static String pem(Object o) throws Exception {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }

  @Test
  void labThenLDevIdSignedWithAGivenCaKeyAttestsStepByStep() throws Exception {
    assertTrue(
        Swtpm.isInstalled(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.TCP)) {
      Path lab = dir.resolve("lab");
      CliRun l =
          CliRun.of("provision", "--lab", "--tpm", swtpm.devicePath(), "--out", lab.toString());
      assertThat(l.code()).as(l.toString()).isZero();
      assertThat(lab.resolve("agent.hcl")).exists();
      assertThat(lab.resolve("server.hcl")).exists();

      TestCa ca = TestCa.root("Lab DevID CA", KeyType.RSA, Validity.fromNow(Duration.ofDays(10)));
      Path caCert = dir.resolve("ca.pem");
      Path caKey = dir.resolve("ca.key");
      Files.writeString(caCert, pem(ca.certificate()));
      Files.writeString(caKey, pem(ca.keyPair().getPrivate()));
      Path out = dir.resolve("second");
      CliRun p =
          CliRun.of(
              "provision",
              "--tpm",
              swtpm.devicePath(),
              "--key",
              "ecc",
              "--devid-password",
              "pw",
              "--cn",
              "second-devid",
              "--ca-cert",
              caCert.toString(),
              "--ca-key",
              caKey.toString(),
              "--out",
              out.toString());
      assertThat(p.code()).as(p.toString()).isZero();
      assertThat(p.out()).contains("devid_password = \"...\"").doesNotContain("\"pw\"");
      CliRun csr = CliRun.of("inspect", out.resolve("devid.csr.pem").toString());
      assertThat(csr.out())
          .contains(
              "PEM CERTIFICATE REQUEST", "CN=second-devid", "EC P-256", "self-signature: verifies");
      CliRun pub = CliRun.of("inspect", "--json", out.resolve("devid.pub.blob").toString());
      assertThat(pub.out()).contains("TPMT_PUBLIC", "0x00040072", "ECDSA with SHA256");

      Path agentHcl = dir.resolve("agent2.hcl");
      Files.writeString(
          agentHcl,
          "tpm_device_path = \""
              + swtpm.devicePath()
              + "\"\n"
              + "devid_cert_path = \""
              + out.resolve("devid.crt.pem")
              + "\"\n"
              + "devid_priv_path = \""
              + out.resolve("devid.priv.blob")
              + "\"\n"
              + "devid_pub_path = \""
              + out.resolve("devid.pub.blob")
              + "\"\n"
              + "devid_password = \"pw\"\n");
      Path serverHcl = dir.resolve("server2.hcl");
      Files.writeString(
          serverHcl,
          "devid_ca_path = \""
              + caCert
              + "\"\nendorsement_ca_path = \""
              + lab.resolve("endorsement-ca.pem")
              + "\"\n");
      String req = dir.resolve("req.json").toString();
      String ch = dir.resolve("ch.json").toString();
      String resp = dir.resolve("resp.json").toString();
      String as = dir.resolve("as.json").toString();
      String ss = dir.resolve("ss.json").toString();
      assertThat(
              CliRun.of(
                      "agent",
                      "request",
                      "--config",
                      agentHcl.toString(),
                      "--out",
                      req,
                      "--state",
                      as)
                  .code())
          .isZero();
      assertThat(
              CliRun.of(
                      "server",
                      "challenge",
                      "--config",
                      serverHcl.toString(),
                      "--request",
                      req,
                      "--out",
                      ch,
                      "--state",
                      ss)
                  .code())
          .isZero();
      assertThat(
              CliRun.of("agent", "solve", "--challenge", ch, "--state", as, "--out", resp).code())
          .isZero();
      CliRun v =
          CliRun.of(
              "server",
              "verify",
              "--config",
              serverHcl.toString(),
              "--state",
              ss,
              "--response",
              resp);
      assertThat(v.code()).as(v.toString()).isZero();
      assertThat(v.out())
          .contains(
              "selector:  tpm_devid:subject:cn:second-devid",
              "selector:  tpm_devid:issuer:cn:Lab DevID CA");
    }
  }

  @Test
  void labWithRevokedDevIdCrlIsRefusedByTheServerNamingTheSerial() throws Exception {
    assertTrue(
        Swtpm.isInstalled(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.TCP)) {
      Path lab = dir.resolve("lab");
      CliRun l =
          CliRun.of(
              "provision",
              "--lab",
              "--tpm",
              swtpm.devicePath(),
              "--revoke-devid",
              "--revoke",
              "0x1234",
              "--out",
              lab.toString());
      assertThat(l.code()).as(l.toString()).isZero();
      java.security.cert.X509Certificate leaf =
          ProvisionCommand.readCertificate(lab.resolve("devid.crt.pem"));
      String serial = "0x" + leaf.getSerialNumber().toString(16);
      assertThat(l.out())
          .contains(
              "devid-crl.pem  CRLs of the DevID root and intermediate CA revoking serial 0x1234, "
                  + serial,
              "endorsement-crl.pem");
      assertThat(Files.readString(lab.resolve("server.hcl")))
          .contains(
              "devid_crl_path = \"" + lab.resolve("devid-crl.pem").toAbsolutePath() + "\"",
              "endorsement_crl_path = \""
                  + lab.resolve("endorsement-crl.pem").toAbsolutePath()
                  + "\"");

      String req = dir.resolve("req.json").toString();
      String as = dir.resolve("as.json").toString();
      assertThat(
              CliRun.of(
                      "agent",
                      "request",
                      "--config",
                      lab.resolve("agent.hcl").toString(),
                      "--out",
                      req,
                      "--state",
                      as)
                  .code())
          .isZero();
      CliRun ch =
          CliRun.of(
              "server",
              "challenge",
              "--config",
              lab.resolve("server.hcl").toString(),
              "--request",
              req,
              "--out",
              dir.resolve("ch.json").toString(),
              "--state",
              dir.resolve("ss.json").toString());
      assertThat(ch.code()).as(ch.toString()).isNotZero();
      assertThat(ch.out() + ch.err())
          .contains(
              "DevID certificate revoked: serial "
                  + serial
                  + " (issuer \"CN=Test DevID Intermediate CA\") is listed in a CRL of its issuer");
    }
  }

  @Test
  void crlOptionsNeedACa() {
    CliRun r =
        CliRun.of(
            "provision", "--tpm", "tcp://127.0.0.1:1", "--revoke", "12", "--out", dir.toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.err())
        .contains("--crl, --revoke and --revoke-devid need --lab or --ca-cert/--ca-key");
    CliRun bad =
        CliRun.of(
            "provision",
            "--lab",
            "--tpm",
            "tcp://127.0.0.1:1",
            "--revoke",
            "x1",
            "--out",
            dir.toString());
    assertThat(bad.err())
        .contains("--revoke: not a positive serial number (0x-hex or decimal): x1");
  }

  @Test
  void underAPersistentSrk() throws Exception {
    assertTrue(
        Swtpm.isInstalled(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.TCP)) {
      try (TpmConnection c = swtpm.connect()) {
        Tpm tpm = c.tpm();
        CreatePrimaryResponse srk =
            tpm.CreatePrimary(
                TPM_HANDLE.from(TPM_RH.OWNER),
                new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
                dev.tpmdevid.testbed.provision.Templates.srkRsa(),
                new byte[0],
                new TPMS_PCR_SELECTION[0]);
        tpm.EvictControl(TPM_HANDLE.from(TPM_RH.OWNER), srk.handle, TPM_HANDLE.persistent(1));
        tpm.FlushContext(srk.handle);
      }
      CliRun p =
          CliRun.of(
              "provision",
              "--tpm",
              swtpm.devicePath(),
              "--srk-handle",
              "0x81000001",
              "--out",
              dir.resolve("p").toString());
      assertThat(p.code()).as(p.toString()).isZero();
      assertThat(p.out())
          .contains(
              "under the persistent SRK 0x81000001",
              "srk_handle = \"0x81000001\"",
              "Next: have the DevID CA sign devid.csr.pem");
      assertThat(dir.resolve("p/devid.priv.blob")).exists();
    }
  }

  @Test
  void badOptionsAreOneLine() {
    CliRun r =
        CliRun.of(
            "provision",
            "--tpm",
            "tcp://127.0.0.1:1",
            "--srk-handle",
            "0x40000001",
            "--out",
            dir.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.oneLineError())
        .isEqualTo(
            "tpm-devid provision: --srk-handle: not a persistent handle 0x81xxxxxx: 0x40000001");
    CliRun nope = CliRun.of("provision", "--tpm", "tcp://127.0.0.1:1", "--out", dir.toString());
    assertThat(nope.code()).isEqualTo(1);
    assertThat(nope.oneLineError())
        .startsWith("tpm-devid provision: cannot open the TPM tcp://127.0.0.1:1");
    CliRun help = CliRun.of("provision", "--help");
    assertThat(help.out()).contains("Examples:", "tpm-devid provision --lab");
  }
}
