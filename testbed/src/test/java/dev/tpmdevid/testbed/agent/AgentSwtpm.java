package dev.tpmdevid.testbed.agent;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.Provisioner;
import dev.tpmdevid.testbed.swtpm.Swtpm;

/**
 * A private swtpm for one agent test, provisioned with EK certificates in NV and an LDevID
 * ({@link Provisioner}). The provisioning connection is closed before the agent runs (swtpm serves one
 * client at a time).
 */
final class AgentSwtpm implements AutoCloseable {

    final Swtpm swtpm;
    final ProvisionedTpm provisioned;

    AgentSwtpm(Path dir, Swtpm.Transport transport, ProvisionOptions options) throws Exception {
        swtpm = Swtpm.start(transport);
        try (TpmConnection c = TpmConnection.open(swtpm.devicePath())) {
            provisioned = Provisioner.provision(c.tpm(), swtpm.devicePath(), options, dir.resolve("files"));
        } catch (Exception | Error e) {
            swtpm.close();
            throw e;
        }
    }

    static boolean available() {
        return Swtpm.isInstalled();
    }

    String devicePath() {
        return swtpm.devicePath();
    }

    /** The agent's HCL for this TPM (from the provisioner), plus {@code extra} lines. */
    String agentHcl(String extra) {
        return provisioned.agentConfig() + extra;
    }

    /** A test-side connection (for checks); close it before the agent connects again. */
    TpmConnection open() {
        return TpmConnection.open(swtpm.devicePath());
    }

    /** Transient objects and loaded/saved sessions currently on the TPM. */
    List<Integer> handlesInUse() {
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
