package dev.tpmdevid.cli;

import dev.tpmdevid.testbed.host.LabSwtpm;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.Provisioner;
import java.nio.file.Files;
import java.nio.file.Path;
import tss.Tpm;

/** A provisioned swtpm for CLI tests (EK certificates in NV, LDevID files, agent.hcl, server.hcl). */
final class LabTpm implements AutoCloseable {
    final LabSwtpm swtpm;
    final ProvisionedTpm provisioned;
    final Path files;

    LabTpm(Path dir, ProvisionOptions options) throws Exception {
        swtpm = LabSwtpm.start(dir.resolve("state"));
        try (Tpm tpm = swtpm.openTpm()) {
            provisioned = Provisioner.provision(tpm, swtpm.devicePath(), options, dir.resolve("files"));
        } catch (RuntimeException e) {
            swtpm.close();
            throw e;
        }
        files = dir.resolve("files");
    }

    static boolean swtpmAvailable() {
        for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(p, "swtpm"))) {
                return true;
            }
        }
        return false;
    }

    Path agentHcl() {
        return provisioned.agentHclPath();
    }

    Path serverHcl() {
        return provisioned.serverHclPath();
    }

    @Override
    public void close() {
        swtpm.close();
    }
}
