package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fast per-test TPMs: each distinct TPM configuration ({@link ProvisionOptions#tpmPart()}) is
 * manufactured <b>once per cache</b> (EK certificates + DevID, by {@link Provisioner}) into a golden
 * state dir; every {@link #start} then launches a new swtpm from a <b>copy</b> of that state. All copies
 * share the seeds, EKs and SPS, so the DevID blobs load on every copy (spec 04 §7.1). The DevID
 * certificate is re-issued per start when the options ask for another CN, validity or issuer.
 *
 * <p>Thread-safe: concurrent starts of the same configuration manufacture it once. One line in a test:
 * <pre>{@code try (ProvisionedTpm tpm = ProvisionCache.shared().start(ProvisionOptions.defaults())) { ... }}</pre>
 */
public final class ProvisionCache {

    private static final ProvisionCache SHARED = new ProvisionCache();

    private final ConcurrentMap<ProvisionOptions, CompletableFuture<Golden>> goldens = new ConcurrentHashMap<>();
    private final AtomicInteger manufactured = new AtomicInteger();
    private volatile Path root;

    /** A golden TPM state and what was provisioned into it. */
    private record Golden(Path stateDir, ProvisionedTpm provisioned, long manufactureNanos) {
    }

    /** A cache of its own (its golden states live until JVM exit). Most tests want {@link #shared()}. */
    public ProvisionCache() {
    }

    /** The JVM-wide cache. */
    public static ProvisionCache shared() {
        return SHARED;
    }

    /** {@link #start(ProvisionOptions, Swtpm.Transport)} on TCP (usable by TSS.Java, our agent and tpm2-tools). */
    public ProvisionedTpm start(ProvisionOptions options) {
        return start(options, Swtpm.Transport.TCP);
    }

    /**
     * A running swtpm, started from a copy of the golden state for {@code options}, with its own files
     * directory. The caller closes it (stops the swtpm, deletes its state copy and files).
     */
    public ProvisionedTpm start(ProvisionOptions options, Swtpm.Transport transport) {
        Objects.requireNonNull(options, "options");
        Golden golden = golden(options.tpmPart());
        Swtpm swtpm = null;
        Path files = null;
        try {
            swtpm = Swtpm.startFromCopy(golden.stateDir(), transport);
            files = Files.createTempDirectory(root(), "tpm-");
            Swtpm running = swtpm;
            Path dir = files;
            return Provisioner.copyOf(golden.provisioned(), options, swtpm, files, () -> {
                try {
                    running.close();
                } finally {
                    deleteTree(dir);
                }
            });
        } catch (IOException | RuntimeException e) {
            if (swtpm != null) {
                swtpm.close();
            }
            if (files != null) {
                deleteTree(files);
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot start swtpm from the golden state of " + options, io);
            }
            throw (RuntimeException) e;
        }
    }

    /** Nanoseconds it took to manufacture the golden state of {@code options} (manufacturing it if needed). */
    public long manufactureNanos(ProvisionOptions options) {
        return golden(options.tpmPart()).manufactureNanos();
    }

    private Golden golden(ProvisionOptions tpmPart) {
        CompletableFuture<Golden> mine = new CompletableFuture<>();
        CompletableFuture<Golden> existing = goldens.putIfAbsent(tpmPart, mine);
        if (existing == null) {
            try {
                mine.complete(manufacture(tpmPart));
            } catch (RuntimeException | Error e) {
                goldens.remove(tpmPart, mine); // let a later call retry
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

    private Golden manufacture(ProvisionOptions options) {
        manufactured.incrementAndGet();
        long start = System.nanoTime();
        try {
            Path dir = Files.createTempDirectory(root(), "golden-");
            Path state = Files.createDirectory(dir.resolve("state"));
            ProvisionedTpm provisioned;
            try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.TCP)) {
                try (TpmConnection connection = ProvisionedTpm.connect(swtpm.devicePath())) {
                    provisioned = Provisioner.provision(connection.tpm(), swtpm.devicePath(), options,
                            dir.resolve("files"));
                }
                swtpm.stop(); // SIGTERM: swtpm writes its state
                copyFiles(swtpm.stateDir(), state);
            }
            return new Golden(state, provisioned, System.nanoTime() - start);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot manufacture a TPM for " + options, e);
        }
    }

    private Path root() throws IOException {
        Path r = root;
        if (r == null) {
            synchronized (this) {
                if (root == null) {
                    Path created = Files.createTempDirectory("tpm-devid-provision-");
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(created), "provision-cache-cleanup"));
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

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
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
            // best effort: temp files
        }
    }
}
