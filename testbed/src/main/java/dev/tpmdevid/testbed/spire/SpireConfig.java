package dev.tpmdevid.testbed.spire;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code server.conf} and {@code agent.conf} the real-SPIRE tests run with, rendered from the
 * two templates next to this class ({@code server.conf}, {@code agent.conf}; docs/spire.md shows
 * them verbatim and a test keeps the two in step). A {@code ${NAME}} placeholder is replaced by its
 * value; the NodeAttestor block is either an external plugin ({@link NodeAttestor#external}: {@code
 * plugin_cmd} plus {@code plugin_checksum}, as the README tells an operator) or SPIRE's built-in
 * {@code tpm_devid} ({@link NodeAttestor#builtIn}: the same block without {@code plugin_cmd}).
 */
public final class SpireConfig {
  /** The trust domain of every test deployment. */
  public static final String TRUST_DOMAIN = "example.org";

  /**
   * The agent SVID lifetime of the test server: short, so that reattestation happens within a test.
   */
  public static final String DEFAULT_AGENT_TTL = "30s";

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");

  private SpireConfig() {}

  /**
   * Which {@code tpm_devid} implementation a NodeAttestor block loads, and its {@code plugin_data}
   * body.
   */
  public record NodeAttestor(Path pluginCmd, String pluginData) {
    public NodeAttestor {
      Objects.requireNonNull(pluginData, "pluginData");
    }

    /**
     * An external plugin: {@code plugin_cmd} = the absolute path, {@code plugin_checksum} = its
     * SHA-256.
     */
    public static NodeAttestor external(Path pluginCmd, String pluginData) {
      return new NodeAttestor(pluginCmd.toAbsolutePath(), pluginData);
    }

    /** SPIRE's built-in (Go) {@code tpm_devid}: no {@code plugin_cmd}. */
    public static NodeAttestor builtIn(String pluginData) {
      return new NodeAttestor(null, pluginData);
    }

    public boolean isBuiltIn() {
      return pluginCmd == null;
    }

    /** The plugin_cmd file name, or "go built-in" (for process names in messages). */
    public String label() {
      return isBuiltIn() ? "go built-in" : pluginCmd.getFileName().toString();
    }

    String pluginCmdLines() {
      if (pluginCmd == null) {
        return "";
      }
      return "        plugin_cmd = "
          + quote(pluginCmd.toString())
          + "\n"
          + "        plugin_checksum = "
          + quote(sha256(pluginCmd))
          + "\n";
    }

    String pluginDataLines() {
      StringBuilder b = new StringBuilder();
      for (String line : pluginData.strip().split("\n")) {
        if (!line.isBlank()) {
          b.append("            ").append(line.strip()).append('\n');
        }
      }
      return b.toString();
    }
  }

  /**
   * How the server keeps its CA keys: in memory (lost on restart) or in a file below its directory.
   */
  public enum KeyManager {
    /** {@code KeyManager "memory"}: a restarted server has a new CA its agents do not trust yet. */
    MEMORY,
    /**
     * {@code KeyManager "disk"} with {@code keys_path} in the server directory: survives a restart.
     */
    DISK
  }

  /** {@code server.conf} for a server whose files live in {@code serverDir}. */
  public static String server(
      Path serverDir, int port, String agentTtl, KeyManager keyManager, NodeAttestor attestor) {
    String dir = serverDir.toAbsolutePath().toString();
    return render(
        "server.conf",
        Map.of(
            "SERVER_PORT",
            Integer.toString(port),
            "SERVER_DIR",
            dir,
            "AGENT_TTL",
            agentTtl,
            "KEY_MANAGER",
            keyManager == KeyManager.DISK ? "disk" : "memory",
            "KEY_MANAGER_DATA",
            keyManager == KeyManager.DISK
                ? "\n            keys_path = " + quote(dir + "/data/keys.json") + "\n        "
                : "",
            "PLUGIN_CMD",
            attestor.pluginCmdLines(),
            "PLUGIN_DATA",
            attestor.pluginDataLines()));
  }

  /** {@code agent.conf} for an agent whose files live in {@code agentDir}. */
  public static String agent(Path agentDir, int serverPort, NodeAttestor attestor) {
    return render(
        "agent.conf",
        Map.of(
            "SERVER_PORT", Integer.toString(serverPort),
            "AGENT_DIR", agentDir.toAbsolutePath().toString(),
            "PLUGIN_CMD", attestor.pluginCmdLines(),
            "PLUGIN_DATA", attestor.pluginDataLines()));
  }

  /** The raw template ({@code server.conf} or {@code agent.conf}) with its placeholders. */
  public static String template(String name) {
    try (InputStream in = SpireConfig.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource dev/tpmdevid/testbed/spire/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String render(String name, Map<String, String> values) {
    Matcher m = PLACEHOLDER.matcher(template(name));
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = values.get(m.group(1));
      if (v == null) {
        throw new IllegalStateException("no value for ${" + m.group(1) + "} in " + name);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The hex SHA-256 of a file: what {@code plugin_checksum} must say ({@code sha256sum FILE}). */
  public static String sha256(Path file) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
