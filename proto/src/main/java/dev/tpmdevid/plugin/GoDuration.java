package dev.tpmdevid.plugin;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/** Go's {@code time.ParseDuration} syntax: {@code [-+]?(<decimal><unit>)+} or {@code 0}. */
final class GoDuration {

  private static final Map<String, Long> UNIT_NANOS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "\u00b5s", 1_000L,
          "\u03bcs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private GoDuration() {}

  /** Parses {@code text}; throws IllegalArgumentException with a short reason. */
  static Duration parse(String text) {
    String s = text;
    boolean negative = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    BigDecimal total = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length()
          && (Character.isDigit(s.charAt(i)) && s.charAt(i) < 128 || s.charAt(i) == '.')) {
        i++;
      }
      String number = s.substring(start, i);
      if (number.isEmpty()
          || number.equals(".")
          || number.indexOf('.') != number.lastIndexOf('.')) {
        throw new IllegalArgumentException("bad number");
      }
      int unitStart = i;
      while (i < s.length()
          && !(Character.isDigit(s.charAt(i)) && s.charAt(i) < 128)
          && s.charAt(i) != '.') {
        i++;
      }
      Long nanos = UNIT_NANOS.get(s.substring(unitStart, i));
      if (nanos == null) {
        throw new IllegalArgumentException(unitStart == i ? "missing unit" : "unknown unit");
      }
      String n = number.endsWith(".") ? number + "0" : number;
      n = n.startsWith(".") ? "0" + n : n;
      total = total.add(new BigDecimal(n).multiply(BigDecimal.valueOf(nanos)));
    }
    // Go truncates fractional nanoseconds and rejects values beyond int64 nanoseconds
    BigDecimal whole = new BigDecimal(total.toBigInteger());
    if (whole.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("out of range");
    }
    long ns = whole.longValueExact();
    return Duration.ofNanos(negative ? -ns : ns);
  }
}
