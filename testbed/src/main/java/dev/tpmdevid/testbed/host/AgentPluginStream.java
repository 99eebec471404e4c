package dev.tpmdevid.testbed.host;

import com.google.protobuf.ByteString;
import dev.tpmdevid.plugin.BlockingBidiStream;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.Challenge;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.NodeAttestorGrpc;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.PayloadOrChallengeResponse;
import io.grpc.Status;
import io.grpc.StatusException;
import java.time.Duration;

/**
 * One {@code AidAttestation} stream of an agent plugin, driven like spire-agent does
 * (docs/plugin-protocol.md#aid-attestation-call): the agent sends nothing first, the first message
 * must carry a payload, each challenge must get a challenge response, and the stream is cancelled
 * (not half-closed) at the end.
 */
public final class AgentPluginStream implements AgentSide {
  private final BlockingBidiStream<Challenge, PayloadOrChallengeResponse> stream;
  private final Duration timeout;

  /** Opens the stream on a loaded, configured agent plugin. */
  public AgentPluginStream(PluginHost agent, Duration messageTimeout) {
    if (agent.kind() != PluginKind.AGENT) {
      throw new IllegalArgumentException("not an agent plugin");
    }
    this.stream =
        BlockingBidiStream.open(agent.channel(), NodeAttestorGrpc.getAidAttestationMethod());
    this.timeout = messageTimeout;
  }

  @Override
  public byte[] payload() throws StatusException {
    PayloadOrChallengeResponse first = stream.read(timeout);
    if (first == null) {
      throw Status.INTERNAL
          .withDescription("plugin closed stream before returning attestation data")
          .asException();
    }
    if (first.getPayload().isEmpty()) {
      throw Status.INTERNAL
          .withDescription("plugin response missing attestation payload")
          .asException();
    }
    return first.getPayload().toByteArray();
  }

  @Override
  public byte[] answer(byte[] challenge) throws StatusException {
    stream.send(Challenge.newBuilder().setChallenge(ByteString.copyFrom(challenge)).build());
    PayloadOrChallengeResponse answer = stream.read(timeout);
    if (answer == null) {
      throw Status.INTERNAL
          .withDescription("plugin closed stream before handling the challenge")
          .asException();
    }
    if (answer.getChallengeResponse().isEmpty()) {
      throw Status.INTERNAL
          .withDescription("plugin response missing challenge response")
          .asException();
    }
    return answer.getChallengeResponse().toByteArray();
  }

  @Override
  public void close() {
    stream.cancel("attestation finished");
  }
}
