package dev.tpmdevid.cli;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.Provisioner;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's software TPM and its provisioning (the testbed's {@link Swtpm} + its Java
 * provisioner).
 */
final class DemoLab implements AutoCloseable {
  /** What provisioning produced: the two plugins' HCL and facts for the narration. */
  record Provisioned(String agentHcl, String serverHcl, Map<String, Object> facts) {}

  private final Swtpm swtpm;

  private DemoLab(Swtpm swtpm) {
    this.swtpm = swtpm;
  }

  static DemoLab startTpm(Path dir) throws IOException {
    return new DemoLab(Swtpm.startIn(dir, Swtpm.Transport.TCP));
  }

  int tpmPort() {
    return swtpm.port();
  }

  String devicePath() {
    return swtpm.devicePath();
  }

  Map<String, Object> tpmFacts() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(
        "command",
        "swtpm socket --tpm2 --server type=tcp,port="
            + swtpm.port()
            + " --flags not-need-init,startup-clear (pid "
            + swtpm.pid()
            + ")");
    m.put("state directory", swtpm.stateDir().toString());
    m.put("agent reaches it as", "tpm_device_path = \"" + swtpm.devicePath() + "\"");
    return m;
  }

  Provisioned provision(KeyType devId, KeyType ek, Path dir) throws IOException {
    ProvisionOptions options =
        ProvisionOptions.defaults()
            .withDevIdKeyType(devId)
            .withEkCertificates(ek == KeyType.RSA, ek == KeyType.ECC)
            .withDevIdCommonName("demo-node-1");
    ProvisionedTpm p;
    try (TpmConnection c = swtpm.connect()) {
      p = Provisioner.provision(c.tpm(), swtpm.devicePath(), options, dir);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    X509Certificate ekCert = p.ekCertificate(ek).orElseThrow();
    m.put(
        "manufacturer",
        "created the "
            + ek
            + " endorsement key (EK) from its TCG template and wrote its"
            + " certificate (issuer "
            + cn(ekCert.getIssuerX500Principal().getName())
            + ") to NV index "
            + (ek == KeyType.RSA ? "0x01C00002" : "0x01C0000A"));
    m.put(
        "owner",
        "created the "
            + devId
            + " LDevID key under the storage root key (SRK), had the TPM sign a"
            + " CSR with it, and got the certificate from the DevID CA");
    List<String> chain = new ArrayList<>();
    for (X509Certificate c : p.devIdChain()) {
      chain.add(
          c.getSubjectX500Principal().getName()
              + "  (issuer "
              + c.getIssuerX500Principal().getName()
              + ")");
    }
    m.put("devid.crt.pem (leaf first)", chain);
    m.put("devid.pub.blob", p.devIdPublic().length + " bytes: TPMT_PUBLIC of the DevID key");
    m.put(
        "devid.priv.blob",
        p.devIdPrivate().length
            + " bytes: the key's private part, encrypted by the TPM"
            + " (useless outside it)");
    m.put(
        "server trusts",
        "devid-ca.pem (DevID root) and endorsement-ca.pem (manufacturer root + intermediate)");
    m.put("files in", dir.toString());
    return new Provisioned(p.agentConfig(), p.serverConfig(), m);
  }

  private static String cn(String dn) {
    for (String part : dn.split(",")) {
      if (part.strip().startsWith("CN=")) {
        return part.strip().substring(3);
      }
    }
    return dn;
  }

  @Override
  public void close() {
    swtpm.close();
  }
}
