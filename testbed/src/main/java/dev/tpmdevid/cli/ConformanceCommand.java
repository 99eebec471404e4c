package dev.tpmdevid.cli;

import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.host.PluginLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tpm-devid conformance server|agent -- <plugin command>}: the conformance kit. */
@Command(
    name = "conformance",
    mixinStandardHelpOptions = true,
    description =
        "Run the tpm_devid conformance suites against any plugin binary, with swtpm-backed TPMs.",
    subcommands = {
      ConformanceCommand.Server.class,
      ConformanceCommand.Agent.class,
      ConformanceCommand.Table.class
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  tpm-devid conformance server -- bin/tpm-devid-server-plugin",
      "  tpm-devid conformance agent -- bin/tpm-devid-agent-plugin",
      "  tpm-devid conformance agent -- testbed/spire/target/bin/go-tpm-devid-agent-plugin",
      "  tpm-devid conformance table"
    })
final class ConformanceCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  abstract static class Suite extends ToolCommand {
    @Option(
        names = "--trust-domain",
        defaultValue = "example.org",
        paramLabel = "NAME",
        description = "Trust domain given to the plugin. Default: ${DEFAULT-VALUE}.")
    String trustDomain;

    @Option(
        names = "--plugin-name",
        defaultValue = "tpm_devid",
        paramLabel = "NAME",
        description = "Plugin name (as in SPIRE's config). Default: ${DEFAULT-VALUE}.")
    String pluginName;

    @Option(
        names = "--keep",
        description = "Keep the lab directory (swtpm state, provisioned files, HCL).")
    boolean keep;

    @Option(
        names = "--json",
        description = "Print one JSON object with every case instead of the lines.")
    boolean json;

    @Option(
        names = "--html",
        paramLabel = "FILE",
        description = "Also write the results as a self-contained HTML page.")
    Path html;

    final com.fasterxml.jackson.databind.node.ArrayNode results = ToolFiles.JSON.createArrayNode();

    @Parameters(
        arity = "1..*",
        paramLabel = "PLUGIN_CMD",
        description =
            "The plugin command and its arguments (after --), as SPIRE's plugin_cmd/plugin_args.")
    List<String> command;

    int line(String result, String category, String name, String reason) {
      com.fasterxml.jackson.databind.node.ObjectNode o = results.addObject();
      o.put("result", result);
      o.put("category", category);
      o.put("case", name);
      o.put("reason", reason);
      if (json) {
        return 0;
      }
      out().printf("%-4s  %-9s  %-38s  %s%n", result, category, name, reason);
      out().flush();
      return 0;
    }

    String shortCommand() {
      String c = String.join(" ", command);
      return c.length() <= 160 ? c : c.substring(0, 80) + " ... " + c.substring(c.length() - 75);
    }

    PluginHost load(PluginKind kind, String hcl) throws Failure {
      return loadPlugin(kind, command, pluginName, trustDomain, hcl);
    }

    void info(String text) {
      if (!json) {
        out().println(text);
        out().flush();
      }
    }

    void summary(String suite, int passed, int failed, int skipped, int[] hardening)
        throws java.io.IOException {
      if (!json && html == null) {
        return;
      }
      com.fasterxml.jackson.databind.node.ObjectNode o = ToolFiles.JSON.createObjectNode();
      o.put("suite", suite);
      o.put("plugin_command", String.join(" ", command));
      o.put("passed", passed);
      o.put("failed", failed);
      o.put("skipped", skipped);
      if (hardening != null) {
        com.fasterxml.jackson.databind.node.ObjectNode h = o.putObject("hardening");
        h.put("passed", hardening[0]);
        h.put("failed", hardening[1]);
        h.put("skipped", hardening[2]);
      }
      o.set("cases", results);
      if (html != null) {
        err()
            .println(
                "HTML: "
                    + html
                    + " ("
                    + HtmlTrace.write(html, HtmlTrace.conformance(o))
                    + " bytes)");
      }
      if (json) {
        out().println(o.toPrettyString());
        out().flush();
      }
    }

