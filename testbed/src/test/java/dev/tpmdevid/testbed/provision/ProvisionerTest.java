package dev.tpmdevid.testbed.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.device.ResponseCode;
import dev.tpmdevid.core.device.TpmCommandException;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tss.Tpm;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/** Live swtpm: each test provisions its own fresh swtpm with {@link Provisioner}. */
class ProvisionerTest {

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void ekCertificatesInNvHoldTheKeysOfTheTemplateEks(KeyType caType) throws Exception {
    // padding so that the RSA EK contents exceed TPM_PT_NV_BUFFER_MAX (1024): written and read in
    // chunks
    int padding = 400;
    ProvisionOptions options =
        ProvisionOptions.defaults().withCaKeyType(caType).withEkNvPadding(padding);
    try (Swtpm sw = Swtpm.start();
        TpmConnection connection = sw.connect()) {
      Tpm tpm = connection.tpm();
      ProvisionedTpm p =
          Provisioner.provision(
              tpm,
              sw.devicePath(),
              options,
              ProvisionCache.shared().pki(caType),
              dir.resolve("out"));
      assertThat(TpmProvisioning.nvBufferMax(tpm)).isEqualTo(1024);
      for (KeyType ekType : KeyType.values()) {
        int index = Templates.ekCertNvIndex(ekType);
        byte[] nv = TpmChecks.readNv(tpm, index, new byte[0]);
        byte[] der = TpmChecks.derTrim(nv);
        assertThat(nv.length).isEqualTo(der.length + padding);
        if (ekType == KeyType.RSA) {
          assertThat(nv.length).isGreaterThan(1024);
        }
        assertThat(java.util.Arrays.copyOfRange(nv, der.length, nv.length))
            .containsOnly((byte) 0xFF);
        X509Certificate cert = TpmChecks.parseCertificate(der);
        assertThat(cert).isEqualTo(p.ekCertificate(ekType).orElseThrow());
        assertThat(cert.getPublicKey())
            .isEqualTo(TpmKeys.toPublicKey(TpmChecks.createEk(tpm, ekType, new byte[0])));
        assertThat(
                new org.bouncycastle.asn1.x500.X500Name(
                        (String) cert.getSubjectAlternativeNames().iterator().next().get(1))
                    .toString())
            .contains("id:" + "49424D00")
            .contains("id:20191023");
        // ppwrite|writedefine|ppread|ownerread|authread|no_da|written|platformcreate
        assertThat(TpmChecks.nvAttributes(tpm, index)).isEqualTo(0x62072001);
        TestPkiTest.validate(
            List.of(cert, p.pki().manufacturerIntermediate().certificate()),
            p.pki().manufacturerRoot().certificate());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void devIdFilesLoadUnderAFreshSrkAndSignForTheCertificateKey(KeyType devIdType) throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults().withDevIdKeyType(devIdType).withEkCertificates(true, false);
    try (Swtpm sw = Swtpm.start(Swtpm.Transport.UNIX)) {
      ProvisionedTpm p =
          Provisioner.provision(
              sw, options, ProvisionCache.shared().pki(KeyType.RSA), dir.resolve("out"));
      assertThat(p.tpmDevicePath()).isEqualTo(sw.unixSocketPath().toString());
      List<X509Certificate> chain = TpmChecks.readPemChain(p.devIdCertPath());
      assertThat(chain).hasSize(2).isEqualTo(p.devIdChain());
      assertThat(chain.get(0).getSubjectX500Principal().getName()).isEqualTo("CN=devid-leaf");
      TestPkiTest.validate(chain, TpmChecks.readPemChain(p.devIdCaPath()).get(0));
      byte[] pub = Files.readAllBytes(p.devIdPubPath());
      byte[] priv = Files.readAllBytes(p.devIdPrivPath());
      assertThat(chain.get(0).getPublicKey())
          .isEqualTo(TpmKeys.toPublicKey(tss.tpm.TPMT_PUBLIC.fromTpm(pub)));

      byte[] nonce = "0123456789abcdef0123456789abcdef".getBytes();
      try (TpmConnection agent = p.openConnection()) { // a new connection, as the agent would open
        byte[] sig =
            TpmChecks.loadAndSign(
                agent.tpm(), devIdType, pub, priv, new byte[0], new byte[0], nonce);
        assertThat(TpmChecks.verify(chain.get(0).getPublicKey(), devIdType, nonce, sig)).isTrue();
        assertThat(agent.transientHandles()).isEmpty();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void csrIsSignedByTheTpmKey(KeyType devIdType) throws Exception {
    try (Swtpm sw = Swtpm.start();
        TpmConnection connection = sw.connect()) {
      TpmProvisioning.DevIdKey key =
          TpmProvisioning.createDevId(
              connection.tpm(), devIdType, new byte[0], "pw".getBytes(), "node-7");
      assertThat(key.csr().getSubjectPublicKeyInfo().getEncoded())
          .isEqualTo(key.publicKey().getEncoded());
      assertThat(key.csr().getSubject().toString()).isEqualTo("CN=node-7");
      assertThat(
              key.csr()
                  .isSignatureValid(
                      new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder()
                          .build(key.publicKey())))
          .isTrue();
      assertThat(key.publicArea().objectAttributes.toInt()).isEqualTo(Templates.DEVID_ATTRIBUTES);
      assertThat(connection.transientHandles()).isEmpty();
    }
  }

  @Test
  void certificatesVerifyWithOpenssl() throws Exception {
    try (ProvisionedTpm p = ProvisionCache.shared().start(ProvisionOptions.defaults())) {
      Path work = Files.createDirectories(dir.resolve("openssl"));
      ToolRunner openssl = new ToolRunner(work, java.util.Map.of(), java.util.Set.of());
      Pem.write(work.resolve("leaf.pem"), List.of(p.devIdChain().get(0)));
      Pem.write(work.resolve("int.pem"), List.of(p.devIdChain().get(1)));
      assertThat(
              openssl.run(
                  List.of(
                      "openssl",
                      "verify",
                      "-CAfile",
                      p.devIdCaPath().toString(),
                      "-untrusted",
                      "int.pem",
                      "leaf.pem")))
          .contains("leaf.pem: OK");
      for (KeyType ekType : KeyType.values()) {
        Pem.write(work.resolve("ek.pem"), List.of(p.ekCertificate(ekType).orElseThrow()));
        assertThat(
                openssl.run(
                    List.of(
                        "openssl",
                        "verify",
                        "-CAfile",
                        p.endorsementCaPath().toString(),
                        "ek.pem")))
            .contains("ek.pem: OK");
      }
    }
  }

  @Test
  void hierarchyPasswordsAreSetLastAndGuardTheSrk() throws Exception {
    ProvisionOptions options =
        ProvisionOptions.defaults().withSpirePasswords().withDevIdIntermediate(false);
    try (Swtpm sw = Swtpm.start()) {
      ProvisionedTpm p = Provisioner.provision(sw, options, dir.resolve("out"));
      TpmConnection connection = p.openConnection();
      Tpm tpm = connection.tpm();
      assertThat(TpmChecks.readPemChain(p.devIdCertPath())).hasSize(1);

      TPM_HANDLE wrongOwner = TPM_HANDLE.from(TPM_RH.OWNER);
      wrongOwner.AuthValue = "wrong".getBytes();
      assertThatThrownBy(
              () ->
                  tpm.CreatePrimary(
                      wrongOwner,
                      new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
                      Templates.srkRsa(),
                      new byte[0],
                      new TPMS_PCR_SELECTION[0]))
          .isInstanceOfSatisfying(
              TpmCommandException.class,
              e -> assertThat(e.is(ResponseCode.BAD_AUTH)).as(e.getMessage()).isTrue());
      assertThatThrownBy(() -> TpmChecks.createEk(tpm, KeyType.RSA, new byte[0]))
          .isInstanceOfSatisfying(
              TpmCommandException.class,
              e -> assertThat(e.is(ResponseCode.BAD_AUTH)).as(e.getMessage()).isTrue());
      assertThat(
              TpmKeys.toPublicKey(
                  TpmChecks.createEk(
                      tpm, KeyType.RSA, ProvisionOptions.SPIRE_ENDORSEMENT_PASSWORD.getBytes())))
          .isEqualTo(p.ekCertificate(KeyType.RSA).orElseThrow().getPublicKey());

      byte[] nonce = new byte[32];
      byte[] sig =
          TpmChecks.loadAndSign(
              tpm,
              KeyType.RSA,
              p.devIdPublic(),
              p.devIdPrivate(),
              ProvisionOptions.SPIRE_OWNER_PASSWORD.getBytes(),
              ProvisionOptions.SPIRE_DEVID_PASSWORD.getBytes(),
              nonce);
      assertThat(TpmChecks.verify(p.devIdCertificate().getPublicKey(), KeyType.RSA, nonce, sig))
          .isTrue();

      assertThat(Files.readString(p.agentHclPath()))
          .contains("tpm_device_path = \"tcp://127.0.0.1:" + sw.port() + "\"")
          .contains("devid_cert_path = \"" + p.devIdCertPath() + "\"")
          .contains("devid_priv_path = \"" + p.devIdPrivPath() + "\"")
          .contains("devid_pub_path = \"" + p.devIdPubPath() + "\"")
          .contains("devid_password = \"devid-pass\"")
          .contains("owner_hierarchy_password = \"owner-hierarchy-pass\"")
          .contains("endorsement_hierarchy_password = \"endorsement-hierarchy-pass\"");
      assertThat(Files.readString(p.serverHclPath()))
          .isEqualTo(
              "devid_ca_path = \""
                  + p.devIdCaPath()
                  + "\"\nendorsement_ca_path = \""
                  + p.endorsementCaPath()
                  + "\"\n");
      assertThat(TpmChecks.readPemChain(p.endorsementCaPath())).hasSize(2);
      connection.close();
    }
  }
}
