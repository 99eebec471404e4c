package dev.tpmdevid.core.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMT_TK_HASHCHECK;
import tss.tpm.TPM_HANDLE;

/**
 * TpmConnection against a scripted transport: retry policy, error mapping, no stdout. The RETRY
 * tests need the script because swtpm cannot be made to return TPM_RC_RETRY, YIELDED or TESTING.
 */
class TpmConnectionTest {

  private final List<Long> sleeps = new ArrayList<>();

  private TpmConnection connect(ScriptedTransport t) {
    return TpmConnection.over(t, sleeps::add);
  }

  @Test
  void probeReadsManufacturer() {
    try (TpmConnection c = connect(new ScriptedTransport())) {
      assertThat(c.manufacturer()).isEqualTo("IBM");
      assertThat(c.commandCounts()).containsEntry("GetCapability", 1L);
    }
  }

  @Test
  void retryIsRetriedWithGrowingBackoffAndCountedOnce() {
    byte[] random = {1, 2, 3, 4};
    ScriptedTransport t =
        new ScriptedTransport()
            .thenRc(0x922)
            .thenRc(0x908)
            .thenRc(0x90A)
            .then(ScriptedTransport.randomResponse(random));
    try (TpmConnection c = connect(t)) {
      c.resetCommandCounts();
      assertThat(c.tpm().GetRandom(4)).containsExactly(random);
      assertThat(sleeps).containsExactly(50L, 100L, 200L);
      assertThat(c.retryCount()).isEqualTo(3);
      assertThat(c.commandCount()).isEqualTo(1);
      assertThat(c.commandCounts()).containsExactly(java.util.Map.entry("GetRandom", 1L));
      assertThat(t.sent).hasSize(5); // probe + 4 identical sends
      assertThat(t.sent.get(1)).isEqualTo(t.sent.get(4));
    }
  }

  @Test
  void retryGivesUpAfterTenTries() {
    ScriptedTransport t = new ScriptedTransport().forever(ScriptedTransport.errorResponse(0x922));
    try (TpmConnection c = connect(t)) {
      TpmCommandException e =
          catchThrowableOfType(TpmCommandException.class, () -> c.tpm().GetRandom(8));
      assertThat(e.is(ResponseCode.RETRY)).isTrue();
      assertThat(e.getMessage()).startsWith("TPM_RC_RETRY on GetRandom");
      assertThat(t.sent).hasSize(1 + TransportDevice.MAX_TRIES);
      assertThat(sleeps).containsExactly(50L, 100L, 200L, 400L, 500L, 500L, 500L, 500L, 500L);
    }
  }

  @Test
  void authFailOnSignNamesTheDevIdPassword() {
    ScriptedTransport t = new ScriptedTransport().thenRc(0x98E);
    try (TpmConnection c = connect(t)) {
      TPM_HANDLE key = new TPM_HANDLE(0x80000001);
      key.AuthValue = "hunter2".getBytes(StandardCharsets.UTF_8);
      TpmCommandException e =
          catchThrowableOfType(
              TpmCommandException.class,
              () ->
                  c.tpm()
                      .Sign(
                          key,
                          new byte[32],
                          new TPMS_NULL_SIG_SCHEME(),
                          TPMT_TK_HASHCHECK.nullTicket()));
      assertThat(e)
          .hasMessage("TPM_RC_AUTH_FAIL on Sign: wrong devid_password? (rc 0x98E, session 1)");
      assertThat(e.commandName()).isEqualTo("Sign");
      assertThat(e.rc()).isEqualTo(0x98E);
      assertThat(e.is(ResponseCode.AUTH_FAIL)).isTrue();
      assertNoSecret(e, "hunter2");
    }
  }

  @Test
  void badAuthOnCreatePrimaryNamesTheHierarchy() {
    ScriptedTransport t = new ScriptedTransport().thenRc(0x9A2);
    try (TpmConnection c = connect(t);
        HandleScope scope = c.scope()) {
      TpmCommandException e =
          catchThrowableOfType(
              TpmCommandException.class,
              () ->
                  scope.createPrimary(
                      Hierarchy.OWNER.withPassword("s3cret-owner".getBytes(StandardCharsets.UTF_8)),
                      new tss.tpm.TPMT_PUBLIC(),
                      "objpw".getBytes(StandardCharsets.UTF_8)));
      assertThat(e)
          .hasMessage(
              "TPM_RC_BAD_AUTH on CreatePrimary(owner): wrong owner_hierarchy_password? "
                  + "(rc 0x9A2, session 1)");
      assertNoSecret(e, "s3cret-owner");
      assertNoSecret(e, "objpw");
      assertThat(scope.ownedHandles()).isEmpty();
    }
  }

