package dev.tpmdevid.cli;

import dev.tpmdevid.testbed.TempDirs;

import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.core.wire.WireFormatException;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.AttestationRelay;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.host.PluginLoadException;
import dev.tpmdevid.testbed.host.PluginLogEntry;
import dev.tpmdevid.testbed.host.Transcript;
import dev.tpmdevid.testbed.provision.KeyType;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tpm-devid demo}: one complete tpm_devid node attestation on a software TPM, narrated.
 * Starts swtpm in a temporary directory, provisions it (EK certificate in NV, LDevID key and
 * certificate), launches both plugins through the SPIRE-like host, relays the attestation and
 * explains every message and check. Everything it starts is stopped and deleted at the end, also
 * on Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run one complete tpm_devid node attestation against a software TPM (swtpm) and explain"
                + " each step: starts swtpm in a temporary directory, provisions an EK certificate and an LDevID,"
                + " launches the agent and server plugins the way SPIRE does, relays the attestation, and cleans up."})
final class DemoCommand implements Callable<Integer> {
    enum Alg { rsa, ecc }

    @Option(names = "--devid", defaultValue = "rsa", paramLabel = "rsa|ecc",
            description = "DevID key type: RSA-2048 (RSASSA-SHA256) or NIST P-256 (ECDSA-SHA256). Default: ${DEFAULT-VALUE}.")
    Alg devid;

    @Option(names = "--ek", defaultValue = "rsa", paramLabel = "rsa|ecc",
            description = "Endorsement key type: RSA-2048 or NIST P-256. Default: ${DEFAULT-VALUE}.")
    Alg ek;

    @Option(names = "--trust-domain", defaultValue = "example.org", paramLabel = "NAME",
            description = "SPIRE trust domain. Default: ${DEFAULT-VALUE}.")
    String trustDomain;

    @Option(names = "--json", description = "Print a machine-readable trace (JSON) instead of the narration.")
    boolean json;

    @Option(names = "--quiet", description = "Print only the result.")
    boolean quiet;

    private static final HexFormat HEX = HexFormat.of();

