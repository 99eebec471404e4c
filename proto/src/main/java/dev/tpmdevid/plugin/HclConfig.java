package dev.tpmdevid.plugin;

import com.bertramlabs.plugins.hcl4j.HCLParser;
import io.grpc.Status;
import io.grpc.StatusException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A plugin's {@code hcl_configuration}, parsed with hcl4j and read with HCL v1 semantics
 * (docs/plugin-protocol.md#hcl).
 *
 * <p>Accepts what SPIRE sends: the HCL v1 body it re-prints from {@code plugin_data} (quoted keys
 * included, also as re-printed from a JSON config file), or the raw text of {@code
 * plugin_data_file}; empty text is an empty configuration. hcl4j's differences from HCL v1 are
 * guarded here:
 *
 * <ul>
 *   <li>{@code ${...}} and {@code %{...}} inside strings stay literal (HCL v1 never interpolates);
 *   <li>numbers (which hcl4j returns as {@code Double}) are converted exactly, fractions and values
 *       beyond 2^53 are rejected for integer keys;
 *   <li>function calls and HCL2 expressions are not evaluated;
 *   <li>missing or empty required values are reported by name (hcl4j turns {@code a = } into null).
 * </ul>
 *
 * Every error is a {@link StatusException} with code INVALID_ARGUMENT and a message of the form
 * {@code invalid configuration: <key> ...}.
 */
public final class HclConfig {

  /** Stand-ins for {@code $} and {@code %} while hcl4j parses (Unicode private use area). */
  private static final char DOLLAR = '\uE024';

  private static final char PERCENT = '\uE025';

  /** Largest magnitude a double holds exactly as an integer; beyond it hcl4j has lost digits. */
  private static final double MAX_EXACT = 9007199254740992d; // 2^53

  /**
   * {@code key = 0x10} / {@code key = 1e3}: HCL v1 reads these as numbers, hcl4j silently turns
   * them into strings ({@code x10}, {@code e3}).
   */
  private static final Pattern ODD_NUMBER =
      Pattern.compile(
          "(?m)^[ \\t]*(\"?[A-Za-z_][\\w.-]*\"?)[ \\t]*=[ \\t]*[+-]?(?:0[xX][0-9a-fA-F]+|[0-9]+(?:\\.[0-9]*)?[eE][+-]?[0-9]+)\\b");

  /**
   * {@code key = 1 + 2}, {@code key = true && x}, {@code key = a ? b : c}, {@code key = [for ...]}:
   * HCL2 expressions hcl4j would evaluate and HCL v1 rejects.
   */
  private static final Pattern ARITHMETIC =
      Pattern.compile(
          "(?m)^[ \\t]*(\"?[A-Za-z_][\\w.-]*\"?)[ \\t]*=[ \\t]*(?:(?:[+-]?[0-9][0-9.]*|[A-Za-z_][\\w.]*)[ \\t]*(?:[-+*%<>=!&|?]|/(?![/*]))"
              + "|[!(]|\\[\\s*for\\s|\\{\\s*for\\s)");

  private final Map<String, Object> values;

  private HclConfig(Map<String, Object> values) {
    this.values = values;
  }

  /**
   * Parses a configuration text.
   *
   * @throws StatusException INVALID_ARGUMENT if the text is not an HCL body
   */
  public static HclConfig parse(String hclText) throws StatusException {
    if (hclText == null || hclText.isBlank()) {
      return new HclConfig(Collections.emptyMap());
    }
    if (hclText.indexOf(DOLLAR) >= 0 || hclText.indexOf(PERCENT) >= 0) {
      throw invalid(
          "invalid configuration: text contains the unsupported characters U+E024/U+E025");
    }
    Matcher odd = ODD_NUMBER.matcher(hclText);
    if (odd.find()) {
      throw invalid(
          "invalid configuration: "
              + unquote(odd.group(1))
              + ": hexadecimal and exponent number forms are not supported; write a plain decimal");
    }
    Matcher expr = ARITHMETIC.matcher(hclText);
    if (expr.find()) {
      throw invalid(
          "invalid configuration: "
              + unquote(expr.group(1))
              + ": expressions are not supported; write a literal value");
    }
    String shielded = hclText.replace('$', DOLLAR).replace('%', PERCENT);
    Map<String, Object> raw;
    try {
      raw = new LiteralHclParser().parse(shielded);
    } catch (Exception | StackOverflowError e) {
      throw invalid("invalid configuration: cannot parse HCL: " + brief(e));
    }
    if (raw == null) {
      raw = Collections.emptyMap();
    }
    Map<String, Object> restored = restoreMap(raw);
    String noValue = firstNull(restored, "");
    if (noValue != null) {
      throw invalid("invalid configuration: " + noValue + " has no value");
    }
    String notLiteral = firstNonLiteral(restored, "");
    if (notLiteral != null) {
      throw invalid(
          "invalid configuration: "
              + notLiteral
              + " is not a literal value (quote strings: key = \"value\")");
    }
    if (restored.isEmpty() && hasContent(hclText)) {
      throw invalid("invalid configuration: expected a body of key = value pairs");
    }
    return new HclConfig(Collections.unmodifiableMap(restored));
  }

  /** The top-level keys, in input order. */
  public Set<String> keys() {
    return Collections.unmodifiableSet(values.keySet());
  }

  /** Whether {@code key} is present (even with an empty value). */
  public boolean has(String key) {
    return values.containsKey(key);
  }

  /**
   * The raw value of {@code key} as hcl4j produced it (with {@code $}/{@code %} restored): String,
   * Double, Boolean, List or Map; null when absent. Nested blocks have no typed accessors; repeated
   * blocks come back as a List of Maps, labeled blocks as nested Maps.
   */
  public Object raw(String key) {
    return values.get(key);
  }

  /** A required non-empty string; a number is accepted and written in decimal, as HCL v1 does. */
  public String requireString(String key) throws StatusException {
    String s = optionalString(key, null);
    if (s == null || s.isEmpty()) {
      throw invalid("invalid configuration: " + key + " is required");
    }
    return s;
  }

  /**
   * An optional string; {@code def} when absent or null (an explicit {@code ""} is returned as is).
   */
  public String optionalString(String key, String def) throws StatusException {
    Object v = values.get(key);
    if (v == null) {
      return def;
    }
    if (v instanceof String) {
      return (String) v;
    }
    if (v instanceof Number) {
      return toBigDecimal(key, (Number) v).toPlainString();
    }
    throw invalid("invalid configuration: " + key + " must be a string");
  }

  /**
   * An optional integer; {@code def} when absent or null. Accepts a whole number or a string
   * holding one (as HCL v1 does); rejects fractions and values that cannot be represented exactly.
   */
  public long optionalLong(String key, long def) throws StatusException {
    Object v = values.get(key);
    if (v == null) {
      return def;
    }
    if (v instanceof String) {
      try {
        return Long.parseLong(((String) v).trim());
      } catch (NumberFormatException e) {
        throw invalid("invalid configuration: " + key + " must be an integer");
      }
    }
    if (v instanceof Number) {
      BigDecimal d = toBigDecimal(key, (Number) v);
      try {
        return d.longValueExact();
      } catch (ArithmeticException e) {
        throw invalid("invalid configuration: " + key + " must be an integer");
      }
    }
    throw invalid("invalid configuration: " + key + " must be an integer");
  }

  /** An optional boolean ({@code true}/{@code false} literal); {@code def} when absent or null. */
  public boolean optionalBoolean(String key, boolean def) throws StatusException {
    Object v = values.get(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean) {
      return (Boolean) v;
    }
    throw invalid("invalid configuration: " + key + " must be true or false");
  }

  /**
   * An optional duration in Go's {@code time.ParseDuration} syntax ({@code "90s"}, {@code "1h30m"},
   * {@code "250ms"}); {@code def} when absent, null or empty.
   */
  public Duration optionalDuration(String key, Duration def) throws StatusException {
    Object v = values.get(key);
    if (v == null || v instanceof String && ((String) v).isEmpty()) {
      return def;
    }
    if (!(v instanceof String)) {
      throw invalid("invalid configuration: " + key + " must be a duration string such as \"30s\"");
    }
    try {
      return GoDuration.parse((String) v);
    } catch (IllegalArgumentException e) {
      throw invalid(
          "invalid configuration: "
              + key
              + " must be a duration such as \"30s\": "
              + e.getMessage());
    }
  }

  /**
   * An optional list of strings; {@code def} when absent or null. A single string is not a list.
   */
  public List<String> optionalStringList(String key, List<String> def) throws StatusException {
    Object v = values.get(key);
    if (v == null) {
      return def;
    }
    if (!(v instanceof List)) {
      throw invalid("invalid configuration: " + key + " must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (Object o : (List<?>) v) {
      if (!(o instanceof String)) {
        throw invalid("invalid configuration: " + key + " must be a list of strings");
      }
      out.add((String) o);
    }
    return Collections.unmodifiableList(out);
  }

  /** The keys present but not in {@code known}, sorted (to warn about; HCL v1 ignores them). */
  public Set<String> unknownKeys(Set<String> known) {
    Set<String> out = new TreeSet<>(values.keySet());
    out.removeAll(known);
    return Collections.unmodifiableSet(out);
  }

  private static BigDecimal toBigDecimal(String key, Number n) throws StatusException {
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (!Double.isFinite(d)) {
        throw invalid("invalid configuration: " + key + " is not a finite number");
      }
      if (d == Math.rint(d) && Math.abs(d) >= MAX_EXACT) {
        throw invalid("invalid configuration: " + key + " is too large");
      }
      BigDecimal b = BigDecimal.valueOf(d).stripTrailingZeros();
      return b.scale() < 0 ? b.setScale(0) : b;
    }
    if (n instanceof BigDecimal) {
      return (BigDecimal) n;
    }
    if (n instanceof java.math.BigInteger) {
      return new BigDecimal((java.math.BigInteger) n);
    }
    return BigDecimal.valueOf(n.longValue());
  }

  private static Map<String, Object> restoreMap(Map<?, ?> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : in.entrySet()) {
      out.put(restoreString(unquote(String.valueOf(e.getKey()))), restore(e.getValue()));
    }
    return out;
  }

  private static Object restore(Object v) {
    if (v instanceof String) {
      return restoreString((String) v);
    }
    if (v instanceof Map) {
      return Collections.unmodifiableMap(restoreMap((Map<?, ?>) v));
    }
    if (v instanceof List) {
      List<Object> out = new ArrayList<>();
      for (Object o : (List<?>) v) {
        out.add(restore(o));
      }
      return Collections.unmodifiableList(out);
    }
    return v;
  }

  private static String restoreString(String s) {
    return s.replace(DOLLAR, '$').replace(PERCENT, '%');
  }

  private static String unquote(String key) {
    if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
      return key.substring(1, key.length() - 1);
    }
    return key;
  }

  /**
   * The dotted path of the first null value: hcl4j yields null for {@code a = }, an unterminated
   * string or a function call, all of which HCL v1 rejects.
   */
  private static String firstNull(Object v, String path) {
    if (v == null) {
      return path.isEmpty() ? "configuration" : path;
    }
    if (v instanceof Map) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        String p =
            firstNull(
                e.getValue(),
                path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey());
        if (p != null) {
          return p;
        }
      }
    } else if (v instanceof List) {
      List<?> l = (List<?>) v;
      for (int i = 0; i < l.size(); i++) {
        String p = firstNull(l.get(i), path + "[" + i + "]");
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  /**
   * The dotted path of the first value that is not a string, number, boolean, list or map: hcl4j
   * returns a variable reference for a bare word ({@code key = value}), which HCL v1 rejects.
   */
  private static String firstNonLiteral(Object v, String path) {
    if (v instanceof Map) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        String p =
            firstNonLiteral(
                e.getValue(),
                path.isEmpty() ? String.valueOf(e.getKey()) : path + "." + e.getKey());
        if (p != null) {
          return p;
        }
      }
      return null;
    }
    if (v instanceof List) {
      List<?> l = (List<?>) v;
      for (int i = 0; i < l.size(); i++) {
        String p = firstNonLiteral(l.get(i), path + "[" + i + "]");
        if (p != null) {
          return p;
        }
      }
      return null;
    }
    return v instanceof String || v instanceof Number || v instanceof Boolean ? null : path;
  }

  /** Whether the text has anything besides whitespace and comments. */
  private static boolean hasContent(String text) {
    String noBlock = text.replaceAll("(?s)/\\*.*?\\*/", " ");
    for (String line : noBlock.split("\n", -1)) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("#") && !l.startsWith("//")) {
        return true;
      }
    }
    return false;
  }

  private static String brief(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getSimpleName();
    }
    m = restoreString(m).replace('\n', ' ').replace('\r', ' ');
    return m.length() > 200 ? m.substring(0, 200) + "..." : m;
  }

  static StatusException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asException();
  }

  /** hcl4j's parser without its function library and data lookups (HCL v1 has neither). */
  private static final class LiteralHclParser extends HCLParser {
    LiteralHclParser() {
      functionRegistry.clear();
      dataLookupRegistry.clear();
    }
  }
}
