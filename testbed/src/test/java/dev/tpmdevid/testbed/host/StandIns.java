package dev.tpmdevid.testbed.host;

import java.nio.file.Path;
import java.util.List;

/** Command lines that launch {@link StandInPlugin} in a fresh JVM with the test class path. */
final class StandIns {
  private StandIns() {}

  static List<String> command(String mode) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(
        java,
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xshare:auto",
        "-cp",
        System.getProperty("java.class.path"),
        StandInPlugin.class.getName(),
        mode);
  }
}
