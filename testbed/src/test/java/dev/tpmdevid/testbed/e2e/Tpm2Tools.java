package dev.tpmdevid.testbed.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs tpm2-tools commands in one directory against one swtpm (TCTI {@code
 * swtpm:host=...,port=...}).
 */
final class Tpm2Tools {
  private final Path dir;
  private final String tcti;

  Tpm2Tools(Path dir, int swtpmPort) {
    this.dir = dir;
    this.tcti = "swtpm:host=127.0.0.1,port=" + swtpmPort;
  }

  /** Runs {@code args}; returns stdout; throws with stderr on a non-zero exit. */
  String run(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().put("TPM2TOOLS_TCTI", tcti);
    pb.redirectError(dir.resolve("tools.err").toFile());
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + ": timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          String.join(" ", cmd)
              + " exited "
              + p.exitValue()
              + ": "
              + java.nio.file.Files.readString(dir.resolve("tools.err")).strip());
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /**
   * Runs {@code args}, then flushes every transient object: without a resource manager tpm2-tools
   * leave them loaded, and swtpm has three slots. The context files stay usable.
   */
  String runAndFlush(String... args) throws IOException {
    String out = run(args);
    run("tpm2_flushcontext", "-t");
    return out;
  }

  Path file(String name) {
    return dir.resolve(name);
  }
}
