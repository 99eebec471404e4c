package dev.tpmdevid.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HclConfigTest {

  /**
   * What SPIRE passes for {@code plugin_data { ... }} written in HCL (docs/plugin-protocol.md#hcl).
   */
  private static final String SPIRE_REPRINTED_HCL =
      ""
          + "devid_ca_path = \"/opt/spire/conf/server/devid-cacert.pem\"\n"
          + "\n"
          + "endorsement_ca_path = \"/opt/spire/conf/server/endorsement-cacert.pem\"\n"
          + "\n"
          + "# a comment SPIRE keeps\n"
          + "max_challenges = 3\n"
          + "\n"
          + "strict = true\n"
          + "\n"
          + "extra {\n"
          + "  k = \"v\"\n"
          + "}\n";

  /**
   * What SPIRE passes when the config file is JSON: every key quoted (docs/plugin-protocol.md#hcl).
   */
  private static final String SPIRE_REPRINTED_JSON =
      ""
          + "\"devid_ca_path\" = \"/ca.pem\"\n"
          + "\n"
          + "\"port\" = 8443\n"
          + "\n"
          + "\"nested\" = {\n"
          + "  \"k\" = \"v\"\n"
          + "}\n";

  @Test
  void readsSpireReprintedHclBody() throws StatusException {
    HclConfig c = HclConfig.parse(SPIRE_REPRINTED_HCL);
    assertThat(c.requireString("devid_ca_path"))
        .isEqualTo("/opt/spire/conf/server/devid-cacert.pem");
    assertThat(c.optionalString("endorsement_ca_path", null))
        .isEqualTo("/opt/spire/conf/server/endorsement-cacert.pem");
    assertThat(c.optionalLong("max_challenges", 1)).isEqualTo(3L);
    assertThat(c.optionalBoolean("strict", false)).isTrue();
    assertThat(c.raw("extra")).isEqualTo(Map.of("k", "v"));
    assertThat(c.keys())
        .containsExactly(
            "devid_ca_path", "endorsement_ca_path", "max_challenges", "strict", "extra");
  }

  @Test
  void readsQuotedKeysAsReprintedFromJsonConfig() throws StatusException {
    HclConfig c = HclConfig.parse(SPIRE_REPRINTED_JSON);
    assertThat(c.requireString("devid_ca_path")).isEqualTo("/ca.pem");
    assertThat(c.optionalLong("port", 0)).isEqualTo(8443L);
    assertThat(c.raw("nested")).isEqualTo(Map.of("k", "v"));
  }

  @Test
  void readsRawJsonFromPluginDataFile() throws StatusException {
    HclConfig c =
        HclConfig.parse("{\"devid_ca_path\": \"/ca.pem\", \"port\": 8443, \"strict\": false}");
    assertThat(c.requireString("devid_ca_path")).isEqualTo("/ca.pem");
    assertThat(c.optionalLong("port", 0)).isEqualTo(8443L);
    assertThat(c.optionalBoolean("strict", true)).isFalse();
  }

  @Test
  void emptyTextIsEmptyConfig() throws StatusException {
    assertThat(HclConfig.parse("").keys()).isEmpty();
    assertThat(HclConfig.parse("  \n\t").keys()).isEmpty();
    assertThat(HclConfig.parse(null).keys()).isEmpty();
    assertThat(HclConfig.parse("# only a comment\n// another\n/* block */\n").keys()).isEmpty();
    assertThat(HclConfig.parse("").optionalLong("port", 7)).isEqualTo(7L);
  }

  @Test
  void dollarBraceStaysLiteralAsInHclV1() throws StatusException {
    HclConfig c =
        HclConfig.parse("id = \"spiffe://${td}/agent/${name}\"\nh = <<EOF\nx ${y} %{z}\nEOF\n");
    assertThat(c.requireString("id")).isEqualTo("spiffe://${td}/agent/${name}");
    assertThat(c.requireString("h")).isEqualTo("x ${y} %{z}\n");
  }

  @Test
  void percentBraceStaysLiteral() throws StatusException {
    assertThat(HclConfig.parse("a = \"%{ if true }x%{ endif }\"").requireString("a"))
        .isEqualTo("%{ if true }x%{ endif }");
  }

  @Test
  void requiredKeyMissingOrEmptyIsNamed() throws StatusException {
    HclConfig c = HclConfig.parse("other = \"x\"\nempty = \"\"");
    assertInvalid(
        () -> c.requireString("devid_ca_path"), "invalid configuration: devid_ca_path is required");
    assertInvalid(() -> c.requireString("empty"), "invalid configuration: empty is required");
    assertThat(c.optionalString("empty", "def")).isEqualTo("");
    assertThat(c.optionalString("absent", "def")).isEqualTo("def");
  }

  @Test
  void keyWithoutValueIsRejectedByName() {
    assertInvalid(
        () -> HclConfig.parse("devid_ca_path = "),
        "invalid configuration: devid_ca_path has no value");
    assertInvalid(
        () -> HclConfig.parse("a = \"x\"\ndevid_ca_path = \n"),
        "invalid configuration: devid_ca_path has no value");
    assertInvalid(
        () -> HclConfig.parse("a = \"unterminated"), "invalid configuration: a has no value");
  }

  @Test
  void functionCallsAreNotEvaluated() {
    assertInvalid(
        () -> HclConfig.parse("a = upper(\"x\")"), "invalid configuration: a has no value");
  }

  @Test
  void integersAreConvertedExactly() throws StatusException {
    HclConfig c = HclConfig.parse("a = 8443\nb = -5\nc = 9007199254740991\nd = \"42\"\ne = 0");
    assertThat(c.optionalLong("a", 0)).isEqualTo(8443L);
    assertThat(c.optionalLong("b", 0)).isEqualTo(-5L);
    assertThat(c.optionalLong("c", 0)).isEqualTo(9007199254740991L);
    assertThat(c.optionalLong("d", 0)).isEqualTo(42L);
    assertThat(c.optionalLong("e", 1)).isEqualTo(0L);
    assertThat(c.optionalString("a", null)).isEqualTo("8443");
  }

  @Test
  void fractionsAndHugeNumbersAreRejectedForIntegerKeys() throws StatusException {
    HclConfig c =
        HclConfig.parse("frac = 1.5\nhuge = 12345678901234567890\ntext = \"abc\"\nflag = true");
    assertInvalid(
        () -> c.optionalLong("frac", 0), "invalid configuration: frac must be an integer");
    assertInvalid(() -> c.optionalLong("huge", 0), "invalid configuration: huge is too large");
    assertInvalid(
        () -> c.optionalLong("text", 0), "invalid configuration: text must be an integer");
    assertInvalid(
        () -> c.optionalLong("flag", 0), "invalid configuration: flag must be an integer");
  }

  @Test
  void hexAndExponentNumbersAreRejectedNotMisread() {
    assertInvalid(() -> HclConfig.parse("port = 0x10"), "invalid configuration: port: hexadecimal");
    assertInvalid(() -> HclConfig.parse("\"n\" = 1e3"), "invalid configuration: n: hexadecimal");
  }

  @Test
  void expressionsAreRejectedNotEvaluated() {
    assertInvalid(
        () -> HclConfig.parse("max_challenges = 1 + 2"),
        "invalid configuration: max_challenges: expressions are not supported");
    assertInvalid(
        () -> HclConfig.parse("a = \"x\"\n\"n\" = 2*3"), "invalid configuration: n: expressions");
    assertInvalid(
        () -> HclConfig.parse("a = some_variable"),
        "invalid configuration: a is not a literal value");
    assertInvalid(
        () -> HclConfig.parse("b { c = var.x }"),
        "invalid configuration: b.c is not a literal value");
    assertInvalid(
        () -> HclConfig.parse("a = true && false"), "invalid configuration: a: expressions");
    assertInvalid(() -> HclConfig.parse("a = x ? 1 : 2"), "invalid configuration: a: expressions");
    assertInvalid(
        () -> HclConfig.parse("a = [for x in y: x]"), "invalid configuration: a: expressions");
    assertInvalid(() -> HclConfig.parse("a = !true"), "invalid configuration: a: expressions");
  }

  @Test
  void trailingCommentsAndCommentLinesAreNotExpressions() throws StatusException {
    HclConfig c =
        HclConfig.parse(
            "a = 5 // five\nb = true # yes\nc = 7 /* seven */\nd = false\n"
                + "// comment line\n/* block */\ne = 1\n");
    assertThat(c.optionalLong("a", 0)).isEqualTo(5L);
    assertThat(c.optionalBoolean("b", false)).isTrue();
    assertThat(c.optionalLong("c", 0)).isEqualTo(7L);
    assertThat(c.optionalBoolean("d", true)).isFalse();
    assertThat(c.optionalLong("e", 0)).isEqualTo(1L);
  }

  @Test
  void booleansMustBeLiterals() throws StatusException {
    HclConfig c = HclConfig.parse("a = true\nb = false\ns = \"true\"");
    assertThat(c.optionalBoolean("a", false)).isTrue();
    assertThat(c.optionalBoolean("b", true)).isFalse();
    assertThat(c.optionalBoolean("absent", true)).isTrue();
    assertInvalid(
        () -> c.optionalBoolean("s", false), "invalid configuration: s must be true or false");
  }

  @Test
  void wrongTypeForStringIsNamed() throws StatusException {
    HclConfig c = HclConfig.parse("a = [\"x\"]\nb { k = \"v\" }\nt = true");
    assertInvalid(() -> c.requireString("a"), "invalid configuration: a must be a string");
    assertInvalid(() -> c.requireString("b"), "invalid configuration: b must be a string");
    assertInvalid(() -> c.requireString("t"), "invalid configuration: t must be a string");
  }

  @Test
  void durationsUseGoSyntax() throws StatusException {
    HclConfig c =
        HclConfig.parse(
            "a = \"1h30m\"\nb = \"250ms\"\nc = \"1.5s\"\nd = \"0\"\ne = \"10\"\nf = 30\n"
                + "g = \"5x\"");
    assertThat(c.optionalDuration("a", null)).isEqualTo(Duration.ofMinutes(90));
    assertThat(c.optionalDuration("b", null)).isEqualTo(Duration.ofMillis(250));
    assertThat(c.optionalDuration("c", null)).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.optionalDuration("d", null)).isEqualTo(Duration.ZERO);
    assertThat(c.optionalDuration("absent", Duration.ofSeconds(7)))
        .isEqualTo(Duration.ofSeconds(7));
    assertInvalid(
        () -> c.optionalDuration("e", null), "invalid configuration: e must be a duration");
    assertInvalid(
        () -> c.optionalDuration("f", null), "invalid configuration: f must be a duration");
    assertInvalid(
        () -> c.optionalDuration("g", null), "invalid configuration: g must be a duration");
  }

  @Test
  void stringListsAreRead() throws StatusException {
    HclConfig c = HclConfig.parse("l = [\"a\", \"b\"]\nm = [\"a\", 1]\ns = \"a\"");
    assertThat(c.optionalStringList("l", List.of())).containsExactly("a", "b");
    assertThat(c.optionalStringList("absent", List.of("d"))).containsExactly("d");
    assertInvalid(
        () -> c.optionalStringList("m", null),
        "invalid configuration: m must be a list of strings");
    assertInvalid(
        () -> c.optionalStringList("s", null),
        "invalid configuration: s must be a list of strings");
  }

  @Test
  void unknownKeysAreListedSorted() throws StatusException {
    HclConfig c = HclConfig.parse("zeta = 1\ndevid_ca_path = \"/x\"\nalpha = 2");
    assertThat(c.unknownKeys(Set.of("devid_ca_path"))).containsExactly("alpha", "zeta");
    assertThat(c.unknownKeys(Set.of("devid_ca_path", "alpha", "zeta"))).isEmpty();
  }

  @Test
  void bareQuotedStringIsNotABody() {
    // plugin_data = "text" reaches the plugin as the quoted literal
    assertInvalid(
        () -> HclConfig.parse("\"text\""),
        "invalid configuration: expected a body of key = value pairs");
  }

  @Test
  void syntaxErrorIsInvalidArgument() {
    assertInvalid(
        () -> HclConfig.parse("a = \"b\" c = "), "invalid configuration: cannot parse HCL");
  }

  @Test
  void labeledAndRepeatedBlocksStayAvailableRaw() throws StatusException {
    HclConfig c =
        HclConfig.parse(
            "svc \"first\" {\n  a = 1\n}\n\nsvc \"second\" {\n  a = 2\n}\n\n"
                + "b {\n  x = \"1\"\n}\n\nb {\n  x = \"2\"\n}\n");
    assertThat(c.raw("svc"))
        .isEqualTo(Map.of("first", Map.of("a", 1.0), "second", Map.of("a", 2.0)));
    assertThat(c.raw("b")).isEqualTo(List.of(Map.of("x", "1"), Map.of("x", "2")));
  }

  @Test
  void stringEscapesAreDecoded() throws StatusException {
    assertThat(HclConfig.parse("a = \"x\\\"y\\\\z\"").requireString("a")).isEqualTo("x\"y\\z");
  }

  private interface Call {
    void run() throws StatusException;
  }

  private static void assertInvalid(Call call, String messagePrefix) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).startsWith(messagePrefix);
            });
  }
}
