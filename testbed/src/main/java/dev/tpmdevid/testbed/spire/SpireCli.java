package dev.tpmdevid.testbed.spire;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of a SPIRE command-line subcommand ({@code spire-server entry create ...}), output
 * captured.
 */
public final class SpireCli {
  private static final long TIMEOUT_SECONDS = 120;

  private SpireCli() {}

  /** Exit status, stdout and stderr of one command. */
  public record Result(List<String> command, int exit, String stdout, String stderr) {
    /** This result, or an exception naming the command and its output if it did not exit with 0. */
    public Result requireSuccess() {
      if (exit != 0) {
        throw new IllegalStateException(this.toString());
      }
      return this;
    }

    @Override
    public String toString() {
      return String.join(" ", command)
          + " exited with "
          + exit
          + "\nstdout:\n"
          + stdout
          + "\nstderr:\n"
          + stderr;
    }
  }

  /** Runs {@code binary args...} with its output in temp files below {@code scratch}. */
  static Result run(Path binary, Path scratch, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(args);
    try {
      Path out = Files.createTempFile(scratch, "cli", ".out");
      Path err = Files.createTempFile(scratch, "cli", ".err");
      try {
        Process p =
            new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
          throw new IllegalStateException(
              String.join(" ", cmd) + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        return new Result(
            List.copyOf(cmd),
            p.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
