package dev.tpmdevid.cli;

import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.core.wire.WireFormatException;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.TempDirs;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.AttestationRelay;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.host.PluginLoadException;
import dev.tpmdevid.testbed.host.PluginLogEntry;
import dev.tpmdevid.testbed.host.TpmWiretap;
import dev.tpmdevid.testbed.host.Transcript;
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
 * explains every message and check. Everything it starts is stopped and deleted at the end, also on
 * Ctrl-C.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Run one complete tpm_devid node attestation against a software TPM (swtpm) and explain"
          + " each step: starts swtpm in a temporary directory, provisions an EK certificate and an LDevID,"
          + " launches the agent and server plugins the way SPIRE does, relays the attestation, and cleans up."
    })
final class DemoCommand implements Callable<Integer> {
  enum Alg {
    rsa,
    ecc
  }

  @Option(
      names = "--devid",
      defaultValue = "rsa",
      paramLabel = "rsa|ecc",
      description =
          "DevID key type: RSA-2048 (RSASSA-SHA256) or NIST P-256 (ECDSA-SHA256). Default: ${DEFAULT-VALUE}.")
  Alg devid;

  @Option(
      names = "--ek",
      defaultValue = "rsa",
      paramLabel = "rsa|ecc",
      description = "Endorsement key type: RSA-2048 or NIST P-256. Default: ${DEFAULT-VALUE}.")
  Alg ek;

  @Option(
      names = "--trust-domain",
      defaultValue = "example.org",
      paramLabel = "NAME",
      description = "SPIRE trust domain. Default: ${DEFAULT-VALUE}.")
  String trustDomain;

  @Option(
      names = "--json",
      description = "Print a machine-readable trace (JSON) instead of the narration.")
  boolean json;

  @Option(names = "--quiet", description = "Print only the result.")
  boolean quiet;

  @Option(
      names = "--html",
      paramLabel = "FILE",
      description =
          "Also write the trace as one self-contained HTML page (sequence diagram, decoded messages,"
              + " every TPM command, the server's checks, timings).")
  Path html;

  @Option(
      names = "--attack",
      paramLabel = "NAME",
      description =
          "Run one attack for real against our server plugin instead of an honest agent, and show"
              + " where it stops and why. '--attack list' lists them.")
  String attack;

  private static final HexFormat HEX = HexFormat.of();

