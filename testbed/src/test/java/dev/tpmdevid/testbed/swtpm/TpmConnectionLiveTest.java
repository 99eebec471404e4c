package dev.tpmdevid.testbed.swtpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tpmdevid.core.device.HandleScope;
import dev.tpmdevid.core.device.Hierarchy;
import dev.tpmdevid.core.device.ResponseCode;
import dev.tpmdevid.core.device.TpmCommandException;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.device.TpmDeviceException;
import dev.tpmdevid.core.device.TpmObject;
import dev.tpmdevid.core.device.TssStructures;
import dev.tpmdevid.core.tpm.Templates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPM_HANDLE;

/** Live: TpmConnection, errors and handle hygiene against swtpm. Every test has its own swtpm. */
class TpmConnectionLiveTest {

  private static final byte[] OWNER_PW = "owner-secret-1".getBytes(StandardCharsets.UTF_8);

  @BeforeAll
  static void swtpmInstalled() {
    assertTrue(
        Swtpm.isInstalled(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
  }

  @Test
  void getRandomOverTcp() throws Exception {
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.TCP);
        TpmConnection c = TpmConnection.open(swtpm.tcpAddress())) {
      byte[] a = c.tpm().GetRandom(32);
      byte[] b = c.tpm().GetRandom(32);
      assertThat(a).hasSize(32).isNotEqualTo(b);
      assertThat(c.description()).isEqualTo(swtpm.tcpAddress());
    }
  }

