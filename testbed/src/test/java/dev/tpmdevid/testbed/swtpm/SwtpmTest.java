package dev.tpmdevid.testbed.swtpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.device.TssStructures;
import dev.tpmdevid.core.tpm.Templates;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Live: the swtpm fixture itself (each test its own swtpm). */
class SwtpmTest {

  @BeforeAll
  static void swtpmInstalled() {
    assertTrue(
        Swtpm.isInstalled(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
  }

  @Test
  void tcpInstanceAnswersGetRandomAndCleansUp() throws Exception {
    Path base;
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.TCP);
        TpmConnection tpm = TpmConnection.open(swtpm.tcpAddress())) {
      assertThat(swtpm.tcpAddress()).isEqualTo("tcp://127.0.0.1:" + swtpm.port());
      assertThat(swtpm.tpm2ToolsTcti()).isEqualTo("swtpm:host=127.0.0.1,port=" + swtpm.port());
      assertThat(swtpm.devicePath()).isEqualTo(swtpm.tcpAddress());
      assertThat(tpm.tpm().GetRandom(16)).hasSize(16);
      assertThat(tpm.manufacturer()).isEqualTo("IBM");
      base = swtpm.stateDir().getParent();
      assertThat(swtpm.isRunning()).isTrue();
    }
    assertThat(base).doesNotExist();
  }

  @Test
  void unixInstanceAnswersGetRandom() throws Exception {
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.UNIX);
        TpmConnection tpm = TpmConnection.open(swtpm.unixSocketPath().toString())) {
      assertThat(swtpm.devicePath()).isEqualTo(swtpm.unixSocketPath().toString());
      assertThat(tpm.tpm().GetRandom(32)).hasSize(32);
      assertThatThrownBy(swtpm::tpm2ToolsTcti)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("only TCP");
      assertThatThrownBy(swtpm::tcpAddress).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void dataChannelIsUsableAsSoonAsStartReturns() throws Exception {
    // start() waits for a ctrl-channel answer, which swtpm gives only after its data socket is set
    // up
    for (int i = 0; i < 8; i++) {
      for (Swtpm.Transport t : Swtpm.Transport.values()) {
        try (Swtpm swtpm = Swtpm.start(t);
            TpmConnection tpm = swtpm.connect()) {
          assertThat(tpm.tpm().GetRandom(4)).hasSize(4);
        }
      }
    }
  }

  @Test
  void closeStopsTheProcessAndFreesThePorts() throws Exception {
    Swtpm swtpm = Swtpm.start();
    long pid = swtpm.pid();
    int port = swtpm.port();
    swtpm.close();
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(swtpm.isRunning()).isFalse();
    try (Socket s = new Socket()) {
      assertThatThrownBy(() -> s.connect(new InetSocketAddress("127.0.0.1", port + 1), 500))
          .isInstanceOf(IOException.class);
    }
    swtpm.close(); // idempotent
  }

  @Test
  void startFromCopyKeepsTheTpmIdentity() throws Exception {
    Path copySource = Files.createTempDirectory("swtpm-src");
    try {
      byte[] ekName;
      try (Swtpm first = Swtpm.start()) {
        ekName = srkName(first);
        first.stop(); // SIGTERM: swtpm writes its state
        for (Path f : Files.list(first.stateDir()).toList()) {
          Files.copy(f, copySource.resolve(f.getFileName()));
        }
      }
      try (Swtpm second = Swtpm.startFromCopy(copySource, Swtpm.Transport.UNIX)) {
        assertThat(srkName(second)).isEqualTo(ekName);
      }
      try (Swtpm fresh = Swtpm.start()) {
        assertThat(srkName(fresh)).isNotEqualTo(ekName);
      }
    } finally {
      for (Path f : Files.list(copySource).toList()) {
        Files.delete(f);
      }
      Files.delete(copySource);
    }
  }

  @Test
  void startFromMissingCopyFails() {
    assertThatThrownBy(
            () -> Swtpm.startFromCopy(Path.of("/nonexistent/state"), Swtpm.Transport.TCP))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("/nonexistent/state");
  }

  /** Name of a primary ECC key in the owner hierarchy: a function of the owner seed only. */
  private static byte[] srkName(Swtpm swtpm) {
    try (TpmConnection c = swtpm.connect();
        var scope = c.scope()) {
      return scope
          .createPrimary(
              dev.tpmdevid.core.device.Hierarchy.OWNER.withPassword(null),
              TssStructures.publicArea(Templates.SRK_ECC),
              null)
          .name();
    }
  }
}
