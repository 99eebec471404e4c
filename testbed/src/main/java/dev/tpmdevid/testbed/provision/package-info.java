/**
 * Provisioning: turns a fresh swtpm into a machine like a real fleet's
 * (docs/protocol.md#test-material, #tpm2-tools-peer; docs/tpm-access.md#ek-provisioning,
 * #devid-provisioning).
 *
 * <ul>
 *   <li>{@link dev.tpmdevid.testbed.provision.TestPki} / {@link
 *       dev.tpmdevid.testbed.provision.TestCa} — a test TPM-manufacturer CA (root → intermediate →
 *       TCG EK certificates) and a test DevID CA (root → intermediate → LDevID certificates); key
 *       pairs exposed for forged/expired certificates.
 *   <li>{@link dev.tpmdevid.testbed.provision.Provisioner} — in Java: EK certificates into NV
 *       (0x01C00002 RSA, 0x01C0000A ECC), the LDevID under SPIRE's SRK with a TPM-signed CSR,
 *       hierarchy passwords, SPIRE's files.
 *   <li>{@link dev.tpmdevid.testbed.provision.ToolsProvisioner} — the same with tpm2-tools +
 *       openssl alone, so the agent is also tested on DevIDs and certificates our Java code did not
 *       make.
 *   <li>{@link dev.tpmdevid.testbed.provision.ProvisionCache} — manufacture once per configuration,
 *       start each test's swtpm from a copy of that state (~25–100 ms instead of ~0.5–2 s).
 *   <li>{@link dev.tpmdevid.testbed.provision.ProvisionedTpm} — the result: paths, certificates,
 *       CAs, options, {@code agent.hcl}/{@code server.hcl}, a way to connect.
 * </ul>
 *
 * <p>A test gets a provisioned TPM in one line:
 *
 * <pre>{@code
 * try (ProvisionedTpm tpm = ProvisionCache.shared().start(ProvisionOptions.defaults().withSpirePasswords())) {
 *     String agentHcl = tpm.agentConfig();   // tpm_device_path, devid_*_path, passwords
 *     String serverHcl = tpm.serverConfig(); // devid_ca_path, endorsement_ca_path
 * }
 * }</pre>
 */
package dev.tpmdevid.testbed.provision;
