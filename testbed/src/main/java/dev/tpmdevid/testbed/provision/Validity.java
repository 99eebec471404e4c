package dev.tpmdevid.testbed.provision;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * The validity period of a test certificate, in whole seconds (X.509 times have no fractions).
 *
 * @param notBefore first instant the certificate is valid
 * @param notAfter last instant the certificate is valid; not before {@code notBefore}
 */
public record Validity(Instant notBefore, Instant notAfter) {

  /**
   * 9999-12-31T23:59:59Z, the "no well-defined expiration" date of RFC 5280 §4.1.2.5 (used by TPM
   * vendors).
   */
  public static final Instant FOREVER = Instant.parse("9999-12-31T23:59:59Z");

  public Validity {
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(notAfter, "notAfter");
    notBefore = notBefore.truncatedTo(ChronoUnit.SECONDS);
    notAfter = notAfter.truncatedTo(ChronoUnit.SECONDS);
    if (notAfter.isBefore(notBefore)) {
      throw new IllegalArgumentException(
          "notAfter " + notAfter + " is before notBefore " + notBefore);
    }
  }

  /** Valid from one hour ago (clock skew) for {@code length} from now. */
  public static Validity fromNow(Duration length) {
    Instant now = Instant.now();
    return new Validity(now.minus(Duration.ofHours(1)), now.plus(length));
  }

  /**
   * Valid from one hour ago until 9999-12-31, as EK certificates and manufacturer CAs usually are.
   */
  public static Validity untilForever() {
    return new Validity(Instant.now().minus(Duration.ofHours(1)), FOREVER);
  }

  /** Expired: valid for one day, ending {@code ago} before now. */
  public static Validity expiredSince(Duration ago) {
    Instant end = Instant.now().minus(ago);
    return new Validity(end.minus(Duration.ofDays(1)), end);
  }

  /** Not yet valid: valid for one day, starting {@code in} after now. */
  public static Validity startingIn(Duration in) {
    Instant start = Instant.now().plus(in);
    return new Validity(start, start.plus(Duration.ofDays(1)));
  }
}
