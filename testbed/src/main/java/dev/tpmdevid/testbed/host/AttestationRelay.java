package dev.tpmdevid.testbed.host;

import dev.tpmdevid.plugin.BlockingBidiStream;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AgentAttributes;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestRequest;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Relays one node attestation between an agent plugin and a server plugin the way {@code
 * spire-agent} and {@code spire-server} do (docs/plugin-protocol.md#attest-call,
 * #aid-attestation-call), with the hosts' checks and error texts. The result is what an operator
 * would see: the agent ID and selectors, or the status.
 *
 * <p>The relay talks to the plugins only; the agent↔server API hop is a pass-through (the bytes are
 * forwarded unchanged, docs/protocol.md#stream-mapping).
 */
public final class AttestationRelay {
  private static final Metadata.Key<String> FORWARDED_HOST =
      Metadata.Key.of("x-untrusted-forwarded-host", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> FORWARDED_CLIENT_IP =
      Metadata.Key.of("x-forwarded-client-ip", Metadata.ASCII_STRING_MARSHALLER);

  private final java.util.function.Supplier<AgentSide> agent;
  private final String agentName;
  private final PluginHost server;
  private final String trustDomain;
  private Duration messageTimeout = Duration.ofMinutes(2);
  private java.util.function.UnaryOperator<byte[]> payloadTamper =
      java.util.function.UnaryOperator.identity();
  private java.util.function.UnaryOperator<byte[]> responseTamper =
      java.util.function.UnaryOperator.identity();

  /**
   * @param agent a loaded and configured agent-side plugin
   * @param server a loaded and configured server-side plugin of the same name
   * @param trustDomain the server's trust domain (for the agent-ID checks of
   *     docs/plugin-protocol.md#attest-call step 5)
   */
  public AttestationRelay(PluginHost agent, PluginHost server, String trustDomain) {
    if (agent.kind() != PluginKind.AGENT) {
      throw new IllegalArgumentException("need an agent plugin");
    }
    this.agent = () -> new AgentPluginStream(agent, messageTimeout);
    this.agentName = agent.name();
    this.server = checkServer(server);
    this.trustDomain = Objects.requireNonNull(trustDomain);
  }

  /**
   * A relay whose agent half is {@code agent} (opened once per attestation) instead of a plugin,
   * e.g. an agent scripted with tpm2-tools.
   */
  public AttestationRelay(
      java.util.function.Supplier<AgentSide> agent,
      String agentPluginName,
      PluginHost server,
      String trustDomain) {
    this.agent = Objects.requireNonNull(agent);
    this.agentName = Objects.requireNonNull(agentPluginName);
    this.server = checkServer(server);
    this.trustDomain = Objects.requireNonNull(trustDomain);
  }

  private static PluginHost checkServer(PluginHost server) {
    if (server.kind() != PluginKind.SERVER) {
      throw new IllegalArgumentException("need a server plugin");
    }
    return server;
  }

  /** The longest the relay waits for one plugin message (SPIRE waits forever; tests should not). */
  public AttestationRelay messageTimeout(Duration timeout) {
    this.messageTimeout = Objects.requireNonNull(timeout);
    return this;
  }

  /**
   * Rewrites the agent's payload on its way to the server: stands for a modified agent or a network
   * attacker, for negative tests. The transcript records the bytes the server received.
   */
  public AttestationRelay tamperPayload(java.util.function.UnaryOperator<byte[]> tamper) {
    this.payloadTamper = Objects.requireNonNull(tamper);
    return this;
  }

  /**
   * Rewrites the agent's challenge response on its way to the server (see {@link #tamperPayload}).
   */
  public AttestationRelay tamperChallengeResponse(java.util.function.UnaryOperator<byte[]> tamper) {
    this.responseTamper = Objects.requireNonNull(tamper);
    return this;
  }

  /** Runs one attestation. Never throws for a plugin failure: that is the outcome's status. */
  public AttestationOutcome attest() {
    Transcript transcript = new Transcript();
    long start = System.nanoTime();
    BlockingBidiStream<AttestRequest, AttestResponse> serverStream = null;
    try (AgentSide agentSide = agent.get()) {
      // spire-agent: the plugin speaks first.
      long asked = System.nanoTime();
      byte[] payload = payloadTamper.apply(agentCall(() -> agentSide.payload(), transcript, asked));
      transcript.add(Transcript.Kind.PAYLOAD, "agent plugin", payload, asked);

      // spire-server: one Attest stream per attestation, payload first, never half-closed.
      Metadata md = new Metadata();
      md.put(FORWARDED_HOST, "localhost");
      md.put(FORWARDED_CLIENT_IP, "127.0.0.1");
      serverStream =
          BlockingBidiStream.open(
              server.channel(),
              dev.tpmdevid.proto.spire.server.nodeattestor.v1.NodeAttestorGrpc.getAttestMethod(),
              md);
      serverStream.send(
          AttestRequest.newBuilder()
              .setPayload(com.google.protobuf.ByteString.copyFrom(payload))
              .build());
      while (true) {
        asked = System.nanoTime();
        AttestResponse resp = readServer(serverStream, transcript, asked);
        if (resp == null) {
          return failure(
              server.name(),
              "server",
              Status.INTERNAL,
              "plugin closed stream unexpectedly",
              transcript,
              start);
        }
        if (resp.getResponseCase() == AttestResponse.ResponseCase.AGENT_ATTRIBUTES) {
          AgentAttributes attrs = resp.getAgentAttributes();
          transcript.add(
              Transcript.Kind.AGENT_ATTRIBUTES, "server plugin", attrs.toByteArray(), asked);
          serverStream.cancel("attestation complete");
          return result(attrs, transcript, start);
        }
        if (resp.getResponseCase() != AttestResponse.ResponseCase.CHALLENGE) {
          return failure(
              server.name(),
              "server",
              Status.INTERNAL,
              "plugin response missing challenge or agent attributes",
              transcript,
              start);
        }
        byte[] challenge = resp.getChallenge().toByteArray();
        transcript.add(Transcript.Kind.CHALLENGE, "server plugin", challenge, asked);

        long answerAsked = System.nanoTime();
        byte[] response =
            responseTamper.apply(
                agentCall(() -> agentSide.answer(challenge), transcript, answerAsked));
        transcript.add(Transcript.Kind.CHALLENGE_RESPONSE, "agent plugin", response, answerAsked);
        serverStream.send(
            AttestRequest.newBuilder()
                .setChallengeResponse(com.google.protobuf.ByteString.copyFrom(response))
                .build());
      }
    } catch (PluginFailure f) {
      return failure(f.pluginName, f.side, f.status, null, transcript, start);
    } finally {
      if (serverStream != null) {
        serverStream.cancel("attestation finished");
      }
    }
  }

  private interface AgentCall {
    byte[] call() throws StatusException;
  }

  private byte[] agentCall(AgentCall call, Transcript t, long asked) throws PluginFailure {
    try {
      return call.call();
    } catch (StatusException e) {
      t.add(Transcript.Kind.ERROR, "agent plugin", statusBytes(e.getStatus()), asked);
      throw new PluginFailure(agentName, "agent", e.getStatus());
    }
  }

  private AttestResponse readServer(
      BlockingBidiStream<AttestRequest, AttestResponse> s, Transcript t, long asked)
      throws PluginFailure {
    try {
      return s.read(messageTimeout);
    } catch (StatusException e) {
      t.add(Transcript.Kind.ERROR, "server plugin", statusBytes(e.getStatus()), asked);
      throw new PluginFailure(server.name(), "server", e.getStatus());
    }
  }

  private AttestationOutcome result(AgentAttributes attrs, Transcript transcript, long start) {
    String id = attrs.getSpiffeId();
    if (id.isEmpty()) {
      return failure(
          server.name(),
          "server",
          Status.INTERNAL,
          "plugin response missing agent ID",
          transcript,
          start);
    }
    String idError = checkAgentId(id);
    if (idError != null) {
      return failure(server.name(), "server", Status.INTERNAL, idError, transcript, start);
    }
    List<String> selectors = new ArrayList<>();
    for (String v : attrs.getSelectorValuesList()) {
      selectors.add(server.name() + ":" + v);
    }
    return new AttestationOutcome(
        id,
        selectors,
        attrs.getCanReattest(),
        Status.OK,
        null,
        transcript,
        Duration.ofNanos(System.nanoTime() - start));
  }

  /**
   * spire-server's checks on the agent ID (docs/plugin-protocol.md#attest-call step 5); warnings
   * are not failures.
   */
  private String checkAgentId(String id) {
    URI uri;
    try {
      uri = new URI(id);
    } catch (URISyntaxException e) {
      return "invalid agent ID: " + e.getMessage();
    }
    if (!"spiffe".equals(uri.getScheme())
        || uri.getHost() == null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || uri.getRawUserInfo() != null
        || uri.getPort() != -1) {
      return "invalid agent ID: not a SPIFFE ID";
    }
    if ("/spire/server".equals(uri.getPath()) && trustDomain.equals(uri.getHost())) {
      return "agent ID cannot be the server ID";
    }
    return null;
  }

  /**
   * The status an operator sees: same code, message prefixed {@code nodeattestor(<name>): }, where
   * a leading {@code <name>: } of the plugin's message is replaced
   * (docs/plugin-protocol.md#status-codes).
   */
  public static Status operatorStatus(String pluginName, Status plugin, String hostMessage) {
    String msg =
        hostMessage != null
            ? hostMessage
            : plugin.getDescription() == null ? "" : plugin.getDescription();
    if (msg.startsWith(pluginName + ": ")) {
      msg = msg.substring(pluginName.length() + 2);
    }
    return Status.fromCode(plugin.getCode())
        .withDescription("nodeattestor(" + pluginName + "): " + msg);
  }

  private static AttestationOutcome failure(
      String pluginName,
      String side,
      Status status,
      String hostMessage,
      Transcript transcript,
      long start) {
    return new AttestationOutcome(
        null,
        List.of(),
        false,
        operatorStatus(pluginName, status, hostMessage),
        side,
        transcript,
        Duration.ofNanos(System.nanoTime() - start));
  }

  private static byte[] statusBytes(Status s) {
    return GoStatus.describe(s).getBytes(StandardCharsets.UTF_8);
  }

  private static final class PluginFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final String pluginName;
    final String side;
    final transient Status status;

    PluginFailure(String pluginName, String side, Status status) {
      super(null, null, false, false);
      this.pluginName = pluginName;
      this.side = side;
      this.status = status;
    }
  }
}
