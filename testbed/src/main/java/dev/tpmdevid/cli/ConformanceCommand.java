package dev.tpmdevid.cli;

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
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Run the tpm_devid conformance suites against any plugin binary, with swtpm-backed TPMs.",
        subcommands = {ConformanceCommand.Server.class, ConformanceCommand.Agent.class},
        footerHeading = "%nExamples:%n",
        footer = {"  tpm-devid conformance server -- bin/tpm-devid-server-plugin",
                "  tpm-devid conformance agent -- bin/tpm-devid-agent-plugin"})
final class ConformanceCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    abstract static class Suite extends ToolCommand {
        @Option(names = "--trust-domain", defaultValue = "example.org", paramLabel = "NAME",
                description = "Trust domain given to the plugin. Default: ${DEFAULT-VALUE}.")
        String trustDomain;

        @Option(names = "--plugin-name", defaultValue = "tpm_devid", paramLabel = "NAME",
                description = "Plugin name (as in SPIRE's config). Default: ${DEFAULT-VALUE}.")
        String pluginName;

        @Option(names = "--keep", description = "Keep the lab directory (swtpm state, provisioned files, HCL).")
        boolean keep;

        @Option(names = "--json", description = "Print one JSON object with every case instead of the lines.")
        boolean json;

        @Option(names = "--html", paramLabel = "FILE", description = "Also write the results as a self-contained HTML page.")
        Path html;

        final com.fasterxml.jackson.databind.node.ArrayNode results = ToolFiles.JSON.createArrayNode();

        @Parameters(arity = "1..*", paramLabel = "PLUGIN_CMD",
                description = "The plugin command and its arguments (after --), as SPIRE's plugin_cmd/plugin_args.")
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

        void summary(String suite, int passed, int failed, int skipped, int[] hardening) throws java.io.IOException {
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
                err().println("HTML: " + html + " (" + HtmlTrace.write(html, HtmlTrace.conformance(o)) + " bytes)");
            }
            if (json) {
                out().println(o.toPrettyString());
                out().flush();
            }
        }

        ConformanceLab lab() throws Exception {
            Path dir = Files.createTempDirectory("tpm-devid-conformance-");
            info("lab: provisioning two swtpms (RSA DevID with SPIRE's test passwords, ECC DevID; RSA EK"
                    + " certificates in NV) in " + dir);
            out().flush();
            return ConformanceLab.start(dir, !keep);
        }
    }

    @Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Launch a tpm_devid SERVER plugin through the SPIRE-like host and attack it with"
                    + " swtpm-backed agents: genuine RSA and ECC DevIDs must attest with the right agent ID and"
                    + " selectors; every spec 03 attack that can be expressed on the wire must be refused.",
                    "One line per case (PASS/FAIL/SKIP, category, case, reason). Category 'protocol' is what SPIRE's"
                    + " Go server does; 'hardening' cases are stricter than the Go server and are summed apart."
                    + " The last line is 'N passed, N failed' for the protocol cases; exit code 1 when one failed"
                    + " (with --strict also for hardening)."},
            footerHeading = "%nExample:%n",
            footer = {"  tpm-devid conformance server -- bin/tpm-devid-server-plugin",
                    "  tpm-devid conformance server --strict -- java -jar server-plugin/target/tpm-devid-server-plugin.jar"})
    static final class Server extends Suite {
        @Option(names = "--strict", description = "Hardening failures also fail the run.")
        boolean strict;

        @Option(names = "--only", paramLabel = "CASE", split = ",", description = "Run only these cases.")
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
            info(String.format("hardening (stricter than SPIRE's Go server): %d passed, %d failed, %d skipped",
                    hardening[0], hardening[1], hardening[2]));
            info(String.format("%d passed, %d failed%s", protocol[0], protocol[1],
                    protocol[2] > 0 ? ", " + protocol[2] + " skipped" : ""));
            summary("server", protocol[0], protocol[1], protocol[2], hardening);
            return protocol[1] > 0 || (strict && hardening[1] > 0) ? 1 : 0;
        }
    }

    @Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Drive a tpm_devid AGENT plugin (launched through the SPIRE-like host with the right HCL)"
                    + " on provisioned swtpms (RSA and ECC DevID) and check its payload field by field against"
                    + " spec 01 §3-§4: JSON shape and member order, DevIDCert = the PEM file, DevIDPub = the blob file,"
                    + " EKCert one DER matching NV, EKPub matches the cert, AKPub a restricted SHA-256 signing key,"
                    + " CertifiedDevID names DevIDPub and its signature verifies; then that it answers our challenge.",
                    "Last line 'N passed, N failed'; exit code 1 when a check failed."},
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
                    info("machine " + which + ": " + m.provisioned.devIdCertificate().getSubjectX500Principal()
                            .getName() + " on " + m.swtpm.devicePath());
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

    static PluginHost loadPlugin(PluginKind kind, List<String> command, String name, String trustDomain, String hcl)
            throws ToolCommand.Failure {
        try {
            return PluginHost.builder(kind, command).name(name).load(trustDomain, hcl);
        } catch (PluginLoadException e) {
            throw new ToolCommand.Failure("cannot load the " + kind.label() + " plugin: " + e.getMessage());
        }
    }
}
