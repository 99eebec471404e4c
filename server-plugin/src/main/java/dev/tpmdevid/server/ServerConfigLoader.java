package dev.tpmdevid.server;

import dev.tpmdevid.plugin.HclConfig;
import dev.tpmdevid.plugin.PluginLog;
import dev.tpmdevid.verifier.AttestedNode;
import dev.tpmdevid.verifier.x509.CrlMode;
import dev.tpmdevid.verifier.x509.RevocationStore;
import dev.tpmdevid.verifier.x509.TrustBundle;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Turns SPIRE's {@code hcl_configuration} (docs/plugin-protocol.md#hcl) into a {@link
 * ServerConfig}.
 *
 * <table>
 *   <caption>Keys</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code devid_ca_path}</td><td>required</td><td>PEM bundle; every certificate is a DevID
 *       trust anchor (docs/protocol.md#server-config)</td></tr>
 *   <tr><td>{@code endorsement_ca_path}</td><td>required</td><td>PEM bundle; every certificate is an
 *       EK trust anchor (put EK intermediates here too, as with the Go server)</td></tr>
 *   <tr><td>{@code challenge_timeout}</td><td>{@code "30s"}</td><td>how long an Attest stream may
 *       wait for the payload and for the challenge response (1s..10m); then DEADLINE_EXCEEDED</td></tr>
 *   <tr><td>{@code max_payload_bytes}</td><td>{@code 65536}</td><td>largest attestation payload,
 *       checked before parsing (8192..4194304; a Go agent sends about 5 KB)</td></tr>
 *   <tr><td>{@code allow_ecc_ek}</td><td>{@code true}</td><td>accept ECC P-256/P-384 EKs (credential
 *       via ECDH + KDFe); the Go server only supports RSA EKs</td></tr>
 *   <tr><td>{@code allow_ecc_ak}</td><td>{@code true}</td><td>accept ECC P-256/P-384 AKs (ECDSA
 *       Certify); the Go server only supports RSA AKs</td></tr>
 *   <tr><td>{@code devid_crl_path}</td><td>unset</td><td>a CRL file or a list of them (PEM or DER)
 *       checked against the DevID chains; unset: no DevID revocation check</td></tr>
 *   <tr><td>{@code endorsement_crl_path}</td><td>unset</td><td>the same for the EK chain</td></tr>
 *   <tr><td>{@code crl_mode}</td><td>{@code "strict"}</td><td>{@code strict}: a certificate no
 *       current CRL of its issuer covers is refused (UNAVAILABLE); {@code best_effort}: accepted with
 *       a warning</td></tr>
 *   <tr><td>{@code crl_grace_period}</td><td>{@code "1h"}</td><td>0s..720h after {@code nextUpdate}
 *       during which a CRL still counts as current</td></tr>
 *   <tr><td>{@code crl_refresh_interval}</td><td>{@code "10s"}</td><td>1s..1h: how often the CRL
 *       files are looked at for changes</td></tr>
 * </table>
 *
 * Unknown keys are reported (a warning in the log, a note from {@code Validate}), as HCL v1 ignores
 * them. Every error is INVALID_ARGUMENT naming the key. Bundles are read and parsed here, once per
 * configuration.
 */
final class ServerConfigLoader {
  static final String DEVID_CA_PATH = "devid_ca_path";
  static final String ENDORSEMENT_CA_PATH = "endorsement_ca_path";
  static final String CHALLENGE_TIMEOUT = "challenge_timeout";
  static final String MAX_PAYLOAD_BYTES = "max_payload_bytes";
  static final String ALLOW_ECC_EK = "allow_ecc_ek";
  static final String ALLOW_ECC_AK = "allow_ecc_ak";
  static final Set<String> KNOWN_KEYS =
      Set.of(
          DEVID_CA_PATH,
          ENDORSEMENT_CA_PATH,
          CHALLENGE_TIMEOUT,
          MAX_PAYLOAD_BYTES,
          ALLOW_ECC_EK,
          ALLOW_ECC_AK,
          "devid_crl_path",
          "endorsement_crl_path",
          "crl_mode",
          "crl_grace_period",
          "crl_refresh_interval");
  static final String DEVID_CRL_PATH = "devid_crl_path";
  static final String ENDORSEMENT_CRL_PATH = "endorsement_crl_path";
  static final String CRL_MODE = "crl_mode";
  static final String CRL_GRACE_PERIOD = "crl_grace_period";
  static final String CRL_REFRESH_INTERVAL = "crl_refresh_interval";
  static final Duration DEFAULT_CRL_GRACE = Duration.ofHours(1);
  static final Duration DEFAULT_CRL_REFRESH = Duration.ofSeconds(10);
  private static final Duration MAX_CRL_GRACE = Duration.ofHours(720);
  private static final PluginLog LOG = PluginLog.get("tpm_devid");

  static final Duration DEFAULT_CHALLENGE_TIMEOUT = Duration.ofSeconds(30);
  static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
  private static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
  private static final int MIN_PAYLOAD = 8 * 1024;
  private static final int MAX_PAYLOAD = 4 * 1024 * 1024;

  /** A bundle file larger than this is refused before reading (a CA bundle is a few KB). */
  private static final long MAX_BUNDLE_FILE_BYTES = 16L * 1024 * 1024;

  /** A parsed configuration and the notes for the operator. */
  record Loaded(ServerConfig config, List<String> notes) {}

  private ServerConfigLoader() {}

  static Loaded load(String trustDomain, String hcl, Clock clock) throws StatusException {
    return load(trustDomain, hcl, clock, true);
  }

  /**
   * As {@link #load(String, String, Clock)}; {@code watch == false} (Validate) reads the CRL files
   * once and does not poll them.
   */
  static Loaded load(String trustDomain, String hcl, Clock clock, boolean watch)
      throws StatusException {
    if (trustDomain == null || trustDomain.isEmpty()) {
      throw invalid("invalid configuration: trust_domain is required");
    }
    if (!AttestedNode.isTrustDomainName(trustDomain)) {
      throw invalid("invalid configuration: trust_domain is not a SPIFFE trust domain name");
    }
    HclConfig c = HclConfig.parse(hcl);
    List<String> notes = new ArrayList<>();
    for (String unknown : c.unknownKeys(KNOWN_KEYS)) {
      notes.add("unknown configuration key ignored: " + unknown);
    }
    String devIdPath = c.requireString(DEVID_CA_PATH);
    String ekPath = c.requireString(ENDORSEMENT_CA_PATH);
    Duration timeout = c.optionalDuration(CHALLENGE_TIMEOUT, DEFAULT_CHALLENGE_TIMEOUT);
    if (timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw invalid("invalid configuration: " + CHALLENGE_TIMEOUT + " must be between 1s and 10m");
    }
    long maxPayload = c.optionalLong(MAX_PAYLOAD_BYTES, DEFAULT_MAX_PAYLOAD_BYTES);
    if (maxPayload < MIN_PAYLOAD || maxPayload > MAX_PAYLOAD) {
      throw invalid(
          "invalid configuration: "
              + MAX_PAYLOAD_BYTES
              + " must be between "
              + MIN_PAYLOAD
              + " and "
              + MAX_PAYLOAD);
    }
    boolean eccEk = c.optionalBoolean(ALLOW_ECC_EK, true);
    boolean eccAk = c.optionalBoolean(ALLOW_ECC_AK, true);
    TrustBundle devIdRoots = loadBundle(DEVID_CA_PATH, "DevID", devIdPath);
    TrustBundle ekRoots = loadBundle(ENDORSEMENT_CA_PATH, "endorsement", ekPath);
    RevocationStore devIdCrls = null;
    RevocationStore ekCrls = null;
    List<String> devIdCrlPaths = pathList(c, DEVID_CRL_PATH);
    List<String> ekCrlPaths = pathList(c, ENDORSEMENT_CRL_PATH);
    String modeName = c.optionalString(CRL_MODE, null);
    CrlMode mode;
    try {
      mode = modeName == null ? CrlMode.STRICT : CrlMode.parse(modeName);
    } catch (IllegalArgumentException e) {
      throw invalid("invalid configuration: " + CRL_MODE + " " + e.getMessage());
    }
    Duration grace = c.optionalDuration(CRL_GRACE_PERIOD, DEFAULT_CRL_GRACE);
    if (grace.isNegative() || grace.compareTo(MAX_CRL_GRACE) > 0) {
      throw invalid("invalid configuration: " + CRL_GRACE_PERIOD + " must be between 0s and 720h");
    }
    Duration refresh = c.optionalDuration(CRL_REFRESH_INTERVAL, DEFAULT_CRL_REFRESH);
    if (refresh.compareTo(Duration.ofSeconds(1)) < 0
        || refresh.compareTo(Duration.ofHours(1)) > 0) {
      throw invalid(
          "invalid configuration: " + CRL_REFRESH_INTERVAL + " must be between 1s and 1h");
    }
    if (devIdCrlPaths.isEmpty() && ekCrlPaths.isEmpty()) {
      for (String k : List.of(CRL_MODE, CRL_GRACE_PERIOD, CRL_REFRESH_INTERVAL)) {
        if (c.has(k)) {
          notes.add(k + " has no effect without " + DEVID_CRL_PATH + " or " + ENDORSEMENT_CRL_PATH);
        }
      }
    }
    try {
      if (!devIdCrlPaths.isEmpty()) {
        devIdCrls =
            openCrls(
                DEVID_CRL_PATH,
                "DevID",
                devIdCrlPaths,
                mode,
                grace,
                watch ? refresh : Duration.ZERO,
                notes);
      }
      if (!ekCrlPaths.isEmpty()) {
        ekCrls =
            openCrls(
                ENDORSEMENT_CRL_PATH,
                "EK",
                ekCrlPaths,
                mode,
                grace,
                watch ? refresh : Duration.ZERO,
                notes);
      }
    } catch (StatusException e) {
      if (devIdCrls != null) {
        devIdCrls.close();
      }
      throw e;
    }
    ServerConfig config =
        new ServerConfig(
            trustDomain,
            devIdRoots,
            ekRoots,
            timeout,
            (int) maxPayload,
            eccEk,
            eccAk,
            clock,
            devIdCrls,
            ekCrls);
    return new Loaded(config, List.copyOf(notes));
  }

  /** A CRL path option: one string or a list of strings; empty when absent. */
  private static List<String> pathList(HclConfig c, String key) throws StatusException {
    List<String> paths =
        c.raw(key) instanceof List
            ? c.optionalStringList(key, List.of())
            : c.has(key) ? List.of(c.requireString(key)) : List.of();
    for (String p : paths) {
      if (p.isEmpty()) {
        throw invalid("invalid configuration: " + key + " must not contain an empty path");
      }
    }
    return paths;
  }

  /**
   * Opens a CRL store: problems found while loading become notes (best effort) or an
   * INVALID_ARGUMENT naming the key (strict); later problems go to the log.
   */
  private static RevocationStore openCrls(
      String key,
      String kind,
      List<String> paths,
      CrlMode mode,
      Duration grace,
      Duration refresh,
      List<String> notes)
      throws StatusException {
    List<Path> files = new ArrayList<>();
    for (String p : paths) {
      try {
        files.add(Paths.get(p));
      } catch (java.nio.file.InvalidPathException e) {
        throw invalid("invalid configuration: " + key + ": invalid path");
      }
    }
    java.util.concurrent.atomic.AtomicBoolean loading =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    Consumer<String> warnings =
        msg -> {
          if (loading.get()) {
            notes.add(key + ": " + msg);
          } else {
            LOG.warn(msg, "option", key);
          }
        };
    try {
      RevocationStore store =
          RevocationStore.open(
              kind, files, mode, grace, refresh, warnings, msg -> LOG.info(msg, "option", key));
      loading.set(false);
      return store;
    } catch (RevocationStore.LoadException e) {
      throw invalid("invalid configuration: " + key + ": " + e.getMessage() + " (crl_mode strict)");
    }
  }

  private static TrustBundle loadBundle(String key, String what, String path)
      throws StatusException {
    try {
      Path p = Paths.get(path);
      if (Files.size(p) > MAX_BUNDLE_FILE_BYTES) {
        throw invalid(
            "invalid configuration: "
                + key
                + ": unable to load "
                + what
                + " trust bundle: file too large");
      }
      return TrustBundle.fromPem(Files.readAllBytes(p));
    } catch (IOException | java.nio.file.InvalidPathException e) {
      throw invalid(
          "invalid configuration: "
              + key
              + ": unable to load "
              + what
              + " trust bundle: cannot read file");
    } catch (CertificateException e) {
      throw invalid(
          "invalid configuration: "
              + key
              + ": unable to load "
              + what
              + " trust bundle: "
              + e.getMessage());
    }
  }

  private static StatusException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asException();
  }
}
