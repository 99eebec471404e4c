package dev.tpmdevid.testbed.spire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpmdevid.testbed.TempDirs;
import dev.tpmdevid.testbed.host.PluginCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real {@code spire-server} (v1.13.3, built by {@code testbed/spire/build.sh}) for one test: its
 * own temp directory (config, SQLite datastore, admin socket, log), a free loopback port, and a
 * {@code tpm_devid} NodeAttestor that is ours or SPIRE's built-in. {@link #close()} stops it by
 * process id and deletes the directory; {@link #restart()} stops and starts it again on the same
 * port and data.
 */
public final class SpireServerProcess implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final int port;
  private final Path config;
  private final String label;
  private SpireProcess process;

  private SpireServerProcess(Path dir, int port, Path config, String label) {
    this.dir = dir;
    this.port = port;
    this.config = config;
    this.label = label;
  }

  /** A server with {@link SpireConfig#DEFAULT_AGENT_TTL} and {@code KeyManager "memory"}. */
  public static SpireServerProcess start(SpireConfig.NodeAttestor attestor) {
    return start(attestor, SpireConfig.DEFAULT_AGENT_TTL, SpireConfig.KeyManager.MEMORY);
  }

  /** Starts a server and waits until its health check passes. */
  public static SpireServerProcess start(
      SpireConfig.NodeAttestor attestor, String agentTtl, SpireConfig.KeyManager keyManager) {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      Path dir = null;
      try {
        dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "spsrv");
        Files.createDirectories(dir.resolve("data"));
        int port = freePort();
        Path config = dir.resolve("server.conf");
        Files.writeString(
            config,
            SpireConfig.server(dir, port, agentTtl, keyManager, attestor),
            StandardCharsets.UTF_8);
        SpireServerProcess s =
            new SpireServerProcess(dir, port, config, "spire-server (" + attestor.label() + ")");
        try {
          s.launch();
          return s;
        } catch (IllegalStateException e) {
          s.close();
          dir = null;
          if (!e.getMessage().contains("address already in use")) {
            throw e;
          }
          last = e; // the port was taken between our probe and the server's bind
        }
      } catch (IOException e) {
        if (dir != null) {
          TempDirs.deleteQuietly(dir);
        }
        throw new UncheckedIOException("cannot prepare a spire-server directory", e);
      }
    }
    throw last;
  }

  private void launch() {
    process =
        SpireProcess.start(
            label,
            List.of(
                PluginCommands.spireBinary("spire-server").toString(),
                "run",
                "-config",
                config.toString()),
            dir.resolve("server.log"));
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            label
                + " exited with status "
                + process.awaitExit(Duration.ZERO)
                + " before it was healthy; its log:\n"
                + process.log());
      }
      if (Files.exists(adminSocket()) && cli("healthcheck").exit() == 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            label
                + " was not healthy within "
                + READY_TIMEOUT.toSeconds()
                + " s; its log:\n"
                + process.log());
      }
      SpireProcess.sleep(100);
    }
  }

  /**
   * Stops the server (by pid, as {@link SpireProcess#stop()}) and starts it again: same port,
   * config and data.
   */
  public void restart() {
    process.stop();
    launch();
  }

  public int port() {
    return port;
  }

  public Path directory() {
    return dir;
  }

  public Path adminSocket() {
    return dir.resolve("admin.sock");
  }

  public SpireProcess process() {
    return process;
  }

  /** The server's log (all runs, restarts included). */
  public String log() {
    return process == null ? "" : process.log();
  }

  /** {@code spire-server <args> -socketPath <admin socket>}. */
  public SpireCli.Result cli(String... args) {
    List<String> a = new ArrayList<>(List.of(args));
    a.add("-socketPath");
    a.add(adminSocket().toString());
    return SpireCli.run(PluginCommands.spireBinary("spire-server"), dir, a);
  }

  /** {@code spire-server bundle show}: the PEM trust bundle an agent bootstraps from. */
  public String bundlePem() {
    return cli("bundle", "show", "-format", "pem").requireSuccess().stdout();
  }

  /** {@code spire-server agent show -spiffeID <id> -output json}, parsed. */
  public JsonNode agentShow(String spiffeId) {
    return json(
        cli("agent", "show", "-spiffeID", spiffeId, "-output", "json").requireSuccess().stdout());
  }

  /** The SPIFFE IDs {@code spire-server agent list} shows. */
  public List<String> agentIds() {
    JsonNode list = json(cli("agent", "list", "-output", "json").requireSuccess().stdout());
    List<String> ids = new ArrayList<>();
    for (JsonNode a : list.path("agents")) {
      ids.add(spiffeId(a.path("id")));
    }
    return ids;
  }

  /** {@code spiffe://<trust_domain><path>} from a SPIRE API {@code SPIFFEID} object. */
  public static String spiffeId(JsonNode id) {
    return "spiffe://" + id.path("trust_domain").asText() + id.path("path").asText();
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalStateException("not JSON: " + text, e);
    }
  }

  @Override
  public void close() {
    if (process != null) {
      process.stop();
    }
    TempDirs.deleteQuietly(dir);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public String toString() {
    return label + " on 127.0.0.1:" + port;
  }
}
