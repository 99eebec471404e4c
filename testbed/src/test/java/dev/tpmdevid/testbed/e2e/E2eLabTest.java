package dev.tpmdevid.testbed.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * Lifecycle shared by the end-to-end test classes: both plugin processes are loaded once per class
 * (through the SPIRE-like host), and every test's swtpm is stopped after the test.
 */
abstract class E2eLabTest {
  static E2eLab lab;

  @BeforeAll
  static void loadPlugins() throws Exception {
    lab = E2eLab.start();
  }

  @AfterAll
  static void unloadPlugins() {
    if (lab != null) {
      lab.close();
      lab = null;
    }
  }

  @AfterEach
  void stopTpm() {
    lab.stopTpms();
  }
}
