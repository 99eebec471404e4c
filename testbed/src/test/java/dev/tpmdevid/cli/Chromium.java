package dev.tpmdevid.cli;

import dev.tpmdevid.testbed.TempDirs;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium (Debian's {@code chromium}, installed by bin/test) for the HTML trace tests:
 * each call starts its own browser with a fresh profile in a temporary directory, offline, and
 * stops it by process id.
 */
final class Chromium {
  /**
   * What one page load gave: the DOM after the page's scripts ran, and the browser's stderr
   * (console).
   */
  record Page(String dom, String console) {
    /** Script errors: caught by the page's window.onerror, or logged as uncaught by the browser. */
    List<String> scriptErrors() {
      List<String> errors = new ArrayList<>();
      if (dom.contains("data-script=\"error\"")) {
        errors.add("window.onerror fired: " + between(dom, "<pre id=\"js-errors\">", "</pre>"));
      }
      for (String line : console.split("\n")) {
        if (line.contains("Uncaught") || (line.contains(":CONSOLE(") && line.contains("rror"))) {
          errors.add(line.strip());
        }
      }
      if (!dom.contains("data-script=\"ok\"")) {
        errors.add("the page's script did not finish (no data-script=\"ok\" on <body>)");
      }
      return errors;
    }
  }

  private static final long TIMEOUT_SECONDS = 120;

  private Chromium() {}

  /** The {@code chromium} binary on PATH; fails naming the package when it is missing. */
  static String binary() {
    String path = System.getenv("PATH");
    for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
      Path p = Path.of(dir, "chromium");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new AssertionError(
        "chromium is not installed (bin/test installs it: apt-get install -y chromium)");
  }

  /** Loads {@code html} and returns the DOM after its scripts ran. */
  static Page load(Path html) throws Exception {
    Path tmp = Files.createTempDirectory("tpmdevid-chromium-");
    try {
      Path out = tmp.resolve("dom.html");
      Path err = tmp.resolve("stderr.txt");
      run(
          tmp,
          out,
          err,
          "--enable-logging=stderr",
          "--v=0",
          "--virtual-time-budget=5000",
          "--dump-dom",
          html.toUri().toString());
      return new Page(
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      TempDirs.deleteQuietly(tmp);
    }
  }

  /** Saves a PNG screenshot of {@code html} at {@code width x height}. */
  static void screenshot(Path html, Path png, int width, int height) throws Exception {
    Files.createDirectories(png.toAbsolutePath().getParent());
    Files.deleteIfExists(png);
    Path tmp = Files.createTempDirectory("tpmdevid-chromium-");
    try {
      run(
          tmp,
          tmp.resolve("out.txt"),
          tmp.resolve("stderr.txt"),
          "--hide-scrollbars",
          "--window-size=" + width + "," + height,
          "--virtual-time-budget=5000",
          "--screenshot=" + png.toAbsolutePath(),
          html.toUri().toString());
    } finally {
      TempDirs.deleteQuietly(tmp);
    }
    if (!Files.isRegularFile(png) || Files.size(png) == 0) {
      throw new AssertionError("chromium wrote no screenshot " + png);
    }
  }

  private static void run(Path tmp, Path out, Path err, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + tmp.resolve("profile")));
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new AssertionError(
            "chromium did not finish within " + TIMEOUT_SECONDS + " s: " + cmd);
      }
      if (p.exitValue() != 0) {
        throw new AssertionError("chromium exited " + p.exitValue() + ": " + tail(err));
      }
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String tail(Path f) throws IOException {
    String s = Files.readString(f, StandardCharsets.UTF_8);
    return s.length() <= 2000 ? s : s.substring(s.length() - 2000);
  }

  static String between(String s, String from, String to) {
    int i = s.indexOf(from);
    if (i < 0) {
      return "";
    }
    int j = s.indexOf(to, i + from.length());
    return j < 0 ? s.substring(i + from.length()) : s.substring(i + from.length(), j);
  }
}
