package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.TempDirs;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fast per-test TPMs: each distinct TPM configuration ({@link ProvisionOptions#tpmPart()}) is
 * manufactured <b>once per cache</b> (EK certificates + DevID, by {@link Provisioner}) into a
 * golden state dir; every {@link #start} then launches a new swtpm from a <b>copy</b> of that
 * state. All copies share the seeds, EKs and SPS, so the DevID blobs load on every copy
 * (docs/tpm-access.md#state-copies). The DevID certificate is re-issued per start when the options
 * ask for another CN, validity or issuer. All TPMs with the same {@link
 * ProvisionOptions#caKeyType()} share one {@link TestPki} (per JVM).
 *
 * <p>Thread-safe: concurrent starts of the same configuration manufacture it once. One line in a
 * test:
 *
 * <pre>
 * {@code try (ProvisionedTpm tpm = ProvisionCache.shared().start(ProvisionOptions.defaults())) { ... }}
 * </pre>
 */
public final class ProvisionCache {

  private static final ProvisionCache SHARED = new ProvisionCache();

  private final ConcurrentMap<Key, CompletableFuture<Golden>> goldens = new ConcurrentHashMap<>();
  private final AtomicInteger manufactured = new AtomicInteger();

  /** JVM-wide: RSA key generation for four CAs costs 0.5–10 s depending on load. */
  private static final ConcurrentMap<KeyType, TestPki> PKIS = new ConcurrentHashMap<>();

  private volatile Path root;

  /** How a golden state is manufactured. */
  public enum Method {
    /** {@link Provisioner}: TSS.Java + Bouncy Castle, CAs from {@link #pki(KeyType)}. */
    JAVA,
    /**
     * {@link ToolsProvisioner}: tpm2-tools + openssl, CAs made by openssl for this golden state.
     */
    TOOLS
  }

  private record Key(Method method, ProvisionOptions tpmPart) {}

  /** A golden TPM state and what was provisioned into it. */
  private record Golden(Path stateDir, ProvisionedTpm provisioned, long manufactureNanos) {}

  /**
   * A cache of its own (its golden states live until JVM exit). Most tests want {@link #shared()}.
   */
  public ProvisionCache() {}

  /** The JVM-wide cache. */
  public static ProvisionCache shared() {
    return SHARED;
  }

  /**
   * {@link #start(ProvisionOptions, Swtpm.Transport)} on TCP (usable by TSS.Java, our agent and
   * tpm2-tools).
   */
  public ProvisionedTpm start(ProvisionOptions options) {
    return start(options, Swtpm.Transport.TCP);
  }

  /**
   * A running swtpm, started from a copy of the golden state for {@code options}, with its own
   * files directory. The caller closes it (stops the swtpm, deletes its state copy and files).
   */
  public ProvisionedTpm start(ProvisionOptions options, Swtpm.Transport transport) {
    return start(options, transport, Method.JAVA);
  }

  /**
   * As {@link #start(ProvisionOptions, Swtpm.Transport)}, from a golden state manufactured by
   * {@code method}: {@link Method#TOOLS} gives DevIDs, EK certificates and CAs made by tpm2-tools
   * and openssl. (A re-issued DevID certificate, for other certificate choices, is signed in Java
   * with the openssl CA's key.)
   */
  public ProvisionedTpm start(ProvisionOptions options, Swtpm.Transport transport, Method method) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(method, "method");
    Golden golden = golden(new Key(method, options.tpmPart()));
    Swtpm swtpm = null;
    Path files = null;
    try {
      swtpm = Swtpm.startFromCopy(golden.stateDir(), transport);
      files = Files.createTempDirectory(root(), "tpm-");
      Swtpm running = swtpm;
      Path dir = files;
      return Provisioner.copyOf(
          golden.provisioned(),
          options,
          swtpm,
          files,
          () -> {
            try {
              running.close();
            } finally {
              TempDirs.deleteQuietly(dir);
            }
          });
    } catch (IOException | RuntimeException e) {
      if (swtpm != null) {
        swtpm.close();
      }
      if (files != null) {
        TempDirs.deleteQuietly(files);
      }
      if (e instanceof IOException io) {
        throw new UncheckedIOException(
            "cannot start swtpm from the golden state of " + options, io);
      }
      throw (RuntimeException) e;
    }
  }

  /**
   * Nanoseconds it took to manufacture the Java-made golden state of {@code options} (manufacturing
   * it if needed).
   */
  public long manufactureNanos(ProvisionOptions options) {
    return manufactureNanos(options, Method.JAVA);
  }

  /** Nanoseconds it took to manufacture the golden state of {@code options} with {@code method}. */
  public long manufactureNanos(ProvisionOptions options, Method method) {
    return golden(new Key(method, options.tpmPart())).manufactureNanos();
  }

  private Golden golden(Key key) {
    CompletableFuture<Golden> mine = new CompletableFuture<>();
    CompletableFuture<Golden> existing = goldens.putIfAbsent(key, mine);
    if (existing == null) {
      try {
        mine.complete(manufacture(key));
      } catch (RuntimeException | Error e) {
        goldens.remove(key, mine); // let a later call retry
        mine.completeExceptionally(e);
      }
      existing = mine;
    }
    try {
      return existing.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw e;
    }
  }

  /** How many golden states this cache has manufactured so far. */
  public int manufacturedCount() {
    return manufactured.get();
  }

  /**
   * The test CAs of every TPM manufactured by any cache in this JVM with CA keys of {@code
   * caKeyType} (created once: RSA key generation is slow). Tests that need a foreign manufacturer
   * or DevID CA create their own {@link TestPki}.
   */
  public TestPki pki(KeyType caKeyType) {
    return PKIS.computeIfAbsent(caKeyType, TestPki::create);
  }

  private Golden manufacture(Key key) {
    ProvisionOptions options = key.tpmPart();
    manufactured.incrementAndGet();
    long start = System.nanoTime();
    try {
      Path dir = Files.createTempDirectory(root(), "golden-");
      Path state = Files.createDirectory(dir.resolve("state"));
      ProvisionedTpm provisioned;
      try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.TCP)) {
        if (key.method() == Method.TOOLS) {
          provisioned = ToolsProvisioner.provision(swtpm, options, dir.resolve("files"));
        } else {
          try (TpmConnection connection = swtpm.connect()) {
            provisioned =
                Provisioner.provision(
                    connection.tpm(),
                    swtpm.devicePath(),
                    options,
                    pki(options.caKeyType()),
                    dir.resolve("files"));
          }
        }
        swtpm.stop(); // SIGTERM: swtpm writes its state
        copyFiles(swtpm.stateDir(), state);
      }
      return new Golden(state, provisioned, System.nanoTime() - start);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot manufacture a TPM (" + key.method() + ") for " + options, e);
    }
  }

  private Path root() throws IOException {
    Path r = root;
    if (r == null) {
      synchronized (this) {
        if (root == null) {
          Path created = Files.createTempDirectory("tpm-devid-provision-");
          Runtime.getRuntime()
              .addShutdownHook(
                  new Thread(() -> TempDirs.deleteQuietly(created), "provision-cache-cleanup"));
          root = created;
        }
        r = root;
      }
    }
    return r;
  }

  private static void copyFiles(Path from, Path to) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
      for (Path f : files) {
        if (Files.isRegularFile(f) && !f.getFileName().toString().equals(".lock")) {
          Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
