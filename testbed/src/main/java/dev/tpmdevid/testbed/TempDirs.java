package dev.tpmdevid.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Removal of the temporary directories the testbed creates (swtpm state, provisioned files, demo
 * runs).
 */
public final class TempDirs {

  private TempDirs() {}

  /** Deletes {@code dir} and everything below it; a missing directory is fine. */
  public static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete temporary directory " + dir, e);
    }
  }

  /**
   * As {@link #delete} but best effort, for cleanup paths that must not fail (shutdown hooks,
   * close).
   */
  public static void deleteQuietly(Path dir) {
    try {
      delete(dir);
    } catch (UncheckedIOException e) {
      // best effort: what is left is in a temporary directory
    }
  }
}
