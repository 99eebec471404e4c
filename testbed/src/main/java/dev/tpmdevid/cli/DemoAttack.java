package dev.tpmdevid.cli;

import dev.tpmdevid.testbed.host.AttestationRelay;
import dev.tpmdevid.testbed.host.GoStatus;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.host.Transcript;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tpm-devid demo --attack NAME}: runs one attack case of the server conformance suite for
 * real (swtpm-backed agents of {@link ConformanceLab}, our server plugin as its own process) and
 * traces what crossed the wire ({@link ServerStream#TAP}), where the server stopped it, and what an
 * operator sees.
 */
final class DemoAttack {
  private static final String PLUGIN_NAME = "tpm_devid";

  /** One message the case sent or received, with the attempt it belongs to. */
  private record Event(
      int attempt,
      Transcript.Kind kind,
      String from,
      byte[] bytes,
      Status error,
      Instant at,
      Duration waited) {}

  private final Attacks.Attack attack;
  private final String trustDomain;
  private final DemoCommand.Cleanup cleanup;

  DemoAttack(Attacks.Attack attack, String trustDomain, DemoCommand.Cleanup cleanup) {
    this.attack = attack;
    this.trustDomain = trustDomain;
    this.cleanup = cleanup;
  }

  int run(DemoReport report, Instant t0) throws Exception {
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("Attack", attack.name() + ": " + attack.title());
    facts.put(
        "Against",
        "our server plugin ("
            + String.join(" ", PluginCommands.server()).replaceAll(".*/", "")
            + ")");
    facts.put("Trust domain", trustDomain);
    report.header(
        "tpm-devid demo --attack " + attack.name() + ": an attack on tpm_devid node attestation",
        facts);

    Instant s = Instant.now();
    Path dir = Files.createTempDirectory("tpm-devid-demo-");
    cleanup.dir = dir;
    ConformanceLab lab = ConformanceLab.start(dir.resolve("lab"), false);
    cleanup.other = lab;
    Map<String, Object> labFacts = new LinkedHashMap<>();
    labFacts.put(
        "machine rsa",
        lab.rsa.provisioned.devIdCertificate().getSubjectX500Principal().getName()
            + " on "
            + lab.rsa.swtpm.devicePath()
            + " (RSA DevID)");
    labFacts.put(
        "machine ecc",
        lab.ecc.provisioned.devIdCertificate().getSubjectX500Principal().getName()
            + " on "
            + lab.ecc.swtpm.devicePath()
            + " (ECC DevID)");
    labFacts.put(
        "attacker's tools",
        "this project's agent library on those TPMs, plus software keys and"
            + " certificates where the attack needs them (the conformance suite's attack cases)");
    report.step(
        "Started two software TPMs and provisioned them like two fleet machines",
        since(s),
        "Two machines with genuine TPM chips and ID cards; the attacker controls them and the software"
            + " that talks to the server.",
        labFacts,
        Map.of());

    s = Instant.now();
    PluginHost server =
        ConformanceCommand.loadPlugin(
            PluginKind.SERVER, PluginCommands.server(), PLUGIN_NAME, trustDomain, lab.serverHcl());
    cleanup.hosts.add(server);
    Map<String, Object> loaded = new LinkedHashMap<>();
    loaded.put("pid", server.pid());
    loaded.put("Configure(trust_domain, HCL)", lab.serverHcl().strip().replace("\n", "; "));
    report.step(
        "Loaded our server plugin the way spire-server does",
        since(s),
        "The server side runs the" + " real verifier, exactly as SPIRE would load it.",
        loaded,
        Map.of());

    ServerConformance suite = new ServerConformance(server, lab, trustDomain);
    ServerConformance.Case c =
        suite.cases().stream()
            .filter(x -> x.name().equals(attack.name()))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no conformance case " + attack.name()));
    List<Event> events = new ArrayList<>();
    Instant started = Instant.now();
    ServerConformance.Verdict verdict;
    ServerStream.TAP.set(new Recorder(events));
    try {
      verdict = c.body().run();
    } finally {
      ServerStream.TAP.remove();
    }

    int attempts = events.isEmpty() ? 0 : events.get(events.size() - 1).attempt();
    Event lastError = null;
    boolean challenged = false;
    boolean accepted = false;
    for (Event e : events) {
      if (e.attempt() != attempts) {
        continue;
      }
      if (e.kind() == Transcript.Kind.CHALLENGE) {
        challenged = true;
      } else if (e.kind() == Transcript.Kind.ERROR) {
        lastError = e;
      } else if (e.kind() == Transcript.Kind.AGENT_ATTRIBUTES) {
        accepted = true;
      }
    }
    for (Event e : events) {
      step(report, e, attempts, started);
    }
    String operatorError = lastError == null ? null : operatorView(lastError.error());
    report.section(
        "serverChecks",
        ServerChecks.outcomes(
            accepted ? null : lastError == null ? "no answer" : lastError.error().getDescription(),
            challenged));
    Map<String, Object> a = attack.toMap();
    boolean refused = verdict.result().equals("PASS");
    a.put("stoppedByOurServer", refused);
    a.put("verdict", verdict.result() + ": " + verdict.reason());
    report.section("attack", a);
    if (refused && operatorError != null) {
      report.failure(operatorError, since(t0));
    } else {
      report.failure("the server plugin did not refuse the attack: " + verdict.reason(), since(t0));
    }
    if (!refused) {
      report.note("Our server plugin did NOT stop this attack (" + verdict.result() + ").");
    } else {
      int n =
          ServerChecks.failedIndex(lastError == null ? null : lastError.error().getDescription());
      report.note(
          "Stopped at check "
              + (n < 0 ? "?" : (n + 1) + ": " + ServerChecks.CHECKS.get(n).title()));
    }
    report.note("SPIRE's Go server " + attack.goServer());
    report.finish();
    return refused ? 0 : 1;
  }

  private static void step(DemoReport report, Event e, int attempts, Instant started) {
    String prefix = attempts > 1 ? "attempt " + e.attempt() + " of " + attempts + ": " : "";
    Map<String, Object> d;
    if (e.kind() == Transcript.Kind.ERROR) {
      d = new LinkedHashMap<>();
      d.put("status", GoStatus.describe(e.error()));
      d.put("operator sees", operatorView(e.error()));
    } else {
      d = DemoCommand.describe(e.kind(), e.bytes());
    }
    if (e.kind() == Transcript.Kind.AGENT_ATTRIBUTES) {
      d.put("agent attributes", new String(e.bytes(), java.nio.charset.StandardCharsets.UTF_8));
    }
    String from = e.from();
    String title =
        switch (e.kind()) {
          case PAYLOAD -> "Attacker's agent -> payload";
          case CHALLENGE_RESPONSE -> "Attacker's agent answered the challenge";
          case ERROR -> "Server plugin refused the attestation";
          default -> DemoCommand.stepTitle(e.kind(), from);
        };
    String plain =
        e.kind() == Transcript.Kind.ERROR
            ? "The server found something wrong and ended the"
                + " attestation; the agent gets no identity."
            : e.kind() == Transcript.Kind.PAYLOAD
                ? "The attacker's agent sends its evidence (the attack"
                    + " above says what it altered)."
                : DemoCommand.plain(e.kind());
    Map<String, Object> extra = new LinkedHashMap<>();
    Map<String, Object> m =
        DemoCommand.message(
            e.kind(),
            from,
            e.bytes() == null ? 0 : e.bytes().length,
            Duration.between(started, e.at()).toMillis());
    m.put("attempt", e.attempt());
    if (e.error() != null) {
      m.put("name", "refused: " + GoStatus.codeName(e.error().getCode()));
    }
    extra.put("message", m);
    report.step(prefix + title, e.waited(), plain, d, extra);
  }

  /** What spire-agent logs for a refused attestation. */
  private static String operatorView(Status plugin) {
    return GoStatus.describe(AttestationRelay.operatorStatus(PLUGIN_NAME, plugin, null));
  }

  private static Duration since(Instant t) {
    return Duration.between(t, Instant.now());
  }

  /** Records the case's streams; the payload and response bytes are what the server received. */
  private static final class Recorder implements ServerStream.Tap {
    private final List<Event> events;
    private int attempt;
    private long lastNanos = System.nanoTime();

    Recorder(List<Event> events) {
      this.events = events;
    }

    @Override
    public void opened() {
      attempt++;
      lastNanos = System.nanoTime();
    }

    @Override
    public void sent(boolean payload, byte[] bytes) {
      add(
          payload ? Transcript.Kind.PAYLOAD : Transcript.Kind.CHALLENGE_RESPONSE,
          "agent plugin",
          bytes,
          null);
    }

    @Override
    public void received(ServerStream.Reply r) {
      if (r.isChallenge()) {
        add(Transcript.Kind.CHALLENGE, "server plugin", r.challenge(), null);
      } else if (r.isAttributes()) {
        add(
            Transcript.Kind.AGENT_ATTRIBUTES,
            "server plugin",
            (r.attributes().getSpiffeId() + " " + r.attributes().getSelectorValuesList())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
            null);
      } else {
        add(
            Transcript.Kind.ERROR,
            "server plugin",
            new byte[0],
            r.isError()
                ? r.error()
                : Status.INTERNAL.withDescription("the plugin ended the stream without a status"));
      }
    }

    private void add(Transcript.Kind kind, String from, byte[] bytes, Status error) {
      long now = System.nanoTime();
      events.add(
          new Event(
              Math.max(1, attempt),
              kind,
              from,
              bytes.clone(),
              error,
              Instant.now(),
              Duration.ofNanos(now - lastNanos)));
      lastNanos = now;
    }
  }
}
