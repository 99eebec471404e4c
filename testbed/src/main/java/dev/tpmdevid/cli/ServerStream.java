package dev.tpmdevid.cli;

import com.google.protobuf.ByteString;
import dev.tpmdevid.plugin.BlockingBidiStream;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AgentAttributes;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestRequest;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.NodeAttestorGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import java.time.Duration;

/**
 * One raw {@code NodeAttestor/Attest} stream to a server plugin, driven message by message as
 * spire-server does (docs/plugin-protocol.md#attest-call), so a conformance case can send any bytes
 * at any point.
 */
final class ServerStream implements AutoCloseable {

  /**
   * What the plugin answered: a challenge, the agent attributes, an error status, or end of stream.
   */
  record Reply(byte[] challenge, AgentAttributes attributes, Status error, boolean closed) {
    boolean isChallenge() {
      return challenge != null;
    }

    boolean isAttributes() {
      return attributes != null;
    }

    boolean isError() {
      return error != null;
    }

    String describe() {
      if (isChallenge()) {
        return "a challenge (" + challenge.length + " bytes)";
      }
      if (isAttributes()) {
        return "agent attributes "
            + attributes.getSpiffeId()
            + " "
            + attributes.getSelectorValuesList();
      }
      if (isError()) {
        return error.getCode() + ": " + error.getDescription();
      }
      return "end of stream without a status";
    }
  }

  /**
   * Sees every message of the streams opened on its thread while set in {@link #TAP}: the demo's
   * attack trace records the conformance cases' exchanges with it.
   */
  interface Tap {
    void opened();

    void sent(boolean payload, byte[] bytes);

    void received(Reply reply);
  }

  static final ThreadLocal<Tap> TAP = new ThreadLocal<>();

  private final Tap tap = TAP.get();
  private final BlockingBidiStream<AttestRequest, AttestResponse> stream;

  ServerStream(Channel channel) {
    if (tap != null) {
      tap.opened();
    }
    stream = BlockingBidiStream.open(channel, NodeAttestorGrpc.getAttestMethod());
  }

  void sendPayload(byte[] payload) {
    if (tap != null) {
      tap.sent(true, payload);
    }
    stream.send(AttestRequest.newBuilder().setPayload(ByteString.copyFrom(payload)).build());
  }

  void sendChallengeResponse(byte[] response) {
    if (tap != null) {
      tap.sent(false, response);
    }
    stream.send(
        AttestRequest.newBuilder().setChallengeResponse(ByteString.copyFrom(response)).build());
  }

  /** The next reply; a timeout becomes an error reply with DEADLINE_EXCEEDED. */
  Reply next(Duration timeout) throws InterruptedException {
    Reply r = read(timeout);
    if (tap != null) {
      tap.received(r);
    }
    return r;
  }

  private Reply read(Duration timeout) throws InterruptedException {
    Object o = stream.poll(timeout);
    if (o == null) {
      return new Reply(
          null,
          null,
          Status.DEADLINE_EXCEEDED.withDescription(
              "no answer from the plugin within " + timeout.toSeconds() + " s"),
          false);
    }
    if (o == BlockingBidiStream.END) {
      return new Reply(null, null, null, true);
    }
    if (o instanceof Status s) {
      return new Reply(null, null, s, false);
    }
    AttestResponse r = (AttestResponse) o;
    if (r.getResponseCase() == AttestResponse.ResponseCase.CHALLENGE) {
      return new Reply(r.getChallenge().toByteArray(), null, null, false);
    }
    if (r.getResponseCase() == AttestResponse.ResponseCase.AGENT_ATTRIBUTES) {
      return new Reply(null, r.getAgentAttributes(), null, false);
    }
    return new Reply(
        null,
        null,
        Status.INTERNAL.withDescription(
            "plugin reply with neither challenge nor" + " agent attributes"),
        false);
  }

  @Override
  public void close() {
    stream.cancel("conformance case finished");
  }
}
