package dev.tpmdevid.plugin;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * hclog-style JSON logging on the process's real stderr, the logging channel of a go-plugin
 * (docs/plugin-protocol.md#stdio).
 *
 * <p>Every call writes exactly one line: a JSON object with {@code @level} (lowercase),
 * {@code @message}, {@code @timestamp} (UTC, exactly six fractional digits, {@code Z}),
 * {@code @module}, then the key/value pairs as top-level members. A {@link Throwable} becomes the
 * one-line string member {@code error}. Nothing is ever written to stdout. Never pass a secret.
 *
 * <p>The threshold comes from the environment variable {@code TPM_DEVID_LOG_LEVEL} ({@code
 * trace|debug|info|warn|error}, default {@code debug}). Thread-safe: each line is one {@code write}
 * to the stderr file descriptor.
 */
public final class PluginLog {

  /** hclog levels, lowest first. */
  public enum Level {
    TRACE,
    DEBUG,
    INFO,
    WARN,
    ERROR,
    /** Threshold only: nothing is written. */
    OFF;

    /** The lowercase name hclog writes in {@code @level}. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a level name case-insensitively ({@code warning} is accepted for {@code warn}). */
    public static Level parse(String name) {
      String n = name.trim().toLowerCase(Locale.ROOT);
      if (n.equals("warning")) {
        return WARN;
      }
      for (Level l : values()) {
        if (l.wireName().equals(n)) {
          return l;
        }
      }
      throw new IllegalArgumentException("unknown log level: " + name);
    }
  }

  /** Environment variable holding the threshold. */
  public static final String LEVEL_ENV = "TPM_DEVID_LOG_LEVEL";

  /** System property holding the threshold; takes precedence over {@link #LEVEL_ENV}. */
  public static final String LEVEL_PROPERTY = "tpmdevid.log.level";

  /**
   * The {@code @timestamp} format, built on the first line written: java.time's formatter classes
   * cost several milliseconds to initialise, and a plugin writes nothing before its handshake line
   * (docs/performance.md, start-up).
   */
  private static final class Timestamp {
    static final DateTimeFormatter FORMAT =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
  }

  /** Member names the host treats specially; a key/value pair may not override them. */
  private static final java.util.Set<String> RESERVED =
      java.util.Set.of("@level", "@message", "@timestamp", "@module", "@caller");

  /** Longest string member written, in chars (keeps a line well below go-plugin's 64 KiB). */
  static final int MAX_STRING = 8 * 1024;

  private static final Map<String, PluginLog> LOGGERS = new ConcurrentHashMap<>();
  private static final Object SINK_LOCK = new Object();
  private static OutputStream sink = new FileOutputStream(FileDescriptor.err);
  private static volatile Level threshold = thresholdFromEnv();

  private final String module;

  private PluginLog(String module) {
    this.module = module;
  }

  /** The logger for {@code module} (hclog's logger name, written as {@code @module}). */
  public static PluginLog get(String module) {
    return LOGGERS.computeIfAbsent(module, PluginLog::new);
  }

  /** The module name of this logger. */
  public String module() {
    return module;
  }

  /** The current process-wide threshold. */
  public static Level threshold() {
    return threshold;
  }

  /** Changes the process-wide threshold (default from {@link #LEVEL_ENV}). */
  public static void setThreshold(Level level) {
    threshold = java.util.Objects.requireNonNull(level);
  }

  /** Whether a message at {@code level} would be written. */
  public boolean isEnabled(Level level) {
    return level.ordinal() >= threshold.ordinal();
  }

  public void trace(String msg, Object... kv) {
    log(Level.TRACE, msg, null, kv);
  }

  public void debug(String msg, Object... kv) {
    log(Level.DEBUG, msg, null, kv);
  }

  public void info(String msg, Object... kv) {
    log(Level.INFO, msg, null, kv);
  }

  public void warn(String msg, Object... kv) {
    log(Level.WARN, msg, null, kv);
  }

  public void error(String msg, Object... kv) {
    log(Level.ERROR, msg, null, kv);
  }

  /** Logs at error with {@code t} as the one-line member {@code error}. */
  public void error(String msg, Throwable t, Object... kv) {
    log(Level.ERROR, msg, t, kv);
  }

  /** Logs at {@code level} with {@code t} (may be null) as the one-line member {@code error}. */
  public void log(Level level, String msg, Throwable t, Object... kv) {
    if (!isEnabled(level)) {
      return;
    }
    String line = format(Instant.now(), level, module, msg, t, kv);
    write(line.getBytes(StandardCharsets.UTF_8));
  }

  private static void write(byte[] line) {
    synchronized (SINK_LOCK) {
      try {
        sink.write(line);
        sink.flush();
      } catch (IOException e) {
        // stderr is gone (host closed the pipe): nowhere left to report it
      }
    }
  }

  /** Redirects all loggers to {@code out} (tests); returns the previous sink. */
  static OutputStream swapSink(OutputStream out) {
    synchronized (SINK_LOCK) {
      OutputStream old = sink;
      sink = out;
      return old;
    }
  }

  private static Level thresholdFromEnv() {
    // The system property wins over the environment: tests set it for their own JVM (quiet build
    // output) without it reaching the plugin processes they start, which inherit the environment.
    String v = System.getProperty(LEVEL_PROPERTY, System.getenv(LEVEL_ENV));
    if (v == null || v.isBlank()) {
      return Level.DEBUG;
    }
    try {
      return Level.parse(v);
    } catch (IllegalArgumentException e) {
      return Level.DEBUG;
    }
  }

  /**
   * Formats one log line (with trailing {@code \n}).
   *
   * @param kv alternating keys and values; an odd trailing value is written under {@code
   *     EXTRA_VALUE_AT_END} as hclog does
   */
  static String format(
      Instant time, Level level, String module, String msg, Throwable t, Object... kv) {
    StringBuilder sb = new StringBuilder(128);
    sb.append("{\"@level\":\"").append(level.wireName()).append('"');
    sb.append(",\"@message\":");
    appendString(sb, msg == null ? "" : msg);
    sb.append(",\"@module\":");
    appendString(sb, module);
    sb.append(",\"@timestamp\":\"").append(Timestamp.FORMAT.format(time)).append('"');
    if (t != null) {
      sb.append(",\"error\":");
      appendString(sb, describe(t));
    }
    if (kv != null) {
      int i = 0;
      for (; i + 1 < kv.length; i += 2) {
        sb.append(',');
        appendString(sb, key(kv[i]));
        sb.append(':');
        appendValue(sb, kv[i + 1]);
      }
      if (i < kv.length) {
        sb.append(",\"EXTRA_VALUE_AT_END\":");
        appendValue(sb, kv[i]);
      }
    }
    return sb.append("}\n").toString();
  }

  private static String key(Object k) {
    String s = String.valueOf(k);
    return RESERVED.contains(s) ? s.substring(1) + "_" : s;
  }

  /**
   * One-line description of a throwable and its causes: {@code Type: message; caused by: Type:
   * message}, then the first frames of the outermost throwable.
   */
  static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    Throwable c = t;
    int depth = 0;
    while (c != null && depth < 8) {
      if (depth > 0) {
        sb.append("; caused by: ");
      }
      sb.append(c.getClass().getName());
      if (c.getMessage() != null) {
        sb.append(": ").append(c.getMessage());
      }
      c = c.getCause() == c ? null : c.getCause();
      depth++;
    }
    StackTraceElement[] frames = t.getStackTrace();
    int n = Math.min(frames.length, 6);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? " at " : " <- ").append(frames[i]);
    }
    return oneLine(sb.toString());
  }

  private static String oneLine(String s) {
    return s.replace("\r\n", " | ").replace('\n', ' ').replace('\r', ' ');
  }

  private static void appendValue(StringBuilder sb, Object v) {
    if (v == null) {
      sb.append("null");
    } else if (v instanceof Boolean) {
      sb.append(v);
    } else if (v instanceof Integer
        || v instanceof Long
        || v instanceof Short
        || v instanceof Byte
        || v instanceof java.math.BigInteger
        || v instanceof java.util.concurrent.atomic.AtomicInteger
        || v instanceof java.util.concurrent.atomic.AtomicLong) {
      sb.append(v);
    } else if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      if (Double.isFinite(d)) {
        sb.append(v);
      } else {
        appendString(sb, v.toString());
      }
    } else if (v instanceof Throwable) {
      appendString(sb, describe((Throwable) v));
    } else if (v instanceof byte[]) {
      appendString(sb, java.util.HexFormat.of().formatHex((byte[]) v));
    } else {
      appendString(sb, String.valueOf(v));
    }
  }

  /**
   * Appends {@code s} as a JSON string literal (RFC 8259 escaping; {@code <>&} escaped as Go does),
   * cut at {@link #MAX_STRING} characters: go-plugin reads stderr in 64 KiB lines and logs longer
   * ones as raw fragments.
   */
  static void appendString(StringBuilder sb, String s) {
    if (s.length() > MAX_STRING) {
      s = s.substring(0, MAX_STRING) + "...(truncated)";
    }
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20
              || c == '<'
              || c == '>'
              || c == '&'
              || c == 0x2028
              || c == 0x2029
              || Character.isSurrogate(c) && !validSurrogatePair(s, i)) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else if (Character.isHighSurrogate(c)) {
            sb.append(c).append(s.charAt(++i));
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }

  private static boolean validSurrogatePair(String s, int i) {
    char c = s.charAt(i);
    return Character.isHighSurrogate(c)
        && i + 1 < s.length()
        && Character.isLowSurrogate(s.charAt(i + 1));
  }
}
