package dev.tpmdevid.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Base of the step-by-step, inspect, conformance and provision commands: runs {@link #run()} and
 * turns every failure into exit code 1 and one line on stderr ({@code tpm-devid <command>: why}),
 * never a stack trace.
 */
abstract class ToolCommand implements Callable<Integer> {

  /** A failure to report as one line; the message must not contain secrets. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message, null, false, false);
    }
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The command's work; returns the exit code (0 on success). */
  abstract int run() throws Exception;

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (Failure e) {
      return fail(e.getMessage());
    } catch (java.nio.file.NoSuchFileException e) {
      return fail("no such file: " + e.getFile());
    } catch (java.nio.file.AccessDeniedException e) {
      return fail("permission denied: " + e.getFile());
    } catch (java.io.IOException e) {
      return fail("I/O error: " + e.getMessage());
    } catch (Exception e) {
      return fail(
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
  }

  int fail(String message) {
    String line = message == null ? "failed" : message.replace('\n', ' ').strip();
    err().println("tpm-devid " + commandPath() + ": " + line);
    err().flush();
    return 1;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  private String commandPath() {
    String q = spec.qualifiedName(" ");
    return q.startsWith("tpm-devid ") ? q.substring("tpm-devid ".length()) : q;
  }
}