    @Override
    public Integer call() {
        PrintStream out = System.out;
        DemoReport report = new DemoReport(json ? DemoReport.Mode.JSON : quiet ? DemoReport.Mode.QUIET
                : DemoReport.Mode.TEXT, out);
        Instant t0 = Instant.now();
        try {
            Prerequisites.ensureSwtpm(report);
        } catch (IllegalStateException e) {
            System.err.println("tpm-devid demo: " + e.getMessage());
            return 2;
        }
        Cleanup cleanup = new Cleanup();
        Thread hook = new Thread(cleanup::run, "tpm-devid-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return run(report, cleanup, t0);
        } catch (Exception e) {
            System.err.println("tpm-devid demo: " + e.getMessage());
            return 1;
        } finally {
            cleanup.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running
            }
        }
    }

    private int run(DemoReport report, Cleanup cleanup, Instant t0) throws Exception {
        KeyType devIdType = devid == Alg.rsa ? KeyType.RSA : KeyType.ECC;
        KeyType ekType = ek == Alg.rsa ? KeyType.RSA : KeyType.ECC;
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("DevID key", devid == Alg.rsa ? "RSA-2048, RSASSA-SHA256" : "NIST P-256, ECDSA-SHA256");
        facts.put("Endorsement key", ek == Alg.rsa ? "RSA-2048 (TCG template L-1)" : "NIST P-256 (TCG template L-2)");
        facts.put("Trust domain", trustDomain);
        report.header("tpm-devid demo: SPIRE tpm_devid node attestation on a software TPM", facts);

        Path dir = Files.createTempDirectory("tpm-devid-demo-");
        cleanup.dir = dir;

        // The plugin JVMs start while the TPM is prepared (like spire-server and spire-agent
        // starting on their machines); they are configured once the files exist.
        Instant pluginsLaunched = Instant.now();
        CompletableFuture<PluginHost> serverF = CompletableFuture.supplyAsync(() -> launch(PluginKind.SERVER, cleanup));
        CompletableFuture<PluginHost> agentF = CompletableFuture.supplyAsync(() -> launch(PluginKind.AGENT, cleanup));

        // 1. swtpm
        Instant s = Instant.now();
        DemoLab lab = DemoLab.startTpm(dir.resolve("tpm"));
        cleanup.lab = lab;
        report.step("Started a software TPM (swtpm)", since(s), lab.tpmFacts());

        // 2. provisioning
        s = Instant.now();
        DemoLab.Provisioned prov = lab.provision(devIdType, ekType, dir.resolve("files"));
        report.step("Provisioned the TPM like a manufacturer and an owner would", since(s), prov.facts());

        // 3. plugins: loaded (launch, handshake, broker, Init) in the background, configured now
        s = Instant.now();
        PluginHost server;
        PluginHost agent;
        try {
            server = serverF.join();
            agent = agentF.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
        configure(server, prov.serverHcl());
        configure(agent, prov.agentHcl());
        Map<String, Object> loaded = new LinkedHashMap<>();
        loaded.put("server plugin", pluginFacts(server, prov.serverHcl()));
        loaded.put("agent plugin", pluginFacts(agent, prov.agentHcl()));
        loaded.put("note", "both plugin processes were launched at the start, while the TPM was being prepared ("
                + DemoReport.seconds(Duration.between(pluginsLaunched, Instant.now())) + " since launch)");
        report.step("Loaded both plugins the way spire-server and spire-agent do", since(s), loaded);

        // 4. attestation
        int logMarkServer = server.logs().size();
        int logMarkAgent = agent.logs().size();
        AttestationOutcome outcome = new AttestationRelay(agent, server, trustDomain).attest();
        narrate(report, outcome, agent.logs().subList(logMarkAgent, agent.logs().size()),
                server.logs().subList(logMarkServer, server.logs().size()));

        if (outcome.succeeded()) {
            report.success(outcome.spiffeId(), outcome.selectors(), outcome.canReattest(), since(t0));
        } else {
            report.failure(outcome.operatorView(), since(t0));
        }
        report.finish();
        return outcome.succeeded() ? 0 : 1;
    }

    private static PluginHost launch(PluginKind kind, Cleanup cleanup) {
        try {
            PluginHost host = PluginHost.builder(kind, PluginCommands.of(kind)).start();
            cleanup.hosts.add(host);
            return host;
        } catch (PluginLoadException | IllegalStateException e) {
            throw new CompletionException(new IllegalStateException(kind.label() + " plugin: " + e.getMessage(), e));
        }
    }

    private void configure(PluginHost host, String hcl) throws PluginLoadException {
        try {
            host.configure(trustDomain, hcl);
        } catch (PluginLoadException e) {
            throw new PluginLoadException(host.kind().label() + " plugin: " + e.getMessage(), e.status(), e);
        }
    }

    private static Map<String, Object> pluginFacts(PluginHost h, String hcl) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pid", h.pid());
        m.put("handshake line", h.handshake().line() + "  (JVM start " + DemoReport.seconds(h.handshakeTime()) + ")");
        m.put("Init -> plugin_service_names", h.pluginServiceNames());
        m.put("Configure(trust_domain, HCL)", hcl.strip().replace("\n", "; ")
                + (h.configureTime() == null ? "" : "  (" + DemoReport.seconds(h.configureTime()) + ")"));
        if (!h.warnings().isEmpty()) {
            m.put("host warnings", h.warnings());
        }
        return m;
    }

    /** Turns the relayed messages and the plugins' logs into one step per message. */
    private static void narrate(DemoReport report, AttestationOutcome o, List<PluginLogEntry> agentLogs,
                                List<PluginLogEntry> serverLogs) {
        Transcript t = o.transcript();
        Instant windowStart = t.startedAt();
        byte[] devIdPub = null;
        for (Transcript.Entry e : t.entries()) {
            Instant end = t.startedAt().plus(e.at());
            Map<String, Object> d = new LinkedHashMap<>();
            List<PluginLogEntry> logs = e.from().startsWith("agent") ? agentLogs : serverLogs;
            List<String> said = logLines(logs, windowStart, end);
            switch (e.kind()) {
                case PAYLOAD: {
                    d.put("what", "AttestationRequest JSON (docs/protocol.md#attestation-request): DevID certificate chain, three TPM public"
                            + " areas, the EK certificate, and the AK's TPM2_Certify of the DevID key");
                    d.put("size", e.size() + " bytes");
                    try {
                        AttestationRequest r = AttestationRequest.fromJson(e.bytes());
                        devIdPub = r.devIdPub();
                        List<Object> certs = new ArrayList<>();
                        for (byte[] c : r.devIdCert()) {
                            certs.add(Describe.certificate(c));
                        }
                        d.put("DevIDCert (leaf first)", certs);
                        d.put("DevIDPub (TPMT_PUBLIC of the DevID key)", Describe.tpmtPublic(r.devIdPub()));
                        d.put("AKPub (TPMT_PUBLIC of the fresh attestation key)", Describe.tpmtPublic(r.akPub()));
                        d.put("EKPub (TPMT_PUBLIC of the endorsement key)", Describe.tpmtPublic(r.ekPub()));
                        d.put("EKCert", Describe.certificate(r.ekCert()));
                        d.put("CertifiedDevID (TPMS_ATTEST signed by the AK)",
                                Describe.tpmsAttest(r.certifiedDevId(), r.devIdPub()));
                        d.put("CertificationSignature (TPMT_SIGNATURE)",
                                Describe.tpmtSignature(r.certificationSignature()));
                    } catch (WireFormatException ex) {
                        d.put("decode error", ex.getMessage());
                    }
                    title(report, "Agent plugin -> payload", e, d, said, "agent plugin log");
                    break;
                }
                case CHALLENGE: {
                    d.put("what", "ChallengeRequest JSON (docs/protocol.md#challenge-request): a nonce for the DevID key to sign (proof of"
                            + " possession) and a credential only the EK's TPM can open for this AK (proof of residency)");
                    d.put("size", e.size() + " bytes");
                    try {
                        ChallengeRequest c = ChallengeRequest.fromJson(e.bytes());
                        d.put("DevID nonce", c.devId().length + " bytes: " + HEX.formatHex(c.devId()));
                        if (c.credActivation() != null) {
                            d.put("CredActivation.Credential (TPM2B_ID_OBJECT body)",
                                    c.credActivation().credential().length + " bytes");
                            d.put("CredActivation.Secret (TPM2B_ENCRYPTED_SECRET body)",
                                    c.credActivation().secret().length + " bytes");
                        }
                    } catch (WireFormatException ex) {
                        d.put("decode error", ex.getMessage());
                    }
                    d.put("checks passed before a challenge is issued (docs/protocol.md#server-checks steps 1-13)", List.of(
                            "payload decoded; DevID certificate parsed",
                            "DevID certificate chains to devid_ca_path (Go x509 rules, intermediates from the agent)",
                            "EK certificate parsed; its public key equals EKPub",
                            "EK certificate chains to endorsement_ca_path",
                            "AK signature over CertifiedDevID verifies; TPMS_ATTEST magic and type are right;"
                                    + " the certified Name is Name(DevIDPub)",
                            "DevIDPub is the key in the DevID certificate (hardening, docs/security.md#go-gaps)",
                            "credential built for Name(AKPub), encrypted to EKPub (TPM2_MakeCredential in software)"));
                    title(report, "Server plugin verified the evidence and sent a challenge", e, d, said,
                            "server plugin log");
                    break;
                }
                case CHALLENGE_RESPONSE: {
                    d.put("what", "ChallengeResponse JSON (docs/protocol.md#challenge-response): the DevID key's signature over the nonce"
                            + " and the secret recovered with TPM2_ActivateCredential");
                    d.put("size", e.size() + " bytes");
                    try {
                        ChallengeResponse r = ChallengeResponse.fromJson(e.bytes());
                        d.put("DevID signature", r.devId().length + " bytes"
                                + (r.devId().length > 0 && r.devId()[0] == 0x30 ? " (ECDSA, DER SEQUENCE{r, s})"
                                : " (RSASSA-PKCS1-v1_5)"));
                        d.put("CredActivation (recovered secret)", r.credActivation().length + " bytes");
                    } catch (WireFormatException ex) {
                        d.put("decode error", ex.getMessage());
                    }
                    title(report, "Agent plugin answered the challenge inside the TPM", e, d, said, "agent plugin log");
                    break;
                }
                case AGENT_ATTRIBUTES: {
                    d.put("what", "AgentAttributes: the agent's SPIFFE ID and selector values; spire-server adds the"
                            + " selector type tpm_devid");
                    if (o.succeeded()) {
                        d.put("spiffe_id", o.spiffeId());
                        d.put("can_reattest", o.canReattest());
                    }
                    d.put("checks passed before the result (docs/protocol.md#server-checks steps 15-18)", List.of(
                            "proof of possession: the nonce signature verifies with the DevID certificate's key (SHA-256)",
                            "proof of residency: the recovered secret equals the one in the credential, so the AK"
                                    + " (which certified the DevID key) lives in the TPM that owns the certified EK",
                            "SPIFFE ID = sha1 of the DevID leaf certificate; selectors from the verified chain"));
                    title(report, "Server plugin checked the answers and attested the agent", e, d, said,
                            "server plugin log");
                    break;
                }
                case ERROR:
                default: {
                    d.put("status", new String(e.bytes(), java.nio.charset.StandardCharsets.UTF_8));
                    title(report, e.from() + " failed", e, d, said, e.from() + " log");
                    break;
                }
            }
            windowStart = end;
        }
    }

    private static void title(DemoReport report, String title, Transcript.Entry e, Map<String, Object> d,
                              List<String> said, String logLabel) {
        if (!said.isEmpty()) {
            d.put(logLabel, said);
        }
        report.step(title, e.waited(), d);
    }

    /** The plugin's log entries (debug and above) read in [from, to], as {@code LEVEL message k=v}. */
    private static List<String> logLines(List<PluginLogEntry> logs, Instant from, Instant to) {
        List<String> lines = new ArrayList<>();
        Instant slackTo = to.plusMillis(50);
        for (PluginLogEntry e : logs) {
            if (e.received().isBefore(from) || e.received().isAfter(slackTo)) {
                continue;
            }
            StringBuilder sb = new StringBuilder(e.level().name().toLowerCase(java.util.Locale.ROOT))
                    .append(": ").append(e.message());
            e.fields().forEach((k, v) -> {
                if (!k.startsWith("@") && !k.equals("timestamp")) {
                    sb.append(' ').append(k).append('=').append(v);
                }
            });
            lines.add(sb.toString());
        }
        return lines;
    }

    private static Duration since(Instant t) {
        return Duration.between(t, Instant.now());
    }

    /** Stops what the demo started; idempotent; runs from finally and from the Ctrl-C hook. */
    static final class Cleanup {
        final List<PluginHost> hosts = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile DemoLab lab;
        volatile Path dir;
        private boolean done;

        synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            for (PluginHost h : hosts) {
                try {
                    h.close();
                } catch (RuntimeException e) {
                    // keep cleaning
                }
            }
            if (lab != null) {
                try {
                    lab.close();
                } catch (RuntimeException e) {
                    // keep cleaning
                }
            }
            if (dir != null) {
                TempDirs.deleteQuietly(dir);
            }
        }
    }
}
