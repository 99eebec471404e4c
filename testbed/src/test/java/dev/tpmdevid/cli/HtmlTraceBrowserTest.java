package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tpmdevid.testbed.TempDirs;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTML traces of {@code demo --html}, {@code demo --attack NAME --html} and {@code conformance
 * server --html}, rendered in headless Chromium from real runs (swtpm, plugin processes). Each page
 * must run its script without an error, show every step, and mark the failing check of an attack;
 * screenshots are kept in {@code testbed/target/html-trace/}.
 */
class HtmlTraceBrowserTest {
  private static final Path ARTIFACTS = Path.of("target", "html-trace");
  private static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    Chromium.binary(); // fails early, naming the package, when chromium is missing
    assertThat(ProvisionedSwtpm.available())
        .as("swtpm is installed (bin/test installs it)")
        .isTrue();
    dir = Files.createTempDirectory("tpmdevid-html-");
    Files.createDirectories(ARTIFACTS);
  }

  @AfterAll
  static void tearDown() {
    if (dir != null) {
      TempDirs.deleteQuietly(dir);
    }
  }

  @Test
  void honestDemoPageShowsTheWholeExchange() throws Exception {
    Path html = dir.resolve("demo.html");
    CliRun r = CliRun.of("demo", "--quiet", "--html", html.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    String raw = Files.readString(html, StandardCharsets.UTF_8);
    assertSelfContained(raw);

    Chromium.Page page = Chromium.load(html);
    assertThat(page.scriptErrors()).as("script errors").isEmpty();
    String dom = page.dom();
    assertThat(dom).contains("data-steps=\"7\"");
    for (String title :
        List.of(
            "Started a software TPM (swtpm)",
            "Provisioned the TPM like a manufacturer and an owner would",
            "Loaded both plugins the way spire-server and spire-agent do",
            "Agent plugin -&gt; payload",
            "Server plugin verified the evidence and sent a challenge",
            "Agent plugin answered the challenge inside the TPM",
            "Server plugin checked the answers and attested the agent")) {
      assertThat(dom).as("step " + title).contains(title);
    }
    // the three JSON messages and the result on the sequence diagram
    assertThat(count(dom, "class=\"ev msg\"")).isEqualTo(3);
    assertThat(dom)
        .contains(
            "AttestationRequest JSON",
            "ChallengeRequest JSON",
            "ChallengeResponse JSON",
            "AgentAttributes: attested");
    // every TPM command the agent sent, with its response code: Certify for the payload,
    // ActivateCredential and Sign for the challenge
    assertThat(count(dom, "class=\"ev tpm\"")).isGreaterThanOrEqualTo(10);
    assertThat(dom)
        .contains(
            "Certify → TPM_RC_SUCCESS",
            "ActivateCredential → TPM_RC_SUCCESS",
            "Sign → TPM_RC_SUCCESS");
    // decoded structures inside the messages
    assertThat(dom)
        .contains(
            "DevIDPub (TPMT_PUBLIC of the DevID key)",
            "CertifiedDevID (TPMS_ATTEST signed by" + " the AK)",
            "certifiedName == Name(DevIDPub)",
            "DevID nonce",
            "CredActivation.Secret");
    // all checks passed, and a plain-language line per message step
    assertThat(count(dom, "data-outcome=\"passed\"")).isEqualTo(ServerChecks.CHECKS.size());
    assertThat(count(dom, "<span class=\"plain\">")).isEqualTo(7);
    assertThat(dom).contains("id=\"spiffe-id\">spiffe://example.org/spire/agent/tpm_devid/");
    Chromium.screenshot(html, ARTIFACTS.resolve("demo.png"), 1200, 1800);
    Files.copy(
        html, ARTIFACTS.resolve("demo.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void attackPageMarksTheCheckThatStoppedIt() throws Exception {
    Path html = dir.resolve("attack.html");
    CliRun r =
        CliRun.of(
            "demo", "--attack", "devid-cert-key-differs-from-devidpub", "--html", html.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains(
            "Stopped at check 6: DevIDPub is the key of the DevID certificate",
            "rpc error: code = InvalidArgument desc = nodeattestor(tpm_devid): DevID certificate key differs"
                + " from DevID key public blob",
            "SPIRE's Go server ACCEPTS it");
    assertSelfContained(Files.readString(html, StandardCharsets.UTF_8));

    Chromium.Page page = Chromium.load(html);
    assertThat(page.scriptErrors()).as("script errors").isEmpty();
    String dom = page.dom();
    assertThat(outcomes(dom))
        .containsExactly(
            "passed",
            "passed",
            "passed",
            "passed",
            "passed",
            "failed",
            "not-reached",
            "not-reached",
            "not-reached",
            "not-reached",
            "not-reached",
            "not-reached",
            "not-reached",
            "not-reached",
            "not-reached",
            "not-reached",
            "not-reached");
    assertThat(dom).contains("check 6 FAILED: DevIDPub is the key of the DevID certificate");
    assertThat(Chromium.between(dom, "<pre id=\"operator-error\">", "</pre>"))
        .isEqualTo(
            "rpc error: code = InvalidArgument desc = nodeattestor(tpm_devid): DevID certificate key differs from"
                + " DevID key public blob: modulus mismatch");
    assertThat(dom).contains("class=\"go-accepts\"", "SPIRE's Go server would accept this attack.");
    // the failed step is opened by the page's script
    assertThat(dom).containsPattern("<details class=\"step failed\" id=\"step-\\d+\" open=\"\">");
    Chromium.screenshot(
        html, ARTIFACTS.resolve("attack-devid-cert-key-differs-from-devidpub.png"), 1200, 1700);
  }

  @Test
  void replayAttackStopsAtTheCredentialAfterAGenuineRun() throws Exception {
    Path html = dir.resolve("replay.html");
    CliRun r =
        CliRun.of("demo", "--quiet", "--attack", "replayed-response", "--html", html.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    Chromium.Page page = Chromium.load(html);
    assertThat(page.scriptErrors()).as("script errors").isEmpty();
    String dom = page.dom();
    // attempt 1 is the genuine attestation the attacker records; attempt 2 replays its answer
    assertThat(dom)
        .contains(
            "attempt 1 of 2: Attacker's agent -&gt; payload",
            "AgentAttributes: attested",
            "attempt 2 of 2: Attacker's agent answered the challenge",
            "class=\"go-refuses\"");
    List<String> outcomes = outcomes(dom);
    assertThat(outcomes.indexOf("failed")).as(String.valueOf(outcomes)).isGreaterThanOrEqualTo(11);
    assertThat(Chromium.between(dom, "<pre id=\"operator-error\">", "</pre>"))
        .startsWith("rpc error: code = InvalidArgument desc = nodeattestor(tpm_devid): ");
    Chromium.screenshot(html, ARTIFACTS.resolve("attack-replayed-response.png"), 1200, 1700);
  }

  @Test
  void attackListAndUnknownAttack() {
    CliRun list = CliRun.of("demo", "--attack", "list");
    assertThat(list.code()).isZero();
    assertThat(list.out())
        .contains(
            "devid-cert-key-differs-from-devidpub",
            "software-ak-not-restricted",
            "certify-signature-corrupted",
            "replayed-response",
            "ek-cert-from-untrusted-ca",
            "Go server: ACCEPTS it");
    CliRun unknown = CliRun.of("demo", "--attack", "no-such-attack");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.oneLineError()).contains("unknown attack 'no-such-attack'", "--attack list");
  }

  @Test
  void conformancePageListsEveryCase() throws Exception {
    Path html = dir.resolve("conformance.html");
    List<String> args =
        new ArrayList<>(
            List.of(
                "conformance",
                "server",
                "--only",
                "valid-rsa-devid,replayed-response,software-ak-not-restricted",
                "--html",
                html.toString(),
                "--"));
    args.addAll(PluginCommands.server());
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertThat(r.code()).as(r.toString()).isZero();
    assertSelfContained(Files.readString(html, StandardCharsets.UTF_8));
    Chromium.Page page = Chromium.load(html);
    assertThat(page.scriptErrors()).as("script errors").isEmpty();
    String dom = page.dom();
    assertThat(count(dom, "<tr class=\"case pass\"")).isEqualTo(3);
    assertThat(dom)
        .contains(
            "<code>valid-rsa-devid</code>",
            "<code>replayed-response</code>",
            "<code>software-ak-not-restricted</code>",
            "2 passed, 0 failed");
    Chromium.screenshot(html, ARTIFACTS.resolve("conformance-server.png"), 1200, 700);
  }

  /**
   * The side-by-side page of {@code conformance table} from real runs of the server suite against
   * SPIRE's Go server plugin and ours (three cases each): the stolen-DevID row shows Go accepting,
   * ours refusing.
   */
  @Test
  void conformanceTablePageShowsGoBesideOurs() throws Exception {
    com.fasterxml.jackson.databind.node.ArrayNode all = ToolFiles.JSON.createArrayNode();
    for (String impl : List.of("go", "java")) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "conformance",
                  "server",
                  "--json",
                  "--only",
                  "valid-rsa-devid,replayed-response,devid-cert-key-differs-from-devidpub",
                  "--"));
      args.addAll(
          impl.equals("go")
              ? PluginCommands.go(dev.tpmdevid.testbed.host.PluginKind.SERVER)
              : PluginCommands.server());
      CliRun r = CliRun.of(args.toArray(String[]::new));
      assertThat(r.code()).as(r.toString()).isZero();
      ObjectNode result = (ObjectNode) ToolFiles.JSON.readTree(r.out());
      result.put("implementation", impl);
      all.add(result);
    }
    Path html = dir.resolve("table.html");
    HtmlTrace.write(html, HtmlTrace.conformanceTable(all));
    Chromium.Page page = Chromium.load(html);
    assertThat(page.scriptErrors()).as("script errors").isEmpty();
    String dom = page.dom();
    assertThat(count(dom, "<tr class=\"pair\">")).isEqualTo(3);
    String stolen =
        Chromium.between(dom, "<code>devid-cert-key-differs-from-devidpub</code>", "</tr>");
    assertThat(stolen)
        .containsPattern("data-outcome=\"fail\"><b>FAIL</b> ACCEPTED: agent attributes spiffe://")
        .containsPattern(
            "data-outcome=\"pass\"><b>PASS</b> refused the payload: INVALID_ARGUMENT: DevID"
                + " certificate key differs");
    Chromium.screenshot(html, ARTIFACTS.resolve("conformance-table.png"), 1200, 700);
  }

  /**
   * Every attack our server refuses stops at a named check of the trace (the error of each refusal
   * matches one check), and every attack case of the suite is described in the catalogue.
   */
  @Test
  void everyRefusalOfTheSuiteNamesItsCheck() throws Exception {
    List<String> args = new ArrayList<>(List.of("conformance", "server", "--json", "--"));
    args.addAll(PluginCommands.server());
    CliRun r = CliRun.of(args.toArray(String[]::new));
    assertThat(r.code()).as(r.toString()).isZero();
    com.fasterxml.jackson.databind.JsonNode summary = ToolFiles.JSON.readTree(r.out());
    int attacks = 0;
    for (com.fasterxml.jackson.databind.JsonNode c : summary.path("cases")) {
      String name = c.path("case").asText();
      if (name.startsWith("valid-")) {
        continue;
      }
      attacks++;
      assertThat(c.path("result").asText()).as(name).isEqualTo("PASS");
      assertThat(ServerChecks.failedIndex(c.path("reason").asText()))
          .as(name + ": " + c.path("reason"))
          .isGreaterThanOrEqualTo(0);
      Attacks.Attack a = Attacks.find(name);
      assertThat(a).as(name).isNotNull();
      assertThat(a.goServer()).as(name).isNotEqualTo("not described");
      // the Go server accepts exactly the attacks our server stops with a check it lacks
      boolean hardening = "hardening".equals(c.path("category").asText());
      assertThat(a.goServerAccepts()).as(name).isEqualTo(hardening);
    }
    assertThat(attacks).isEqualTo(Attacks.all().size());
  }

  /** Strings from the data are escaped; a page whose script breaks is detected. */
  @Test
  void escapesEverythingAndABrokenScriptFails() throws Exception {
    String hostile =
        "</td></script><script>document.body.setAttribute('data-pwned','1')</script><b x='\"'>&amp;";
    ObjectNode summary = ToolFiles.JSON.createObjectNode();
    summary.put("suite", "server");
    summary.put("plugin_command", hostile);
    summary.put("passed", 1);
    summary.put("failed", 0);
    summary.put("skipped", 0);
    ObjectNode c = summary.putArray("cases").addObject();
    c.put("result", "PASS");
    c.put("category", hostile);
    c.put("case", hostile);
    c.put("reason", hostile);
    String page = HtmlTrace.conformance(summary);
    Path good = dir.resolve("hostile.html");
    Files.writeString(good, page);
    Chromium.Page p = Chromium.load(good);
    assertThat(p.scriptErrors()).isEmpty();
    assertThat(p.dom())
        .doesNotContain("data-pwned=\"1\"")
        .contains("&lt;/td&gt;&lt;/script&gt;&lt;script&gt;");

    Path broken = dir.resolve("broken.html");
    Files.writeString(broken, page.replace("</body>", "<script>noSuchFunction();</script></body>"));
    assertThat(Chromium.load(broken).scriptErrors())
        .isNotEmpty()
        .anySatisfy(e -> assertThat(e).contains("noSuchFunction"));
  }

  /** No external resource: no URL in src/href, no @import, a CSP that allows nothing else. */
  private static void assertSelfContained(String raw) {
    assertThat(raw)
        .doesNotContainPattern("(?i)(src|href)\\s*=\\s*\"(https?:|//)")
        .doesNotContain("@import")
        .doesNotContain("url(")
        .contains("Content-Security-Policy\" content=\"default-src 'none'");
  }

  private static List<String> outcomes(String dom) {
    List<String> list = new ArrayList<>();
    Matcher m =
        Pattern.compile("<tr class=\"check [a-z-]+\" data-outcome=\"([a-z-]+)\"").matcher(dom);
    while (m.find()) {
      list.add(m.group(1));
    }
    return list;
  }

  private static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + what.length())) {
      n++;
    }
    return n;
  }
}
