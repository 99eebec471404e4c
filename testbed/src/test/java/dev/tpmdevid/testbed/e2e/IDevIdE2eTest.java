package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.tpm.IDevIdTemplates;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.host.PluginLoadException;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner.IDevId;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner.Mode;
import dev.tpmdevid.testbed.provision.ProvisionCache;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import io.grpc.Status;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * IDevID on the agent (issue #17, docs/idevid.md): a manufacturer-style IDevID added to a
 * provisioned swtpm by {@link IDevIdProvisioner} — persisted at 0x81020000 or left to be
 * regenerated from its template, its chain in NV 0x01C90200 — and our agent plugin configured with
 * {@code devid_handle} / {@code devid_template} and {@code devid_cert_nv_index}. The payload has
 * the LDevID format, so our server and SPIRE's own Go server plugin (the {@code
 * go-tpm-devid-server-plugin} binary) both attest it, through the real plugin processes and the
 * SPIRE-like host. The error cases are refused at Configure with INVALID_ARGUMENT and a message
 * naming the option; the TPM is left without transient objects or sessions.
 */
class IDevIdE2eTest extends E2eLabTest {
  enum Server {
    JAVA,
    GO
  }

  static Stream<Arguments> cells() {
    List<Arguments> all = new ArrayList<>();
    for (Server server : Server.values()) {
      for (KeyType type : KeyType.values()) {
        for (Mode mode : Mode.values()) {
          all.add(Arguments.of(server, type, mode));
        }
      }
    }
    return all.stream();
  }

  /** SPIRE's test passwords everywhere: the endorsement one guards the template's CreatePrimary. */
  static ProvisionOptions options() {
    return ProvisionOptions.defaults().withSpirePasswords();
  }

  @ParameterizedTest(name = "{0} server, {1} IDevID, {2}")
  @MethodSource("cells")
  void attestsWithIDevId(Server server, KeyType type, Mode mode) throws Exception {
    try (ProvisionedTpm base = ProvisionCache.shared().start(options())) {
      IDevId idevid = IDevIdProvisioner.provision(base, type, mode);

      AttestationOutcome o = attest(server, idevid.agentConfig(), idevid.serverConfig());

      assertThat(o.succeeded()).as(o.operatorView()).isTrue();
      X509Certificate leaf = idevid.certificate();
      assertThat(leaf).isNotEqualTo(base.devIdCertificate());
      assertThat(o.spiffeId()).isEqualTo(E2eLab.expectedSpiffeId(leaf));
      assertThat(o.selectors())
          .containsExactlyElementsOf(
              E2eLab.expectedSelectors(
                  leaf,
                  List.of(
                      base.pki().devIdIntermediate().certificate(),
                      base.pki().devIdRoot().certificate())));
      assertThat(o.selectors())
          .contains("tpm_devid:subject:cn:idevid-" + type.name().toLowerCase());
      assertNoTransientObjects(base);
      if (mode == Mode.PERSISTENT) {
        assertPersistentKeyStays(base);
      }
    }
  }

  /**
   * Several attestations through one plugin process: later ones reuse the saved contexts (template
   * mode).
   */
  @ParameterizedTest(name = "{0} IDevID, {1}: three attestations in a row")
  @MethodSource("keyTypesAndModes")
  void reattests(KeyType type, Mode mode) throws Exception {
    try (ProvisionedTpm base = ProvisionCache.shared().start(options())) {
      IDevId idevid = IDevIdProvisioner.provision(base, type, mode);
      lab.server.configure(E2eLab.TRUST_DOMAIN, idevid.serverConfig());
      lab.agent.configure(E2eLab.TRUST_DOMAIN, idevid.agentConfig());
      for (int i = 0; i < 3; i++) {
        AttestationOutcome o =
            new dev.tpmdevid.testbed.host.AttestationRelay(
                    lab.agent, lab.server, E2eLab.TRUST_DOMAIN)
                .attest();
        assertThat(o.succeeded()).as("attestation " + (i + 1) + ": " + o.operatorView()).isTrue();
        assertThat(o.spiffeId()).isEqualTo(E2eLab.expectedSpiffeId(idevid.certificate()));
      }
      assertNoTransientObjects(base);
    }
  }

  static Stream<Arguments> keyTypesAndModes() {
    List<Arguments> all = new ArrayList<>();
    for (KeyType type : KeyType.values()) {
      for (Mode mode : Mode.values()) {
        all.add(Arguments.of(type, mode));
      }
    }
    return all.stream();
  }

