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
    enum Mode { TEXT, JSON, QUIET }

    private final Mode mode;
    private final PrintStream out;
    private final Map<String, Object> header = new LinkedHashMap<>();
    private final List<Map<String, Object>> steps = new ArrayList<>();
    private final Map<String, Object> result = new LinkedHashMap<>();

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
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("step", steps.size() + 1);
        s.put("title", title);
        s.put("millis", took.toMillis());
        s.put("details", details);
        steps.add(s);
        if (mode == Mode.TEXT) {
            out.printf("[%d] %s  (%s)%n", steps.size(), title, seconds(took));
            print(details, "    ");
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

    /** Prints the JSON trace (JSON mode only). */
    void finish() {
        if (mode != Mode.JSON) {
            return;
        }
        Map<String, Object> doc = new LinkedHashMap<>(header);
        doc.put("steps", steps);
        doc.put("result", result);
        try {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
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