  @Test
  void otherMappedErrors() {
    assertThat(message(0x09F, 0x157))
        .isEqualTo(
            "TPM_RC_INTEGRITY on Load: DevID blobs were not created under this TPM's SRK (rc 0x09F)");
    assertThat(message(0x902, 0x153))
        .startsWith("TPM_RC_OBJECT_MEMORY on Create: no free transient object");
    assertThat(message(0x903, 0x176))
        .startsWith("TPM_RC_SESSION_MEMORY on StartAuthSession: no free session");
    assertThat(message(0x2C4, 0x153)).isEqualTo("TPM_RC_VALUE on Create (rc 0x2C4, parameter 2)");
    assertThat(message(0xA8E, 0x148))
        .isEqualTo("TPM_RC_AUTH_FAIL on Certify: wrong AK password? (rc 0xA8E, session 2)");
    assertThat(message(0x9A2, 0x151, 0x4000000B))
        .isEqualTo(
            "TPM_RC_BAD_AUTH on PolicySecret(endorsement): wrong endorsement_hierarchy_password? "
                + "(rc 0x9A2, session 1)");
    assertThat(message(0x12345, 0x1FFF)).startsWith("TPM_RC 0x");
  }

  private static String message(int rc, int cc, int... handles) {
    byte[] cmd = new byte[10 + 4 * Math.max(2, handles.length)];
    Frames.putU32(cmd, 6, cc);
    for (int i = 0; i < handles.length; i++) {
      Frames.putU32(cmd, 10 + 4 * i, handles[i]);
    }
    return TpmErrors.message(cmd, ResponseCode.decode(rc));
  }

