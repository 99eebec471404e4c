package dev.tpmdevid.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's trace: numbered steps with a duration and ordered details, then the result. The text
 * form is printed as each step completes (for a learner watching); the JSON form is printed once at
 * the end ({@code --json}); {@code --quiet} prints only the result.
 */
final class DemoReport {
  enum Mode {
    TEXT,
    JSON,
    QUIET
  }

  private final Mode mode;
  private final PrintStream out;
  private final Map<String, Object> header = new LinkedHashMap<>();
  private final List<Map<String, Object>> steps = new ArrayList<>();
  private final Map<String, Object> result = new LinkedHashMap<>();
  private final Map<String, Object> sections = new LinkedHashMap<>();

  DemoReport(Mode mode, PrintStream out) {
    this.mode = mode;
    this.out = out;
  }

  void header(String title, Map<String, Object> facts) {
    header.put("title", title);
    header.putAll(facts);
    if (mode == Mode.TEXT) {
      out.println(title);
      facts.forEach((k, v) -> out.println("  " + k + ": " + v));
      out.println();
      out.flush();
    }
  }

  /** A plain remark (text mode only), e.g. what the demo is about to install. */
  void note(String text) {
    if (mode == Mode.TEXT) {
      out.println(text);
      out.flush();
    }
  }

  void step(String title, Duration took, Map<String, Object> details) {
    step(title, took, null, details, Map.of());
  }

  /**
   * A step with a plain-language line for a newcomer and extra trace members (e.g. {@code message},
   * {@code tpmCommands}) that the HTML page draws.
   */
  @SuppressWarnings("unchecked")
  void step(
      String title,
      Duration took,
      String plain,
      Map<String, Object> details,
      Map<String, Object> extra) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("step", steps.size() + 1);
    s.put("title", title);
    s.put("millis", took.toMillis());
    if (plain != null) {
      s.put("plain", plain);
    }
    s.put("details", details);
    s.putAll(extra);
    steps.add(s);
    if (mode == Mode.TEXT) {
      out.printf("[%d] %s  (%s)%n", steps.size(), title, seconds(took));
      if (plain != null) {
        out.println("    (" + plain + ")");
      }
      print(details, "    ");
      Object cmds = extra.get("tpmCommands");
      if (cmds instanceof List && !((List<?>) cmds).isEmpty()) {
        StringBuilder sb = new StringBuilder();
        for (Object c : (List<?>) cmds) {
          Map<String, Object> m = (Map<String, Object>) c;
          sb.append(sb.length() == 0 ? "" : ", ").append(m.get("command"));
          if (!"TPM_RC_SUCCESS".equals(m.get("rc"))) {
            sb.append(" [").append(m.get("rc")).append(']');
          }
        }
        out.println("    TPM commands (" + ((List<?>) cmds).size() + "): " + sb);
      }
      out.println();
      out.flush();
    }
  }

  void success(String spiffeId, List<String> selectors, boolean canReattest, Duration total) {
    result.put("ok", true);
    result.put("spiffeId", spiffeId);
    result.put("selectors", selectors);
    result.put("canReattest", canReattest);
    result.put("totalMillis", total.toMillis());
    if (mode == Mode.JSON) {
      return;
    }
    if (mode == Mode.TEXT) {
      out.println("Result: the server attested the agent (" + seconds(total) + " in all)");
    }
    out.println("Agent SPIFFE ID: " + spiffeId);
    out.println("Selectors:");
    selectors.forEach(s -> out.println("  " + s));
    out.flush();
  }

  void failure(String operatorView, Duration total) {
    result.put("ok", false);
    result.put("error", operatorView);
    result.put("totalMillis", total.toMillis());
    if (mode != Mode.JSON) {
      out.println("Attestation FAILED: " + operatorView);
      out.flush();
    }
  }

  /**
   * A top-level member of the trace after the steps (e.g. {@code serverChecks}, {@code attack}).
   */
  void section(String key, Object value) {
    sections.put(key, value);
  }

  /** The whole trace: the header facts, {@code steps}, the sections, {@code result}. */
  Map<String, Object> document() {
    Map<String, Object> doc = new LinkedHashMap<>(header);
    doc.put("steps", steps);
    doc.putAll(sections);
    doc.put("result", result);
    return doc;
  }

  /** Prints the JSON trace (JSON mode only). */
  void finish() {
    if (mode != Mode.JSON) {
      return;
    }
    try {
      out.println(
          new ObjectMapper()
              .enable(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(document()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    out.flush();
  }

  @SuppressWarnings("unchecked")
  private void print(Map<String, Object> details, String indent) {
    for (Map.Entry<String, Object> e : details.entrySet()) {
      Object v = e.getValue();
      if (v instanceof Map) {
        out.println(indent + e.getKey() + ":");
        print((Map<String, Object>) v, indent + "    ");
      } else if (v instanceof List) {
        out.println(indent + e.getKey() + ":");
        for (Object item : (List<?>) v) {
          if (item instanceof Map) {
            out.println(indent + "  -");
            print((Map<String, Object>) item, indent + "    ");
          } else {
            out.println(indent + "  - " + item);
          }
        }
      } else {
        out.println(indent + e.getKey() + ": " + v);
      }
    }
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.2f s", d.toMillis() / 1000.0);
  }
}
