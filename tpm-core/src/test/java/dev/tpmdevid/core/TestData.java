package dev.tpmdevid.core;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The vendored test data of {@code tpm-core/src/test/resources/testdata/} ({@code realcerts/},
 * {@code wycheproof/}, each with a {@code PROVENANCE.md}). Missing data is a test failure that
 * names the file, never a skip.
 */
public final class TestData {
  private TestData() {}

  /** The directory {@code testdata/<name>} on the test class path, e.g. {@code realcerts}. */
  public static Path dir(String name) {
    String marker = "/testdata/" + name + "/PROVENANCE.md";
    URL url = TestData.class.getResource(marker);
    if (url == null || !"file".equals(url.getProtocol())) {
      throw new AssertionError(
          "test data missing: "
              + marker.substring(1)
              + " is not on the test class path as a file (it lives in"
              + " tpm-core/src/test/resources"
              + marker
              + ")");
    }
    try {
      return Path.of(url.toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new AssertionError("test data: bad location " + url, e);
    }
  }

  /** A file below {@code testdata/<name>}; fails naming the file when it is not there. */
  public static Path file(String name, String relative) {
    Path p = dir(name).resolve(relative);
    if (!Files.isReadable(p)) {
      throw new AssertionError(
          "test data missing: testdata/" + name + "/" + relative + " (expected at " + p + ")");
    }
    return p;
  }
}
