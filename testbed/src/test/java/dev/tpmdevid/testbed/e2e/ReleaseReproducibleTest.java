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
 * byte-identical tarball, AppCDS archives included (they are dumped by a JDK 21+, whose dump is
 * deterministic: docs/install.md#reproducibility). The checkout's HEAD commit is cloned into a
 * fresh folder and built there with {@code bin/release --check-reproducible}, which builds it a
 * second time in another fresh clone (another folder) and compares the two tarballs' SHA-256; so
 * what is tested is the committed tree, not uncommitted changes. Two full release builds: 4 to 11
 * minutes on the 2-core build machine, depending on its load.
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
      assertThat(second)
          .as("second tarball's SHA-256 (the first is " + first + ")")
          .isEqualTo(first);
      assertThat(out).contains("reproducible: byte-identical tarballs");
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
