package dev.tpmdevid.verifier.x509;

import java.math.BigInteger;
import java.util.List;

/**
 * The answer of {@link RevocationStore#check}: every certificate of the verified chains is fine,
 * one is revoked, or (strict mode) revocation could not be established. Messages name the
 * certificate's role, serial and issuer, never anything secret.
 */
public sealed interface RevocationResult {

  /**
   * Not revoked. {@code notes} lists what could not be checked in best-effort mode (empty in strict
   * mode, where those are {@link Unavailable}).
   */
  record Ok(List<String> notes) implements RevocationResult {}

  /** A certificate of the chain is listed as revoked by a CRL of its issuer. */
  record Revoked(String message, BigInteger serial) implements RevocationResult {}

  /** Strict mode only: no current, correctly signed CRL covers a certificate of the chain. */
  record Unavailable(String message) implements RevocationResult {}
}
