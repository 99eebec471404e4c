package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.WireFormatException;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.PluginLoadException;
import dev.tpmdevid.testbed.provision.Pem;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.TestPki;
import dev.tpmdevid.testbed.provision.Validity;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attestations that must fail, through the real plugin processes and live swtpms, each asserted
 * with the exact status a SPIRE operator sees (code + {@code nodeattestor(tpm_devid): } message).
 */
class NegativeE2eTest extends E2eLabTest {
  private static String hcl(String... kv) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      b.append(kv[i]).append(" = \"").append(kv[i + 1]).append("\"\n");
    }
    return b.toString();
  }

  private static ProvisionOptions rsa() {
    return ProvisionOptions.defaults().withEkCertificates(true, false);
  }

  private static void report(String name, AttestationOutcome o) {
    System.out.println("NEGATIVE " + name + " [" + o.failedSide() + "] " + o.operatorView());
  }

  @Test
  void untrustedDevIdCa(@TempDir Path dir) throws Exception {
    ProvisionedTpm tpm = lab.provision(dir, rsa());
    Path otherCa = dir.resolve("other-devid-ca.pem");
    Pem.write(otherCa, TestPki.create(KeyType.RSA).devIdCaCertificates());

    AttestationOutcome o =
        lab.attest(
            tpm.agentConfig(),
            hcl(
                "devid_ca_path",
                otherCa.toString(),
                "endorsement_ca_path",
                tpm.endorsementCaPath().toString()));

    report("untrustedDevIdCa", o);
    assertThat(o.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(o.failedSide()).isEqualTo("server");
    assertThat(o.message())
        .isEqualTo(
            "nodeattestor(tpm_devid): unable to verify DevID signature: verification"
                + " failed: x509: certificate signed by unknown authority (possibly because of \"x509: invalid"
                + " signature\" while trying to verify candidate authority certificate)");
  }

  @Test
  void untrustedEkCa(@TempDir Path dir) throws Exception {
    ProvisionedTpm tpm = lab.provision(dir, rsa());
    Path otherCa = dir.resolve("other-endorsement-ca.pem");
    Pem.write(otherCa, TestPki.create(KeyType.RSA).endorsementCaCertificates());

    AttestationOutcome o =
        lab.attest(
            tpm.agentConfig(),
            hcl(
                "devid_ca_path",
                tpm.devIdCaPath().toString(),
                "endorsement_ca_path",
                otherCa.toString()));

    report("untrustedEkCa", o);
    assertThat(o.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(o.failedSide()).isEqualTo("server");
    assertThat(o.message())
        .isEqualTo(
            "nodeattestor(tpm_devid): cannot verify EK signature: endorsement"
                + " certificate verification failed: x509: certificate signed by unknown authority (possibly because"
                + " of \"x509: invalid signature\" while trying to verify candidate authority certificate)");
  }

  @Test
  void devIdBlobsAndCertificateFromAnotherTpm(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(KeyType.RSA);
    ProvisionedTpm a = lab.provision(dir.resolve("a"), rsa(), pki);
    ProvisionedTpm b = lab.provision(dir.resolve("b"), rsa(), pki);

    AttestationOutcome o =
        lab.attest(
            hcl(
                "tpm_device_path",
                a.tpmDevicePath(),
                "devid_cert_path",
                b.devIdCertPath().toString(),
                "devid_priv_path",
                b.devIdPrivPath().toString(),
                "devid_pub_path",
                b.devIdPubPath().toString()),
            a.serverConfig());

    report("devIdBlobsAndCertificateFromAnotherTpm", o);
    assertThat(o.code()).isEqualTo(Status.Code.INTERNAL);
    assertThat(o.failedSide()).isEqualTo("agent");
    assertThat(o.message())
        .isEqualTo(
            "nodeattestor(tpm_devid): cannot load DevID key on TPM: TPM2_Load failed:"
                + " TPM_RC_INTEGRITY (0x1DF) on parameter 1; the DevID blobs were not created under this TPM's storage"
                + " root key (another TPM, the owner hierarchy was cleared, or the SRK template at provisioning"
                + " differed from H-1/H-2 with noDA)");
  }

  @Test
  void copiedDevIdCertificateWithUnrelatedTpmKey(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(KeyType.RSA);
    ProvisionedTpm a = lab.provision(dir.resolve("a"), rsa(), pki);
    ProvisionedTpm b = lab.provision(dir.resolve("b"), rsa(), pki);

    String copied =
        hcl(
            "tpm_device_path",
            a.tpmDevicePath(),
            "devid_cert_path",
            b.devIdCertPath().toString(),
            "devid_priv_path",
            a.devIdPrivPath().toString(),
            "devid_pub_path",
            a.devIdPubPath().toString());

    // Our agent refuses the configuration: spire-agent would not start.
    PluginLoadException refused =
        assertThrows(PluginLoadException.class, () -> lab.attest(copied, a.serverConfig()));
    System.out.println(
        "NEGATIVE copiedDevIdCertificateWithUnrelatedTpmKey [agent configure] "
            + refused.getMessage());
    assertThat(refused.status().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(refused.getMessage())
        .isEqualTo(
            "failed to configure plugin: rpc error: code = InvalidArgument"
                + " desc = the public key in devid_pub_path "
                + a.devIdPubPath()
                + " differs from the key of the first"
                + " certificate in devid_cert_path "
                + b.devIdCertPath()
                + " (the DevID certificate must be issued for"
                + " this TPM key)");

    // A modified agent sends B's certificate with TPM A's evidence anyway: the server refuses.
    byte[] bCert = b.devIdCertificate().getEncoded();
    AttestationOutcome o =
        lab.attestTampered(
            a.agentConfig(),
            a.serverConfig(),
            payload -> {
              try {
                AttestationRequest r = AttestationRequest.fromJson(payload);
                return new AttestationRequest(
                        List.of(bCert, b.devIdChain().get(1).getEncoded()),
                        r.devIdPub(),
                        r.ekCert(),
                        r.ekPub(),
                        r.akPub(),
                        r.certifiedDevId(),
                        r.certificationSignature())
                    .toJson();
              } catch (WireFormatException | java.security.cert.CertificateEncodingException e) {
                throw new IllegalStateException(e);
              }
            });

    report("copiedDevIdCertificateWithUnrelatedTpmKey(modified agent)", o);
    assertThat(o.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(o.failedSide()).isEqualTo("server");
    assertThat(o.message())
        .isEqualTo(
            "nodeattestor(tpm_devid): DevID certificate key differs from DevID key"
                + " public blob: modulus mismatch");
  }

  @Test
  void wrongDevIdPassword(@TempDir Path dir) throws Exception {
    ProvisionedTpm tpm = lab.provision(dir, rsa().withSpirePasswords());
    String agentHcl =
        tpm.agentConfig().replace("devid_password = \"devid-pass\"", "devid_password = \"wrong\"");
    assertThat(agentHcl).contains("devid_password = \"wrong\"");

    AttestationOutcome o = lab.attest(agentHcl, tpm.serverConfig());

    report("wrongDevIdPassword", o);
    assertThat(o.code()).isEqualTo(Status.Code.INTERNAL);
    assertThat(o.failedSide()).isEqualTo("agent");
    assertThat(o.message())
        .isEqualTo(
            "nodeattestor(tpm_devid): unable to certify DevID key: TPM2_Certify failed:"
                + " TPM_RC_AUTH_FAIL (0x98E) on session 1; devid_password is wrong");
  }

  @Test
  void expiredDevIdCertificate(@TempDir Path dir) throws Exception {
    ProvisionedTpm tpm =
        lab.provision(dir, rsa().withDevIdValidity(Validity.expiredSince(Duration.ofDays(1))));

    AttestationOutcome o = lab.attest(tpm);

    report("expiredDevIdCertificate", o);
    assertThat(o.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(o.failedSide()).isEqualTo("server");
    assertThat(o.message())
        .isEqualTo(
            "nodeattestor(tpm_devid): unable to verify DevID signature: verification"
                + " failed: x509: certificate has expired or is not yet valid");
  }
}
