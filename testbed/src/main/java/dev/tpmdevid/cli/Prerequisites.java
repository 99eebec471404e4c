package dev.tpmdevid.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Makes sure the demo's external programs are installed (swtpm), installing them when root. */
final class Prerequisites {
  static final List<String> PACKAGES = List.of("swtpm", "swtpm-tools");

  private Prerequisites() {}

  static void ensureSwtpm(DemoReport report) {
    // The demo runs `swtpm socket` itself; swtpm-tools (swtpm_setup) comes along for manual use.
    if (onPath("swtpm")) {
      return;
    }
    String cmd = "apt-get install -y " + String.join(" ", PACKAGES);
    if (!isRoot()) {
      throw new IllegalStateException(
          "the software TPM is not installed; install it with: sudo " + cmd);
    }
    report.note("swtpm is not installed; running: " + cmd);
    if (!runQuietly(List.of("apt-get", "install", "-y", "-q", "swtpm", "swtpm-tools"))) {
      runQuietly(List.of("apt-get", "update", "-q"));
      if (!runQuietly(List.of("apt-get", "install", "-y", "-q", "swtpm", "swtpm-tools"))) {
        throw new IllegalStateException("could not install swtpm; run: " + cmd);
      }
    }
    if (!onPath("swtpm")) {
      throw new IllegalStateException("swtpm is still missing after: " + cmd);
    }
  }

  static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isRoot() {
    try {
      Process p = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String uid = new String(p.getInputStream().readAllBytes()).strip();
      return p.waitFor() == 0 && uid.equals("0");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean runQuietly(List<String> command) {
    try {
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
      Process p = pb.start();
      p.getOutputStream().close();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
