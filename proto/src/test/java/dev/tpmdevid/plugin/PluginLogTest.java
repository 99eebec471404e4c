package dev.tpmdevid.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PluginLogTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Go layout 2006-01-02T15:04:05.000000Z07:00 with UTC (docs/plugin-protocol.md#stdio). */
  static final Pattern HCLOG_TIMESTAMP =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z");

  @Test
  void formatsHclogJsonLine() throws IOException {
    String line =
        PluginLog.format(
            Instant.parse("2026-03-01T12:00:00.123456789Z"),
            PluginLog.Level.INFO,
            "tpm_devid",
            "attested",
            null,
            "agent_id",
            "spiffe://td/x",
            "count",
            3,
            "ok",
            true);
    assertThat(line).endsWith("}\n").doesNotContain("\n}").hasLineCount(1);
    JsonNode n = JSON.readTree(line);
    assertThat(n.get("@level").asText()).isEqualTo("info");
    assertThat(n.get("@message").asText()).isEqualTo("attested");
    assertThat(n.get("@module").asText()).isEqualTo("tpm_devid");
    assertThat(n.get("@timestamp").asText()).isEqualTo("2026-03-01T12:00:00.123456Z");
    assertThat(n.get("agent_id").asText()).isEqualTo("spiffe://td/x");
    assertThat(n.get("count").isInt()).isTrue();
    assertThat(n.get("count").asInt()).isEqualTo(3);
    assertThat(n.get("ok").isBoolean()).isTrue();
  }

  @Test
  void timestampAlwaysHasSixFractionDigits() throws IOException {
    String line =
        PluginLog.format(
            Instant.parse("2026-03-01T12:00:00Z"), PluginLog.Level.DEBUG, "m", "x", null);
    assertThat(JSON.readTree(line).get("@timestamp").asText())
        .isEqualTo("2026-03-01T12:00:00.000000Z");
  }

  @Test
  void levelsAreLowercase() throws IOException {
    for (PluginLog.Level l : PluginLog.Level.values()) {
      String line = PluginLog.format(Instant.EPOCH, l, "m", "x", null);
      assertThat(JSON.readTree(line).get("@level").asText()).isEqualTo(l.name().toLowerCase());
    }
    assertThat(PluginLog.Level.parse("WARNING")).isEqualTo(PluginLog.Level.WARN);
    assertThat(PluginLog.Level.parse(" Trace ")).isEqualTo(PluginLog.Level.TRACE);
  }

  @Test
  void escapesControlCharactersQuotesAndNewlines() throws IOException {
    String msg = "a\"b\\c\nd\re\tf\u0001g<h>&\u2028 \ud800 ok\ud83d\ude00";
    String line =
        PluginLog.format(Instant.EPOCH, PluginLog.Level.WARN, "m", msg, null, "k\n", "v\u0000");
    assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n").doesNotContain("\r");
    JsonNode n = JSON.readTree(line);
    assertThat(n.get("@message").asText()).isEqualTo(msg);
    assertThat(n.get("k\n").asText()).isEqualTo("v\u0000");
  }

  @Test
  void throwableBecomesOneLineErrorField() throws IOException {
    Exception e = new IllegalStateException("outer\nsecond line", new java.io.IOException("inner"));
    String line =
        PluginLog.format(Instant.EPOCH, PluginLog.Level.ERROR, "m", "failed", e, "step", "x");
    assertThat(line).hasLineCount(1);
    JsonNode n = JSON.readTree(line);
    assertThat(n.get("error").asText())
        .startsWith(
            "java.lang.IllegalStateException: outer second line; caused by: java.io.IOException: inner")
        .contains(" at dev.tpmdevid.plugin.PluginLogTest");
    assertThat(n.get("step").asText()).isEqualTo("x");
  }

  @Test
  void reservedKeysCannotBeOverridden() throws IOException {
    String line =
        PluginLog.format(
            Instant.EPOCH,
            PluginLog.Level.INFO,
            "m",
            "x",
            null,
            "@level",
            5,
            "@message",
            null,
            "@timestamp",
            "bad");
    JsonNode n = JSON.readTree(line);
    assertThat(n.get("@level").asText()).isEqualTo("info");
    assertThat(n.get("@message").asText()).isEqualTo("x");
    assertThat(n.get("level_").asInt()).isEqualTo(5);
    assertThat(n.get("timestamp_").asText()).isEqualTo("bad");
  }

  @Test
  void longValuesAreCutSoTheLineStaysBelowTheHostsBuffer() throws IOException {
    String big = "x".repeat(100_000);
    String line = PluginLog.format(Instant.EPOCH, PluginLog.Level.INFO, "m", big, null, "pem", big);
    assertThat(line.getBytes(StandardCharsets.UTF_8).length).isLessThan(64 * 1024);
    JsonNode n = JSON.readTree(line);
    assertThat(n.get("@message").asText()).endsWith("...(truncated)").startsWith("xxxx");
    assertThat(n.get("pem").asText()).hasSize(PluginLog.MAX_STRING + "...(truncated)".length());
  }

  @Test
  void oddValueAndSpecialValues() throws IOException {
    String line =
        PluginLog.format(
            Instant.EPOCH,
            PluginLog.Level.INFO,
            "m",
            null,
            null,
            "nan",
            Double.NaN,
            "bytes",
            new byte[] {1, (byte) 0xab},
            "nothing",
            null,
            "dangling");
    JsonNode n = JSON.readTree(line);
    assertThat(n.get("@message").asText()).isEmpty();
    assertThat(n.get("nan").asText()).isEqualTo("NaN");
    assertThat(n.get("bytes").asText()).isEqualTo("01ab");
    assertThat(n.get("nothing").isNull()).isTrue();
    assertThat(n.get("EXTRA_VALUE_AT_END").asText()).isEqualTo("dangling");
  }

  @Test
  void writesWholeLinesFromConcurrentThreadsAndHonoursThreshold() throws Exception {
    LineCollector sink = new LineCollector();
    OutputStream old = PluginLog.swapSink(sink);
    PluginLog.Level oldLevel = PluginLog.threshold();
    try {
      PluginLog.setThreshold(PluginLog.Level.INFO);
      PluginLog log = PluginLog.get("concurrency");
      log.debug("hidden");
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        Thread th =
            new Thread(
                () -> {
                  for (int i = 0; i < 200; i++) {
                    log.info("line", "thread", id, "i", i, "pad", "x".repeat(300));
                  }
                });
        threads.add(th);
        th.start();
      }
      for (Thread th : threads) {
        th.join();
      }
    } finally {
      PluginLog.swapSink(old);
      PluginLog.setThreshold(oldLevel);
    }
    String[] lines = sink.text().split("\n");
    assertThat(lines).hasSize(800);
    for (String l : lines) {
      JsonNode n = JSON.readTree(l);
      assertThat(n.get("@message").asText()).isEqualTo("line");
      assertThat(HCLOG_TIMESTAMP.matcher(n.get("@timestamp").asText()).matches()).isTrue();
    }
  }

  @Test
  void strayLinesBecomeDebugJson() throws IOException {
    LineCollector sink = new LineCollector();
    OutputStream old = PluginLog.swapSink(sink);
    PluginLog.Level oldLevel = PluginLog.threshold();
    PluginLog.setThreshold(PluginLog.Level.DEBUG); // the build runs tests with logging off
    try (java.io.PrintStream ps =
        new java.io.PrintStream(
            new StdioGuard.LineToLog(PluginLog.get("stdout")), true, StandardCharsets.UTF_8)) {
      ps.print("TPM error: 0x98e\r\npartial");
      ps.println(" line");
      ps.println();
    } finally {
      PluginLog.setThreshold(oldLevel);
      PluginLog.swapSink(old);
    }
    String[] lines = sink.text().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(JSON.readTree(lines[0]).get("@message").asText()).isEqualTo("TPM error: 0x98e");
    assertThat(JSON.readTree(lines[0]).get("@module").asText()).isEqualTo("stdout");
    assertThat(JSON.readTree(lines[0]).get("@level").asText()).isEqualTo("debug");
    assertThat(JSON.readTree(lines[1]).get("@message").asText()).isEqualTo("partial line");
  }

  static final class LineCollector extends OutputStream {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      buf.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      buf.write(b, off, len);
    }

    synchronized String text() {
      return buf.toString(StandardCharsets.UTF_8);
    }
  }
}
