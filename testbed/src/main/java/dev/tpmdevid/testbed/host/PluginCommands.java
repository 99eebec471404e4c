package dev.tpmdevid.testbed.host;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the commands SPIRE's {@code plugin_cmd} would name: the launchers {@code
 * bin/tpm-devid-agent-plugin} and {@code bin/tpm-devid-server-plugin} of the checkout or of an
 * unpacked release bundle, which {@code exec java -jar} the plugin jars.
 */
public final class PluginCommands {
  private PluginCommands() {}

  /**
   * The checkout: {@code -Dtpmdevid.home} (set by {@code bin/tpm-devid}), else the nearest
   * directory above the working directory or this class's jar that holds {@code
   * bin/tpm-devid-agent-plugin}.
   */
  public static Optional<Path> home() {
    String prop = System.getProperty("tpmdevid.home");
    if (prop != null && Files.isDirectory(Path.of(prop, "bin"))) {
      return Optional.of(Path.of(prop).toAbsolutePath());
    }
    Optional<Path> fromCwd = searchUp(Path.of("").toAbsolutePath());
    if (fromCwd.isPresent()) {
      return fromCwd;
    }
    try {
      Path code =
          Path.of(PluginCommands.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return searchUp(code);
    } catch (URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<Path> searchUp(Path start) {
    for (Path p = start; p != null; p = p.getParent()) {
      if (Files.isExecutable(p.resolve("bin/tpm-devid-agent-plugin"))) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** {@code bin/tpm-devid-agent-plugin}, checked to have its jar built. */
  public static List<String> agent() {
    return launcher(
        "bin/tpm-devid-agent-plugin",
        "agent-plugin/target/tpm-devid-agent-plugin.jar",
        "dev.tpmdevid.agent.AgentPluginMain");
  }

  /** {@code bin/tpm-devid-server-plugin}, checked to have its jar built. */
  public static List<String> server() {
    return launcher(
        "bin/tpm-devid-server-plugin",
        "server-plugin/target/tpm-devid-server-plugin.jar",
        "dev.tpmdevid.server.ServerPluginMain");
  }

  /** The command for {@code kind}. */
  public static List<String> of(PluginKind kind) {
    return kind == PluginKind.AGENT ? agent() : server();
  }

  private static List<String> launcher(String script, String jar, String mainClass) {
    Optional<Path> home = home();
    // A source checkout (the jar its build made) or an unpacked release (bin/release: lib/<jar>).
    if (home.isPresent()
        && (Files.isRegularFile(home.get().resolve(jar))
            || Files.isRegularFile(
                home.get().resolve("lib").resolve(Path.of(jar).getFileName())))) {
      return List.of(home.get().resolve(script).toString());
    }
    // Fallback: the plugin's main class from the jar this class was loaded from (the shaded
    // tpm-devid.jar holds both plugins), started like the launcher starts the plugin jar.
    // In tests (no jar), the class path of this JVM, which holds the plugin modules.
    if (PluginCommands.class.getClassLoader().getResource(mainClass.replace('.', '/') + ".class")
        != null) {
      String classPath =
          selfJar().map(Path::toString).orElse(System.getProperty("java.class.path"));
      return List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-Xshare:auto",
          "-cp",
          classPath,
          mainClass);
    }
    throw new IllegalStateException(
        jar
            + " is not built; run 'mvn -B -q -DskipTests package' in "
            + home.map(Path::toString).orElse("the tpm-devid checkout"));
  }

  /**
   * A binary built by {@code testbed/spire/build.sh} into {@code testbed/spire/target/bin/}: {@code
   * spire-server}, {@code spire-agent} (SPIRE v1.13.3), {@code go-tpm-devid-server-plugin} or
   * {@code go-tpm-devid-agent-plugin} (SPIRE's own tpm_devid plugins as external plugin binaries).
   * {@code bin/test} runs the build first; a missing binary is an error naming the script, never a
   * skip.
   */
  public static Path spireBinary(String name) {
    Path home =
        home()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "cannot find the tpm-devid checkout (no bin/tpm-devid-agent-plugin above the working directory)"));
    Path bin = home.resolve("testbed/spire/target/bin").resolve(name);
    if (!Files.isExecutable(bin)) {
      throw new IllegalStateException(
          bin + " is missing: run testbed/spire/build.sh (bin/test runs it)");
    }
    return bin;
  }

  /** SPIRE's Go tpm_devid plugin for {@code kind}, as an external plugin command. */
  public static List<String> go(PluginKind kind) {
    return List.of(
        spireBinary(
                kind == PluginKind.AGENT
                    ? "go-tpm-devid-agent-plugin"
                    : "go-tpm-devid-server-plugin")
            .toString());
  }

  private static Optional<Path> selfJar() {
    try {
      Path code =
          Path.of(PluginCommands.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(code) && code.toString().endsWith(".jar")
          ? Optional.of(code)
          : Optional.empty();
    } catch (URISyntaxException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
