package dev.tpmdevid.verifier.x509;

import java.util.Locale;

/**
 * What the verifier does when it cannot tell whether a certificate is revoked: no CRL from the
 * certificate's issuer, a CRL that is out of date (past {@code nextUpdate} plus the grace), one
 * that is not signed by the issuer's key, or a CRL file that cannot be read. A serial listed as
 * revoked by a CRL of its issuer is refused in both modes.
 */
public enum CrlMode {
  /**
   * Fail closed: every certificate that is checked must be covered by a current CRL of its issuer,
   * verified with the issuer's key; otherwise the attestation is refused (the default).
   */
  STRICT("strict"),
  /** Fail open: such a certificate passes and a warning is logged once per problem and reload. */
  BEST_EFFORT("best_effort");

  private final String configName;

  CrlMode(String configName) {
    this.configName = configName;
  }

  /** The value of the {@code crl_mode} option: {@code strict} or {@code best_effort}. */
  public String configName() {
    return configName;
  }

  /** Parses {@code strict} or {@code best_effort} (case-insensitive). */
  public static CrlMode parse(String value) {
    String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
    for (CrlMode m : values()) {
      if (m.configName.equals(v)) {
        return m;
      }
    }
    throw new IllegalArgumentException("must be \"strict\" or \"best_effort\"");
  }
}
