package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The conformance kit against this project's plugins (through the SPIRE-like host), and a lax
 * stand-in.
 */
class ConformanceTest {

  private static CliRun run(String suite, List<String> command, String... options) {
    List<String> args = new ArrayList<>(List.of("conformance", suite));
    args.addAll(List.of(options));
    args.add("--");
    args.addAll(command);
    return CliRun.of(args.toArray(String[]::new));
  }

  private static String lastLine(String out) {
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1];
  }

  @Test
  void serverSuitePassesAgainstOurServerPlugin() {
    assertTrue(
        ProvisionedSwtpm.available(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    CliRun r = run("server", PluginCommands.server());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).doesNotContain("FAIL ").doesNotContain("SKIP ");
    assertThat(r.out())
        .contains(
            "PASS  protocol   valid-rsa-devid",
            "PASS  protocol   valid-ecc-devid",
            "PASS  protocol   replayed-response",
            "PASS  hardening  devid-cert-key-differs-from-devidpub",
            "hardening (stricter than SPIRE's Go server): 4 passed, 0 failed, 0 skipped");
    assertThat(lastLine(r.out())).isEqualTo("15 passed, 0 failed");
  }

  @Test
  void agentSuitePassesAgainstOurAgentPlugin() {
    assertTrue(
        ProvisionedSwtpm.available(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    CliRun r = run("agent", PluginCommands.agent());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains(
            "PASS  rsa        json-shape-and-order",
            "PASS  ecc        answers-challenge",
            "PASS  rsa        ekcert-one-der-matching-nv");
    assertThat(lastLine(r.out())).isEqualTo("22 passed, 0 failed");
  }

  /**
   * The host tests' stand-in server (fixed nonce, challenges any payload) fails: the kit detects a
   * bad server.
   */
  @Test
  void serverSuiteFailsALaxServer() throws Exception {
    assertTrue(
        ProvisionedSwtpm.available(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    List<String> laxServer =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "dev.tpmdevid.testbed.host.StandInPlugin",
            "server");
    CliRun r =
        run("server", laxServer, "--only", "valid-rsa-devid,garbage-json,no-devid-certificate");
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.out())
        .contains(
            "FAIL  protocol   valid-rsa-devid",
            "FAIL  protocol   garbage-json",
            "FAIL  protocol   no-devid-certificate");
    assertThat(lastLine(r.out())).isEqualTo("0 passed, 3 failed");
    CliRun j = run("server", laxServer, "--json", "--only", "garbage-json");
    assertThat(j.code()).isEqualTo(1);
    com.fasterxml.jackson.databind.JsonNode o =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(j.out());
    assertThat(o.get("failed").asInt()).isEqualTo(1);
    assertThat(o.get("cases").get(0).get("case").asText()).isEqualTo("garbage-json");
    assertThat(o.get("cases").get(0).get("result").asText()).isEqualTo("FAIL");
  }

  @Test
  void missingPluginIsOneLine() {
    CliRun r = run("server", List.of("/nonexistent/plugin"));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip())
        .startsWith("tpm-devid conformance server: cannot load the server plugin:");
  }

  @Test
  void helpHasExamples() {
    for (String suite : List.of("server", "agent")) {
      CliRun r = CliRun.of("conformance", suite, "--help");
      assertThat(r.code()).isZero();
      assertThat(r.out())
          .contains("Example:", "tpm-devid conformance " + suite + " -- bin/tpm-devid-");
    }
  }
}
