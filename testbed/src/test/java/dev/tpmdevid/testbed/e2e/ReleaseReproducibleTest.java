package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.testbed.TempDirs;
import dev.tpmdevid.testbed.host.PluginCommands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Two {@code bin/release} runs from the same commit, in two different folders, give a
 * byte-identical tarball — or, when JDK 17 laid out the classes of its own boot in another order in
 * an AppCDS archive (docs/install.md#reproducibility), tarballs that differ only in the archives,
 * the launcher lines pinning them and SHA256SUMS, with the same class lists. The checkout's HEAD
 * commit is cloned into a fresh folder and built there with {@code bin/release
 * --check-reproducible}, which builds it a second time in another fresh clone (another folder) and
 * compares the two tarballs' SHA-256; so what is tested is the committed tree, not uncommitted
 * changes. Two full release builds: 9 to 11 minutes at load average 15–20 on the 2-core build
 * machine.
 */
class ReleaseReproducibleTest {
  private static final Pattern SHA =
      Pattern.compile("bin/release: reproducibility: (first|second) +([0-9a-f]{64})");

  @Test
  void twoBuildsOfTheSameCommitInTwoFoldersGiveTheSameTarball() throws Exception {
    Path home =
        PluginCommands.home()
            .orElseThrow(() -> new IllegalStateException("cannot find the checkout"));
    String commit = git(home, "rev-parse", "HEAD").strip();
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "tdrepro");
    try {
      Path src = dir.resolve("first-build");
      git(home, "clone", "-q", "--no-hardlinks", home.toString(), src.toString());
      git(src, "checkout", "-q", commit);

      Path log = dir.resolve("release.log");
      Process p =
          new ProcessBuilder(src.resolve("bin/release").toString(), "--check-reproducible")
              .directory(src.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      p.getOutputStream().close();
      assertThat(p.waitFor(40, TimeUnit.MINUTES))
          .as("bin/release --check-reproducible finished")
          .isTrue();
      String out = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(p.exitValue())
          .as("bin/release --check-reproducible exit status; its output:\n" + out)
          .isZero();

      // the figures for the record (surefire keeps a test's stdout in its -output.txt)
      out.lines()
          .filter(l -> l.contains("reproducib") || l.startsWith("Files "))
          .forEach(System.out::println);
      Matcher m = SHA.matcher(out);
      String first = null;
      String second = null;
      while (m.find()) {
        if (m.group(1).equals("first")) {
          first = m.group(2);
        } else {
          second = m.group(2);
        }
      }
      assertThat(first).as("first tarball's SHA-256 in:\n" + out).isNotNull();
      assertThat(second).as("second tarball's SHA-256 in:\n" + out).isNotNull();
      assertThat(out).contains("commit " + commit + ",");
      if (first.equals(second)) {
        assertThat(out).contains("reproducible: byte-identical tarballs");
      } else {
        // JDK 17 may order its own boot classes differently in an AppCDS archive: bin/release then
        // requires the same class lists and every other file byte-identical (it exits non-zero
        // otherwise)
        assertThat(out).contains("reproducible except the AppCDS archives' layout");
        String differing = out.substring(out.indexOf("files that differ:"));
        assertThat(differing.lines().filter(l -> l.startsWith("Files ")))
            .isNotEmpty()
            .allMatch(
                l ->
                    l.matches(
                        "Files a/\\S+/(lib/tpm-devid-(agent|server)-plugin\\.jsa|bin/tpm-devid-(agent|server)-plugin"
                            + "|SHA256SUMS) and b/\\S+ differ"));
      }
      // the tarball of the first build is really there and has that SHA-256
      try (var s = Files.list(src.resolve("target/dist"))) {
        List<Path> tarballs = s.filter(f -> f.toString().endsWith("-linux-x86_64.tar.gz")).toList();
        assertThat(tarballs).hasSize(1);
        assertThat(ReleaseBundleTest.sha256(tarballs.get(0))).isEqualTo(first);
      }
    } finally {
      TempDirs.delete(dir);
    }
  }

  private static String git(Path cwd, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", cwd.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    return out;
  }
}
