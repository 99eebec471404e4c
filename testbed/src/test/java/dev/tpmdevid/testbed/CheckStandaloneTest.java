package dev.tpmdevid.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.testbed.host.PluginCommands;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/check-standalone}, the guard {@code bin/test} runs before Maven, on small git
 * repositories made here: one with each kind of path that would tie the repository to the machine
 * it was written on, one with the operator paths, URLs and in-repository references that must stay
 * allowed. The bad strings are assembled at run time so that this file itself passes the guard.
 */
class CheckStandaloneTest {
  private static final String ABS = "/" + "work/ws/tpm-devid";
  private static final String SIBLING = ".." + "/shared/" + "spec/01.md";
  private static final String DOCS_PAGE = "docs/" + "protocol.md";

  record Run(int code, String output) {}

  private static Run guard(Path repo) throws Exception {
    Path script = PluginCommands.home().orElseThrow().resolve("bin/check-standalone");
    Process p =
        new ProcessBuilder("bash", script.toString(), repo.toString())
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("guard finished").isTrue();
    return new Run(p.exitValue(), out);
  }

  private static void git(Path repo, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", repo.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as("git %s: %s", String.join(" ", args), out).isZero();
  }

  private static void write(Path repo, String file, String... lines) throws IOException {
    Path f = repo.resolve(file);
    Files.createDirectories(f.getParent());
    Files.write(f, List.of(lines));
  }

  private static Path repoWith(Path dir, Writer files) throws Exception {
    git(dir, "init", "-q");
    write(
        dir,
        DOCS_PAGE,
        "# Protocol",
        "<a id=\"server-checks\"></a>",
        "## Checks",
        "<a id=\"go-x509\"></a>",
        "## x509");
    files.write(dir);
    git(dir, "add", "-A");
    return dir;
  }

  interface Writer {
    void write(Path repo) throws IOException;
  }

  @Test
  void flagsEveryPathOutsideTheRepositoryWithFileAndLine(@TempDir Path dir) throws Exception {
    Path repo =
        repoWith(
            dir,
            r -> {
              write(r, "README.md", "# x", "The facts are in `" + SIBLING + "`.");
              write(
                  r,
                  "core/src/Data.java",
                  "class Data {",
                  "  static final String P = \"" + ABS + "/testdata\";",
                  "}");
              write(r, "bin/run", "#!/bin/sh", "exec /" + "home/dev/bin/tool \"$@\"");
              write(r, "docs/notes.md", "See [the notes](../.." + "/outside/notes.md).");
              write(
                  r,
                  "core/src/Cite.java",
                  "/** " + DOCS_PAGE + "#server-checks step 5, #no-such-" + "anchor. */",
                  "class Cite {}");
              write(
                  r,
                  "core/src/Walk.java",
                  "// looks for shared/" + "testdata/realcerts above the working directory");
            });
    Run run = guard(repo);
    assertThat(run.code()).as(run.output()).isEqualTo(1);
    assertThat(run.output())
        .contains(
            "README.md:2:",
            "core/src/Data.java:2:",
            "bin/run:2:",
            "docs/notes.md:1:",
            "core/src/Cite.java:1: " + DOCS_PAGE + "#no-such-anchor",
            "core/src/Walk.java:1:",
            "name an absolute path of a build machine",
            "name the sibling folder shared/ outside the repository",
            "climb out of the repository",
            "cite a docs anchor that does not exist");
    assertThat(run.output()).doesNotContain("server-checks (no");
  }

  @Test
  void operatorPathsUrlsAndPathsInsideTheRepositoryPass(@TempDir Path dir) throws Exception {
    Path repo =
        repoWith(
            dir,
            r -> {
              write(
                  r,
                  "README.md",
                  "plugin_cmd = \"/opt/tpm-devid/bin/tpm-devid-agent-plugin\"",
                  "devid_cert_path = \"/etc/spire/devid.crt.pem\"",
                  "tpm_device_path = \"/dev/tpmrm0\"",
                  "sockets under /tmp/tpm-devid-1234, binaries in /usr/bin/swtpm",
                  "https://example.org/home/page and ~/" + "work/x and $HOME/" + "work/x",
                  "the ECDH shared secret; see "
                      + DOCS_PAGE
                      + "#server-checks steps 2–14, #go-x509");
              write(
                  r,
                  "server/pom.xml",
                  "<directory>${project.basedir}/../core/src/test/resources</directory>");
              write(
                  r, "docs/more.md", "[checks](protocol.md#server-checks), [design](../README.md)");
            });
    Run run = guard(repo);
    assertThat(run.code()).as(run.output()).isZero();
    assertThat(run.output()).contains("no tracked file names a path outside the repository");
  }
}
