package dev.tpmdevid.server;

import com.google.protobuf.ByteString;
import dev.tpmdevid.plugin.BlockingBidiStream;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestRequest;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.NodeAttestorGrpc;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The server plugin's NodeAttestor service on a real (loopback) gRPC server, configured with a
 * {@link SoftwareAgent}'s trust bundles, and a client that talks to it like SPIRE does.
 */
final class PluginHarness implements AutoCloseable {
  static final String TRUST_DOMAIN = "example.org";

  final ServerConfigHandler configs;
  final Path dir;
  private final Server server;
  private final ManagedChannel channel;

  PluginHarness(SoftwareAgent agent, String extraHcl) throws Exception {
    this(agent, extraHcl, Clock.systemUTC());
  }

  PluginHarness(SoftwareAgent agent, String extraHcl, Clock clock) throws Exception {
    dir = Files.createTempDirectory("tpm-devid-server-test");
    configs = new ServerConfigHandler(clock);
    if (agent != null) {
      configs.configure(TRUST_DOMAIN, hcl(agent, extraHcl));
    }
    server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(new NodeAttestorService(configs))
            .build()
            .start();
    channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
            .build();
  }

  /** HCL as SPIRE re-prints {@code plugin_data} for this agent's bundles. */
  String hcl(SoftwareAgent agent, String extraHcl) throws Exception {
    return hcl(agent.devIdBundlePem(), agent.ekBundlePem(), extraHcl);
  }

  /** HCL for the given bundles (written to files in {@link #dir}). */
  String hcl(String devIdPem, String ekPem, String extraHcl) throws Exception {
    Path devId = Files.writeString(dir.resolve("devid-ca.pem"), devIdPem);
    Path ek = Files.writeString(dir.resolve("endorsement-ca.pem"), ekPem);
    return "devid_ca_path = \""
        + devId
        + "\"\n\nendorsement_ca_path = \""
        + ek
        + "\"\n"
        + (extraHcl == null ? "" : "\n" + extraHcl + "\n");
  }

  /** One Attest stream, driven step by step. */
  Conversation open() {
    return new Conversation(BlockingBidiStream.open(channel, NodeAttestorGrpc.getAttestMethod()));
  }

  /** Outcome of a full attestation. */
  record Outcome(AttestResponse result, Status status) {
    boolean ok() {
      return result != null;
    }
  }

  /** Payload, one challenge answered by {@code responder}, result. */
  Outcome attest(byte[] payload, UnaryOperator<byte[]> responder) throws Exception {
    Conversation c = open();
    c.sendPayload(payload);
    Object first = c.next();
    if (first instanceof Status) {
      return new Outcome(null, (Status) first);
    }
    AttestResponse ch = (AttestResponse) first;
    if (!ch.hasChallenge()) {
      throw new AssertionError("expected a challenge, got " + ch);
    }
    c.sendResponse(responder.apply(ch.getChallenge().toByteArray()));
    Object second = c.next();
    if (second instanceof Status) {
      return new Outcome(null, (Status) second);
    }
    Object end = c.next();
    if (end != Conversation.COMPLETED) {
      throw new AssertionError("expected the stream to complete, got " + end);
    }
    return new Outcome((AttestResponse) second, null);
  }

  Outcome attest(SoftwareAgent agent) throws Exception {
    return attest(agent.payload(), agent::respond);
  }

  /** One Attest stream; {@link #next} gives an AttestResponse, a Status or {@link #COMPLETED}. */
  static final class Conversation {
    static final Object COMPLETED = BlockingBidiStream.END;
    private final BlockingBidiStream<AttestRequest, AttestResponse> stream;

    Conversation(BlockingBidiStream<AttestRequest, AttestResponse> stream) {
      this.stream = stream;
    }

    void sendPayload(byte[] payload) {
      stream.send(AttestRequest.newBuilder().setPayload(ByteString.copyFrom(payload)).build());
    }

    void sendResponse(byte[] response) {
      stream.send(
          AttestRequest.newBuilder().setChallengeResponse(ByteString.copyFrom(response)).build());
    }

    void halfClose() {
      stream.halfClose();
    }

    void cancel() {
      stream.cancel("test cancels");
    }

    Object next() throws InterruptedException {
      return next(10);
    }

    Object next(int seconds) throws InterruptedException {
      Object o = poll(seconds);
      if (o == null) {
        throw new AssertionError("no event within " + seconds + "s");
      }
      return o;
    }

    /** The next event, or null if none arrives within {@code seconds}. */
    Object poll(int seconds) throws InterruptedException {
      return stream.poll(java.time.Duration.ofSeconds(seconds));
    }
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
