package dev.tpmdevid.testbed.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.agent.AgentConfig;
import dev.tpmdevid.agent.AgentException;
import dev.tpmdevid.agent.AgentSession;
import dev.tpmdevid.agent.DevIdAttestor;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.CredActivation;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * TPM-side failures end in a clear error that says what to fix, never leak a password, and leave
 * nothing loaded.
 */
class AgentFailureTest {

  private static final String DEVID_PASS = ProvisionOptions.SPIRE_DEVID_PASSWORD;
  private static final String OWNER_PASS = ProvisionOptions.SPIRE_OWNER_PASSWORD;
  private static final String ENDORSEMENT_PASS = ProvisionOptions.SPIRE_ENDORSEMENT_PASSWORD;
  private static final String WRONG = "not-the-password-7f3a";

  @TempDir Path dir;

  @BeforeAll
  static void needsSwtpm() {
    assertTrue(
        ProvisionedSwtpm.available(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
  }

  private static ProvisionOptions withPasswords() {
    return ProvisionOptions.defaults().withEkCertificates(true, false).withSpirePasswords();
  }

  private static DevIdAttestor attestor(String hcl) throws AgentException {
    return DevIdAttestor.create(AgentConfig.fromHcl(hcl));
  }

  private static String replace(String hcl, String key, String value) {
    return hcl.replaceAll("(?m)^" + key + " = .*$", key + " = \"" + value + "\"");
  }

  private static void assertTpmError(AgentException e, String... fragments) {
    assertThat(e.kind()).isEqualTo(AgentException.Kind.TPM);
    assertThat(e.getMessage())
        .contains(fragments)
        .doesNotContain(DEVID_PASS, OWNER_PASS, ENDORSEMENT_PASS, WRONG);
  }

  @Test
  void wrongDevIdPassword() throws Exception {
    try (ProvisionedSwtpm tpm = new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, withPasswords())) {
      DevIdAttestor a = attestor(replace(tpm.agentHcl(""), "devid_password", WRONG));
      try (AgentSession s = a.begin()) {
        AgentException e =
            org.junit.jupiter.api.Assertions.assertThrows(AgentException.class, s::payload);
        assertTpmError(e, "unable to certify DevID key", "devid_password is wrong");
      }
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  @Test
  void wrongOwnerPassword() throws Exception {
    try (ProvisionedSwtpm tpm = new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, withPasswords())) {
      DevIdAttestor a = attestor(replace(tpm.agentHcl(""), "owner_hierarchy_password", WRONG));
      AgentException e =
          org.junit.jupiter.api.Assertions.assertThrows(AgentException.class, a::begin);
      assertTpmError(e, "owner_hierarchy_password is wrong");
      assertThat(tpm.handlesInUse()).isEmpty();
      // the same attestor works once the TPM is reachable with the right configuration
      try (AgentSession s = attestor(tpm.agentHcl("")).begin()) {
        assertThat(s.payload()).isNotEmpty();
      }
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  @Test
  void wrongEndorsementPassword() throws Exception {
    try (ProvisionedSwtpm tpm = new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, withPasswords())) {
      DevIdAttestor a =
          attestor(replace(tpm.agentHcl(""), "endorsement_hierarchy_password", WRONG));
      AgentException e =
          org.junit.jupiter.api.Assertions.assertThrows(AgentException.class, a::begin);
      assertTpmError(e, "cannot create endorsement key", "endorsement_hierarchy_password is wrong");
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  @Test
  void blobsFromAnotherTpm() throws Exception {
    try (ProvisionedSwtpm tpm =
            new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, ProvisionOptions.defaults());
        Swtpm other = Swtpm.start(Swtpm.Transport.TCP)) {
      DevIdAttestor a = attestor(replace(tpm.agentHcl(""), "tpm_device_path", other.devicePath()));
      AgentException e =
          org.junit.jupiter.api.Assertions.assertThrows(AgentException.class, a::begin);
      assertTpmError(e, "cannot load DevID key on TPM", "TPM_RC_INTEGRITY", "storage root key");
      try (TpmConnection c = other.connect()) {
        assertThat(c.transientHandles()).isEmpty();
        assertThat(c.sessionHandles()).isEmpty();
      }
    }
  }

  @Test
  void swtpmStoppedMidAttestation() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(dir, Swtpm.Transport.UNIX, ProvisionOptions.defaults())) {
      DevIdAttestor a = attestor(tpm.agentHcl(""));
      assertTimeoutPreemptively(
          Duration.ofSeconds(30),
          () -> {
            try (AgentSession s = a.begin()) {
              AgentChecks.Challenge c =
                  AgentChecks.challengeFor(AttestationRequest.fromJson(s.payload()));
              tpm.swtpm.stop();
              AgentException e =
                  org.junit.jupiter.api.Assertions.assertThrows(
                      AgentException.class, () -> s.solve(c.json()));
              assertTpmError(e, "cannot talk to the TPM");
            }
            // the next attestation fails fast with a clear message as well
            AgentException e =
                org.junit.jupiter.api.Assertions.assertThrows(AgentException.class, a::begin);
            assertTpmError(e, "cannot open TPM at");
          });
    }
  }

  @Test
  void malformedChallengeIsInvalidArgumentAndFlushesEverything() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, ProvisionOptions.defaults())) {
      DevIdAttestor a = attestor(tpm.agentHcl(""));
      try (AgentSession s = a.begin()) {
        s.payload();
        assertThatThrownBy(() -> s.solve("{\"DevID\":\"AQ\"".getBytes(StandardCharsets.UTF_8)))
            .isInstanceOf(AgentException.class)
            .satisfies(
                e ->
                    assertThat(((AgentException) e).kind())
                        .isEqualTo(AgentException.Kind.CHALLENGE))
            .hasMessageStartingWith("unable to unmarshall challenges");
      }
      assertThat(tpm.handlesInUse()).isEmpty();
      // a well-formed credential made for another AK name: the TPM refuses it, the policy session
      // is flushed
      try (AgentSession s = a.begin()) {
        AttestationRequest r = AttestationRequest.fromJson(s.payload());
        AgentChecks.Challenge good = AgentChecks.challengeFor(r);
        ChallengeRequest parsed = ChallengeRequest.fromJson(good.json());
        byte[] cred = parsed.credActivation().credential();
        cred[cred.length - 1] ^= 1;
        byte[] tampered =
            new ChallengeRequest(
                    parsed.devId(), new CredActivation(cred, parsed.credActivation().secret()))
                .toJson();
        assertThatThrownBy(() -> s.solve(tampered))
            .isInstanceOf(AgentException.class)
            .satisfies(
                e ->
                    assertThat(((AgentException) e).kind())
                        .isEqualTo(AgentException.Kind.CHALLENGE))
            .hasMessageContaining("failed to activate credential");
      }
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  @Test
  void missingDeviceAndNotATpm() throws Exception {
    Path keys = dir.resolve("k");
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(keys, Swtpm.Transport.TCP, ProvisionOptions.defaults())) {
      DevIdAttestor missing =
          attestor(replace(tpm.agentHcl(""), "tpm_device_path", dir.resolve("tpm9").toString()));
      AgentException e =
          org.junit.jupiter.api.Assertions.assertThrows(AgentException.class, missing::begin);
      assertTpmError(e, "cannot open TPM at", "tpm_device_path");
      Path notATpm = Files.writeString(dir.resolve("tpm0"), "hello");
      DevIdAttestor file =
          attestor(replace(tpm.agentHcl(""), "tpm_device_path", notATpm.toString()));
      e = org.junit.jupiter.api.Assertions.assertThrows(AgentException.class, file::begin);
      assertTpmError(e, "cannot open TPM at");
    }
  }

