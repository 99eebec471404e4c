package dev.tpmdevid.testbed.swtpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.core.cred.CredentialBlob;
import dev.tpmdevid.core.cred.MakeCredential;
import dev.tpmdevid.core.device.HandleScope;
import dev.tpmdevid.core.device.Hierarchy;
import dev.tpmdevid.core.device.ResponseCode;
import dev.tpmdevid.core.device.TpmCommandException;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.device.TpmObject;
import dev.tpmdevid.core.device.TssStructures;
import dev.tpmdevid.core.tpm.Templates;
import dev.tpmdevid.core.tpm.TpmtPublic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tss.tpm.CreateResponse;
import tss.tpm.TPM2B_PUBLIC;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPM_HANDLE;

/**
 * Live interop of credential activation (docs/protocol.md#agent-tpm-sequence steps 18–20): our
 * {@code MakeCredential} output activates on swtpm through {@link HandleScope#activateCredential}
 * for RSA and ECC EKs; {@code tpm2_makecredential -T none} output activates through our Java code;
 * our output activates through {@code tpm2_activatecredential}. Each test has its own swtpm.
 */
class CredentialInteropLiveTest {

  private static final SecureRandom RNG = new SecureRandom();
  private static final byte[] AK_PW = "ak-password".getBytes(StandardCharsets.UTF_8);