  @Override
  public Integer call() {
    PrintStream out = System.out;
    if ("list".equals(attack)) {
      for (Attacks.Attack a : Attacks.all()) {
        out.printf(
            "%-38s %s%n%-38s Go server: %s%n",
            a.name(), a.title(), "", a.goServerAccepts() ? "ACCEPTS it" : "refuses it");
      }
      out.flush();
      return 0;
    }
    if (attack != null && Attacks.find(attack) == null) {
      System.err.println(
          "tpm-devid demo: unknown attack '" + attack + "'; see: tpm-devid demo --attack list");
      return 2;
    }
    DemoReport report =
        new DemoReport(
            json ? DemoReport.Mode.JSON : quiet ? DemoReport.Mode.QUIET : DemoReport.Mode.TEXT,
            out);
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
      int rc =
          attack != null
              ? new DemoAttack(Attacks.find(attack), trustDomain, cleanup).run(report, t0)
              : run(report, cleanup, t0);
      if (html != null) {
        long size = HtmlTrace.write(html, HtmlTrace.demo(report.document()));
        if (!json) {
          out.println("HTML trace: " + html + " (" + size + " bytes)");
          out.flush();
        }
      }
      return rc;
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
    facts.put(
        "DevID key", devid == Alg.rsa ? "RSA-2048, RSASSA-SHA256" : "NIST P-256, ECDSA-SHA256");
    facts.put(
        "Endorsement key",
        ek == Alg.rsa ? "RSA-2048 (TCG template L-1)" : "NIST P-256 (TCG template L-2)");
    facts.put("Trust domain", trustDomain);
    report.header("tpm-devid demo: SPIRE tpm_devid node attestation on a software TPM", facts);

    Path dir = Files.createTempDirectory("tpm-devid-demo-");
    cleanup.dir = dir;

    // The plugin JVMs start while the TPM is prepared (like spire-server and spire-agent
    // starting on their machines); they are configured once the files exist.
    Instant pluginsLaunched = Instant.now();
    CompletableFuture<PluginHost> serverF =
        CompletableFuture.supplyAsync(() -> launch(PluginKind.SERVER, cleanup));
    CompletableFuture<PluginHost> agentF =
        CompletableFuture.supplyAsync(() -> launch(PluginKind.AGENT, cleanup));

    // 1. swtpm
    Instant s = Instant.now();
    DemoLab lab = DemoLab.startTpm(dir.resolve("tpm"));
    cleanup.lab = lab;
    TpmWiretap tap = TpmWiretap.start(lab.tpmPort());
    cleanup.tap = tap;
    Map<String, Object> tpmFacts = lab.tpmFacts();
    tpmFacts.put(
        "agent reaches it as",
        "tpm_device_path = \""
            + tap.devicePath()
            + "\": a relay that forwards"
            + " each TPM command unchanged and records it for this trace");
    report.step(
        "Started a software TPM (swtpm)",
        since(s),
        "A software TPM stands in for the security chip"
            + " soldered onto a real machine's motherboard.",
        tpmFacts,
        Map.of());

    // 2. provisioning
    s = Instant.now();
    DemoLab.Provisioned prov = lab.provision(devIdType, ekType, dir.resolve("files"));
    report.step(
        "Provisioned the TPM like a manufacturer and an owner would",
        since(s),
        "The chip maker gives the"
            + " TPM a birth certificate (the EK certificate); the machine's owner gives it an ID card (the DevID"
            + " certificate) whose private key never leaves the chip.",
        prov.facts(),
        Map.of());
    String agentHcl = prov.agentHcl().replace(lab.devicePath(), tap.devicePath());

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
    configure(agent, agentHcl);
    Map<String, Object> loaded = new LinkedHashMap<>();
    loaded.put("server plugin", pluginFacts(server, prov.serverHcl()));
    loaded.put("agent plugin", pluginFacts(agent, agentHcl));
    loaded.put(
        "note",
        "both plugin processes were launched at the start, while the TPM was being prepared ("
            + DemoReport.seconds(Duration.between(pluginsLaunched, Instant.now()))
            + " since launch)");
    report.step(
        "Loaded both plugins the way spire-server and spire-agent do",
        since(s),
        "SPIRE's server and agent"
            + " run the tpm_devid plugins as separate programs and talk to them over gRPC.",
        loaded,
        Map.of("tpmCommands", tpmCommands(tap.commands(), pluginsLaunched, null, null)));
    int tpmMark = tap.commands().size();

    // 4. attestation
    int logMarkServer = server.logs().size();
    int logMarkAgent = agent.logs().size();
    AttestationOutcome outcome = new AttestationRelay(agent, server, trustDomain).attest();
    narrate(
        report,
        outcome,
        agent.logs().subList(logMarkAgent, agent.logs().size()),
        server.logs().subList(logMarkServer, server.logs().size()),
        tpmAfter(tap, tpmMark));
    report.section(
        "serverChecks",
        ServerChecks.outcomes(
            outcome.succeeded() ? null : outcome.message(),
            outcome.transcript().first(Transcript.Kind.CHALLENGE) != null));

    if (outcome.succeeded()) {
      report.success(outcome.spiffeId(), outcome.selectors(), outcome.canReattest(), since(t0));
    } else {
      report.failure(outcome.operatorView(), since(t0));
    }
    report.finish();
    return outcome.succeeded() ? 0 : 1;
  }

