package dev.tpmdevid.server;

import dev.tpmdevid.plugin.HclConfig;
import dev.tpmdevid.verifier.AttestedNode;
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

/**
 * Turns SPIRE's {@code hcl_configuration} (docs/plugin-protocol.md#hcl) into a {@link ServerConfig}.
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
      Set.of(DEVID_CA_PATH, ENDORSEMENT_CA_PATH, CHALLENGE_TIMEOUT, MAX_PAYLOAD_BYTES,
          ALLOW_ECC_EK, ALLOW_ECC_AK);

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
      throw invalid("invalid configuration: " + MAX_PAYLOAD_BYTES + " must be between "
          + MIN_PAYLOAD + " and " + MAX_PAYLOAD);
    }
    boolean eccEk = c.optionalBoolean(ALLOW_ECC_EK, true);
    boolean eccAk = c.optionalBoolean(ALLOW_ECC_AK, true);
    TrustBundle devIdRoots = loadBundle(DEVID_CA_PATH, "DevID", devIdPath);
    TrustBundle ekRoots = loadBundle(ENDORSEMENT_CA_PATH, "endorsement", ekPath);
    ServerConfig config = new ServerConfig(trustDomain, devIdRoots, ekRoots, timeout,
        (int) maxPayload, eccEk, eccAk, clock);
    return new Loaded(config, List.copyOf(notes));
  }

  private static TrustBundle loadBundle(String key, String what, String path)
      throws StatusException {
    try {
      Path p = Paths.get(path);
      if (Files.size(p) > MAX_BUNDLE_FILE_BYTES) {
        throw invalid("invalid configuration: " + key + ": unable to load " + what
            + " trust bundle: file too large");
      }
      return TrustBundle.fromPem(Files.readAllBytes(p));
    } catch (IOException | java.nio.file.InvalidPathException e) {
      throw invalid("invalid configuration: " + key + ": unable to load " + what
          + " trust bundle: cannot read file");
    } catch (CertificateException e) {
      throw invalid("invalid configuration: " + key + ": unable to load " + what
          + " trust bundle: " + e.getMessage());
    }
  }

  private static StatusException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asException();
  }
}