  @Test
  void missingEkCertificateAndEkCertPath() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(
            dir,
            Swtpm.Transport.TCP,
            ProvisionOptions.defaults().withEkCertificates(true, false))) {
      try (TpmConnection c = tpm.open()) {
        c.tpm()
            .NV_UndefineSpace(
                TPM_HANDLE.from(TPM_RH.PLATFORM), TPM_HANDLE.NV(0x01C00002 & 0xFFFFFF));
      }
      AgentException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              AgentException.class, () -> attestor(tpm.agentHcl("")).begin());
      assertTpmError(e, "no EK certificate", "0x01C00002", "ek_cert_path");
      assertThat(tpm.handlesInUse()).isEmpty();

      try (AgentSession s = attestor(tpm.agentHcl("ek_type = \"rsa\"\n")).begin()) {
        e = org.junit.jupiter.api.Assertions.assertThrows(AgentException.class, s::payload);
        assertTpmError(e, "does not exist", "ek_cert_path");
      }
      assertThat(tpm.handlesInUse()).isEmpty();

      Path ekFile = dir.resolve("ek.der");
      Files.write(ekFile, tpm.provisioned.ekCertificate(KeyType.RSA).orElseThrow().getEncoded());
      DevIdAttestor a = attestor(tpm.agentHcl("ek_cert_path = \"" + ekFile + "\"\n"));
      try (AgentSession s = a.begin()) {
        AttestationRequest r = AttestationRequest.fromJson(s.payload());
        assertThat(r.ekCert()).isEqualTo(Files.readAllBytes(ekFile));
        AgentChecks.Challenge c = AgentChecks.challengeFor(r);
        assertThat(
                dev.tpmdevid.core.wire.ChallengeResponse.fromJson(s.solve(c.json()))
                    .credActivation())
            .isEqualTo(c.secret());
      }
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }
}
