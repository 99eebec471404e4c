package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code tpm-devid provision --lab --idevid persistent|template} (docs/idevid.md): the lab TPM also
 * gets a manufacturer-style IDevID, and the agent-idevid.hcl it writes attests step by step through
 * the CLI ({@code agent request/solve}, {@code server challenge/verify}: the agent in two
 * processes' worth of state).
 */
class ProvisionIDevIdTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "--key {0} --idevid {1}")
  @CsvSource({
    "rsa, persistent, persisted at 0x81020000",
    "ecc, template, regenerated from template idevid-ecc"
  })
  void labWithIDevIdAttestsStepByStep(String key, String mode, String how) throws Exception {
    assertTrue(
        Swtpm.isInstalled(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    try (Swtpm swtpm = Swtpm.start(Swtpm.Transport.TCP)) {
      Path lab = dir.resolve("lab");
      CliRun l =
          CliRun.of(
              "provision",
              "--lab",
              "--tpm",
              swtpm.devicePath(),
              "--key",
              key,
              "--spire-passwords",
              "--idevid",
              mode,
              "--out",
              lab.toString());
      assertThat(l.code()).as(l.toString()).isZero();
      assertThat(l.out())
          .contains(
              "IDevID ("
                  + key.toUpperCase()
                  + ") "
                  + how
                  + ", chain (2 certificates) in NV 0x01C90200",
              "agent-idevid.hcl");
      assertThat(lab.resolve("idevid.crt.pem")).exists();

      String agentHcl = lab.resolve("agent-idevid.hcl").toString();
      String serverHcl = lab.resolve("server.hcl").toString();
      String req = dir.resolve("req.json").toString();
      String ch = dir.resolve("ch.json").toString();
      String resp = dir.resolve("resp.json").toString();
      String as = dir.resolve("as.json").toString();
      String ss = dir.resolve("ss.json").toString();
      CliRun r = CliRun.of("agent", "request", "--config", agentHcl, "--out", req, "--state", as);
      assertThat(r.code()).as(r.toString()).isZero();
      assertThat(
              CliRun.of(
                      "server",
                      "challenge",
                      "--config",
                      serverHcl,
                      "--request",
                      req,
                      "--out",
                      ch,
                      "--state",
                      ss)
                  .code())
          .isZero();
      CliRun s = CliRun.of("agent", "solve", "--challenge", ch, "--state", as, "--out", resp);
      assertThat(s.code()).as(s.toString()).isZero();
      CliRun v =
          CliRun.of("server", "verify", "--config", serverHcl, "--state", ss, "--response", resp);
      assertThat(v.code()).as(v.toString()).isZero();
      assertThat(v.out()).contains("selector:  tpm_devid:subject:cn:idevid-" + key);
    }
  }

  @Test
  void idevidNeedsLab() {
    CliRun r =
        CliRun.of(
            "provision",
            "--tpm",
            "tcp://127.0.0.1:1",
            "--idevid",
            "template",
            "--out",
            dir.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.oneLineError()).isEqualTo("tpm-devid provision: --idevid applies only with --lab");
  }
}
