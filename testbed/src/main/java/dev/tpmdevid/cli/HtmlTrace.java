package dev.tpmdevid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders the demo's trace and the conformance kit's results as one self-contained HTML page:
 * inline CSS and script only, nothing fetched. Both pages are built from the same data as their
 * {@code --json} output (a JSON tree), so nothing is collected twice. Every string from the data is
 * escaped.
 *
 * <p>The page's script marks {@code <body data-script="ok">} when it has run; an error in it is
 * caught by {@code window.onerror} into {@code #js-errors} (the browser tests read both).
 */
final class HtmlTrace {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HtmlTrace() {}

  /** Writes {@code html} to {@code file}; returns its size in bytes. */
  static long write(Path file, String html) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
    Files.write(file, bytes);
    return bytes.length;
  }

  // ------------------------------------------------------------------ demo

  /** The demo page from the demo's trace document (the {@code --json} object). */
  static String demo(Map<String, Object> document) {
    JsonNode doc = JSON.valueToTree(document);
    StringBuilder b = new StringBuilder();
    JsonNode attack = doc.path("attack");
    JsonNode result = doc.path("result");
    b.append("<header><h1>")
        .append(esc(doc.path("title").asText()))
        .append("</h1>\n<dl class=\"facts\">");
    doc.fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isValueNode() && !e.getKey().equals("title")) {
                b.append("<dt>")
                    .append(esc(e.getKey()))
                    .append("</dt><dd>")
                    .append(esc(e.getValue().asText()))
                    .append("</dd>");
              }
            });
    b.append("</dl></header>\n");

    if (!attack.isMissingNode()) {
      attackBanner(b, attack, result, doc.path("serverChecks"));
    }
    resultBanner(b, result);

    b.append(
        "<section id=\"sequence\"><h2>The exchange</h2>\n<p class=\"plain\">Each row is one thing that"
            + " happened, top to bottom. Arrows between the agent plugin and the TPM are TPM commands (with the"
            + " TPM's answer and how long it took); arrows between the plugins are the messages SPIRE relays."
            + " Click a message to open its contents below.</p>\n");
    sequence(b, doc);
    b.append("</section>\n");

    b.append(
        "<section id=\"steps\"><h2>Step by step</h2>\n<p><button type=\"button\" id=\"expand-all\">Open"
            + " all</button> <button type=\"button\" id=\"collapse-all\">Close all</button></p>\n");
    for (JsonNode s : doc.path("steps")) {
      step(b, s);
    }
    b.append("</section>\n");

    if (doc.has("serverChecks")) {
      checks(b, doc.path("serverChecks"), !attack.isMissingNode());
    }
    timings(b, doc);
    return page(doc.path("title").asText(), b.toString());
  }

  private static void attackBanner(
      StringBuilder b, JsonNode attack, JsonNode result, JsonNode checks) {
    boolean refused = attack.path("stoppedByOurServer").asBoolean(false);
    b.append("<section id=\"attack\" class=\"banner ")
        .append(refused ? "stopped" : "accepted")
        .append("\">")
        .append("<h2>Attack: ")
        .append(esc(attack.path("title").asText()))
        .append(" <code>")
        .append(esc(attack.path("name").asText()))
        .append("</code></h2>\n<p><b>The attacker</b> ")
        .append(esc(attack.path("attacker").asText()))
        .append("</p>\n");
    if (refused) {
      JsonNode failed = null;
      for (JsonNode c : checks) {
        if ("failed".equals(c.path("outcome").asText())) {
          failed = c;
        }
      }
      b.append("<p id=\"stopped-at\"><b>Our server stopped it at check ")
          .append(failed == null ? "?" : esc(failed.path("n").asText()))
          .append(": ")
          .append(failed == null ? "" : esc(failed.path("check").asText()))
          .append("</b>");
      if (failed != null) {
        b.append(" — ").append(esc(failed.path("plain").asText()));
      }
      b.append("</p>\n");
    } else {
      b.append("<p id=\"stopped-at\"><b>Our server did NOT stop it.</b></p>\n");
    }
    boolean go = attack.path("goServerAccepts").asBoolean(false);
    b.append("<p id=\"go-server\" class=\"")
        .append(go ? "go-accepts" : "go-refuses")
        .append("\"><b>")
        .append(
            go
                ? "SPIRE's Go server would accept this attack."
                : "SPIRE's Go server refuses it too.")
        .append("</b> It ")
        .append(esc(attack.path("goServer").asText()))
        .append("</p>\n");
    if (attack.has("docs")) {
      b.append("<p class=\"small\">More about this attack class: <code>")
          .append(esc(attack.path("docs").asText()))
          .append("</code> in the repository.</p>\n");
    }
    if (attack.has("verdict")) {
      b.append("<p class=\"small\">Conformance verdict: ")
          .append(esc(attack.path("verdict").asText()))
          .append("</p>\n");
    }
    b.append("</section>\n");
  }

  private static void resultBanner(StringBuilder b, JsonNode result) {
    if (result.isMissingNode()) {
      return;
    }
    boolean ok = result.path("ok").asBoolean(false);
    b.append("<section id=\"result\" class=\"banner ")
        .append(ok ? "ok" : "refused")
        .append("\"><h2>")
        .append(ok ? "Result: the agent was attested" : "Result: attestation refused")
        .append("</h2>\n");
    if (ok) {
      b.append("<p>Agent SPIFFE ID: <code id=\"spiffe-id\">")
          .append(esc(result.path("spiffeId").asText()))
          .append("</code></p>\n<ul class=\"selectors\">");
      for (JsonNode s : result.path("selectors")) {
        b.append("<li><code>").append(esc(s.asText())).append("</code></li>");
      }
      b.append("</ul>\n");
    } else {
      b.append("<p>What the operator sees (spire-agent's log):</p>\n<pre id=\"operator-error\">")
          .append(esc(result.path("error").asText()))
          .append("</pre>\n");
    }
    b.append("<p class=\"small\">")
        .append(esc(millis(result.path("totalMillis").asLong())))
        .append(" in all</p>")
        .append("</section>\n");
  }

  /** The sequence diagram: three lanes (TPM, agent plugin, server plugin), one row per event. */
  private static void sequence(StringBuilder b, JsonNode doc) {
    int lastAttempt = 1;
    for (JsonNode s : doc.path("steps")) {
      lastAttempt = Math.max(lastAttempt, s.path("message").path("attempt").asInt(1));
    }
    int shownAttempt = 0;
    b.append(
            "<div class=\"seq\" role=\"img\" aria-label=\"sequence diagram\">\n<div class=\"lane\">TPM"
                + " (swtpm)</div><div class=\"lane\">")
        .append(doc.has("attack") ? "Attacker's agent" : "Agent plugin")
        .append("</div><div class=\"lane\">Server plugin</div>\n");
    if (doc.has("attack")) {
      b.append(
          "<div class=\"ev lane-note\">The attacker's tools drive the TPMs in-process; their TPM commands"
              + " are not traced here.</div>\n");
    }
    for (JsonNode s : doc.path("steps")) {
      String stepId = "step-" + s.path("step").asText();
      for (JsonNode c : s.path("tpmCommands")) {
        boolean ok = "TPM_RC_SUCCESS".equals(c.path("rc").asText());
        b.append("<div class=\"ev tpm")
            .append(ok ? "" : " tpm-error")
            .append("\" data-step=\"")
            .append(esc(stepId))
            .append("\"><div class=\"arrow left\"><span>")
            .append(esc(c.path("command").asText()))
            .append(" → ")
            .append(esc(c.path("rc").asText()))
            .append(" · ")
            .append(esc(String.format(Locale.ROOT, "%.1f ms", c.path("micros").asLong() / 1000.0)))
            .append("</span></div></div>\n");
      }
      JsonNode m = s.path("message");
      if (m.isMissingNode()) {
        continue;
      }
      int attempt = m.path("attempt").asInt(1);
      if (lastAttempt > 1 && attempt != shownAttempt) {
        shownAttempt = attempt;
        b.append("<div class=\"ev divider\">attempt ")
            .append(attempt)
            .append(" of ")
            .append(lastAttempt)
            .append("</div>\n");
      }
      String from = m.path("from").asText();
      boolean toServer = from.startsWith("agent");
      boolean error = "ERROR".equals(m.path("kind").asText());
      boolean note = "AGENT_ATTRIBUTES".equals(m.path("kind").asText()) || error;
      String cls = note ? "ev note" + (error ? " error" : " good") : "ev msg";
      if (note && toServer) {
        cls += " on-agent";
      }
      b.append("<div class=\"")
          .append(cls)
          .append("\" data-step=\"")
          .append(esc(stepId))
          .append("\"><a href=\"#")
          .append(esc(stepId))
          .append("\" class=\"arrow ")
          .append(note ? "none" : toServer ? "right" : "left")
          .append("\"><span>")
          .append(esc(m.path("name").asText()))
          .append(m.has("bytes") ? " · " + esc(m.path("bytes").asText()) + " bytes" : "")
          .append(" · at ")
          .append(esc(millis(m.path("atMillis").asLong())))
          .append("</span></a></div>\n");
      String kind = m.path("kind").asText();
      if (m.path("attempt").asInt(lastAttempt) == lastAttempt
          && (kind.equals("PAYLOAD") || kind.equals("CHALLENGE_RESPONSE"))) {
        checksNote(
            b, doc.path("serverChecks"), kind.equals("PAYLOAD") ? "payload" : "challenge response");
      }
    }
    b.append("</div>\n");
  }

  /** A note on the server lane: the checks of {@code phase} the server made on that message. */
  private static void checksNote(StringBuilder b, JsonNode checks, String phase) {
    int first = 0;
    int last = 0;
    JsonNode failed = null;
    boolean reached = false;
    for (JsonNode c : checks) {
      if (!phase.equals(c.path("phase").asText())) {
        continue;
      }
      int n = c.path("n").asInt();
      first = first == 0 ? n : first;
      last = n;
      String o = c.path("outcome").asText();
      reached |= !o.equals("not reached");
      if (o.equals("failed")) {
        failed = c;
      }
    }
    if (first == 0 || !reached) {
      return;
    }
    b.append("<div class=\"ev note ")
        .append(failed != null ? "error" : "good")
        .append("\"><a href=\"#checks\" class=\"arrow none\"><span>");
    if (failed != null) {
      b.append("check ")
          .append(esc(failed.path("n").asText()))
          .append(" FAILED: ")
          .append(esc(failed.path("check").asText()));
    } else {
      b.append("checks ").append(first).append("–").append(last).append(" passed");
    }
    b.append("</span></a></div>\n");
  }

  private static void step(StringBuilder b, JsonNode s) {
    String id = "step-" + s.path("step").asText();
    boolean failed = "ERROR".equals(s.path("message").path("kind").asText());
    b.append("<details class=\"step")
        .append(failed ? " failed" : "")
        .append("\" id=\"")
        .append(esc(id))
        .append("\"><summary><span class=\"num\">")
        .append(esc(s.path("step").asText()))
        .append("</span> ")
        .append(esc(s.path("title").asText()))
        .append(" <span class=\"took\">")
        .append(esc(millis(s.path("millis").asLong())))
        .append("</span>");
    if (s.has("plain")) {
      b.append("<span class=\"plain\">").append(esc(s.path("plain").asText())).append("</span>");
    }
    b.append("</summary>\n");
    tree(b, s.path("details"));
    JsonNode cmds = s.path("tpmCommands");
    if (cmds.size() > 0) {
      b.append("<details class=\"tpm-log\"><summary>")
          .append(cmds.size())
          .append(
              " TPM commands</summary>\n<table><tr><th>#</th><th>command</th><th>response code</th>"
                  + "<th>TPM time</th><th>at</th><th>bytes in/out</th></tr>\n");
      int i = 1;
      for (JsonNode c : cmds) {
        b.append("<tr><td>")
            .append(i++)
            .append("</td><td>TPM2_")
            .append(esc(c.path("command").asText()))
            .append("</td><td>")
            .append(esc(c.path("rc").asText()))
            .append("</td><td>")
            .append(esc(String.format(Locale.ROOT, "%.2f ms", c.path("micros").asLong() / 1000.0)))
            .append("</td><td>")
            .append(esc(millis(c.path("atMillis").asLong())))
            .append("</td><td>")
            .append(esc(c.path("commandBytes").asText()))
            .append(" / ")
            .append(esc(c.path("responseBytes").asText()))
            .append("</td></tr>\n");
      }
      b.append("</table></details>\n");
    }
    b.append("</details>\n");
  }

  /** A JSON value as nested definition lists; objects and arrays open as {@code <details>}. */
  private static void tree(StringBuilder b, JsonNode v) {
    if (v.isObject()) {
      b.append("<dl class=\"tree\">");
      v.fields()
          .forEachRemaining(
              e -> {
                JsonNode x = e.getValue();
                if (x.isContainerNode() && x.size() > 0) {
                  b.append("<dt class=\"sub\"><details><summary>")
                      .append(esc(e.getKey()))
                      .append("</summary>");
                  tree(b, x);
                  b.append("</details></dt>");
                } else {
                  b.append("<dt>")
                      .append(esc(e.getKey()))
                      .append("</dt><dd>")
                      .append(esc(scalar(x)))
                      .append("</dd>");
                }
              });
      b.append("</dl>\n");
    } else if (v.isArray()) {
      b.append("<ol class=\"tree\">");
      for (JsonNode x : v) {
        b.append("<li>");
        if (x.isContainerNode()) {
          tree(b, x);
        } else {
          b.append(esc(scalar(x)));
        }
        b.append("</li>");
      }
      b.append("</ol>\n");
    } else if (!v.isMissingNode()) {
      b.append("<p>").append(esc(scalar(v))).append("</p>");
    }
  }

  private static String scalar(JsonNode x) {
    return x.isContainerNode() ? "(empty)" : x.asText();
  }

  private static void checks(StringBuilder b, JsonNode checks, boolean attack) {
    b.append(
            "<section id=\"checks\"><h2>The server's checks</h2>\n<p class=\"plain\">The server plugin"
                + " believes nothing the agent says until each of these holds, in this order.")
        .append(attack ? " The first check that fails ends the attestation." : "")
        .append("</p>\n")
        .append(
            "<table class=\"checks\"><tr><th>#</th><th>check</th><th>in plain words</th>"
                + "<th>outcome</th><th>Go server</th></tr>\n");
    for (JsonNode c : checks) {
      String outcome = c.path("outcome").asText();
      String cls = outcome.replace(' ', '-');
      b.append("<tr class=\"check ")
          .append(esc(cls))
          .append("\" data-outcome=\"")
          .append(esc(cls))
          .append("\"><td>")
          .append(esc(c.path("n").asText()))
          .append("</td><td>")
          .append(esc(c.path("check").asText()))
          .append("</td><td>")
          .append(esc(c.path("plain").asText()))
          .append("</td><td class=\"outcome\">")
          .append(esc(outcome));
      if (c.has("error")) {
        b.append("<div class=\"why\">").append(esc(c.path("error").asText())).append("</div>");
      }
      String go = c.path("goServer").asText();
      b.append("</td><td class=\"go\">")
          .append(go.equals("makes it") ? esc(go) : "<b>" + esc(go) + "</b>")
          .append("</td></tr>\n");
    }
    b.append("</table></section>\n");
  }

  private static void timings(StringBuilder b, JsonNode doc) {
    long max = 1;
    for (JsonNode s : doc.path("steps")) {
      max = Math.max(max, s.path("millis").asLong());
    }
    b.append("<section id=\"timings\"><h2>Timings</h2>\n<table class=\"timings\">");
    for (JsonNode s : doc.path("steps")) {
      long ms = s.path("millis").asLong();
      b.append("<tr><td>")
          .append(esc(s.path("step").asText()))
          .append("</td><td>")
          .append(esc(s.path("title").asText()))
          .append("</td><td class=\"ms\">")
          .append(esc(millis(ms)))
          .append("</td><td class=\"bar\"><span style=\"width:")
          .append(Math.max(1, (int) (ms * 100 / max)))
          .append("%\"></span></td></tr>\n");
    }
    b.append("</table></section>\n");
  }

  // ------------------------------------------------------------------ conformance

  /** The conformance page from the suite's {@code --json} summary object. */
  static String conformance(JsonNode summary) {
    StringBuilder b = new StringBuilder();
    String title = "tpm-devid conformance " + summary.path("suite").asText();
    b.append("<header><h1>")
        .append(esc(title))
        .append("</h1>\n<dl class=\"facts\"><dt>plugin command</dt><dd>")
        .append(esc(summary.path("plugin_command").asText()))
        .append("</dd></dl></header>\n");
    boolean failed = summary.path("failed").asInt() > 0;
    b.append("<section id=\"result\" class=\"banner ")
        .append(failed ? "refused" : "ok")
        .append("\"><h2>")
        .append(esc(summary.path("passed").asText()))
        .append(" passed, ")
        .append(esc(summary.path("failed").asText()))
        .append(" failed")
        .append(
            summary.path("skipped").asInt() > 0
                ? ", " + esc(summary.path("skipped").asText()) + " skipped"
                : "")
        .append("</h2>\n");
    JsonNode h = summary.path("hardening");
    if (!h.isMissingNode()) {
      b.append("<p>Hardening (stricter than SPIRE's Go server): ")
          .append(esc(h.path("passed").asText()))
          .append(" passed, ")
          .append(esc(h.path("failed").asText()))
          .append(" failed, ")
          .append(esc(h.path("skipped").asText()))
          .append(" skipped</p>\n");
    }
    b.append(
        "</section>\n<section id=\"cases\"><h2>Cases</h2>\n<table class=\"checks\"><tr><th>result</th>"
            + "<th>category</th><th>case</th><th>reason</th></tr>\n");
    for (JsonNode c : summary.path("cases")) {
      String r = c.path("result").asText();
      b.append("<tr class=\"case ")
          .append(esc(r.toLowerCase(Locale.ROOT)))
          .append("\" data-outcome=\"")
          .append(esc(r.toLowerCase(Locale.ROOT)))
          .append("\"><td class=\"outcome\">")
          .append(esc(r))
          .append("</td><td>")
          .append(esc(c.path("category").asText()))
          .append("</td><td><code>")
          .append(esc(c.path("case").asText()))
          .append("</code></td><td>")
          .append(esc(c.path("reason").asText()))
          .append("</td></tr>\n");
    }
    b.append("</table></section>\n");
    return page(title, b.toString());
  }

  /**
   * The side-by-side page of {@code conformance table}: its {@code --json} array (each suite's
   * summary with an {@code implementation} of {@code go} or {@code java}), one row per case.
   */
  static String conformanceTable(JsonNode all) {
    StringBuilder b = new StringBuilder();
    String title = "tpm-devid conformance table: SPIRE's Go plugins and tpm-devid side by side";
    b.append("<header><h1>")
        .append(esc(title))
        .append("</h1></header>\n<section id=\"result\" class=\"banner ok\">");
    for (JsonNode r : all) {
      JsonNode h = r.path("hardening");
      b.append("<p>")
          .append(esc(r.path("suite").asText()))
          .append(" suite, ")
          .append(
              "go".equals(r.path("implementation").asText())
                  ? "SPIRE's Go plugin"
                  : "tpm-devid (Java)")
          .append(": ")
          .append(esc(r.path("passed").asText()))
          .append(" passed, ")
          .append(esc(r.path("failed").asText()))
          .append(" failed")
          .append(
              h.isMissingNode()
                  ? ""
                  : "; hardening "
                      + esc(h.path("passed").asText())
                      + " passed, "
                      + esc(h.path("failed").asText())
                      + " failed")
          .append("</p>\n");
    }
    b.append("</section>\n");
    for (String suite : List.of("server", "agent")) {
      JsonNode go = null;
      JsonNode java = null;
      for (JsonNode r : all) {
        if (suite.equals(r.path("suite").asText())) {
          if ("go".equals(r.path("implementation").asText())) {
            go = r;
          } else {
            java = r;
          }
        }
      }
      if (go == null && java == null) {
        continue;
      }
      Map<String, JsonNode[]> rows = new java.util.LinkedHashMap<>();
      for (int i = 0; i < 2; i++) {
        JsonNode r = i == 0 ? go : java;
        if (r == null) {
          continue;
        }
        for (JsonNode c : r.path("cases")) {
          rows.computeIfAbsent(
                      c.path("category").asText() + "\u0000" + c.path("case").asText(),
                      k -> new JsonNode[3])[i] =
              c;
        }
      }
      b.append("<section id=\"")
          .append(suite)
          .append("-suite\"><h2>")
          .append(suite)
          .append(
              " suite</h2>\n<table class=\"checks pairs\"><tr><th>category</th><th>case</th>"
                  + "<th>SPIRE's Go plugin (v1.13.3)</th><th>tpm-devid (Java)</th></tr>\n");
      rows.forEach(
          (key, pair) -> {
            JsonNode any = pair[0] != null ? pair[0] : pair[1];
            b.append("<tr class=\"pair\"><td>")
                .append(esc(any.path("category").asText()))
                .append("</td><td><code>")
                .append(esc(any.path("case").asText()))
                .append("</code></td>");
            for (int i = 0; i < 2; i++) {
              JsonNode c = pair[i];
              String r = c == null ? "not run" : c.path("result").asText();
              b.append("<td class=\"cell ")
                  .append(esc(r.toLowerCase(Locale.ROOT).replace(' ', '-')))
                  .append("\" data-outcome=\"")
                  .append(esc(r.toLowerCase(Locale.ROOT).replace(' ', '-')))
                  .append("\"><b>")
                  .append(esc(r))
                  .append("</b> ")
                  .append(c == null ? "" : esc(c.path("reason").asText()))
                  .append("</td>");
            }
            b.append("</tr>\n");
          });
      b.append("</table></section>\n");
    }
    return page(title, b.toString());
  }

  // ------------------------------------------------------------------ page

  private static String page(String title, String body) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        + "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline';"
        + " script-src 'unsafe-inline'; img-src data:\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
        + esc(title)
        + "</title>\n<script>window.onerror=function(m,s,l){var e=document.getElementById('js-errors');"
        + "if(!e){e=document.createElement('pre');e.id='js-errors';document.documentElement.appendChild(e);}"
        + "e.hidden=false;e.textContent+=m+' (line '+l+')\\n';"
        + "document.documentElement.setAttribute('data-script','error');};</script>\n"
        + "<style>"
        + CSS
        + "</style></head>\n<body>\n<pre id=\"js-errors\" hidden></pre>\n"
        + body
        + "<footer>Written by tpm-devid. This page is self-contained: it loads nothing.</footer>\n"
        + "<script>"
        + SCRIPT
        + "</script>\n</body></html>\n";
  }

  /** Escapes text for HTML element content and quoted attribute values. */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String millis(long ms) {
    return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.2f s", ms / 1000.0);
  }

  private static final String CSS =
      String.join(
          "\n",
          List.of(
              "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;max-width:1100px;"
                  + "padding:16px 24px;color:#1d2330;background:#fafbfc}",
              "h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.2em 0 .4em}",
              "code,pre,.tree dd{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,monospace;font-size:.9em}",
              "pre{white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #d0d7de;padding:8px}",
              ".facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:.5em 0}",
              ".facts dt{font-weight:600}.facts dd{margin:0}",
              ".banner{border-radius:6px;padding:4px 16px;margin:12px 0;border:2px solid}",
              ".banner.ok{background:#e8f6ec;border-color:#2da44e}.banner.refused{background:#fdecec;border-color:#cf222e}",
              ".banner.stopped{background:#fff8e1;border-color:#bf8700}.banner.accepted{background:#fdecec;border-color:#cf222e}",
              ".go-accepts b{color:#cf222e}.go-refuses b{color:#1a7f37}.small{font-size:.85em;color:#57606a}",
              ".plain{color:#3b4252;font-style:italic}summary .plain{display:block;font-weight:400;margin-left:1.9em;"
                  + "font-size:.9em}",
              ".seq{display:grid;grid-template-columns:1fr 1fr 1fr;row-gap:2px;padding-bottom:8px;"
                  + "background:linear-gradient(#8c959f,#8c959f) no-repeat 16.66% 0/1px 100%,"
                  + "linear-gradient(#8c959f,#8c959f) no-repeat 50% 0/1px 100%,"
                  + "linear-gradient(#8c959f,#8c959f) no-repeat 83.33% 0/1px 100%}",
              ".lane{text-align:center;font-weight:700;background:#24292f;color:#fff;margin:0 12%;padding:6px;"
                  + "border-radius:4px;position:relative;z-index:1}",
              ".ev{font-size:.8em}.ev.tpm{grid-column:1/3}.ev.msg{grid-column:2/4;font-size:.92em;margin:6px 0}",
              ".ev.lane-note{grid-column:1/2;margin:4px 8%;color:#57606a;background:#fafbfc;text-align:center}",
              ".ev.divider{grid-column:1/4;border-top:1px dashed #8c959f;margin-top:8px;padding-left:4px;color:#57606a;"
                  + "font-weight:600}",
              ".ev.note{grid-column:3/4;margin:4px 0}.ev.note.on-agent{grid-column:2/3}",
              ".arrow{display:block;margin:0 25%;border-bottom:2px solid #57606a;position:relative;text-align:center;"
                  + "color:inherit;text-decoration:none;padding:1px 4px 0}",
              ".arrow span{background:#fafbfc;padding:0 4px}",
              ".msg .arrow{border-bottom:3px solid #0969da;font-weight:600;color:#0969da}",
              ".arrow.right:after,.arrow.left:before{content:'';position:absolute;bottom:-6px;border:5px solid transparent}",
              ".arrow.right:after{right:-2px;border-left:9px solid currentColor}",
              ".arrow.left:before{left:-2px;border-right:9px solid currentColor}",
              ".tpm .arrow{color:#57606a}.tpm-error .arrow{color:#cf222e;border-color:#cf222e}",
              ".arrow.none{border:2px solid;border-radius:4px;margin:0 8%;padding:4px}",
              ".note.good .arrow{color:#1a7f37;background:#e8f6ec}.note.error .arrow{color:#cf222e;background:#fdecec}",
              ".note .arrow span{background:none}",
              "details.step{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:6px 0;padding:4px 12px}",
              "details.step.failed{border-color:#cf222e;border-width:2px}",
              "details.step>summary{font-weight:600;cursor:pointer}.num{display:inline-block;min-width:1.6em;"
                  + "background:#0969da;color:#fff;border-radius:10px;text-align:center;margin-right:4px}",
              ".took{color:#57606a;font-weight:400;float:right}",
              ".tree{margin:4px 0 4px 8px}dl.tree{display:grid;grid-template-columns:minmax(110px,max-content) 1fr;"
                  + "gap:1px 12px}.tree dt{font-weight:600;color:#57606a}.tree dd{margin:0;word-break:break-all}",
              ".tree dt.sub{color:inherit;grid-column:1/3}.tree summary{cursor:pointer}ol.tree{padding-left:1.5em}",
              "table{border-collapse:collapse;width:100%;background:#fff}td,th{border:1px solid #d0d7de;padding:3px 6px;"
                  + "text-align:left;vertical-align:top;font-size:.9em;overflow-wrap:break-word}th{background:#f0f3f6}",
              "table.pairs{table-layout:fixed}.pairs th:nth-child(1){width:6.5em}.pairs th:nth-child(2){width:13em}",
              "tr.passed .outcome,tr.pass .outcome{color:#1a7f37;font-weight:600}",
              "tr.failed,tr.fail{background:#fdecec}tr.failed .outcome,tr.fail .outcome{color:#cf222e;font-weight:700}",
              "tr.not-reached{color:#8c959f}tr.skip .outcome{color:#9a6700}",
              "td.cell.pass b{color:#1a7f37}td.cell.fail{background:#fdecec}td.cell.fail b{color:#cf222e}"
                  + "td.cell.skip b{color:#9a6700}",
              ".why{font-family:ui-monospace,monospace;font-weight:400;font-size:.85em;word-break:break-word}",
              ".timings .ms{text-align:right;white-space:nowrap}.bar{width:40%}.bar span{display:block;height:10px;"
                  + "background:#0969da;border-radius:2px}",
              "#js-errors{color:#cf222e;border-color:#cf222e}footer{margin-top:24px;color:#8c959f;font-size:.8em}"));

  private static final String SCRIPT =
      String.join(
          "\n",
          List.of(
              "(function(){",
              "function all(open){var d=document.querySelectorAll('details');for(var i=0;i<d.length;i++){d[i].open=open;}}",
              "var e=document.getElementById('expand-all');if(e){e.addEventListener('click',function(){all(true);});}",
              "var c=document.getElementById('collapse-all');if(c){c.addEventListener('click',function(){all(false);});}",
              "function openTarget(id){var t=document.getElementById(id);if(t&&t.tagName==='DETAILS'){t.open=true;}}",
              "var links=document.querySelectorAll('.seq a[href^=\"#\"]');",
              "for(var i=0;i<links.length;i++){links[i].addEventListener('click',function(ev){"
                  + "openTarget(this.getAttribute('href').substring(1));});}",
              "if(location.hash){openTarget(location.hash.substring(1));}",
              "var failed=document.querySelector('details.step.failed');if(failed){failed.open=true;}",
              "document.documentElement.setAttribute('data-steps',String(document.querySelectorAll('details.step').length));",
              "document.body.setAttribute('data-script','ok');",
              "})();"));
}
