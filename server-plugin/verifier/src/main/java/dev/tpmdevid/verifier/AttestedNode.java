package dev.tpmdevid.verifier;

import dev.tpmdevid.verifier.x509.Cert;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A node that passed every check: its identity as SPIRE's tpm_devid server derives it from the
 * DevID certificate (docs/protocol.md#spiffe-id). Immutable and thread-safe.
 */
public final class AttestedNode {
  /** SPIFFE trust domain name characters (lower case letters, digits, '.', '-', '_'). */
  private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]+");

  private final Cert devIdLeaf;
  private final List<String> selectors;

  AttestedNode(Cert devIdLeaf, List<String> selectors) {
    this.devIdLeaf = devIdLeaf;
    this.selectors = List.copyOf(selectors);
  }

  /**
   * The agent's SPIFFE ID in {@code trustDomain}: {@code
   * spiffe://<trustDomain>/spire/agent/tpm_devid/<SHA-1 hex of the DevID certificate DER>}.
   *
   * @throws IllegalArgumentException when {@code trustDomain} is not a SPIFFE trust domain name
   */
  public String agentId(String trustDomain) {
    Objects.requireNonNull(trustDomain, "trustDomain");
    if (!isTrustDomainName(trustDomain)) {
      throw new IllegalArgumentException(
          "not a trust domain name (lower case letters, digits,"
              + " '.', '-', '_'): "
              + trustDomain);
    }
    return AgentIdentity.spiffeId(trustDomain, devIdLeaf);
  }

  /** True when {@code name} is a SPIFFE trust domain name (what {@link #agentId} accepts). */
  public static boolean isTrustDomainName(String name) {
    return name != null && TRUST_DOMAIN.matcher(name).matches();
  }

  /**
   * The selector values in SPIRE's order, without the selector type (SPIRE prefixes them with the
   * plugin name, {@code tpm_devid:}): {@code subject:cn:<CN>}, {@code issuer:cn:<CN>} (each only
   * when not empty) and {@code ca:fingerprint:<SHA-1 hex>} for every CA certificate of every
   * verified DevID chain. Unmodifiable.
   */
  public List<String> selectors() {
    return selectors;
  }

  /** The verified DevID certificate (the leaf the agent presented). */
  public X509Certificate devIdCertificate() {
    return devIdLeaf.x509();
  }

  @Override
  public String toString() {
    return "AttestedNode[" + devIdLeaf.fingerprint() + ", " + selectors + "]";
  }
}
