package dev.tpmdevid.testbed.host;

import java.time.Instant;
import java.util.Map;

/**
 * One line the plugin wrote on stderr, as go-plugin's stderr reader turns it into a host log entry
 * (docs/plugin-protocol.md#stdio).
 *
 * @param received when the host read the line
 * @param level the level go-plugin assigns
 * @param message {@code @message} of a JSON line, or the whole raw line otherwise
 * @param fields every other top-level key of a JSON line (empty for raw lines), in line order
 * @param json whether the line was accepted as an hclog JSON entry
 * @param raw the line exactly as read
 */
public record PluginLogEntry(
    Instant received,
    Level level,
    String message,
    Map<String, Object> fields,
    boolean json,
    String raw) {

  /** hclog levels. SPIRE drops TRACE (its adapter's Trace is a no-op). */
  public enum Level {
    TRACE,
    DEBUG,
    INFO,
    WARN,
    ERROR
  }

  public PluginLogEntry {
    fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
  }

  /** The field {@code key} as a string, or {@code null}. */
  public String field(String key) {
    Object v = fields.get(key);
    return v == null ? null : String.valueOf(v);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append('[').append(level).append("] ").append(message);
    fields.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
    return sb.toString();
  }
}