  @BeforeAll
  static void swtpmInstalled() {
    assertTrue(
        Swtpm.isInstalled(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
  }

  private static TPMT_PUBLIC ekTemplate(String type) {
    return type.equals("rsa")
        ? TssStructures.publicArea(Templates.EK_RSA)
        : TssStructures.publicArea(Templates.EK_ECC);
  }

  /** EK in the endorsement hierarchy and an AK (under a flushed storage primary) in one scope. */
  private record Keys(TpmObject ek, TpmObject ak) {}

  private static Keys createKeys(
      HandleScope scope, TpmConnection c, String ekType, byte[] endorsementPw) {
    TpmObject parent =
        scope.createPrimary(
            Hierarchy.OWNER.withPassword(null), TssStructures.publicArea(Templates.SRK_ECC), null);
    CreateResponse akBlob =
        c.tpm()
            .Create(
                parent.handle(),
                new TPMS_SENSITIVE_CREATE(AK_PW, new byte[0]),
                TssStructures.publicArea(Templates.AK_ECC),
                new byte[0],
                new TPMS_PCR_SELECTION[0]);
    TpmObject ak = scope.load(parent, akBlob.outPrivate, akBlob.outPublic, AK_PW);
    scope.flush(parent);
    TpmObject ek =
        scope.createPrimary(
            Hierarchy.ENDORSEMENT.withPassword(endorsementPw), ekTemplate(ekType), null);
    return new Keys(ek, ak);
  }

  private static TpmtPublic ours(TPMT_PUBLIC pub) throws Exception {
    return TpmtPublic.parse(pub.toBytes());
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa", "ecc"})
  void ourMakeCredentialActivatesOnSwtpm(String ekType) throws Exception {
    byte[] endorsementPw = "e-pw".getBytes(StandardCharsets.UTF_8);
    try (Swtpm swtpm = Swtpm.start();
        TpmConnection c = swtpm.connect()) {
      c.tpm().HierarchyChangeAuth(Hierarchy.ENDORSEMENT.withPassword(null), endorsementPw);
      try (HandleScope scope = c.scope()) {
        Keys k = createKeys(scope, c, ekType, endorsementPw);
        byte[] secret = new byte[32];
        RNG.nextBytes(secret);
        CredentialBlob blob =
            MakeCredential.make(ours(k.ek().outPublic()), k.ak().name(), secret, RNG);
        c.resetCommandCounts();
        byte[] recovered =
            scope.activateCredential(
                k.ak(), k.ek(), blob.credential(), blob.encryptedSecret(), endorsementPw);
        assertThat(recovered).isEqualTo(secret);
        // StartAuthSession, PolicySecret, ActivateCredential, FlushContext(session)
        assertThat(c.commandCount()).isEqualTo(4);
        assertThat(c.sessionHandles()).isEmpty();

        // bound to the AK's name: activating with the EK against another object fails
        CredentialBlob wrongName =
            MakeCredential.make(ours(k.ek().outPublic()), k.ek().name(), secret, RNG);
        assertThatThrownBy(
                () ->
                    scope.activateCredential(
                        k.ak(),
                        k.ek(),
                        wrongName.credential(),
                        wrongName.encryptedSecret(),
                        endorsementPw))
            .isInstanceOf(TpmCommandException.class)
            .hasMessageStartingWith("TPM_RC_INTEGRITY on ActivateCredential");
        assertThat(c.sessionHandles()).isEmpty();
      }
      assertThat(c.transientHandles()).isEmpty();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa", "ecc"})
  void tpm2MakecredentialOutputActivatesThroughJava(String ekType, @TempDir Path dir)
      throws Exception {
    assertTrue(
        onPath("tpm2_makecredential"),
        "tpm2-tools is not installed (bin/test installs the Debian package tpm2-tools)");
    try (Swtpm swtpm = Swtpm.start();
        TpmConnection c = swtpm.connect();
        HandleScope scope = c.scope()) {
      Keys k = createKeys(scope, c, ekType, null);
      byte[] secret = new byte[32];
      RNG.nextBytes(secret);
      Path ekPub =
          Files.write(dir.resolve("ek.pub"), new TPM2B_PUBLIC(k.ek().outPublic()).toBytes());
      Path secretFile = Files.write(dir.resolve("secret.bin"), secret);
      Path out = dir.resolve("mkcred.out");
      run(
          null,
          "tpm2_makecredential",
          "-T",
          "none",
          "-u",
          ekPub.toString(),
          "-s",
          secretFile.toString(),
          "-n",
          HexFormat.of().formatHex(k.ak().name()),
          "-o",
          out.toString());
      CredentialBlob blob = CredentialBlob.fromTpm2ToolsFormat(Files.readAllBytes(out));
      byte[] recovered =
          scope.activateCredential(k.ak(), k.ek(), blob.credential(), blob.encryptedSecret(), null);
      assertThat(recovered).isEqualTo(secret);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa", "ecc"})
  void ourOutputActivatesThroughTpm2Activatecredential(String ekType, @TempDir Path dir)
      throws Exception {
    assertTrue(
        onPath("tpm2_activatecredential"),
        "tpm2-tools is not installed (bin/test installs the Debian package tpm2-tools)");
    int ekHandle = 0x81010001;
    int akHandle = 0x81000002;
    byte[] secret = new byte[32];
    RNG.nextBytes(secret);
    try (Swtpm swtpm = Swtpm.start()) {
      CredentialBlob blob;
      try (TpmConnection c = swtpm.connect();
          HandleScope scope = c.scope()) {
        Keys k = createKeys(scope, c, ekType, null);
        blob = MakeCredential.make(ours(k.ek().outPublic()), k.ak().name(), secret, RNG);
        TPM_HANDLE owner = Hierarchy.OWNER.withPassword(null);
        c.tpm().EvictControl(owner, k.ek().handle(), new TPM_HANDLE(ekHandle));
        c.tpm().EvictControl(owner, k.ak().handle(), new TPM_HANDLE(akHandle));
      } // transient copies flushed; swtpm's single data connection released for tpm2-tools
      Path cred = Files.write(dir.resolve("cred.out"), blob.toTpm2ToolsFormat());
      Path session = dir.resolve("session.ctx");
      Path recovered = dir.resolve("recovered.bin");
      String tcti = swtpm.tpm2ToolsTcti();
      run(tcti, "tpm2_startauthsession", "--policy-session", "-S", session.toString());
      run(tcti, "tpm2_policysecret", "-S", session.toString(), "-c", "e");
      run(
          tcti,
          "tpm2_activatecredential",
          "-c",
          hex(akHandle),
          "-p",
          new String(AK_PW, StandardCharsets.UTF_8),
          "-C",
          hex(ekHandle),
          "-P",
          "session:" + session,
          "-i",
          cred.toString(),
          "-o",
          recovered.toString());
      run(tcti, "tpm2_flushcontext", session.toString());
      assertThat(Files.readAllBytes(recovered)).isEqualTo(secret);

      try (TpmConnection c = swtpm.connect()) {
        assertThat(c.transientHandles()).isEmpty();
        assertThat(c.sessionHandles()).isEmpty();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"rsa"})
  void wrongEndorsementPasswordFailsActivationWithoutLeaking(String ekType) throws Exception {
    byte[] endorsementPw = "right".getBytes(StandardCharsets.UTF_8);
    try (Swtpm swtpm = Swtpm.start();
        TpmConnection c = swtpm.connect()) {
      c.tpm().HierarchyChangeAuth(Hierarchy.ENDORSEMENT.withPassword(null), endorsementPw);
      try (HandleScope scope = c.scope()) {
        Keys k = createKeys(scope, c, ekType, endorsementPw);
        CredentialBlob blob =
            MakeCredential.make(ours(k.ek().outPublic()), k.ak().name(), new byte[32], RNG);
        TpmCommandException e =
            org.assertj.core.api.Assertions.catchThrowableOfType(
                TpmCommandException.class,
                () ->
                    scope.activateCredential(
                        k.ak(),
                        k.ek(),
                        blob.credential(),
                        blob.encryptedSecret(),
                        "wrong".getBytes(StandardCharsets.UTF_8)));
        assertThat(e.is(ResponseCode.BAD_AUTH) || e.is(ResponseCode.AUTH_FAIL)).isTrue();
        assertThat(e.getMessage())
            .contains("on PolicySecret(endorsement): wrong " + "endorsement_hierarchy_password?");
        assertThat(c.sessionHandles()).isEmpty();
      }
      assertThat(c.transientHandles()).isEmpty();
    }
  }

  private static String hex(int handle) {
    return String.format("0x%08x", handle);
  }

  private static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  private static void run(String tcti, String... cmd) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(cmd));
    if (tcti != null) {
      command.add(1, "-T");
      command.add(2, tcti);
    }
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Process p = pb.start();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(cmd[0] + " timed out");
    }
    assertThat(p.exitValue())
        .as("%s: %s", String.join(" ", command), new String(output, StandardCharsets.UTF_8))
        .isZero();
  }
}
