package dev.tpmdevid.testbed.swtpm;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.Provisioner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A private {@link Swtpm} for one test, provisioned by {@link Provisioner} (EK certificates in NV,
 * an LDevID, the agent's and server's HCL; files in {@code dir}/files). The provisioning connection
 * is closed before the test runs (swtpm serves one client at a time).
 */
public final class ProvisionedSwtpm implements AutoCloseable {

  public final Swtpm swtpm;
  public final ProvisionedTpm provisioned;

  /** A TCP swtpm. */
  public ProvisionedSwtpm(Path dir, ProvisionOptions options) throws Exception {
    this(dir, Swtpm.Transport.TCP, options);
  }

  public ProvisionedSwtpm(Path dir, Swtpm.Transport transport, ProvisionOptions options)
      throws Exception {
    swtpm = Swtpm.start(transport);
    try (TpmConnection c = swtpm.connect()) {
      provisioned =
          Provisioner.provision(c.tpm(), swtpm.devicePath(), options, dir.resolve("files"));
    } catch (Exception | Error e) {
      swtpm.close();
      throw e;
    }
  }

  /** True when the {@code swtpm} executable is on the PATH. */
  public static boolean available() {
    return Swtpm.isInstalled();
  }

  public String devicePath() {
    return swtpm.devicePath();
  }

  /** The agent's HCL for this TPM (from the provisioner), plus {@code extra} lines. */
  public String agentHcl(String extra) {
    return provisioned.agentConfig() + extra;
  }

  /** The agent's HCL file written by the provisioner. */
  public Path agentHcl() {
    return provisioned.agentHclPath();
  }

  /** The server's HCL file written by the provisioner. */
  public Path serverHcl() {
    return provisioned.serverHclPath();
  }

  /** A test-side connection (for checks); close it before the agent connects again. */
  public TpmConnection open() {
    return swtpm.connect();
  }

  /** Transient objects and loaded/saved sessions currently on the TPM. */
  public List<Integer> handlesInUse() {
    try (TpmConnection c = open()) {
      List<Integer> out = new ArrayList<>(c.transientHandles());
      out.addAll(c.sessionHandles());
      return out;
    }
  }

  @Override
  public void close() {
    swtpm.close();
  }
}
