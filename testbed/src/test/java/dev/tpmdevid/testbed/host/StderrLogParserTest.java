package dev.tpmdevid.testbed.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class StderrLogParserTest {
  private final StderrLogParser parser = new StderrLogParser();
  private final Instant now = Instant.now();

  @Test
  void hclogJsonKeepsLevelMessageAndFields() {
    PluginLogEntry e =
        parser.parse(
            "{\"@level\":\"INFO\",\"@message\":\"DevID chain verified\","
                + "\"@timestamp\":\"2026-03-01T12:00:00.123456Z\",\"@module\":\"tpm_devid\",\"chains\":1}",
            now);
    assertThat(e.json()).isTrue();
    assertThat(e.level()).isEqualTo(PluginLogEntry.Level.INFO);
    assertThat(e.message()).isEqualTo("DevID chain verified");
    assertThat(e.fields())
        .containsEntry("@module", "tpm_devid")
        .containsEntry("chains", 1)
        .doesNotContainKeys("@level", "@message", "@timestamp");
  }

  @Test
  void badTimestampOrLevelMakesTheLineRaw() {
    PluginLogEntry millis =
        parser.parse(
            "{\"@level\":\"info\",\"@message\":\"m\",\"@timestamp\":\"2026-03-01T12:00:00.123Z\"}",
            now);
    assertThat(millis.json()).isFalse();
    assertThat(millis.level()).isEqualTo(PluginLogEntry.Level.DEBUG);
    PluginLogEntry noLevel = parser.parse("{\"@message\":\"m\"}", now);
    assertThat(noLevel.json()).isFalse();
    assertThat(noLevel.message()).isEqualTo("{\"@message\":\"m\"}");
  }

  @Test
  void rawLinesUsePrefixesAndPanicSwitch() {
    assertThat(parser.parse("[WARN] careful", now).level()).isEqualTo(PluginLogEntry.Level.WARN);
    assertThat(parser.parse("hello", now).level()).isEqualTo(PluginLogEntry.Level.DEBUG);
    assertThat(parser.parse("panic: boom", now).level()).isEqualTo(PluginLogEntry.Level.ERROR);
    assertThat(parser.parse("goroutine 1 [running]:", now).level())
        .isEqualTo(PluginLogEntry.Level.ERROR);
  }
}