  /** The commands recorded from index {@code mark} on, after the agent closed its TPM session. */
  private static List<TpmWiretap.Command> tpmAfter(TpmWiretap tap, int mark) {
    List<TpmWiretap.Command> all = tap.commands();
    return all.subList(Math.min(mark, all.size()), all.size());
  }

  private static PluginHost launch(PluginKind kind, Cleanup cleanup) {
    try {
      PluginHost host = PluginHost.builder(kind, PluginCommands.of(kind)).start();
      cleanup.hosts.add(host);
      return host;
    } catch (PluginLoadException | IllegalStateException e) {
      throw new CompletionException(
          new IllegalStateException(kind.label() + " plugin: " + e.getMessage(), e));
    }
  }

  private void configure(PluginHost host, String hcl) throws PluginLoadException {
    try {
      host.configure(trustDomain, hcl);
    } catch (PluginLoadException e) {
      throw new PluginLoadException(
          host.kind().label() + " plugin: " + e.getMessage(), e.status(), e);
    }
  }

  private static Map<String, Object> pluginFacts(PluginHost h, String hcl) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pid", h.pid());
    m.put(
        "handshake line",
        h.handshake().line() + "  (JVM start " + DemoReport.seconds(h.handshakeTime()) + ")");
    m.put("Init -> plugin_service_names", h.pluginServiceNames());
    m.put(
        "Configure(trust_domain, HCL)",
        hcl.strip().replace("\n", "; ")
            + (h.configureTime() == null
                ? ""
                : "  (" + DemoReport.seconds(h.configureTime()) + ")"));
    if (!h.warnings().isEmpty()) {
      m.put("host warnings", h.warnings());
    }
    return m;
  }

  /**
   * Turns the relayed messages, the agent's TPM commands and the plugins' logs into one step per
   * message.
   */
  private static void narrate(
      DemoReport report,
      AttestationOutcome o,
      List<PluginLogEntry> agentLogs,
      List<PluginLogEntry> serverLogs,
      List<TpmWiretap.Command> tpm) {
    Transcript t = o.transcript();
    Instant windowStart = t.startedAt();
    List<Transcript.Entry> entries = t.entries();
    for (int i = 0; i < entries.size(); i++) {
      Transcript.Entry e = entries.get(i);
      Instant end = t.startedAt().plus(e.at());
      List<PluginLogEntry> logs = e.from().startsWith("agent") ? agentLogs : serverLogs;
      List<String> said = logLines(logs, windowStart, end);
      Map<String, Object> d = describe(e.kind(), e.bytes());
      if (e.kind() == Transcript.Kind.AGENT_ATTRIBUTES && o.succeeded()) {
        d.put("spiffe_id", o.spiffeId());
        d.put("can_reattest", o.canReattest());
      }
      if (!said.isEmpty()) {
        d.put(e.from() + " log", said);
      }
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("message", message(e.kind(), e.from(), e.size(), e.at().toMillis()));
      // the TPM commands the agent sent while this message was being produced (the last step also
      // gets the ones after it: the agent flushing its keys)
      boolean last = i == entries.size() - 1;
      extra.put("tpmCommands", tpmCommands(tpm, t.startedAt(), windowStart, last ? null : end));
      report.step(stepTitle(e.kind(), e.from()), e.waited(), plain(e.kind()), d, extra);
      windowStart = end;
    }
  }

  /** Title of a message step. */
  static String stepTitle(Transcript.Kind kind, String from) {
    return switch (kind) {
      case PAYLOAD -> "Agent plugin -> payload";
      case CHALLENGE -> "Server plugin verified the evidence and sent a challenge";
      case CHALLENGE_RESPONSE -> "Agent plugin answered the challenge inside the TPM";
      case AGENT_ATTRIBUTES -> "Server plugin checked the answers and attested the agent";
      case ERROR -> from + " failed";
    };
  }

  /** The plain-language line of a message step, for someone who never heard of a TPM. */
  static String plain(Transcript.Kind kind) {
    return switch (kind) {
      case PAYLOAD ->
          "The agent shows its ID card (the DevID certificate) and has its TPM chip vouch, with a"
              + " brand-new key, that the card's private key is locked inside the chip.";
      case CHALLENGE ->
          "The server checked every certificate and signature, then asks two questions only the"
              + " genuine chip can answer: sign this random number, and open this sealed secret.";
      case CHALLENGE_RESPONSE ->
          "The chip signed the random number with the ID card's key and opened the sealed"
              + " secret, which only works inside the chip named on the manufacturer's certificate.";
      case AGENT_ATTRIBUTES ->
          "Both answers are right: the server gives the agent its SPIFFE ID, derived from"
              + " its ID card.";
      case ERROR -> "A plugin refused to go on: the attestation ends here with the error below.";
    };
  }

  /** The {@code message} member of a step: who sent what to whom, how big, when. */
  static Map<String, Object> message(Transcript.Kind kind, String from, int bytes, long atMillis) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", kind.name());
    m.put("from", from);
    m.put(
        "to",
        kind == Transcript.Kind.AGENT_ATTRIBUTES || kind == Transcript.Kind.ERROR
            ? "spire-server"
            : from.startsWith("agent") ? "server plugin" : "agent plugin");
    m.put(
        "name",
        switch (kind) {
          case PAYLOAD -> "AttestationRequest JSON";
          case CHALLENGE -> "ChallengeRequest JSON";
          case CHALLENGE_RESPONSE -> "ChallengeResponse JSON";
          case AGENT_ATTRIBUTES -> "AgentAttributes: attested";
          case ERROR -> "error status";
        });
    if (kind != Transcript.Kind.ERROR) {
      m.put("bytes", bytes);
    }
    m.put("atMillis", atMillis);
    return m;
  }

  /** The recorded TPM commands sent in (from, to] ({@code to} null: to the end), for the trace. */
  static List<Map<String, Object>> tpmCommands(
      List<TpmWiretap.Command> tpm, Instant origin, Instant from, Instant to) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (TpmWiretap.Command c : tpm) {
      if ((from != null && !c.sentAt().isAfter(from)) || (to != null && c.sentAt().isAfter(to))) {
        continue;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("command", c.name());
      m.put("rc", c.responseCode());
      m.put("micros", c.took().toNanos() / 1000);
      m.put("atMillis", Duration.between(origin, c.sentAt()).toMillis());
      m.put("connection", c.connection());
      m.put("commandBytes", c.commandBytes());
      m.put("responseBytes", c.responseBytes());
      list.add(m);
    }
    return list;
  }

  /** A relayed message decoded for the trace (docs/protocol.md). */
  static Map<String, Object> describe(Transcript.Kind kind, byte[] bytes) {
    Map<String, Object> d = new LinkedHashMap<>();
    switch (kind) {
      case PAYLOAD:
        {
          d.put(
              "what",
              "AttestationRequest JSON (docs/protocol.md#attestation-request): DevID certificate chain, three TPM public"
                  + " areas, the EK certificate, and the AK's TPM2_Certify of the DevID key");
          d.put("size", bytes.length + " bytes");
          try {
            AttestationRequest r = AttestationRequest.fromJson(bytes);
            List<Object> certs = new ArrayList<>();
            for (byte[] c : r.devIdCert()) {
              certs.add(Describe.certificate(c));
            }
            d.put("DevIDCert (leaf first)", certs);
            d.put("DevIDPub (TPMT_PUBLIC of the DevID key)", Describe.tpmtPublic(r.devIdPub()));
            d.put(
                "AKPub (TPMT_PUBLIC of the fresh attestation key)", Describe.tpmtPublic(r.akPub()));
            d.put("EKPub (TPMT_PUBLIC of the endorsement key)", Describe.tpmtPublic(r.ekPub()));
            d.put("EKCert", Describe.certificate(r.ekCert()));
            d.put(
                "CertifiedDevID (TPMS_ATTEST signed by the AK)",
                Describe.tpmsAttest(r.certifiedDevId(), r.devIdPub()));
            d.put(
                "CertificationSignature (TPMT_SIGNATURE)",
                Describe.tpmtSignature(r.certificationSignature()));
          } catch (WireFormatException | RuntimeException ex) {
            d.put("decode error", ex.getMessage());
          }
          break;
        }
      case CHALLENGE:
        {
          d.put(
              "what",
              "ChallengeRequest JSON (docs/protocol.md#challenge-request): a nonce for the DevID key to sign (proof of"
                  + " possession) and a credential only the EK's TPM can open for this AK (proof of residency)");
          d.put("size", bytes.length + " bytes");
          try {
            ChallengeRequest c = ChallengeRequest.fromJson(bytes);
            d.put("DevID nonce", c.devId().length + " bytes: " + HEX.formatHex(c.devId()));
            if (c.credActivation() != null) {
              d.put(
                  "CredActivation.Credential (TPM2B_ID_OBJECT body)",
                  c.credActivation().credential().length + " bytes");
              d.put(
                  "CredActivation.Secret (TPM2B_ENCRYPTED_SECRET body)",
                  c.credActivation().secret().length + " bytes");
            }
          } catch (WireFormatException | RuntimeException ex) {
            d.put("decode error", ex.getMessage());
          }
          d.put(
              "checks passed before a challenge is issued",
              "see the server checks 1-" + payloadChecks());
          break;
        }
      case CHALLENGE_RESPONSE:
        {
          d.put(
              "what",
              "ChallengeResponse JSON (docs/protocol.md#challenge-response): the DevID key's signature over the nonce"
                  + " and the secret recovered with TPM2_ActivateCredential");
          d.put("size", bytes.length + " bytes");
          try {
            ChallengeResponse r = ChallengeResponse.fromJson(bytes);
            d.put(
                "DevID signature",
                r.devId().length
                    + " bytes"
                    + (r.devId().length > 0 && r.devId()[0] == 0x30
                        ? " (ECDSA, DER SEQUENCE{r, s})"
                        : " (RSASSA-PKCS1-v1_5)"));
            d.put("CredActivation (recovered secret)", r.credActivation().length + " bytes");
          } catch (WireFormatException | RuntimeException ex) {
            d.put("decode error", ex.getMessage());
          }
          break;
        }
      case AGENT_ATTRIBUTES:
        {
          d.put(
              "what",
              "AgentAttributes: the agent's SPIFFE ID and selector values; spire-server adds the"
                  + " selector type tpm_devid");
          d.put(
              "checks passed before the result",
              "see the server checks " + (payloadChecks() + 1) + "-" + ServerChecks.CHECKS.size());
          break;
        }
      case ERROR:
      default:
        {
          d.put("status", new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
          break;
        }
    }
    return d;
  }

  /**
   * The plugin's log entries (debug and above) read in [from, to], as {@code LEVEL message k=v}.
   */
  private static List<String> logLines(List<PluginLogEntry> logs, Instant from, Instant to) {
    List<String> lines = new ArrayList<>();
    Instant slackTo = to.plusMillis(50);
    for (PluginLogEntry e : logs) {
      if (e.received().isBefore(from) || e.received().isAfter(slackTo)) {
        continue;
      }
      StringBuilder sb =
          new StringBuilder(e.level().name().toLowerCase(java.util.Locale.ROOT))
              .append(": ")
              .append(e.message());
      e.fields()
          .forEach(
              (k, v) -> {
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
    volatile TpmWiretap tap;
    volatile AutoCloseable other;
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
      for (AutoCloseable c : new AutoCloseable[] {tap, other}) {
        if (c != null) {
          try {
            c.close();
          } catch (Exception e) {
            // keep cleaning
          }
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

  /** How many server checks run on the payload, before the challenge (numbered from 1). */
  private static long payloadChecks() {
    return ServerChecks.CHECKS.stream().filter(c -> !c.afterChallenge()).count();
  }
}
