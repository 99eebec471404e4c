package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.TempDirs;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.host.PluginLoadException;
import dev.tpmdevid.testbed.provision.Pem;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.TestPki;
import dev.tpmdevid.testbed.spire.SpireAgentProcess;
import dev.tpmdevid.testbed.spire.SpireConfig;
import dev.tpmdevid.testbed.spire.SpireServerProcess;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
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
 * The release bundle that {@code bin/release} made ({@code
 * target/dist/tpm-devid-*-linux-x86_64.tar.gz}; {@code bin/test} runs {@code bin/release} first),
 * unpacked as an operator would: its checksums, the launchers' SHA-256 pins, an attestation with
 * both plugins run from the bundle in an environment with no Java, and the {@code .deb}.
 */
class ReleaseBundleTest {
  /** The commands the launchers use besides bash; a node's PATH without any Java on it. */
  private static final List<String> NODE_TOOLS =
      List.of(
          "readlink",
          "dirname",
          "basename",
          "cut",
          "grep",
          "find",
          "sort",
          "stat",
          "diff",
          "sha256sum",
          "openssl");

  static Path unpacked;
  static Path bundle;
  static Path tarball;

  @BeforeAll
  static void unpack() throws Exception {
    Path home =
        PluginCommands.home()
            .orElseThrow(() -> new IllegalStateException("cannot find the checkout"));
    Path dist = home.resolve("target/dist");
    List<Path> found = new ArrayList<>();
    if (Files.isDirectory(dist)) {
      try (Stream<Path> s = Files.list(dist)) {
        s.filter(p -> p.getFileName().toString().matches("tpm-devid-.*-linux-x86_64\\.tar\\.gz"))
            .forEach(found::add);
      }
    }
    assertThat(found)
        .as(
            dist.resolve("tpm-devid-<version>-linux-x86_64.tar.gz")
                + " is missing: run bin/release (bin/test runs it before the tests)")
        .hasSize(1);
    tarball = found.get(0);
    unpacked = Files.createTempDirectory(Path.of("/tmp"), "tdrel");
    run(unpacked, "tar", "-xzf", tarball.toString());
    try (Stream<Path> s = Files.list(unpacked)) {
      bundle = s.findFirst().orElseThrow();
    }
    assertThat(bundle.getFileName().toString())
        .isEqualTo(tarball.getFileName().toString().replace("-linux-x86_64.tar.gz", ""));
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
    assertThat(sums)
        .anyMatch(l -> l.endsWith("  bin/tpm-devid-agent-plugin"))
        .anyMatch(l -> l.endsWith("  lib/tpm-devid-server-plugin.jsa"))
        .anyMatch(l -> l.endsWith("  runtime/lib/modules"))
        .anyMatch(l -> l.startsWith("sbom/") || l.contains("  sbom/"))
        .anyMatch(l -> l.endsWith("  licenses/THIRD-PARTY.txt"))
        .anyMatch(l -> l.endsWith("  docs/install.md"));
    assertThat(run(bundle, "sha256sum", "-c", "--strict", "--quiet", "SHA256SUMS")).isEmpty();
  }

  /**
   * The runtime is a jlink image of a JDK 21 or newer (its AppCDS dump is reproducible) without the
   * modules only unused code paths refer to: no AWT/java.beans (java.desktop), no JDBC (java.sql),
   * no compiler, no jmods. The attestation and CLI tests below run on exactly this runtime.
   */
  @Test
  void runtimeHoldsOnlyTheLinkedModules() throws Exception {
    java.util.Properties release = new java.util.Properties();
    try (var in = Files.newBufferedReader(bundle.resolve("runtime/release"))) {
      release.load(in);
    }
    String version = release.getProperty("JAVA_VERSION", "").replace("\"", "");
    assertThat(Integer.parseInt(version.split("\\.")[0]))
        .as("feature version of the bundled runtime (" + version + ")")
        .isGreaterThanOrEqualTo(21);
    List<String> modules = List.of(release.getProperty("MODULES", "").replace("\"", "").split(" "));
    assertThat(modules)
        .contains("java.base", "java.naming", "jdk.unsupported")
        .doesNotContain("java.desktop", "java.sql", "jdk.compiler", "java.se");
    assertThat(bundle.resolve("runtime/jmods")).doesNotExist();
  }