  @Test
  void tssNeverPrintsOnStdout() {
    ScriptedTransport t =
        new ScriptedTransport()
            .thenRc(0x98E)
            .thenRc(0x902)
            .thenRc(0x101)
            .forever(ScriptedTransport.errorResponse(0x922));
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (TpmConnection c = connect(t)) {
      for (int i = 0; i < 4; i++) {
        assertThatThrownBy(() -> c.tpm().GetRandom(8)).isInstanceOf(TpmCommandException.class);
      }
      // TSS.Java's own _allowErrors path must not print either
      assertThatThrownBy(() -> c.tpm()._allowErrors().GetRandom(8))
          .isInstanceOf(TpmCommandException.class);
    } finally {
      System.setOut(original);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void allowErrorsKeepsTssSemanticsWithoutPrinting() {
    byte[] random = {9, 8, 7, 6};
    ScriptedTransport t =
        new ScriptedTransport()
            .thenRc(0x98E)
            .thenRc(0x18B)
            .thenRc(0x9A2)
            .then(ScriptedTransport.randomResponse(random))
            .thenRc(0x98E);
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (TpmConnection c = connect(t)) {
      // _allowErrors: returns, the code is readable afterwards
      c.tpm()._allowErrors().GetRandom(4);
      assertThat(c.tpm()._getLastResponseCode().toInt()).isEqualTo(ResponseCode.AUTH_FAIL);
      // _expectError with the code that comes: returns
      c.tpm()._expectError(tss.tpm.TPM_RC.HANDLE).GetRandom(4);
      // _expectError with another code: TSS.Java's own exception, and the marker does not stick
      assertThatThrownBy(() -> c.tpm()._expectError(tss.tpm.TPM_RC.HANDLE).GetRandom(4))
          .isInstanceOf(tss.TpmException.class)
          .isNotInstanceOf(TpmCommandException.class);
      assertThat(c.tpm().GetRandom(4)).containsExactly(random);
      // markers apply to one command only
      assertThatThrownBy(() -> c.tpm().GetRandom(4)).isInstanceOf(TpmCommandException.class);
    } finally {
      System.setOut(original);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void ioFailureBecomesDeviceException() {
    ScriptedTransport t = new ScriptedTransport(); // script exhausted after the probe
    try (TpmConnection c = connect(t)) {
      assertThatThrownBy(() -> c.tpm().GetRandom(8))
          .isInstanceOf(TpmDeviceException.class)
          .hasMessage("GetRandom failed: script exhausted");
    }
    assertThat(t.closed).isTrue();
  }

  @Test
  void failedProbeMeansNotATpm2() {
    ScriptedTransport notTpm2 =
        new ScriptedTransport() {
          @Override
          public byte[] transceive(byte[] command) {
            return new byte[] {0, (byte) 0xC4, 0, 0, 0, 10, 0, 0, 0, 0x1E}; // TPM 1.2 TPM_BADTAG
          }
        };
    assertThatThrownBy(() -> connect(notTpm2))
        .isInstanceOf(TpmDeviceException.class)
        .hasMessageContaining("scripted: device is not a TPM 2.0");
    assertThat(notTpm2.closed).isTrue();
    ScriptedTransport garbage =
        new ScriptedTransport() {
          @Override
          public byte[] transceive(byte[] command) throws java.io.IOException {
            Frames.checkResponseHeader(
                new byte[] {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' ', '4'}, "scripted");
            return null;
          }
        };
    assertThatThrownBy(() -> connect(garbage))
        .isInstanceOf(TpmDeviceException.class)
        .hasMessageContaining("unknown tag");
  }

  @Test
  void openNamesMissingOrWrongPaths(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> TpmConnection.open(dir.resolve("tpmrm9").toString()))
        .isInstanceOf(TpmDeviceException.class)
        .hasMessage("TPM device " + dir.resolve("tpmrm9") + " does not exist");
    Path regular = Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> TpmConnection.open(regular.toString()))
        .isInstanceOf(TpmDeviceException.class)
        .hasMessageContaining("is neither a character device nor a unix socket");
    assertThatThrownBy(() -> TpmConnection.open("tcp://127.0.0.1"))
        .isInstanceOf(TpmDeviceException.class)
        .hasMessageContaining("expected tcp://host:port");
    assertThatThrownBy(() -> TpmConnection.open("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void characterDevicesThatAreNotTpmsFailTheProbe() {
    assertThatThrownBy(() -> TpmConnection.open("/dev/null"))
        .isInstanceOf(TpmDeviceException.class)
        .hasMessage(
            "/dev/null: device is not a TPM 2.0 (GetCapability failed: TPM device /dev/null "
                + "returned no response)");
    assertThatThrownBy(() -> TpmConnection.open("/dev/zero"))
        .isInstanceOf(TpmDeviceException.class)
        .hasMessageStartingWith("/dev/zero: device is not a TPM 2.0 (")
        .hasMessageContaining("unknown tag 0x0000");
  }

  @Test
  void autodetectPrefersTpmrm(@TempDir Path dir) throws Exception {
    Files.createFile(dir.resolve("tpm0"));
    Files.createFile(dir.resolve("tpmrm0"));
    Files.createFile(dir.resolve("null"));
    assertThat(TpmConnection.detectDevice(dir)).isEqualTo(dir.resolve("tpmrm0"));
  }

  @Test
  void autodetectFallsBackToTpm(@TempDir Path dir) throws Exception {
    Files.createFile(dir.resolve("tpm0"));
    Files.createFile(dir.resolve("tty1"));
    assertThat(TpmConnection.detectDevice(dir)).isEqualTo(dir.resolve("tpm0"));
  }

  @Test
  void autodetectRegexIsNotAnchoredAtTheStart(@TempDir Path dir) throws Exception {
    Files.createFile(dir.resolve("xtpm3"));
    assertThat(TpmConnection.detectDevice(dir)).isEqualTo(dir.resolve("xtpm3"));
  }

  @Test
  void autodetectRejectsAmbiguity(@TempDir Path dir) throws Exception {
    Files.createFile(dir.resolve("tpmrm0"));
    Files.createFile(dir.resolve("tpmrm1"));
    assertThatThrownBy(() -> TpmConnection.detectDevice(dir))
        .isInstanceOf(TpmDeviceException.class)
        .hasMessageContaining("more than one possible TPM device was found");
  }

  @Test
  void autodetectNotFound(@TempDir Path dir) throws Exception {
    Files.createFile(dir.resolve("tpm"));
    Files.createFile(dir.resolve("tpm0x"));
    assertThatThrownBy(() -> TpmConnection.detectDevice(dir))
        .isInstanceOf(TpmDeviceException.class)
        .hasMessageContaining("tpm autodetection failed: not found");
  }

  private static void assertNoSecret(Throwable e, String secret) {
    String all = e.toString() + String.valueOf(e.getCause());
    assertThat(all)
        .doesNotContain(secret)
        .doesNotContainIgnoringCase(
            HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8)));
  }
}
