package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.testbed.TempDirs;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.host.PluginLoadException;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The release bundle that {@code bin/release} made ({@code target/dist/tpm-devid-*-linux-x86_64.tar.gz};
 * {@code bin/test} runs {@code bin/release} first), unpacked as an operator would: its checksums, the
 * launchers' SHA-256 pins, an attestation with both plugins run from the bundle in an environment with no
 * Java, and the {@code .deb}.
 */
class ReleaseBundleTest {
    /** The commands the launchers use besides bash; a node's PATH without any Java on it. */
    private static final List<String> NODE_TOOLS = List.of("readlink", "dirname", "basename", "cut", "grep",
            "find", "sort", "diff", "sha256sum", "openssl");

    static Path unpacked;
    static Path bundle;
    static Path tarball;

    @BeforeAll
    static void unpack() throws Exception {
        Path home = PluginCommands.home().orElseThrow(() -> new IllegalStateException("cannot find the checkout"));
        Path dist = home.resolve("target/dist");
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(dist)) {
            try (Stream<Path> s = Files.list(dist)) {
                s.filter(p -> p.getFileName().toString().matches("tpm-devid-.*-linux-x86_64\\.tar\\.gz"))
                        .forEach(found::add);
            }
        }
        assertThat(found).as(dist.resolve("tpm-devid-<version>-linux-x86_64.tar.gz")
                + " is missing: run bin/release (bin/test runs it before the tests)").hasSize(1);
        tarball = found.get(0);
        unpacked = Files.createTempDirectory(Path.of("/tmp"), "tdrel");
        run(unpacked, "tar", "-xzf", tarball.toString());
        try (Stream<Path> s = Files.list(unpacked)) {
            bundle = s.findFirst().orElseThrow();
        }
        assertThat(bundle.getFileName().toString()).isEqualTo(
                tarball.getFileName().toString().replace("-linux-x86_64.tar.gz", ""));
    }

    @AfterAll
    static void remove() {
        if (unpacked != null) {
            TempDirs.delete(unpacked);
        }
    }

    @Test
    void sha256sumsCoversEveryFileAndVerifies() throws Exception {
        List<String> sums = Files.readAllLines(bundle.resolve("SHA256SUMS"));
        assertThat(sums).anyMatch(l -> l.endsWith("  bin/tpm-devid-agent-plugin"))
                .anyMatch(l -> l.endsWith("  lib/tpm-devid-server-plugin.jsa"))
                .anyMatch(l -> l.endsWith("  runtime/lib/modules"))
                .anyMatch(l -> l.startsWith("sbom/") || l.contains("  sbom/"))
                .anyMatch(l -> l.endsWith("  licenses/THIRD-PARTY.txt"))
                .anyMatch(l -> l.endsWith("  docs/install.md"));
        assertThat(run(bundle, "sha256sum", "-c", "--strict", "--quiet", "SHA256SUMS")).isEmpty();
    }

    @Test
    void runtimeHoldsOnlyTheLinkedModules() throws Exception {
        String release = Files.readString(bundle.resolve("runtime/release"));
        assertThat(release).contains("java.base").contains("jdk.crypto.ec").doesNotContain("jdk.compiler")
                .doesNotContain("java.se\"");
        assertThat(bundle.resolve("runtime/jmods")).doesNotExist();
    }

    /** The plugins attest from the bundle with no java on PATH and no JAVA_HOME (env -i plus SPIRE's variables). */
    @ParameterizedTest(name = "DevID and EK {0}")
    @EnumSource(KeyType.class)
    void attestsFromTheBundleWithoutJavaOnTheNode(KeyType keys, @TempDir Path dir) throws Exception {
        Path path = nodePath(dir);
        try (E2eLab lab = E2eLab.start(
                PluginHost.builder(PluginKind.SERVER, List.of(bundle.resolve("bin/tpm-devid-server-plugin").toString()))
                        .clearEnvironment().environment("PATH", path.toString()),
                PluginHost.builder(PluginKind.AGENT, List.of(bundle.resolve("bin/tpm-devid-agent-plugin").toString()))
                        .clearEnvironment().environment("PATH", path.toString()))) {
            ProvisionedTpm tpm = lab.provision(dir, ProvisionOptions.defaults().withDevIdKeyType(keys)
                    .withEkCertificates(keys == KeyType.RSA, keys == KeyType.ECC).withDevIdCommonName("bundle-" + keys));

            AttestationOutcome o = lab.attest(tpm);

            assertThat(o.succeeded()).as(o.operatorView()).isTrue();
            assertThat(o.spiffeId()).isEqualTo(E2eLab.expectedSpiffeId(tpm.devIdCertificate()));
            assertThat(o.selectors()).containsExactlyElementsOf(E2eLab.expectedSelectors(tpm.devIdCertificate(),
                    List.of(tpm.pki().devIdIntermediate().certificate(), tpm.pki().devIdRoot().certificate())));
            for (PluginHost h : List.of(lab.agent, lab.server)) {
                String environ = Files.readString(Path.of("/proc", Long.toString(h.pid()), "environ"));
                assertThat(environ).doesNotContain("JAVA_HOME=").contains("PATH=" + path + "\0");
                assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(h.pid()), "exe")))
                        .isEqualTo(bundle.resolve("runtime/bin/java"));
            }
        }
    }

    /** One byte of a pinned file changed: the launcher refuses to start with one stderr line naming it. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lib/tpm-devid-agent-plugin.jar", "lib/tpm-devid-agent-plugin.jsa",
            "runtime/conf/security/java.security"})
    void aChangedByteStopsThePluginAndTheHostReportsTheLaunchersLine(String file, @TempDir Path dir)
            throws Exception {
        Path target = bundle.resolve(file);
        FileTime mtime = Files.getLastModifiedTime(target);
        String pinned = sha256(target);
        long offset = Files.size(target) / 2;
        byte original;
        try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
            f.seek(offset);
            original = f.readByte();
            f.seek(offset);
            f.writeByte(original ^ 0x01);
        }
        try {
            PluginHost.Builder agent = PluginHost.builder(PluginKind.AGENT,
                    List.of(bundle.resolve("bin/tpm-devid-agent-plugin").toString()))
                    .clearEnvironment().environment("PATH", nodePath(dir).toString());
            assertThatThrownBy(agent::start).isInstanceOf(PluginLoadException.class).satisfies(e -> {
                String[] lines = e.getMessage().split("\n");
                assertThat(lines[0]).isEqualTo("plugin exited before we could connect (exit status 1)");
                assertThat(lines).hasSize(3);
                assertThat(lines[2].strip()).isEqualTo("tpm-devid-agent-plugin: refusing to start: " + file
                        + " does not match the SHA-256 pinned in this launcher (pinned " + pinned + ", found "
                        + sha256(target) + "; reinstall the release)");
            });
        } finally {
            try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
                f.seek(offset);
                f.writeByte(original);
            }
            Files.setLastModifiedTime(target, mtime);
        }
        // the same bundle, restored, starts again
        try (PluginHost ok = PluginHost.builder(PluginKind.AGENT,
                List.of(bundle.resolve("bin/tpm-devid-agent-plugin").toString())).start()) {
            assertThat(ok.pid()).isPositive();
        }
    }

    @Test
    void versionPrintsVersionCommitAndTheChecksumsOfWhatRuns() throws Exception {
        List<String> version = Files.readAllLines(bundle.resolve("VERSION"));
        String v = version.get(0).substring("version ".length());
        String commit = version.get(1).substring("commit ".length());
        assertThat(commit).matches("[0-9a-f]{40}(-dirty)?");
        for (String plugin : List.of("tpm-devid-agent-plugin", "tpm-devid-server-plugin")) {
            List<String> out = List.of(run(bundle, bundle.resolve("bin/" + plugin).toString(), "--version").split("\n"));
            assertThat(out.get(0)).isEqualTo(plugin + " " + v);
            assertThat(out.get(1)).isEqualTo("commit " + commit);
            assertThat(out).contains(
                    "sha256 " + sha256(bundle.resolve("lib/" + plugin + ".jar")) + "  lib/" + plugin + ".jar",
                    "sha256 " + sha256(bundle.resolve("lib/" + plugin + ".jsa")) + "  lib/" + plugin + ".jsa",
                    "sha256 " + sha256(bundle.resolve("bin/" + plugin)) + "  bin/" + plugin
                            + " (this launcher: SPIRE's plugin_checksum)");
            assertThat(out).anyMatch(l -> l.matches("sha256 [0-9a-f]{64}  runtime/ \\(digest of \\d+ files.*"));
        }
        String cli = run(bundle, bundle.resolve("bin/tpm-devid").toString(), "--version");
        assertThat(cli).startsWith("tpm-devid " + v + "\ncommit " + commit + "\n")
                .contains("sha256 " + sha256(bundle.resolve("lib/tpm-devid.jar")) + "  lib/tpm-devid.jar")
                .contains("sha256 " + sha256(bundle.resolve("bin/tpm-devid-agent-plugin"))
                        + "  bin/tpm-devid-agent-plugin (plugin_checksum)");
    }

    /** The .deb installs the same bundle into /opt/tpm-devid, its launchers pass their checks, and it removes. */
    @Test
    void debInstallsIntoOptAndRemovesCleanly() throws Exception {
        Path deb;
        try (Stream<Path> s = Files.list(tarball.getParent())) {
            deb = s.filter(p -> p.toString().endsWith("_amd64.deb")).findFirst()
                    .orElseThrow(() -> new AssertionError("no tpm-devid_*_amd64.deb in " + tarball.getParent()));
        }
        assertThat(Path.of("/opt/tpm-devid")).as("/opt/tpm-devid exists before the test: remove it first")
                .doesNotExist();
        try {
            run(unpacked, "dpkg", "-i", deb.toString());
            assertThat(run(unpacked, "dpkg-query", "-W", "-f", "${Status}", "tpm-devid")).isEqualTo("install ok installed");
            String out = run(unpacked, "/opt/tpm-devid/bin/tpm-devid-server-plugin", "--version");
            assertThat(out).contains("sha256 " + sha256(Path.of("/opt/tpm-devid/bin/tpm-devid-server-plugin"))
                    + "  bin/tpm-devid-server-plugin");
            assertThat(sha256(Path.of("/opt/tpm-devid/lib/tpm-devid-server-plugin.jar")))
                    .isEqualTo(sha256(bundle.resolve("lib/tpm-devid-server-plugin.jar")));
        } finally {
            run(unpacked, "dpkg", "-r", "tpm-devid");
        }
        assertThat(Path.of("/opt/tpm-devid")).doesNotExist();
    }

    /** A directory of symlinks to the tools the launchers use, and nothing else (no java). */
    private static Path nodePath(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("node-bin"));
        for (String tool : NODE_TOOLS) {
            for (String d : List.of("/usr/bin", "/bin")) {
                Path p = Path.of(d, tool);
                if (Files.isExecutable(p) && !Files.exists(bin.resolve(tool))) {
                    Files.createSymbolicLink(bin.resolve(tool), p);
                }
            }
        }
        assertThat(bin.resolve("java")).doesNotExist();
        return bin;
    }

    static String sha256(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    /** Runs a command, returns its stdout; a non-zero exit fails with its stderr. */
    static String run(Path cwd, String... cmd) throws Exception {
        Path err = Files.createTempFile("tdrel", ".err");
        try {
            Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).as(String.join(" ", cmd) + " finished").isTrue();
            assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + Files.readString(err)).isZero();
            return out.strip();
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
