package dev.tpmdevid.cli;

import dev.tpmdevid.testbed.provision.KeyType;
import java.nio.file.Path;
import java.util.Map;

/** The demo's software TPM and its provisioning (swtpm fixture + testbed provisioning). */
final class DemoLab implements AutoCloseable {
    /** What provisioning produced: the two plugins' HCL and facts for the narration. */
    record Provisioned(String agentHcl, String serverHcl, Map<String, Object> facts) {
    }

    private DemoLab() {
    }

    static DemoLab startTpm(Path dir) {
        throw new IllegalStateException("swtpm fixture not available yet");
    }

    Map<String, Object> tpmFacts() {
        return Map.of();
    }

    Provisioned provision(KeyType devId, KeyType ek, Path dir) {
        throw new IllegalStateException("provisioning not available yet");
    }

    @Override
    public void close() {
    }
}
