package dev.tpmdevid.cli;

import dev.tpmdevid.agent.AgentConfig;
import dev.tpmdevid.agent.AgentException;
import dev.tpmdevid.agent.DevIdAttestor;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.TempDirs;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.Provisioner;
import dev.tpmdevid.testbed.provision.TestPki;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The conformance kit's TPMs: private swtpms provisioned like fleet machines with one set of test
 * CAs (RSA EK certificate in NV 0x01C00002, an LDevID from the DevID intermediate): one with an RSA
 * DevID and SPIRE's test passwords, one with an ECC DevID.
 *
 * <p>Each swtpm serves a unix socket ({@code tpm_device_path} is the socket's path): every agent
 * can reach it that way, including SPIRE's Go agent, whose go-tpm has no TCP transport (it treats a
 * socket path as an emulator and reconnects per command).
 */
final class ConformanceLab implements AutoCloseable {

  /** One provisioned swtpm and an in-process agent (this project's agent API) on it. */
  static final class Machine {
    final Swtpm swtpm;
    final ProvisionedTpm provisioned;
    final DevIdAttestor agent;

    Machine(Swtpm swtpm, ProvisionedTpm provisioned, DevIdAttestor agent) {
      this.swtpm = swtpm;
      this.provisioned = provisioned;
      this.agent = agent;
    }
  }

  final Path dir;
  final TestPki pki;
  final Machine rsa;
  final Machine ecc;
  private final boolean deleteOnClose;

  private ConformanceLab(Path dir, TestPki pki, Machine rsa, Machine ecc, boolean deleteOnClose) {
    this.dir = dir;
    this.pki = pki;
    this.rsa = rsa;
    this.ecc = ecc;
    this.deleteOnClose = deleteOnClose;
  }

  static ConformanceLab start(Path dir, boolean deleteOnClose) throws IOException {
    TestPki pki = TestPki.create(KeyType.RSA);
    Machine rsa = null;
    try {
      rsa =
          machine(
              dir.resolve("rsa"),
              pki,
              ProvisionOptions.defaults()
                  .withEkCertificates(true, false)
                  .withSpirePasswords()
                  .withDevIdCommonName("conformance-rsa"));
      Machine ecc =
          machine(
              dir.resolve("ecc"),
              pki,
              ProvisionOptions.defaults()
                  .withDevIdKeyType(KeyType.ECC)
                  .withEkCertificates(true, false)
                  .withDevIdCommonName("conformance-ecc"));
      return new ConformanceLab(dir, pki, rsa, ecc, deleteOnClose);
    } catch (IOException | RuntimeException e) {
      if (rsa != null) {
        rsa.swtpm.close();
      }
      throw e;
    }
  }

  private static Machine machine(Path dir, TestPki pki, ProvisionOptions options)
      throws IOException {
    Swtpm swtpm = Swtpm.start(Swtpm.Transport.UNIX);
    try {
      ProvisionedTpm p = Provisioner.provision(swtpm, options, pki, dir.resolve("files"));
      DevIdAttestor agent = DevIdAttestor.create(AgentConfig.fromHcl(p.agentConfig()));
      return new Machine(swtpm, p, agent);
    } catch (AgentException | RuntimeException e) {
      swtpm.close();
      throw new IOException("cannot provision the lab TPM: " + e.getMessage(), e);
    }
  }

  /** The server plugin's HCL for these CAs. */
  String serverHcl() {
    return rsa.provisioned.serverConfig();
  }

  @Override
  public void close() {
    for (Machine m : new Machine[] {rsa, ecc}) {
      if (deleteOnClose) {
        m.swtpm.close();
      } else {
        m.swtpm.stop(); // keeps its state directory
      }
    }
    if (deleteOnClose) {
      TempDirs.deleteQuietly(dir);
    }
  }
}