  @Test
  void wrongHandleIsRefusedAtConfigure() throws Exception {
    try (ProvisionedTpm base = ProvisionCache.shared().start(options())) {
      IDevId idevid = IDevIdProvisioner.provision(base, KeyType.RSA, Mode.PERSISTENT);
      String hcl = idevid.agentConfig().replace("0x81020000", "0x81020005");

      PluginLoadException e =
          assertThrows(PluginLoadException.class, () -> lab.attest(hcl, idevid.serverConfig()));

      assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.status().getDescription())
          .startsWith(
              "invalid configuration: devid_handle 0x81020005: the"
                  + " TPM holds no key at this handle (TPM2_ReadPublic: TPM_RC_HANDLE");
      assertNoTransientObjects(base);
    }
  }

  @Test
  void wrongTemplateIsRefusedAtConfigure() throws Exception {
    try (ProvisionedTpm base = ProvisionCache.shared().start(options())) {
      IDevId idevid = IDevIdProvisioner.provision(base, KeyType.ECC, Mode.TEMPLATE);
      String hcl = idevid.agentConfig().replace("\"idevid-ecc\"", "\"idevid-rsa\"");

      PluginLoadException e =
          assertThrows(PluginLoadException.class, () -> lab.attest(hcl, idevid.serverConfig()));

      assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.status().getDescription())
          .isEqualTo(
              "the key of devid_template idevid-rsa differs from"
                  + " the key of the first certificate in devid_cert_nv_index 0x01C90200 (the DevID certificate"
                  + " must be issued for this TPM key; a manufacturer that used another template or unique makes"
                  + " another key, see docs/idevid.md)");
      assertNoTransientObjects(base);
    }
  }

  @Test
  void keyAtHandleNotCertifiedByTheNvCertificateIsRefused() throws Exception {
    try (ProvisionedTpm base = ProvisionCache.shared().start(options())) {
      IDevId idevid = IDevIdProvisioner.provision(base, KeyType.RSA, Mode.PERSISTENT);
      // NV 0x01C00002 holds a certificate too, but for the EK, not for the key at 0x81020000.
      String hcl = idevid.agentConfig().replace("0x01C90200", "0x01C00002");

      PluginLoadException e =
          assertThrows(PluginLoadException.class, () -> lab.attest(hcl, idevid.serverConfig()));

      assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.status().getDescription())
          .isEqualTo(
              "the key of devid_handle 0x81020000 differs from the"
                  + " key of the first certificate in devid_cert_nv_index 0x01C00002 (the DevID certificate must be"
                  + " issued for this TPM key)");
    }
  }

  @Test
  void missingNvIndexIsRefusedAtConfigure() throws Exception {
    try (ProvisionedTpm base = ProvisionCache.shared().start(options())) {
      IDevId idevid = IDevIdProvisioner.provision(base, KeyType.RSA, Mode.TEMPLATE);
      String hcl = idevid.agentConfig().replace("0x01C90200", "0x01C90300");

      PluginLoadException e =
          assertThrows(PluginLoadException.class, () -> lab.attest(hcl, idevid.serverConfig()));

      assertThat(e.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.status().getDescription())
          .startsWith(
              "invalid configuration: devid_cert_nv_index"
                  + " 0x01C90300: the NV index does not exist (TPM2_NV_ReadPublic: TPM_RC_HANDLE");
      assertNoTransientObjects(base);
    }
  }

  /**
   * The LDevID key blobs with the certificate chain read from NV: the two options combine freely.
   */
  @Test
  void keyBlobsWithCertificateChainFromNv() throws Exception {
    try (ProvisionedTpm base = ProvisionCache.shared().start(options())) {
      int index = 0x01C90210;
      try (TpmConnection c = base.openConnection()) {
        IDevIdProvisioner.writeChain(c.tpm(), index, base.devIdChain());
      }
      String hcl =
          base.agentConfig()
              .replaceAll(
                  "devid_cert_path = \"[^\"]*\"\n",
                  String.format("devid_cert_nv_index = \"0x%08X\"\n", index));

      AttestationOutcome o = lab.attest(hcl, base.serverConfig());

      assertThat(o.succeeded()).as(o.operatorView()).isTrue();
      assertThat(o.spiffeId()).isEqualTo(E2eLab.expectedSpiffeId(base.devIdCertificate()));
    }
  }

  static AttestationOutcome attest(Server server, String agentHcl, String serverHcl)
      throws PluginLoadException {
    if (server == Server.JAVA) {
      return lab.attest(agentHcl, serverHcl);
    }
    try (PluginHost go =
        PluginHost.builder(PluginKind.SERVER, PluginCommands.go(PluginKind.SERVER)).start()) {
      return E2eLab.attest(lab.agent, agentHcl, go, serverHcl);
    }
  }

  /**
   * No transient object and no session on the swtpm (polled: the plugin flushes as its stream
   * ends).
   */
  static void assertNoTransientObjects(ProvisionedTpm base) throws InterruptedException {
    List<Integer> last;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try (TpmConnection c = base.openConnection()) {
        last = new ArrayList<>(c.transientHandles());
        last.addAll(c.sessionHandles());
      }
      if (last.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(last).as("transient objects and sessions left on the TPM").isEmpty();
  }

  /** The agent never flushes or evicts the manufacturer's persistent key. */
  static void assertPersistentKeyStays(ProvisionedTpm base) {
    try (TpmConnection c = base.openConnection()) {
      c.tpm().ReadPublic(tss.tpm.TPM_HANDLE.persistent(IDevIdTemplates.IDEVID_HANDLE & 0x00FFFFFF));
    }
  }
}
