package dev.tpmdevid.testbed;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Stopping the processes the testbed starts (swtpm, spire-server, spire-agent) by their own handle.
 */
public final class Processes {

  private Processes() {}

  /**
   * SIGTERM, then SIGKILL if {@code process} has not exited within {@code grace}, then waits up to
   * {@code grace} again. An already-exited process is fine. Keeps the interrupt flag.
   */
  public static void terminate(Process process, Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
