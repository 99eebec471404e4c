package dev.tpmdevid.testbed.host;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the commands SPIRE's {@code plugin_cmd} would name: the launchers {@code bin/tpm-devid-agent-plugin}
 * and {@code bin/tpm-devid-server-plugin} of the checkout, which {@code exec java -jar} the plugin jars.
 */
public final class PluginCommands {
    private PluginCommands() {
    }

    /**
     * The checkout: {@code -Dtpmdevid.home} (set by {@code bin/tpm-devid}), else the nearest directory
     * above the working directory or this class's jar that holds {@code bin/tpm-devid-agent-plugin}.
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
            Path code = Path.of(PluginCommands.class.getProtectionDomain().getCodeSource().getLocation().toURI());
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
        return launcher("bin/tpm-devid-agent-plugin", "agent-plugin/target/tpm-devid-agent-plugin.jar");
    }

    /** {@code bin/tpm-devid-server-plugin}, checked to have its jar built. */
    public static List<String> server() {
        return launcher("bin/tpm-devid-server-plugin", "server-plugin/target/tpm-devid-server-plugin.jar");
    }

    /** The command for {@code kind}. */
    public static List<String> of(PluginKind kind) {
        return kind == PluginKind.AGENT ? agent() : server();
    }

    private static List<String> launcher(String script, String jar) {
        Path home = home().orElseThrow(() -> new IllegalStateException(
                "cannot find the tpm-devid checkout (bin/tpm-devid-agent-plugin); run from the checkout"
                        + " or set -Dtpmdevid.home"));
        if (!Files.isRegularFile(home.resolve(jar))) {
            throw new IllegalStateException(jar + " is not built; run 'mvn -B -q -DskipTests package' in " + home);
        }
        return List.of(home.resolve(script).toString());
    }
}