  @Test
  void getRandomOverUnixSocket() throws Exception {
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.UNIX);
        TpmConnection c = TpmConnection.open(swtpm.unixSocketPath().toString())) {
      assertThat(c.tpm().GetRandom(32)).hasSize(32);
      assertThat(c.description()).isEqualTo(swtpm.unixSocketPath().toString());
    }
  }

  @Test
  void unixSocketConnectionPerCommandLeavesTheTpmToOtherClients() throws Exception {
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.UNIX);
        TpmConnection first = TpmConnection.open(swtpm.unixSocketPath().toString());
        TpmConnection second = TpmConnection.open(swtpm.unixSocketPath().toString())) {
      for (int i = 0; i < 5; i++) {
        assertThat(first.tpm().GetRandom(8)).hasSize(8);
        assertThat(second.tpm().GetRandom(8)).hasSize(8);
      }
    }
  }

  @Test
  void getRandomOverCharacterDevice() {
    Path dev = Path.of("/dev/tpmrm0");
    assumeTrue(Files.exists(dev), "no /dev/tpmrm0 on this machine (no hardware TPM or vTPM)");
    assumeTrue(
        Files.isReadable(dev) && Files.isWritable(dev),
        "/dev/tpmrm0 is not accessible to this user");
    try (TpmConnection c = TpmConnection.open(dev.toString())) {
      assertThat(c.tpm().GetRandom(16)).hasSize(16);
    }
  }

  @Test
  void stoppedSwtpmGivesAClearErrorAndNoHang() throws Exception {
    Swtpm tcp = Swtpm.start(Swtpm.Transport.TCP);
    String address = tcp.tcpAddress();
    tcp.close();
    assertTimeoutPreemptively(
        Duration.ofSeconds(15),
        () ->
            assertThatThrownBy(() -> TpmConnection.open(address))
                .isInstanceOf(TpmDeviceException.class)
                .hasMessageContaining("cannot connect to TPM at " + address));

    try (Swtpm unix = Swtpm.start(Swtpm.Transport.UNIX)) {
      String path = unix.unixSocketPath().toString();
      unix.stop();
      assertTimeoutPreemptively(
          Duration.ofSeconds(15),
          () ->
              assertThatThrownBy(() -> TpmConnection.open(path))
                  .isInstanceOf(TpmDeviceException.class)
                  .hasMessageContaining(path));
    }
  }

  @Test
  void swtpmDyingMidSessionGivesAClearError() throws Exception {
    for (Swtpm.Transport t : Swtpm.Transport.values()) {
      try (Swtpm swtpm = Swtpm.start(t);
          TpmConnection c = TpmConnection.open(swtpm.devicePath())) {
        c.tpm().GetRandom(8);
        swtpm.stop();
        assertTimeoutPreemptively(
            Duration.ofSeconds(15),
            () ->
                assertThatThrownBy(() -> c.tpm().GetRandom(8))
                    .isInstanceOf(TpmDeviceException.class)
                    .hasMessageStartingWith("GetRandom failed: ")
                    .hasMessageContaining(swtpm.devicePath()));
      }
    }
  }

  @Test
  void busyDataChannelTimesOutInsteadOfHanging() throws Exception {
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.TCP);
        Socket squatter = new Socket("127.0.0.1", swtpm.port())) {
      // swtpm serves one data client at a time: our connect succeeds (backlog) but nobody answers
      assertThat(squatter.isConnected()).isTrue();
      assertTimeoutPreemptively(
          Duration.ofSeconds(15),
          () ->
              assertThatThrownBy(
                      () -> TpmConnection.open(swtpm.tcpAddress(), Duration.ofSeconds(1)))
                  .isInstanceOf(TpmDeviceException.class)
                  .hasMessageContaining("no response from TPM at " + swtpm.tcpAddress()));
    }
  }

  @Test
  void wrongOwnerPasswordIsReportedReadably() throws Exception {
    try (Swtpm swtpm = Swtpm.start();
        TpmConnection c = TpmConnection.open(swtpm.tcpAddress())) {
      c.tpm().HierarchyChangeAuth(Hierarchy.OWNER.withPassword(null), OWNER_PW);
      try (HandleScope scope = c.scope()) {
        TpmCommandException e =
            catchThrowableOfType(
                TpmCommandException.class,
                () ->
                    scope.createPrimary(
                        Hierarchy.OWNER.withPassword("wrong".getBytes(StandardCharsets.UTF_8)),
                        TssStructures.publicArea(Templates.SRK_ECC),
                        null));
        assertThat(e.is(ResponseCode.BAD_AUTH) || e.is(ResponseCode.AUTH_FAIL)).isTrue();
        assertThat(e.getMessage())
            .matches(
                "TPM_RC_(BAD_AUTH|AUTH_FAIL) on CreatePrimary\\(owner\\): "
                    + "wrong owner_hierarchy_password\\? \\(rc 0x9.., session 1\\)");
        assertThat(e.getMessage()).doesNotContain("owner-secret-1").doesNotContain("wrong\"");
        TpmObject ok =
            scope.createPrimary(
                Hierarchy.OWNER.withPassword(OWNER_PW),
                TssStructures.publicArea(Templates.SRK_ECC),
                null);
        assertThat(c.transientHandles()).containsExactly(ok.handleValue());
      }
      assertThat(c.transientHandles()).isEmpty();
    }
  }

  @Test
  void wrongEndorsementPasswordOnPolicySecret() throws Exception {
    try (Swtpm swtpm = Swtpm.start();
        TpmConnection c = TpmConnection.open(swtpm.tcpAddress())) {
      c.tpm()
          .HierarchyChangeAuth(
              Hierarchy.ENDORSEMENT.withPassword(null),
              "endorsement-pw".getBytes(StandardCharsets.UTF_8));
      try (HandleScope scope = c.scope()) {
        TpmCommandException e =
            catchThrowableOfType(
                TpmCommandException.class, () -> scope.endorsementPolicySession(new byte[0]));
        assertThat(e.getMessage())
            .startsWith("TPM_RC_")
            .contains(" on PolicySecret(endorsement): " + "wrong endorsement_hierarchy_password?");
        assertThat(scope.ownedHandles())
            .isEmpty(); // the session was flushed when PolicySecret failed
        assertThat(c.sessionHandles()).isEmpty();
      }
      assertThat(c.sessionHandles()).isEmpty();
    }
  }

  @Test
  void tpmErrorsPrintNothingOnStdout() throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (Swtpm swtpm = Swtpm.start();
        TpmConnection c = TpmConnection.open(swtpm.tcpAddress())) {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      assertThatThrownBy(() -> c.tpm().FlushContext(new TPM_HANDLE(0x80FFFFFF)))
          .isInstanceOf(TpmCommandException.class);
      assertThatThrownBy(() -> c.tpm().ReadPublic(new TPM_HANDLE(0x80000000)))
          .isInstanceOf(TpmCommandException.class);
      assertThatThrownBy(() -> c.tpm().NV_ReadPublic(new TPM_HANDLE(0x01c00002)))
          .isInstanceOf(TpmCommandException.class);
      // TSS.Java's own "may fail" idiom (docs/tpm-access.md#tss-java-calls) still works, also
      // silently
      c.tpm()._allowErrors().NV_ReadPublic(new TPM_HANDLE(0x01c00002));
      assertThat(c.tpm()._lastCommandSucceeded()).isFalse();
      assertThat(c.tpm().GetRandom(4)).hasSize(4);
    } finally {
      System.setOut(original);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void scopeFlushesObjectsAndSessionsOnSuccess() throws Exception {
    try (Swtpm swtpm = Swtpm.start();
        TpmConnection c = TpmConnection.open(swtpm.tcpAddress())) {
      try (HandleScope scope = c.scope()) {
        TpmObject parent =
            scope.createPrimary(
                Hierarchy.OWNER.withPassword(null),
                TssStructures.publicArea(Templates.SRK_ECC),
                "parent-pw".getBytes(StandardCharsets.UTF_8));
        var child =
            c.tpm()
                .Create(
                    parent.handle(),
                    new tss.tpm.TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
                    TssStructures.publicArea(Templates.DEVID_ECC),
                    new byte[0],
                    new tss.tpm.TPMS_PCR_SELECTION[0]);
        TpmObject loaded = scope.load(parent, child.outPrivate, child.outPublic, null);
        scope.flush(parent);
        scope.startPolicySession();
        assertThat(loaded.name()).isEqualTo(child.outPublic.getName());
        assertThat(loaded.name()).isEqualTo(c.tpm().ReadPublic(loaded.handle()).name);
        assertThat(c.transientHandles()).containsExactly(loaded.handleValue());
        assertThat(c.sessionHandles()).hasSize(1);
      }
      assertThat(c.transientHandles()).isEmpty();
      assertThat(c.sessionHandles()).isEmpty();
    }
  }

  @Test
  void scopeFlushesEverythingWhenACommandInsideFails() throws Exception {
    try (Swtpm swtpm = Swtpm.start();
        TpmConnection c = TpmConnection.open(swtpm.tcpAddress())) {
      TpmCommandException e =
          catchThrowableOfType(
              TpmCommandException.class,
              () -> {
                try (HandleScope scope = c.scope()) {
                  TpmObject parent =
                      scope.createPrimary(
                          Hierarchy.OWNER.withPassword(null),
                          TssStructures.publicArea(Templates.SRK_ECC),
                          null);
                  scope.startPolicySession();
                  byte[] garbage = new byte[48];
                  garbage[1] = 32;
                  scope.load(
                      parent,
                      new TPM2B_PRIVATE(garbage),
                      TssStructures.publicArea(Templates.DEVID_ECC),
                      null);
                }
              });
      assertThat(e.commandName()).isEqualTo("Load");
      assertThat(c.transientHandles()).isEmpty();
      assertThat(c.sessionHandles()).isEmpty();
    }
  }

  @Test
  void objectMemoryIsNamedAndScopeStillCleansUp() throws Exception {
    try (Swtpm swtpm = Swtpm.start();
        TpmConnection c = TpmConnection.open(swtpm.tcpAddress())) {
      TpmCommandException e =
          catchThrowableOfType(
              TpmCommandException.class,
              () -> {
                try (HandleScope scope = c.scope()) {
                  for (int i = 0; i < 4; i++) {
                    scope.createPrimary(
                        Hierarchy.OWNER.withPassword(null),
                        TssStructures.publicArea(Templates.SRK_ECC),
                        new byte[] {(byte) i});
                  }
                }
              });
      assertThat(e.is(ResponseCode.OBJECT_MEMORY)).isTrue();
      assertThat(e.getMessage())
          .startsWith("TPM_RC_OBJECT_MEMORY on CreatePrimary(owner): no free transient");
      assertThat(c.transientHandles()).isEmpty();
    }
  }

  @Test
  void commandsAreCounted() throws Exception {
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.UNIX);
        TpmConnection c = TpmConnection.open(swtpm.devicePath())) {
      assertThat(c.commandCounts()).containsEntry("GetCapability", 1L); // the open probe
      c.resetCommandCounts();
      try (HandleScope scope = c.scope()) {
        scope.createPrimary(
            Hierarchy.OWNER.withPassword(null), TssStructures.publicArea(Templates.SRK_ECC), null);
        c.tpm().GetRandom(4);
        c.tpm().GetRandom(4);
      }
      assertThat(c.commandCount()).isEqualTo(4);
      assertThat(c.commandCounts())
          .containsEntry("CreatePrimary", 1L)
          .containsEntry("GetRandom", 2L)
          .containsEntry("FlushContext", 1L);
      assertThat(c.retryCount()).isZero();
    }
  }
}
