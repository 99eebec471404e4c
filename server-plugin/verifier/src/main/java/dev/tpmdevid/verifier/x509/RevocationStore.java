package dev.tpmdevid.verifier.x509;

import dev.tpmdevid.core.pem.Pem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.CRLReason;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Certificate revocation lists for one kind of chain (DevID or EK), read from files and re-read
 * when they change.
 *
 * <p><b>Check.</b> {@link #check} takes the chains the chain verifier built (leaf first, trust
 * anchor last) and looks at every certificate but a self-issued root: each one is checked against
 * the CRLs whose issuer Name is byte-equal to the certificate's issuer Name <em>and</em> whose
 * signature verifies with the public key of the certificate's issuer in that chain (for a trust
 * anchor that is not self-issued: an anchor of the same bundle that signed it). A serial listed by
 * such a CRL is refused, whether the CRL is current or not. The certificate counts as covered when
 * one of those CRLs is current: {@code thisUpdate} not in the future and {@code nextUpdate} not
 * more than the grace in the past. What happens when a certificate is not covered is the {@link
 * CrlMode}. A trust anchor whose issuer is not in the bundle is trusted as configured (RFC 5280
 * checks no revocation for trust anchors): take it out of the bundle to revoke it.
 *
 * <p><b>Files.</b> A file holds one DER CRL or any number of PEM {@code X509 CRL} blocks. CRLs with
 * critical extensions (delta CRLs, issuing distribution points, indirect CRLs) are refused: their
 * scope would need more than this checker does. A poller (one shared daemon thread) looks at every
 * file each refresh interval: when its modification time or size changed, and anyway every {@value
 * #HASH_EVERY_POLLS} polls, it reads the file and compares its SHA-256; a changed file is parsed
 * and a new immutable snapshot replaces the old one atomically. Checks read the current snapshot
 * and never wait for a reload. A file that disappears or no longer parses keeps its previous CRLs
 * (so a half-written file never un-revokes anything) and is reported; those CRLs still go out of
 * date on their own {@code nextUpdate}.
 *
 * <p>Thread-safe. {@link #close()} stops the polling; a store nobody references stops on its own.
 */
public final class RevocationStore implements AutoCloseable {
  /** Full read + hash at least every this many polls, even when mtime and size look unchanged. */
  static final int HASH_EVERY_POLLS = 6;

  /** A CRL file larger than this is refused before reading. */
  static final long MAX_FILE_BYTES = 64L * 1024 * 1024;

  private static final int MAX_ANCHOR_DEPTH = 8;

  /** Distinct best-effort warnings remembered per snapshot (then they are no longer logged). */
  private static final int MAX_WARNED = 1000;

  private static final String DELTA_OR_SCOPE =
      "has a critical extension (delta, partitioned or" + " indirect CRLs are not supported)";

  private static final ScheduledExecutorService POLLER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "tpm-devid-crl-poller");
            t.setDaemon(true);
            return t;
          });

  private final String kind;
  private final List<Path> files;
  private final CrlMode mode;
  private final Duration grace;
  private final Consumer<String> warnings;
  private final Consumer<String> reloads;
  private final AtomicReference<Snapshot> current = new AtomicReference<>();
  private final Object reloadLock = new Object();

  /** Issuer of a non-self-issued anchor, found among the anchors (per bundle, by anchor DER). */
  private final Map<ByteBuffer, Optional<Cert>> anchorParents = new ConcurrentHashMap<>();

  private volatile ScheduledFuture<?> poll;
  private int pollsSinceHash;

  /** Thrown by {@link #open} in strict mode when a file cannot be used. */
  public static final class LoadException extends Exception {
    private static final long serialVersionUID = 1L;

    LoadException(String message) {
      super(message, null, false, false);
    }
  }

  private RevocationStore(
      String kind,
      List<Path> files,
      CrlMode mode,
      Duration grace,
      Consumer<String> warnings,
      Consumer<String> reloads) {
    this.kind = kind;
    this.files = List.copyOf(files);
    this.mode = mode;
    this.grace = grace;
    this.warnings = warnings;
    this.reloads = reloads;
  }

  /**
   * Reads {@code files} once and, when {@code refresh} is positive, polls them for changes.
   *
   * @param kind {@code "DevID"} or {@code "EK"}, used in messages
   * @param files one or more CRL files (PEM or DER)
   * @param mode what an unusable or missing CRL means
   * @param grace how long after {@code nextUpdate} a CRL still counts as current
   * @param refresh how often the files are looked at ({@link Duration#ZERO}: never, see {@link
   *     #refresh()})
   * @param warnings receives the problems found while loading and, in best-effort mode, what could
   *     not be checked (each distinct message once per snapshot)
   * @throws LoadException in strict mode, when a file cannot be read or holds an unusable CRL (in
   *     best-effort mode that is a warning)
   */
  public static RevocationStore open(
      String kind,
      Collection<Path> files,
      CrlMode mode,
      Duration grace,
      Duration refresh,
      Consumer<String> warnings)
      throws LoadException {
    return open(kind, files, mode, grace, refresh, warnings, message -> {});
  }

  /**
   * As {@link #open(String, Collection, CrlMode, Duration, Duration, Consumer)}; {@code reloads}
   * hears of every file a poll re-read successfully ({@code CRL file … reloaded: N CRLs}).
   */
  public static RevocationStore open(
      String kind,
      Collection<Path> files,
      CrlMode mode,
      Duration grace,
      Duration refresh,
      Consumer<String> warnings,
      Consumer<String> reloads)
      throws LoadException {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(warnings, "warnings");
    if (files == null || files.isEmpty()) {
      throw new IllegalArgumentException("at least one CRL file is required");
    }
    if (grace == null || grace.isNegative() || refresh == null || refresh.isNegative()) {
      throw new IllegalArgumentException("grace and refresh must not be negative");
    }
    Objects.requireNonNull(reloads, "reloads");
    RevocationStore store =
        new RevocationStore(kind, List.copyOf(files), mode, grace, warnings, reloads);
    Snapshot first = store.load(null, true);
    List<String> problems = new ArrayList<>();
    for (FileState f : first.files) {
      if (f.problem != null) {
        problems.add(f.problem);
      }
    }
    if (!problems.isEmpty() && mode == CrlMode.STRICT) {
      throw new LoadException(String.join("; ", problems));
    }
    problems.forEach(warnings);
    store.current.set(first);
    if (!refresh.isZero()) {
      store.schedule(refresh);
    }
    return store;
  }

  public CrlMode mode() {
    return mode;
  }

  public Duration grace() {
    return grace;
  }

  /** Number of CRLs in the current snapshot (for logs and tests). */
  public int crlCount() {
    return current.get().byIssuer.values().stream().mapToInt(List::size).sum();
  }

  /**
   * Checks every certificate of every chain (all must pass, so that no selector comes from a
   * revoked CA). {@code anchors} is the bundle the chains were verified against, {@code now} the
   * time they were verified at (for {@code thisUpdate}/{@code nextUpdate}).
   */
  public RevocationResult check(List<List<Cert>> chains, TrustBundle anchors, Instant now) {
    Snapshot s = current.get();
    Map<String, String> problems = new LinkedHashMap<>(); // warning key (no serial) -> message
    for (List<Cert> chain : chains) {
      int n = chain.size();
      for (int i = 0; i < n; i++) {
        Cert cert = chain.get(i);
        String role =
            i == 0
                ? kind + " certificate"
                : i < n - 1
                    ? kind + " intermediate certificate"
                    : kind + " CA certificate (trust anchor)";
        if (i < n - 1) {
          RevocationResult.Revoked r = checkOne(s, cert, chain.get(i + 1), role, now, problems);
          if (r != null) {
            return r;
          }
          continue;
        }
        // The anchor, then the anchors above it, as long as they are not self-issued.
        Cert c = cert;
        for (int depth = 0; depth < MAX_ANCHOR_DEPTH && !selfIssued(c); depth++) {
          Cert parent = anchorParent(c, anchors);
          if (parent == null) {
            break; // trusted as configured: RFC 5280 checks no revocation for a trust anchor
          }
          RevocationResult.Revoked r = checkOne(s, c, parent, role, now, problems);
          if (r != null) {
            return r;
          }
          c = parent;
          role = kind + " CA certificate (trust anchor)";
        }
      }
    }
    if (problems.isEmpty()) {
      return new RevocationResult.Ok(List.of());
    }
    if (mode == CrlMode.STRICT) {
      return new RevocationResult.Unavailable(
          "cannot check revocation: " + problems.values().iterator().next() + " (CRL mode strict)");
    }
    for (Map.Entry<String, String> p : problems.entrySet()) {
      // One warning per issuer and problem per snapshot (not per agent), bounded.
      if (s.warned.size() < MAX_WARNED && s.warned.add(p.getKey())) {
        warnings.accept("CRL check skipped (CRL mode best_effort): " + p.getValue());
      }
    }
    return new RevocationResult.Ok(List.copyOf(problems.values()));
  }

  /**
   * A revocation of {@code cert}, or null (adding to {@code problems} what could not be checked).
   */
  private RevocationResult.Revoked checkOne(
      Snapshot s, Cert cert, Cert issuer, String role, Instant now, Map<String, String> problems) {
    List<CrlEntry> candidates =
        s.byIssuer.getOrDefault(ByteBuffer.wrap(cert.rawIssuer()), List.of());
    if (candidates.isEmpty()) {
      problem(problems, role, cert, "no CRL from its issuer");
      return null;
    }
    PublicKey issuerKey = issuer.x509().getPublicKey();
    BigInteger serial = cert.x509().getSerialNumber();
    boolean signed = false;
    boolean currentCrl = false;
    Instant latestNext = null;
    for (CrlEntry e : candidates) {
      if (!e.signedBy(issuerKey)) {
        continue;
      }
      signed = true;
      X509CRLEntry revoked = e.crl.getRevokedCertificate(serial);
      if (revoked != null) {
        return new RevocationResult.Revoked(revokedMessage(role, cert, revoked), serial);
      }
      if (e.currentAt(now, grace)) {
        currentCrl = true;
      } else if (e.nextUpdate != null && (latestNext == null || e.nextUpdate.isAfter(latestNext))) {
        latestNext = e.nextUpdate;
      }
    }
    if (!signed) {
      problem(
          problems,
          role,
          cert,
          "the CRL from its issuer's name is not signed by the" + " issuer's key");
    } else if (!currentCrl) {
      problem(
          problems,
          role,
          cert,
          "the CRL of its issuer is out of date ("
              + (latestNext == null ? "no valid nextUpdate" : "nextUpdate " + latestNext)
              + ", grace "
              + grace
              + ")");
    }
    return null;
  }

  private static void problem(Map<String, String> problems, String role, Cert cert, String what) {
    String issuer = cert.x509().getIssuerX500Principal().getName();
    problems.putIfAbsent(role + "|" + issuer + "|" + what, describe(role, cert) + ": " + what);
  }

  private static String revokedMessage(String role, Cert cert, X509CRLEntry entry) {
    StringBuilder b =
        new StringBuilder(role)
            .append(" revoked: serial ")
            .append(serialHex(cert.x509().getSerialNumber()))
            .append(" (issuer \"")
            .append(cert.x509().getIssuerX500Principal().getName())
            .append("\") is listed in a CRL of its issuer");
    if (entry.getRevocationDate() != null) {
      b.append(", revoked ").append(entry.getRevocationDate().toInstant());
    }
    CRLReason reason = entry.getRevocationReason();
    if (reason != null) {
      b.append(", reason ").append(reason.name());
    }
    return b.toString();
  }

  private static String describe(String role, Cert cert) {
    return role
        + " serial "
        + serialHex(cert.x509().getSerialNumber())
        + " (issuer \""
        + cert.x509().getIssuerX500Principal().getName()
        + "\")";
  }

  /** {@code 0x} and lowercase hex, as in every message of this class. */
  public static String serialHex(BigInteger serial) {
    return (serial.signum() < 0 ? "-0x" : "0x") + serial.abs().toString(16);
  }

  private static boolean selfIssued(Cert c) {
    return Arrays.equals(c.rawIssuer(), c.rawSubject());
  }

  private Cert anchorParent(Cert anchor, TrustBundle anchors) {
    return anchorParents
        .computeIfAbsent(
            ByteBuffer.wrap(anchor.derUnsafe()),
            k -> {
              for (TrustBundle.Anchor a : anchors.bySubject(anchor.rawIssuer())) {
                try {
                  anchor.x509().verify(a.cert().x509().getPublicKey());
                  return Optional.of(a.cert());
                } catch (GeneralSecurityException | RuntimeException e) {
                  // not this one
                }
              }
              return Optional.empty();
            })
        .orElse(null);
  }

  // ---------------------------------------------------------------- loading

  /** Re-reads changed files now and swaps in a new snapshot when anything changed. */
  public void refresh() {
    synchronized (reloadLock) {
      boolean hash = ++pollsSinceHash >= HASH_EVERY_POLLS;
      if (hash) {
        pollsSinceHash = 0;
      }
      Snapshot old = current.get();
      Snapshot next = load(old, hash);
      if (next != old) {
        current.set(next);
        for (int i = 0; i < next.files.size(); i++) {
          FileState f = next.files.get(i);
          if (f.problem != null && !f.problem.equals(old.files.get(i).problem)) {
            warnings.accept(f.problem + (f.crls.isEmpty() ? "" : "; keeping its previous CRLs"));
          } else if (f.problem == null && f.crls != old.files.get(i).crls) {
            reloads.accept(
                "CRL file "
                    + f.path
                    + " reloaded: "
                    + f.crls.size()
                    + " CRL"
                    + (f.crls.size() == 1 ? "" : "s"));
          }
        }
      }
    }
  }

  /** A new snapshot, or {@code previous} itself when no file changed. */
  private Snapshot load(Snapshot previous, boolean forceHash) {
    List<FileState> states = new ArrayList<>(files.size());
    boolean changed = previous == null;
    for (int i = 0; i < files.size(); i++) {
      FileState before = previous == null ? null : previous.files.get(i);
      FileState after = loadFile(files.get(i), before, forceHash);
      changed |= after != before;
      states.add(after);
    }
    return changed ? new Snapshot(states) : previous;
  }

  private FileState loadFile(Path path, FileState before, boolean forceHash) {
    List<CrlEntry> keep = before == null ? List.of() : before.crls;
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (IOException | RuntimeException e) {
      return sameProblem(before, path, keep, "CRL file " + path + ": cannot read file");
    }
    long mtime = attrs.lastModifiedTime().toMillis();
    long size = attrs.size();
    if (before != null
        && before.sha256 != null
        && !forceHash
        && before.mtime == mtime
        && before.size == size) {
      return before;
    }
    if (size > MAX_FILE_BYTES) {
      return sameProblem(before, path, keep, "CRL file " + path + ": file too large");
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (IOException | RuntimeException e) {
      return sameProblem(before, path, keep, "CRL file " + path + ": cannot read file");
    }
    byte[] sha = sha256(bytes);
    if (before != null && before.sha256 != null && Arrays.equals(before.sha256, sha)) {
      return before.mtime == mtime && before.size == size
          ? before
          : new FileState(path, mtime, size, sha, before.crls, null);
    }
    try {
      return new FileState(path, mtime, size, sha, parse(bytes, path.toString()), null);
    } catch (CRLException e) {
      return sameProblem(before, path, keep, "CRL file " + path + ": " + e.getMessage());
    }
  }

  /** A problem state keeping the previous CRLs; {@code before} itself when nothing changed. */
  private static FileState sameProblem(
      FileState before, Path path, List<CrlEntry> keep, String problem) {
    if (before != null && problem.equals(before.problem)) {
      return before;
    }
    return new FileState(
        path,
        before == null ? -1 : before.mtime,
        before == null ? -1 : before.size,
        null,
        keep,
        problem);
  }

  /** The CRLs of one file: PEM {@code X509 CRL} blocks, or else one DER CRL. */
  static List<CrlEntry> parse(byte[] bytes, String source) throws CRLException {
    List<byte[]> ders = Pem.decode(bytes, "X509 CRL");
    if (ders.isEmpty()) {
      if (new String(
              bytes, 0, Math.min(bytes.length, 4096), java.nio.charset.StandardCharsets.ISO_8859_1)
          .contains("-----BEGIN ")) {
        throw new CRLException("no X509 CRL block in PEM file");
      }
      ders = List.of(bytes);
    }
    List<CrlEntry> out = new ArrayList<>(ders.size());
    CertificateFactory cf;
    try {
      cf = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new CRLException("X.509 not available");
    }
    for (int i = 0; i < ders.size(); i++) {
      String where = ders.size() == 1 ? "" : "CRL " + i + ": ";
      byte[] der = ders.get(i);
      CRL crl;
      try {
        crl = cf.generateCRL(new ByteArrayInputStream(der));
      } catch (CRLException | RuntimeException e) {
        throw new CRLException(where + "malformed CRL");
      }
      if (!(crl instanceof X509CRL x) || !Arrays.equals(encoded(x), der)) {
        throw new CRLException(where + "malformed CRL (not a single DER X.509 CRL)");
      }
      Set<String> critical = x.getCriticalExtensionOIDs();
      if (critical != null && !critical.isEmpty()) {
        throw new CRLException(where + "CRL " + DELTA_OR_SCOPE);
      }
      Set<? extends X509CRLEntry> revoked = x.getRevokedCertificates();
      if (revoked != null) {
        for (X509CRLEntry e : revoked) {
          Set<String> ec = e.getCriticalExtensionOIDs();
          if (ec != null && !ec.isEmpty()) {
            throw new CRLException(where + "CRL entry " + DELTA_OR_SCOPE);
          }
        }
      }
      out.add(new CrlEntry(x, source));
    }
    return List.copyOf(out);
  }

  private static byte[] encoded(X509CRL crl) {
    try {
      return crl.getEncoded();
    } catch (CRLException e) {
      return new byte[0];
    }
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- polling

  private void schedule(Duration every) {
    long ms = Math.max(1, every.toMillis());
    WeakReference<RevocationStore> ref = new WeakReference<>(this);
    Poll task = new Poll(ref);
    task.future = POLLER.scheduleWithFixedDelay(task, ms, ms, TimeUnit.MILLISECONDS);
    this.poll = task.future;
  }

  /** Holds the store weakly, so an abandoned store stops polling once collected. */
  private static final class Poll implements Runnable {
    private final WeakReference<RevocationStore> ref;
    volatile ScheduledFuture<?> future;

    Poll(WeakReference<RevocationStore> ref) {
      this.ref = ref;
    }

    @Override
    public void run() {
      RevocationStore s = ref.get();
      if (s == null) {
        ScheduledFuture<?> f = future;
        if (f != null) {
          f.cancel(false);
        }
        return;
      }
      try {
        s.refresh();
      } catch (RuntimeException e) {
        s.warnings.accept("CRL reload failed: " + e.getClass().getSimpleName());
      }
    }
  }

  /** Stops polling (idempotent); checks keep using the last snapshot. */
  @Override
  public void close() {
    ScheduledFuture<?> f = poll;
    if (f != null) {
      f.cancel(false);
    }
  }

  // ---------------------------------------------------------------- snapshot

  /** One parsed CRL with its verification results per issuer key. */
  static final class CrlEntry {
    final X509CRL crl;
    final String source;
    final Instant thisUpdate;
    final Instant nextUpdate;
    private final byte[] rawIssuer;
    private final Map<ByteBuffer, Boolean> signedBy = new ConcurrentHashMap<>();

    CrlEntry(X509CRL crl, String source) {
      this.crl = crl;
      this.source = source;
      this.thisUpdate = crl.getThisUpdate().toInstant();
      this.nextUpdate = crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant();
      this.rawIssuer = crl.getIssuerX500Principal().getEncoded();
    }

    boolean signedBy(PublicKey key) {
      return signedBy.computeIfAbsent(
          ByteBuffer.wrap(key.getEncoded()),
          k -> {
            try {
              crl.verify(key);
              return true;
            } catch (GeneralSecurityException | RuntimeException e) {
              return false;
            }
          });
    }

    boolean currentAt(Instant now, Duration grace) {
      return nextUpdate != null
          && !thisUpdate.isAfter(now.plus(grace))
          && !now.isAfter(nextUpdate.plus(grace));
    }
  }

  private static final class FileState {
    final Path path;
    final long mtime;
    final long size;
    final byte[] sha256;
    final List<CrlEntry> crls;
    final String problem;

    FileState(
        Path path, long mtime, long size, byte[] sha256, List<CrlEntry> crls, String problem) {
      this.path = path;
      this.mtime = mtime;
      this.size = size;
      this.sha256 = sha256;
      this.crls = crls;
      this.problem = problem;
    }
  }

  private static final class Snapshot {
    final List<FileState> files;
    final Map<ByteBuffer, List<CrlEntry>> byIssuer;
    final Set<String> warned = ConcurrentHashMap.newKeySet();

    Snapshot(List<FileState> files) {
      this.files = List.copyOf(files);
      Map<ByteBuffer, List<CrlEntry>> index = new HashMap<>();
      for (FileState f : files) {
        for (CrlEntry e : f.crls) {
          index.computeIfAbsent(ByteBuffer.wrap(e.rawIssuer), k -> new ArrayList<>()).add(e);
        }
      }
      index.replaceAll((k, v) -> List.copyOf(v));
      this.byIssuer = Collections.unmodifiableMap(index);
    }
  }
}