    ConformanceLab lab() throws Exception {
      Path dir = Files.createTempDirectory("tpm-devid-conformance-");
      info(
          "lab: provisioning two swtpms (RSA DevID with SPIRE's test passwords, ECC DevID; RSA EK"
              + " certificates in NV) in "
              + dir);
      out().flush();
      return ConformanceLab.start(dir, !keep);
    }
  }

  @Command(
      name = "server",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Launch a tpm_devid SERVER plugin through the SPIRE-like host and attack it with"
            + " swtpm-backed agents: genuine RSA and ECC DevIDs must attest with the right agent ID and"
            + " selectors; every docs/security.md attack that can be expressed on the wire must be refused.",
        "One line per case (PASS/FAIL/SKIP, category, case, reason). Category 'protocol' is what SPIRE's"
            + " Go server does; 'hardening' cases are stricter than the Go server and are summed apart."
            + " The last line is 'N passed, N failed' for the protocol cases; exit code 1 when one failed"
            + " (with --strict also for hardening)."
      },
      footerHeading = "%nExample:%n",
      footer = {
        "  tpm-devid conformance server -- bin/tpm-devid-server-plugin",
        "  tpm-devid conformance server --strict -- java -jar server-plugin/target/tpm-devid-server-plugin.jar"
      })
  static final class Server extends Suite {
    @Option(names = "--strict", description = "Hardening failures also fail the run.")
    boolean strict;

    @Option(
        names = "--only",
        paramLabel = "CASE",
        split = ",",
        description = "Run only these cases.")
    List<String> only;

    @Override
    int run() throws Exception {
      int[] protocol = new int[3];
      int[] hardening = new int[3];
      try (ConformanceLab lab = lab();
          PluginHost server = load(PluginKind.SERVER, lab.serverHcl())) {
        info("server plugin: " + shortCommand() + " (pid " + server.pid() + ")");
        ServerConformance suite = new ServerConformance(server, lab, trustDomain);
        for (ServerConformance.Case c : suite.cases()) {
          if (only != null && !only.contains(c.name())) {
            continue;
          }
          ServerConformance.Verdict v;
          try {
            v = c.body().run();
          } catch (Exception e) {
            v = ServerConformance.Verdict.skip("could not build the evidence: " + e.getMessage());
          }
          int[] count = c.hardening() ? hardening : protocol;
          count[v.result().equals("PASS") ? 0 : v.result().equals("FAIL") ? 1 : 2]++;
          line(v.result(), c.hardening() ? "hardening" : "protocol", c.name(), v.reason());
          if (!server.isAlive()) {
            throw new Failure("the server plugin exited during case " + c.name());
          }
        }
      }
      info(
          String.format(
              "hardening (stricter than SPIRE's Go server): %d passed, %d failed, %d skipped",
              hardening[0], hardening[1], hardening[2]));
      info(
          String.format(
              "%d passed, %d failed%s",
              protocol[0], protocol[1], protocol[2] > 0 ? ", " + protocol[2] + " skipped" : ""));
      summary("server", protocol[0], protocol[1], protocol[2], hardening);
      return protocol[1] > 0 || (strict && hardening[1] > 0) ? 1 : 0;
    }
  }

  @Command(
      name = "agent",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Drive a tpm_devid AGENT plugin (launched through the SPIRE-like host with the right HCL)"
            + " on provisioned swtpms (RSA and ECC DevID) and check its payload field by field against"
            + " docs/protocol.md#messages to #tpm-structures: JSON shape and member order, DevIDCert = the PEM file, DevIDPub = the blob file,"
            + " EKCert one DER matching NV, EKPub matches the cert, AKPub a restricted SHA-256 signing key,"
            + " CertifiedDevID names DevIDPub and its signature verifies; then that it answers our challenge.",
        "Last line 'N passed, N failed'; exit code 1 when a check failed."
      },
      footerHeading = "%nExample:%n",
      footer = {"  tpm-devid conformance agent -- bin/tpm-devid-agent-plugin"})
  static final class Agent extends Suite {
    @Override
    int run() throws Exception {
      int passed = 0;
      int failed = 0;
      try (ConformanceLab lab = lab()) {
        for (ConformanceLab.Machine m : List.of(lab.rsa, lab.ecc)) {
          String which = m == lab.rsa ? "rsa" : "ecc";
          info(
              "machine "
                  + which
                  + ": "
                  + m.provisioned.devIdCertificate().getSubjectX500Principal().getName()
                  + " on "
                  + m.swtpm.devicePath());
          Map<String, ServerConformance.Verdict> results;
          try (PluginHost agent = load(PluginKind.AGENT, m.provisioned.agentConfig())) {
            results = AgentConformance.run(agent, m, lab.serverHcl(), trustDomain);
          }
          for (Map.Entry<String, ServerConformance.Verdict> e : results.entrySet()) {
            ServerConformance.Verdict v = e.getValue();
            if (v.result().equals("PASS")) {
              passed++;
            } else if (v.result().equals("FAIL")) {
              failed++;
            }
            line(v.result(), which, e.getKey(), v.reason());
          }
        }
      }
      info(String.format("%d passed, %d failed", passed, failed));
      summary("agent", passed, failed, 0, null);
      return failed > 0 ? 1 : 0;
    }
  }

  /**
   * Both suites against this project's plugins and SPIRE's Go plugins (built by {@code
   * testbed/spire/build.sh}), side by side: the table of {@code docs/conformance.md}.
   */
  @Command(
      name = "table",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Run the server suite against our server plugin and SPIRE's Go server plugin, and the"
            + " agent suite against both agent plugins, and print one Markdown table: every case with each"
            + " implementation's result and reason (the table of docs/conformance.md).",
        "Needs the Go plugin binaries of testbed/spire/build.sh. Exit code 0 when all four runs"
            + " completed (the results are the table's content, not the exit code)."
      },
      footerHeading = "%nExample:%n",
      footer = {"  tpm-devid conformance table"})
  static final class Table extends ToolCommand {
    @Option(
        names = "--json",
        description = "Print the four suites' JSON results as one array instead.")
    boolean json;

    @Option(
        names = "--html",
        paramLabel = "FILE",
        description = "Also write the table as a self-contained HTML page.")
    Path html;

    @Option(
        names = "--reason-width",
        defaultValue = "110",
        paramLabel = "N",
        description = "Cut reasons to N characters in the table. Default: ${DEFAULT-VALUE}.")
    int reasonWidth;

    @Override
    int run() throws Exception {
      com.fasterxml.jackson.databind.node.ArrayNode all = ToolFiles.JSON.createArrayNode();
      List<String[]> runs =
          List.of(
              new String[] {"server", "go"}, new String[] {"server", "java"},
              new String[] {"agent", "go"}, new String[] {"agent", "java"});
      Map<String, com.fasterxml.jackson.databind.JsonNode> bySuite =
          new java.util.LinkedHashMap<>();
      for (String[] r : runs) {
        PluginKind kind = r[0].equals("server") ? PluginKind.SERVER : PluginKind.AGENT;
        List<String> cmd;
        try {
          cmd = r[1].equals("go") ? PluginCommands.go(kind) : PluginCommands.of(kind);
        } catch (IllegalStateException e) {
          throw new Failure(e.getMessage());
        }
        java.io.StringWriter buf = new java.io.StringWriter();
        java.io.StringWriter errBuf = new java.io.StringWriter();
        picocli.CommandLine cl =
            new picocli.CommandLine(r[0].equals("server") ? new Server() : new Agent());
        cl.setOut(new java.io.PrintWriter(buf, true));
        cl.setErr(new java.io.PrintWriter(errBuf, true));
        List<String> args = new java.util.ArrayList<>(List.of("--json", "--"));
        args.addAll(cmd);
        cl.execute(args.toArray(String[]::new));
        com.fasterxml.jackson.databind.JsonNode result;
        try {
          result = ToolFiles.JSON.readTree(buf.toString());
        } catch (java.io.IOException e) {
          result = null;
        }
        if (result == null || !result.has("cases")) {
          throw new Failure(
              "the "
                  + r[0]
                  + " suite against "
                  + String.join(" ", cmd)
                  + " did not complete: "
                  + errBuf.toString().strip());
        }
        ((com.fasterxml.jackson.databind.node.ObjectNode) result).put("implementation", r[1]);
        all.add(result);
        bySuite.put(r[0] + "/" + r[1], result);
      }
      if (html != null) {
        err()
            .println(
                "HTML: "
                    + html
                    + " ("
                    + HtmlTrace.write(html, HtmlTrace.conformanceTable(all))
                    + " bytes)");
      }
      if (json) {
        out().println(all.toPrettyString());
        out().flush();
        return 0;
      }
      out().println("| Suite | Category | Case | SPIRE's Go plugin (v1.13.3) | tpm-devid (Java) |");
      out().println("|---|---|---|---|---|");
      for (String suite : List.of("server", "agent")) {
        com.fasterxml.jackson.databind.JsonNode go = bySuite.get(suite + "/go");
        com.fasterxml.jackson.databind.JsonNode java = bySuite.get(suite + "/java");
        Map<String, com.fasterxml.jackson.databind.JsonNode> javaCases = new java.util.HashMap<>();
        for (com.fasterxml.jackson.databind.JsonNode c : java.get("cases")) {
          javaCases.put(c.get("category").asText() + "/" + c.get("case").asText(), c);
        }
        for (com.fasterxml.jackson.databind.JsonNode c : go.get("cases")) {
          String key = c.get("category").asText() + "/" + c.get("case").asText();
          com.fasterxml.jackson.databind.JsonNode j = javaCases.remove(key);
          out()
              .printf(
                  "| %s | %s | `%s` | %s | %s |%n",
                  suite,
                  c.get("category").asText(),
                  c.get("case").asText(),
                  cell(c),
                  j == null ? "(not run)" : cell(j));
        }
        for (com.fasterxml.jackson.databind.JsonNode j : javaCases.values()) {
          out()
              .printf(
                  "| %s | %s | `%s` | (not run) | %s |%n",
                  suite, j.get("category").asText(), j.get("case").asText(), cell(j));
        }
      }
      for (String suite : List.of("server", "agent")) {
        for (String impl : List.of("go", "java")) {
          com.fasterxml.jackson.databind.JsonNode r = bySuite.get(suite + "/" + impl);
          String h =
              r.has("hardening")
                  ? String.format(
                      "; hardening %d passed, %d failed",
                      r.get("hardening").get("passed").asInt(),
                      r.get("hardening").get("failed").asInt())
                  : "";
          out()
              .printf(
                  "%n%s suite, %s: %d passed, %d failed%s",
                  suite,
                  impl.equals("go") ? "SPIRE's Go plugin" : "tpm-devid (Java)",
                  r.get("passed").asInt(),
                  r.get("failed").asInt(),
                  h);
        }
      }
      out().println();
      out().flush();
      return 0;
    }

    private String cell(com.fasterxml.jackson.databind.JsonNode c) {
      String reason = c.get("reason").asText().replace('|', '/').replace('\n', ' ');
      if (reason.length() > reasonWidth) {
        reason = reason.substring(0, Math.max(0, reasonWidth - 1)) + "…";
      }
      return "**" + c.get("result").asText() + "** " + reason;
    }
  }

  static PluginHost loadPlugin(
      PluginKind kind, List<String> command, String name, String trustDomain, String hcl)
      throws ToolCommand.Failure {
    try {
      return PluginHost.builder(kind, command).name(name).load(trustDomain, hcl);
    } catch (PluginLoadException e) {
      throw new ToolCommand.Failure(
          "cannot load the " + kind.label() + " plugin: " + e.getMessage());
    }
  }
}