  /**
   * The CycloneDX SBOM lists exactly the jars of lib/ (name and version): nothing the bundle does
   * not carry (benchmarks, test-only or compile-only dependencies) and nothing missing.
   */
  @Test
  void sbomListsExactlyTheBundledJars() throws Exception {
    Path sbom;
    try (Stream<Path> s = Files.list(bundle.resolve("sbom"))) {
      sbom = s.filter(p -> p.toString().endsWith(".cdx.json")).findFirst().orElseThrow();
    }
    com.fasterxml.jackson.databind.JsonNode bom =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(sbom.toFile());
    List<String> components = new ArrayList<>();
    for (com.fasterxml.jackson.databind.JsonNode c : bom.get("components")) {
      components.add(c.get("name").asText() + "-" + c.get("version").asText() + ".jar");
    }
    List<String> jars;
    try (Stream<Path> s = Files.list(bundle.resolve("lib"))) {
      jars = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).toList();
    }
    assertThat(components).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(jars);
  }

  /**
   * The plugins attest from the bundle with no java on PATH and no JAVA_HOME (env -i plus SPIRE's
   * variables).
   */
  @ParameterizedTest(name = "DevID and EK {0}")
  @EnumSource(KeyType.class)
  void attestsFromTheBundleWithoutJavaOnTheNode(KeyType keys, @TempDir Path dir) throws Exception {
    Path path = nodePath(dir);
    try (E2eLab lab =
        E2eLab.start(
            PluginHost.builder(
                    PluginKind.SERVER,
                    List.of(bundle.resolve("bin/tpm-devid-server-plugin").toString()))
                .clearEnvironment()
                .environment("PATH", path.toString()),
            PluginHost.builder(
                    PluginKind.AGENT,
                    List.of(bundle.resolve("bin/tpm-devid-agent-plugin").toString()))
                .clearEnvironment()
                .environment("PATH", path.toString()))) {
      ProvisionedTpm tpm =
          lab.provision(
              dir,
              ProvisionOptions.defaults()
                  .withDevIdKeyType(keys)
                  .withEkCertificates(keys == KeyType.RSA, keys == KeyType.ECC)
                  .withDevIdCommonName("bundle-" + keys));

      AttestationOutcome o = lab.attest(tpm);

      assertThat(o.succeeded()).as(o.operatorView()).isTrue();
      assertThat(o.spiffeId()).isEqualTo(E2eLab.expectedSpiffeId(tpm.devIdCertificate()));
      assertThat(o.selectors())
          .containsExactlyElementsOf(
              E2eLab.expectedSelectors(
                  tpm.devIdCertificate(),
                  List.of(
                      tpm.pki().devIdIntermediate().certificate(),
                      tpm.pki().devIdRoot().certificate())));
      for (PluginHost h : List.of(lab.agent, lab.server)) {
        // stderr is hclog JSON only: no JVM warning (sun.misc.Unsafe, native access) of the
        // bundled runtime, from start-up through a full attestation
        assertThat(h.logs())
            .isNotEmpty()
            .allSatisfy(l -> assertThat(l.json()).as(l.raw()).isTrue());
        String environ = Files.readString(Path.of("/proc", Long.toString(h.pid()), "environ"));
        assertThat(environ).doesNotContain("JAVA_HOME=").contains("PATH=" + path + "\0");
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(h.pid()), "exe")))
            .isEqualTo(bundle.resolve("runtime/bin/java"));
        // the JVM accepted its AppCDS archive (it unmaps an archive that does not match the
        // runtime, the flags or the class path, and then starts slowly, without a word)
        String plugin = h == lab.agent ? "tpm-devid-agent-plugin" : "tpm-devid-server-plugin";
        assertThat(Files.readString(Path.of("/proc", Long.toString(h.pid()), "maps")))
            .contains(bundle.resolve("lib/" + plugin + ".jsa").toString());
      }
      // the tool on the same runtime, same environment: decodes the DevID certificate as JSON
      String[] out =
          runWithPath(
              dir,
              path,
              bundle.resolve("bin/tpm-devid").toString(),
              "inspect",
              "--json",
              tpm.devIdCertPath().toString());
      assertThat(out[1]).as("the tool's stderr").isEmpty();
      com.fasterxml.jackson.databind.JsonNode json =
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(out[0]);
      assertThat(json.isArray()).as(out[0]).isTrue();
      assertThat(out[0]).contains("CN=bundle-" + keys);
    }
  }

  /**
   * Runs a command with nothing in its environment but PATH; returns its stdout and stderr. A
   * non-zero exit fails with both.
   */
  static String[] runWithPath(Path cwd, Path path, String... cmd) throws Exception {
    Path err = Files.createTempFile("tdrel", ".err");
    try {
      ProcessBuilder b =
          new ProcessBuilder(cmd).directory(cwd.toFile()).redirectError(err.toFile());
      b.environment().clear();
      b.environment().put("PATH", path.toString());
      Process p = b.start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(5, TimeUnit.MINUTES)).as(String.join(" ", cmd) + " finished").isTrue();
      String e = Files.readString(err);
      assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out + e).isZero();
      return new String[] {out, e};
    } finally {
      Files.deleteIfExists(err);
    }
  }

  /**
   * One byte of a pinned file changed: the launcher refuses to start with one stderr line naming
   * it. The agent plugin's own jar, a jar of lib/ that the server plugin and the tool run too, the
   * agent's AppCDS archive and a file of the runtime.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "the agent plugin's jar",
        "a jar shared by both plugins and the tool",
        "lib/tpm-devid-agent-plugin.jsa",
        "runtime/conf/security/java.security"
      })
  void aChangedByteStopsThePluginAndTheHostReportsTheLaunchersLine(String which, @TempDir Path dir)
      throws Exception {
    String file =
        switch (which) {
          case "the agent plugin's jar" -> classPath("tpm-devid-agent-plugin").get(0);
          case "a jar shared by both plugins and the tool" -> sharedJar();
          default -> which;
        };
    String pinned = sha256(bundle.resolve(file));
    try (ChangedByte changed = ChangedByte.in(bundle.resolve(file))) {
      PluginHost.Builder agent =
          PluginHost.builder(
                  PluginKind.AGENT,
                  List.of(bundle.resolve("bin/tpm-devid-agent-plugin").toString()))
              .clearEnvironment()
              .environment("PATH", nodePath(dir).toString());
      assertThatThrownBy(agent::start)
          .isInstanceOf(PluginLoadException.class)
          .satisfies(
              e -> {
                String[] lines = e.getMessage().split("\n");
                assertThat(lines[0])
                    .isEqualTo("plugin exited before we could connect (exit status 1)");
                assertThat(lines).hasSize(3);
                assertThat(lines[2].strip())
                    .isEqualTo(refusal("tpm-devid-agent-plugin", file, pinned));
              });
    }
    // the same bundle, restored, starts again
    try (PluginHost ok =
        PluginHost.builder(
                PluginKind.AGENT, List.of(bundle.resolve("bin/tpm-devid-agent-plugin").toString()))
            .start()) {
      assertThat(ok.pid()).isPositive();
    }
  }

  /**
   * The same through real SPIRE, configured as docs/install.md says (plugin_cmd = the launcher,
   * plugin_checksum = its SHA-256, which a changed jar does not alter): spire-server refuses to
   * start and its log carries the launcher's line; with the jar restored it starts, and a
   * spire-agent whose agent jar has a changed byte exits the same way.
   */
  @Test
  void realSpireReportsTheLoadFailureWhenAJarByteChanged(@TempDir Path dir) throws Exception {
    TestPki pki = TestPki.create(KeyType.RSA);
    Path devIdCas = dir.resolve("devid-ca.pem");
    Path ekCas = dir.resolve("endorsement-ca.pem");
    Pem.write(devIdCas, pki.devIdCaCertificates());
    Pem.write(ekCas, pki.endorsementCaCertificates());
    String serverData =
        "devid_ca_path = \"" + devIdCas + "\"\nendorsement_ca_path = \"" + ekCas + "\"\n";
    SpireConfig.NodeAttestor server =
        SpireConfig.NodeAttestor.external(
            bundle.resolve("bin/tpm-devid-server-plugin"), serverData);
    SpireConfig.NodeAttestor agent =
        SpireConfig.NodeAttestor.external(
            bundle.resolve("bin/tpm-devid-agent-plugin"),
            "devid_cert_path = \""
                + dir.resolve("devid.pem")
                + "\"\ndevid_priv_path = \""
                + dir.resolve("devid.priv")
                + "\"\ndevid_pub_path = \""
                + dir.resolve("devid.pub")
                + "\"\n");

    String serverJar = classPath("tpm-devid-server-plugin").get(0);
    String pinned = sha256(bundle.resolve(serverJar));
    try (ChangedByte changed = ChangedByte.in(bundle.resolve(serverJar))) {
      assertThatThrownBy(() -> SpireServerProcess.start(server).close())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("exited with status")
          .hasMessageContaining(refusal("tpm-devid-server-plugin", serverJar, pinned));
    }
    try (SpireServerProcess running = SpireServerProcess.start(server)) {
      String agentJar = classPath("tpm-devid-agent-plugin").get(0);
      String agentPinned = sha256(bundle.resolve(agentJar));
      try (ChangedByte changed = ChangedByte.in(bundle.resolve(agentJar));
          SpireAgentProcess a = SpireAgentProcess.start(running, agent)) {
        int status = a.process().awaitExit(Duration.ofSeconds(120));
        assertThat(status).as("spire-agent exit status; its log:\n" + a.log()).isNotZero();
        assertThat(a.log())
            .contains(refusal("tpm-devid-agent-plugin", agentJar, agentPinned))
            .doesNotContain(SpireAgentProcess.ATTESTED);
      }
    }
  }

  @Test
  void versionPrintsVersionCommitAndTheChecksumsOfWhatRuns() throws Exception {
    List<String> version = Files.readAllLines(bundle.resolve("VERSION"));
    String v = version.get(0).substring("version ".length());
    String commit = version.get(1).substring("commit ".length());
    assertThat(commit).matches("[0-9a-f]{40}(-dirty)?");
    for (String plugin : List.of("tpm-devid-agent-plugin", "tpm-devid-server-plugin")) {
      List<String> out =
          List.of(run(bundle, bundle.resolve("bin/" + plugin).toString(), "--version").split("\n"));
      assertThat(out.get(0)).isEqualTo(plugin + " " + v);
      assertThat(out.get(1)).isEqualTo("commit " + commit);
      for (String jar : classPath(plugin)) {
        assertThat(out).contains("sha256 " + sha256(bundle.resolve(jar)) + "  " + jar);
      }
      assertThat(out)
          .contains(
              "sha256 "
                  + sha256(bundle.resolve("lib/" + plugin + ".jsa"))
                  + "  lib/"
                  + plugin
                  + ".jsa",
              "sha256 "
                  + sha256(bundle.resolve("bin/" + plugin))
                  + "  bin/"
                  + plugin
                  + " (this launcher: SPIRE's plugin_checksum)");
      assertThat(out)
          .anyMatch(l -> l.matches("sha256 [0-9a-f]{64}  runtime/ \\(digest of \\d+ files.*"));
    }
    String cli = run(bundle, bundle.resolve("bin/tpm-devid").toString(), "--version");
    assertThat(cli)
        .startsWith("tpm-devid " + v + "\ncommit " + commit + "\n")
        .contains("sha256 " + sha256(bundle.resolve(sharedJar())) + "  " + sharedJar())
        .contains(
            "sha256 "
                + sha256(bundle.resolve("bin/tpm-devid-agent-plugin"))
                + "  bin/tpm-devid-agent-plugin (plugin_checksum)");
  }

  /**
   * lib/ holds every jar once: each is on the class path of at least one launcher, each launcher
   * pins every jar of its class path, and the plugins and the tool share jars instead of carrying
   * copies.
   */
  @Test
  void theLaunchersShareOneLibFolderAndPinEveryJarTheyRun() throws Exception {
    List<String> launchers =
        List.of("tpm-devid-agent-plugin", "tpm-devid-server-plugin", "tpm-devid");
    java.util.Set<String> used = new java.util.TreeSet<>();
    for (String launcher : launchers) {
      List<String> cp = classPath(launcher);
      assertThat(cp)
          .as(launcher + " class path")
          .doesNotHaveDuplicates()
          .allMatch(e -> e.matches("lib/[^/]+\\.jar"));
      String pins = launcherVariable(launcher, "RELEASE_PINS");
      for (String jar : cp) {
        assertThat(pins)
            .as(launcher + " pins " + jar)
            .contains(sha256(bundle.resolve(jar)) + "  " + jar + "\n");
      }
      used.addAll(cp);
    }
    try (Stream<Path> s = Files.list(bundle.resolve("lib"))) {
      assertThat(
              s.map(p -> "lib/" + p.getFileName())
                  .filter(n -> n.endsWith(".jar"))
                  .sorted()
                  .toList())
          .containsExactlyElementsOf(used);
    }
    assertThat(classPath("tpm-devid-agent-plugin")).contains(sharedJar());
    assertThat(classPath("tpm-devid-server-plugin")).contains(sharedJar());
    // no jar of lib/ carries a signature that the class loader would check (and AppCDS skip)
    for (String jar : used) {
      try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(bundle.resolve(jar).toFile())) {
        assertThat(z.stream().map(java.util.zip.ZipEntry::getName))
            .as(jar)
            .noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)"));
      }
    }
  }

  /**
   * The .deb installs the same bundle into /opt/tpm-devid, its launchers pass their checks, and it
   * removes.
   */
  @Test
  void debInstallsIntoOptAndRemovesCleanly() throws Exception {
    Path deb;
    try (Stream<Path> s = Files.list(tarball.getParent())) {
      deb =
          s.filter(p -> p.toString().endsWith("_amd64.deb"))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError("no tpm-devid_*_amd64.deb in " + tarball.getParent()));
    }
    assertThat(Path.of("/opt/tpm-devid"))
        .as("/opt/tpm-devid exists before the test: remove it first")
        .doesNotExist();
    try {
      run(unpacked, "dpkg", "-i", deb.toString());
      assertThat(run(unpacked, "dpkg-query", "-W", "-f", "${Status}", "tpm-devid"))
          .isEqualTo("install ok installed");
      String out = run(unpacked, "/opt/tpm-devid/bin/tpm-devid-server-plugin", "--version");
      assertThat(out)
          .contains(
              "sha256 "
                  + sha256(Path.of("/opt/tpm-devid/bin/tpm-devid-server-plugin"))
                  + "  bin/tpm-devid-server-plugin");
      String jar = classPath("tpm-devid-server-plugin").get(0);
      assertThat(sha256(Path.of("/opt/tpm-devid").resolve(jar)))
          .isEqualTo(sha256(bundle.resolve(jar)));
    } finally {
      run(unpacked, "dpkg", "-r", "tpm-devid");
    }
    assertThat(Path.of("/opt/tpm-devid")).doesNotExist();
  }

  /**
   * The launcher's class path, RELEASE_CLASSPATH, as written by bin/release (lib/ jars in order).
   */
  static List<String> classPath(String launcher) throws IOException {
    return List.of(launcherVariable(launcher, "RELEASE_CLASSPATH").split(":"));
  }

  /** The value of {@code NAME='...'} in the bundle's launcher (single-quoted, may span lines). */
  static String launcherVariable(String launcher, String name) throws IOException {
    String text = Files.readString(bundle.resolve("bin/" + launcher));
    int start = text.indexOf("\n" + name + "='");
    assertThat(start).as(name + " in bin/" + launcher).isPositive();
    start += name.length() + 3;
    return text.substring(start, text.indexOf('\'', start));
  }

  /**
   * The first jar of the agent plugin's class path that the server plugin and the tool run as well.
   */
  static String sharedJar() throws IOException {
    List<String> server = classPath("tpm-devid-server-plugin");
    List<String> cli = classPath("tpm-devid");
    return classPath("tpm-devid-agent-plugin").stream()
        .filter(server::contains)
        .filter(cli::contains)
        .findFirst()
        .orElseThrow(() -> new AssertionError("the plugins and the tool share no jar of lib/"));
  }

  static String refusal(String launcher, String file, String pinned) throws Exception {
    return launcher
        + ": refusing to start: "
        + file
        + " does not match the SHA-256 pinned in this launcher (pinned "
        + pinned
        + ", found "
        + sha256(bundle.resolve(file))
        + "; reinstall the release)";
  }

  /**
   * Flips one bit in the middle of a file; {@link #close} restores the byte and the modification
   * time.
   */
  static final class ChangedByte implements AutoCloseable {
    private final Path file;
    private final FileTime mtime;
    private final long offset;
    private final byte original;

    private ChangedByte(Path file, FileTime mtime, long offset, byte original) {
      this.file = file;
      this.mtime = mtime;
      this.offset = offset;
      this.original = original;
    }

    static ChangedByte in(Path file) throws IOException {
      FileTime mtime = Files.getLastModifiedTime(file);
      long offset = Files.size(file) / 2;
      try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
        f.seek(offset);
        byte original = f.readByte();
        f.seek(offset);
        f.writeByte(original ^ 0x01);
        return new ChangedByte(file, mtime, offset, original);
      }
    }

    @Override
    public void close() throws IOException {
      try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
        f.seek(offset);
        f.writeByte(original);
      }
      Files.setLastModifiedTime(file, mtime);
    }
  }

  /**
   * The pin check splits the files into two groups by size ({@code stat}) and hashes them in two
   * processes; on a node without {@code stat} it hashes them all in one, and still refuses a
   * changed byte (here in the runtime's largest file).
   */
  @Test
  void thePinCheckStillRunsWithoutStat(@TempDir Path dir) throws Exception {
    Path path = nodePath(dir, "stat");
    assertThat(path.resolve("stat")).doesNotExist();
    PluginHost.Builder agent =
        PluginHost.builder(
                PluginKind.AGENT, List.of(bundle.resolve("bin/tpm-devid-agent-plugin").toString()))
            .clearEnvironment()
            .environment("PATH", path.toString());
    try (PluginHost ok = agent.start()) {
      assertThat(ok.pid()).isPositive();
    }
    String file = "runtime/lib/modules";
    String pinned = sha256(bundle.resolve(file));
    try (ChangedByte changed = ChangedByte.in(bundle.resolve(file))) {
      assertThatThrownBy(agent::start)
          .isInstanceOf(PluginLoadException.class)
          .satisfies(
              e ->
                  assertThat(e.getMessage().split("\n")[2].strip())
                      .isEqualTo(refusal("tpm-devid-agent-plugin", file, pinned)));
    }
  }

  /** A directory of symlinks to the tools the launchers use, and nothing else (no java). */
  private static Path nodePath(Path dir, String... without) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("node-bin"));
    for (String tool : NODE_TOOLS) {
      if (List.of(without).contains(tool)) {
        continue;
      }
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
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }

  /** Runs a command, returns its stdout; a non-zero exit fails with its stderr. */
  static String run(Path cwd, String... cmd) throws Exception {
    Path err = Files.createTempFile("tdrel", ".err");
    try {
      Process p =
          new ProcessBuilder(cmd).directory(cwd.toFile()).redirectError(err.toFile()).start();
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
