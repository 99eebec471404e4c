package dev.tpmdevid.testbed.spire;

import dev.tpmdevid.testbed.Processes;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One {@code spire-server run} or {@code spire-agent run} process, its output (stdout and stderr:
 * SPIRE logs to both) appended to a log file that outlives the process. {@link #stop()} ends it by
 * process id: SIGTERM (SPIRE then unloads its plugins), SIGKILL after a grace period, and then any
 * of its descendants (plugin processes) still alive, also by process id. A JVM shutdown hook does
 * the same for processes a test failed to stop.
 */
public final class SpireProcess {
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Set<SpireProcess> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (SpireProcess p : RUNNING) {
                    p.kill();
                  }
                },
                "spire-reaper"));
  }

  private final String name;
  private final Process process;
  private final Path log;
  private final long started;

  private SpireProcess(String name, Process process, Path log, long started) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.started = started;
  }

  /** Starts {@code command}, output appended to {@code log}; {@code name} is for messages. */
  static SpireProcess start(String name, List<String> command, Path log) {
    try {
      long t0 = System.nanoTime();
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      SpireProcess sp = new SpireProcess(name, p, log, t0);
      RUNNING.add(sp);
      return sp;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** {@link System#nanoTime()} just before the process was started. */
  public long startedNanos() {
    return started;
  }

  public Path logFile() {
    return log;
  }

  /** The whole log so far (empty if none). */
  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  /** The log lines so far. */
  public List<String> logLines() {
    return log().lines().toList();
  }

  /** How many log lines so far contain {@code text}. */
  public long count(String text) {
    return logLines().stream().filter(l -> l.contains(text)).count();
  }

  /**
   * Waits until a log line satisfies {@code line} (polling every 20 ms) and returns it; fails with
   * the log if the process exits first or {@code timeout} passes.
   */
  public String awaitLogLine(Predicate<String> line, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean alive = process.isAlive();
      for (String l : logLines()) {
        if (line.test(l)) {
          return l;
        }
      }
      if (!alive) {
        throw new IllegalStateException(
            name
                + " exited with status "
                + process.exitValue()
                + " before "
                + what
                + "; its log:\n"
                + log());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            name
                + " did not reach "
                + what
                + " within "
                + timeout.toSeconds()
                + " s; its log:\n"
                + log());
      }
      sleep(20);
    }
  }

  /** Waits for the process to exit by itself; returns its status or fails with the log. */
  public int awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            name + " still runs after " + timeout.toSeconds() + " s; its log:\n" + log());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** SIGTERM, SIGKILL after 10 s, then every descendant still alive; idempotent. */
  public void stop() {
    List<ProcessHandle> children = new ArrayList<>(process.descendants().toList());
    Processes.terminate(process, STOP_GRACE);
    for (ProcessHandle c : children) {
      if (c.isAlive()) {
        c.destroyForcibly();
      }
    }
    RUNNING.remove(this);
  }

  private void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public String toString() {
    return name + "[pid " + process.pid() + "]";
  }
}
