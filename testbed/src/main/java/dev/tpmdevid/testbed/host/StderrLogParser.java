package dev.tpmdevid.testbed.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns plugin stderr lines into log entries with go-plugin's rules
 * (docs/plugin-protocol.md#stdio): hclog JSON objects keep their level, message and fields;
 * anything else is a raw line at debug level unless it starts with a {@code [LEVEL]} prefix, and
 * after a Go panic banner every raw line is an error. One parser per plugin process (the panic
 * switch is stateful).
 */
final class StderrLogParser {
  /**
   * go-hclog's time layout {@code 2006-01-02T15:04:05.000000Z07:00}: exactly six fraction digits.
   */
  private static final Pattern HCLOG_TIMESTAMP =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}(Z|[+-]\\d{2}:\\d{2})");

  private static final ObjectMapper JSON = new ObjectMapper();

  private boolean panicked;

  PluginLogEntry parse(String line, Instant received) {
    PluginLogEntry json = parseJson(line, received);
    if (json != null) {
      return json;
    }
    return parseRaw(line, received);
  }

  private static PluginLogEntry parseJson(String line, Instant received) {
    if (!line.startsWith("{")) {
      return null;
    }
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      return null;
    }
    if (node == null || !node.isObject()) {
      return null;
    }
    JsonNode ts = node.get("@timestamp");
    if (ts != null && !(ts.isTextual() && HCLOG_TIMESTAMP.matcher(ts.asText()).matches())) {
      return null;
    }
    JsonNode levelNode = node.get("@level");
    PluginLogEntry.Level level =
        levelNode != null && levelNode.isTextual() ? level(levelNode.asText()) : null;
    if (level == null) {
      // go-plugin logs a JSON line without a known level as the raw line at debug.
      return new PluginLogEntry(received, PluginLogEntry.Level.DEBUG, line, Map.of(), false, line);
    }
    JsonNode msg = node.get("@message");
    Map<String, Object> fields = new LinkedHashMap<>();
    node.fields()
        .forEachRemaining(
            e -> {
              if (!e.getKey().equals("@message")
                  && !e.getKey().equals("@level")
                  && !e.getKey().equals("@timestamp")) {
                JsonNode v = e.getValue();
                fields.put(
                    e.getKey(),
                    v.isTextual()
                        ? v.asText()
                        : v.isNumber()
                            ? v.numberValue()
                            : v.isBoolean() ? v.asBoolean() : v.isNull() ? "null" : v.toString());
              }
            });
    return new PluginLogEntry(received, level, msg == null ? "" : msg.asText(), fields, true, line);
  }

  private PluginLogEntry parseRaw(String line, Instant received) {
    if (line.startsWith("panic: ") || line.startsWith("fatal error: ")) {
      panicked = true;
    }
    PluginLogEntry.Level level = PluginLogEntry.Level.DEBUG;
    if (panicked) {
      level = PluginLogEntry.Level.ERROR;
    } else {
      for (PluginLogEntry.Level l : PluginLogEntry.Level.values()) {
        if (line.startsWith("[" + l.name() + "]")) {
          level = l;
          break;
        }
      }
    }
    return new PluginLogEntry(received, level, line, Map.of(), false, line);
  }

  private static PluginLogEntry.Level level(String text) {
    switch (text.toLowerCase(Locale.ROOT)) {
      case "trace":
        return PluginLogEntry.Level.TRACE;
      case "debug":
        return PluginLogEntry.Level.DEBUG;
      case "info":
        return PluginLogEntry.Level.INFO;
      case "warn":
        return PluginLogEntry.Level.WARN;
      case "error":
        return PluginLogEntry.Level.ERROR;
      default:
        return null;
    }
  }
}
