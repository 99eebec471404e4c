package dev.tpmdevid.testbed.spire;

import dev.tpmdevid.testbed.TempDirs;
import dev.tpmdevid.testbed.host.PluginCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code spire-agent} (v1.13.3) for one test: its own temp directory (config, bootstrap
 * bundle from {@code spire-server bundle show}, data_dir, Workload API socket, log), pointed at a
 * {@link SpireServerProcess}. {@link #close()} stops it by process id and deletes the directory.
 */
public final class SpireAgentProcess implements AutoCloseable {
  /** What spire-agent logs once node attestation gave it its first SVID. */
  public static final String ATTESTED = "Node attestation was successful";

  /** What spire-agent logs after each reattestation through its NodeAttestor (can_reattest). */
  public static final String REATTESTED = "Successfully reattested node";

  private static final Pattern SPIFFE_ID = Pattern.compile("spiffe_id=\"?(spiffe://[^\" ]+)");

  private final Path dir;
  private final SpireProcess process;
  private final String label;

  private SpireAgentProcess(Path dir, SpireProcess process, String label) {
    this.dir = dir;
    this.process = process;
    this.label = label;
  }

  /**
   * Writes agent.conf and the bootstrap bundle, then runs {@code spire-agent run} (returns at
   * once).
   */
  public static SpireAgentProcess start(
      SpireServerProcess server, SpireConfig.NodeAttestor attestor) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "spagt");
      Files.createDirectories(dir.resolve("data"));
      Files.writeString(
          dir.resolve("bootstrap-bundle.pem"), server.bundlePem(), StandardCharsets.UTF_8);
      Path config = dir.resolve("agent.conf");
      Files.writeString(
          config, SpireConfig.agent(dir, server.port(), attestor), StandardCharsets.UTF_8);
      String label = "spire-agent (" + attestor.label() + ")";
      SpireProcess p =
          SpireProcess.start(
              label,
              List.of(
                  PluginCommands.spireBinary("spire-agent").toString(),
                  "run",
                  "-config",
                  config.toString()),
              dir.resolve("agent.log"));
      return new SpireAgentProcess(dir, p, label);
    } catch (IOException | RuntimeException e) {
      if (dir != null) {
        TempDirs.deleteQuietly(dir);
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot prepare a spire-agent directory", io);
      }
      throw (RuntimeException) e;
    }
  }

  /** Waits for {@link #ATTESTED} and returns the agent's SPIFFE ID from that log line. */
  public String awaitAttested(Duration timeout) {
    String line = process.awaitLogLine(l -> l.contains(ATTESTED), timeout, "node attestation");
    Matcher m = SPIFFE_ID.matcher(line);
    if (!m.find()) {
      throw new IllegalStateException("no spiffe_id in: " + line);
    }
    return m.group(1);
  }

  /** Waits until spire-agent has logged {@link #REATTESTED} at least {@code n} times. */
  public void awaitReattestations(long n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (process.count(REATTESTED) < n) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            label
                + (process.isAlive()
                    ? " did not reattest " + n + " times within " + timeout.toSeconds() + " s"
                    : " exited")
                + "; its log:\n"
                + process.log());
      }
      SpireProcess.sleep(100);
    }
  }

  /** {@code spire-agent api fetch x509 -socketPath <workload socket> -write <dir>}. */
  public SpireCli.Result fetchX509(Path writeDir) {
    return SpireCli.run(
        PluginCommands.spireBinary("spire-agent"),
        dir,
        List.of(
            "api",
            "fetch",
            "x509",
            "-socketPath",
            workloadSocket().toString(),
            "-write",
            writeDir.toString()));
  }

  public Path workloadSocket() {
    return dir.resolve("workload.sock");
  }

  public Path directory() {
    return dir;
  }

  public SpireProcess process() {
    return process;
  }

  public String log() {
    return process.log();
  }

  @Override
  public void close() {
    process.stop();
    TempDirs.deleteQuietly(dir);
  }

  @Override
  public String toString() {
    return label + "[pid " + process.pid() + "]";
  }
}
