package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code tpm-devid} in-process: help, version, and a complete {@code demo --json} run. */
class TpmDevidCliTest {

  private static String run(int expectedExit, String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertThat(TpmDevidCli.execute(args)).isEqualTo(expectedExit);
    } finally {
      System.setOut(saved);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void usageErrorIsOneLineNamingTheCommand() {
    PrintStream saved = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = TpmDevidCli.execute("agent", "request");
    } finally {
      System.setErr(saved);
    }
    String err = buf.toString(StandardCharsets.UTF_8);
    assertThat(exit).isEqualTo(2);
    assertThat(err.strip().lines()).hasSize(1);
    assertThat(err)
        .startsWith("tpm-devid agent request: ")
        .contains("Missing required options")
        .contains("(see 'tpm-devid agent request --help')");
  }

  @Test
  void helpAndVersion() {
    assertThat(run(0, "--help")).contains("Usage: tpm-devid").contains("demo");
    assertThat(run(0, "--version")).startsWith("tpm-devid ");
    assertThat(run(0, "demo", "--help"))
        .contains("--devid=rsa|ecc")
        .contains("--ek=rsa|ecc")
        .contains("--json")
        .contains("--quiet");
  }

  @Test
  void demoJsonTraceEndsInAnAttestedAgentAndCleansUp() throws Exception {
    String out = run(0, "demo", "--devid", "ecc", "--ek", "rsa", "--json");

    JsonNode trace = new ObjectMapper().readTree(out);
    assertThat(trace.path("result").path("ok").asBoolean()).isTrue();
    assertThat(trace.path("result").path("spiffeId").asText())
        .matches("spiffe://example\\.org/spire/agent/tpm_devid/[0-9a-f]{40}");
    assertThat(trace.path("result").path("selectors")).hasSize(4);
    assertThat(trace.path("steps")).hasSize(7);
    JsonNode payload = trace.path("steps").get(3).path("details");
    assertThat(payload.path("DevIDPub (TPMT_PUBLIC of the DevID key)").path("type").asText())
        .isEqualTo("ECC");
    assertThat(payload.path("DevIDPub (TPMT_PUBLIC of the DevID key)").path("curve").asText())
        .contains("P256");
    assertThat(
            payload
                .path("CertifiedDevID (TPMS_ATTEST signed by the AK)")
                .path("certifiedName == Name(DevIDPub)")
                .asBoolean())
        .isTrue();
    // This run's own work directory (named in the trace; other runs may share the temp folder) is
    // gone.
    Path stateDir =
        Path.of(trace.path("steps").get(0).path("details").path("state directory").asText());
    Path workDir = stateDir;
    while (workDir != null && !workDir.getFileName().toString().startsWith("tpm-devid-demo-")) {
      workDir = workDir.getParent();
    }
    assertThat(workDir)
        .as("the demo's work directory, above the swtpm state directory %s", stateDir)
        .isNotNull();
    assertThat(workDir).doesNotExist();
  }
}
