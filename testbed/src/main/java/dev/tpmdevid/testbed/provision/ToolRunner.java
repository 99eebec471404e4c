package dev.tpmdevid.testbed.provision;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs command-line tools (tpm2-tools, openssl) in a working directory; failures carry the tool's
 * stderr.
 */
final class ToolRunner {

  private static final long TIMEOUT_SECONDS = 60;

  private final Path workDir;
  private final Map<String, String> environment;
  private final Set<String> secrets;

  /** {@code secrets} are masked wherever they appear in an error message's command line. */
  ToolRunner(Path workDir, Map<String, String> environment, Set<String> secrets) {
    this.workDir = workDir;
    this.environment = Map.copyOf(environment);
    this.secrets = Set.copyOf(secrets);
  }

  /**
   * Runs {@code command}; returns its stdout. Throws {@link ToolException} on a non-zero exit or
   * timeout.
   */
  String run(List<String> command) {
    Path out = workDir.resolve(".tool.out");
    Path err = workDir.resolve(".tool.err");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    pb.environment().putAll(environment);
    try {
      Process p = pb.start();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new ToolException(masked(command), -1, "timed out after " + TIMEOUT_SECONDS + " s");
      }
      String stderr = Files.readString(err, StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0) {
        throw new ToolException(masked(command), p.exitValue(), stderr);
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ToolException(masked(command), -1, "cannot run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ToolException(masked(command), -1, "interrupted");
    }
  }

  Path workDir() {
    return workDir;
  }

  private List<String> masked(List<String> command) {
    return command.stream()
        .map(
            arg -> {
              String m = arg;
              for (String secret : secrets) {
                if (!secret.isEmpty()) {
                  m = m.replace(secret, "***");
                }
              }
              return m;
            })
        .toList();
  }

  /** A tool that failed: the command line (secrets masked), exit status and stderr. */
  static final class ToolException extends RuntimeException {
    ToolException(List<String> command, int exit, String stderr) {
      super(String.join(" ", command) + " failed (exit " + exit + "): " + stderr);
    }
  }
}
