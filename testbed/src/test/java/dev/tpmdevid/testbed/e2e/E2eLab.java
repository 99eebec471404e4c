package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.AttestationRelay;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.host.PluginLoadException;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.Provisioner;
import dev.tpmdevid.testbed.provision.TestPki;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * End-to-end fixture: the real plugin processes (launched through {@code bin/}) loaded once through
 * the SPIRE-like host and reconfigured per test (as SPIRE does on SIGUSR1 with plugin_data_file),
 * and one private swtpm per test.
 */
public final class E2eLab implements AutoCloseable {
  public static final String TRUST_DOMAIN = "example.org";

  final PluginHost agent;
  final PluginHost server;
  private final List<Swtpm> tpms = new ArrayList<>();

  private E2eLab(PluginHost agent, PluginHost server) {
    this.agent = agent;
    this.server = server;
  }

  static E2eLab start() throws PluginLoadException {
    return start(
        PluginHost.builder(PluginKind.SERVER, PluginCommands.server()),
        PluginHost.builder(PluginKind.AGENT, PluginCommands.agent()));
  }

  /** Loads the plugins the two builders describe (e.g. the launchers of an unpacked release). */
  static E2eLab start(PluginHost.Builder serverPlugin, PluginHost.Builder agentPlugin)
      throws PluginLoadException {
    PluginHost server = serverPlugin.start();
    try {
      PluginHost agent = agentPlugin.start();
      return new E2eLab(agent, server);
    } catch (PluginLoadException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /** A fresh swtpm, provisioned with {@code options}, files in {@code dir}/files. */
  ProvisionedTpm provision(Path dir, ProvisionOptions options) throws IOException {
    return provision(dir, options, TestPki.create(options.caKeyType()));
  }

  /**
   * As {@link #provision(Path, ProvisionOptions)} with given test CAs (to share them between TPMs).
   */
  ProvisionedTpm provision(Path dir, ProvisionOptions options, TestPki pki) throws IOException {
    Swtpm sw = Swtpm.start(Swtpm.Transport.TCP);
    tpms.add(sw);
    try (TpmConnection c = sw.connect()) {
      return Provisioner.provision(c.tpm(), sw.devicePath(), options, pki, dir.resolve("files"));
    }
  }

  /** Configures both plugins and relays one attestation. */
  AttestationOutcome attest(String agentHcl, String serverHcl) throws PluginLoadException {
    return attest(agent, agentHcl, server, serverHcl);
  }

  /**
   * Configures the given plugin pair (any implementation, e.g. SPIRE's Go plugins from {@link
   * PluginCommands#go}) and relays one attestation between them.
   */
  static AttestationOutcome attest(
      PluginHost agent, String agentHcl, PluginHost server, String serverHcl)
      throws PluginLoadException {
    server.configure(TRUST_DOMAIN, serverHcl);
    agent.configure(TRUST_DOMAIN, agentHcl);
    return new AttestationRelay(agent, server, TRUST_DOMAIN).attest();
  }

  /** As {@link #attest(String, String)} with the payload rewritten on its way to the server. */
  AttestationOutcome attestTampered(
      String agentHcl, String serverHcl, java.util.function.UnaryOperator<byte[]> payload)
      throws PluginLoadException {
    server.configure(TRUST_DOMAIN, serverHcl);
    agent.configure(TRUST_DOMAIN, agentHcl);
    return new AttestationRelay(agent, server, TRUST_DOMAIN).tamperPayload(payload).attest();
  }

  AttestationOutcome attest(ProvisionedTpm p) throws PluginLoadException {
    return attest(p.agentConfig(), p.serverConfig());
  }

  /** Stops this test's swtpms (the plugins stay loaded). */
  void stopTpms() {
    tpms.forEach(Swtpm::close);
    tpms.clear();
  }

  @Override
  public void close() {
    stopTpms();
    agent.close();
    server.close();
  }

  /**
   * {@code spiffe://example.org/spire/agent/tpm_devid/<sha1 of the leaf DER>}
   * (docs/protocol.md#spiffe-id).
   */
  public static String expectedSpiffeId(X509Certificate leaf) {
    return "spiffe://" + TRUST_DOMAIN + "/spire/agent/tpm_devid/" + sha1(leaf);
  }

  /**
   * subject:cn, issuer:cn, then ca:fingerprint of every CA from the leaf's issuer up to the anchor.
   */
  public static List<String> expectedSelectors(
      X509Certificate leaf, List<X509Certificate> casLeafToRoot) {
    List<String> s = new ArrayList<>();
    s.add("tpm_devid:subject:cn:" + cn(leaf.getSubjectX500Principal().getName()));
    s.add("tpm_devid:issuer:cn:" + cn(leaf.getIssuerX500Principal().getName()));
    for (X509Certificate ca : casLeafToRoot) {
      s.add("tpm_devid:ca:fingerprint:" + sha1(ca));
    }
    return s;
  }

  public static String sha1(X509Certificate c) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(c.getEncoded()));
    } catch (CertificateEncodingException | java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String cn(String dn) {
    try {
      String last = null;
      for (Rdn rdn : new LdapName(dn).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          last = rdn.getValue().toString();
        }
      }
      assertThat(last).as("CN of " + dn).isNotNull();
      return last;
    } catch (javax.naming.InvalidNameException e) {
      throw new IllegalStateException(e);
    }
  }
}
