package dev.tpmdevid.agent;

import com.google.protobuf.ByteString;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.Challenge;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.NodeAttestorGrpc;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.PayloadOrChallengeResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/**
 * {@code spire.plugin.agent.nodeattestor.v1.NodeAttestor/AidAttestation}
 * (docs/plugin-protocol.md#protos, #aid-attestation-call): sends the payload as soon as the stream
 * opens, answers the one challenge, then completes the stream. The TPM session is closed (every
 * object flushed) on success, on error and when the host cancels the stream.
 */
final class NodeAttestorService extends NodeAttestorGrpc.NodeAttestorImplBase {

  private final Supplier<DevIdAttestor> attestor;

  NodeAttestorService(Supplier<DevIdAttestor> attestor) {
    this.attestor = attestor;
  }

  @Override
  public StreamObserver<Challenge> aidAttestation(
      StreamObserver<PayloadOrChallengeResponse> responses) {
    ServerCallStreamObserver<PayloadOrChallengeResponse> call =
        (ServerCallStreamObserver<PayloadOrChallengeResponse>) responses;
    Stream stream = new Stream(call);
    call.setOnCancelHandler(stream::cancelled);
    stream.start();
    return stream;
  }

  static Status toStatus(AgentException e) {
    Status.Code code;
    switch (e.kind()) {
      case CONFIG:
      case CHALLENGE:
        code = Status.Code.INVALID_ARGUMENT;
        break;
      case NOT_CONFIGURED:
        code = Status.Code.FAILED_PRECONDITION;
        break;
      default:
        code = Status.Code.INTERNAL;
        break;
    }
    return Status.fromCode(code).withDescription(e.getMessage());
  }

  /**
   * One AidAttestation stream; gRPC serialises its callbacks, the session is closed exactly once.
   */
  private final class Stream implements StreamObserver<Challenge> {
    private final ServerCallStreamObserver<PayloadOrChallengeResponse> out;
    private AgentSession session;
    private boolean finished;

    Stream(ServerCallStreamObserver<PayloadOrChallengeResponse> out) {
      this.out = out;
    }

    void start() {
      DevIdAttestor a = attestor.get();
      if (a == null) {
        fail(new AgentException(AgentException.Kind.NOT_CONFIGURED, "not configured"));
        return;
      }
      try {
        session = a.begin();
        byte[] payload = session.payload();
        out.onNext(
            PayloadOrChallengeResponse.newBuilder()
                .setPayload(ByteString.copyFrom(payload))
                .build());
      } catch (AgentException e) {
        fail(e);
      } catch (StatusRuntimeException e) {
        closeSession("send failed");
        finished = true;
      } catch (RuntimeException e) {
        failInternal(e);
      }
    }

    @Override
    public void onNext(Challenge challenge) {
      if (finished) {
        return;
      }
      try {
        if (session == null) {
          throw new AgentException(AgentException.Kind.INTERNAL, "challenge before payload");
        }
        byte[] response = session.solve(challenge.getChallenge().toByteArray());
        logDone("attestation challenge answered");
        closeSession(null);
        finished = true;
        out.onNext(
            PayloadOrChallengeResponse.newBuilder()
                .setChallengeResponse(ByteString.copyFrom(response))
                .build());
        out.onCompleted();
      } catch (AgentException e) {
        fail(e);
      } catch (StatusRuntimeException e) {
        closeSession("send failed");
        finished = true;
      } catch (RuntimeException e) {
        failInternal(e);
      }
    }

    @Override
    public void onError(Throwable t) {
      closeSession("stream error");
      finished = true;
    }

    @Override
    public void onCompleted() {
      if (!finished) {
        closeSession("host closed the stream");
        finished = true;
        out.onCompleted();
      }
    }

    void cancelled() {
      closeSession("stream cancelled");
      finished = true;
    }

    private void fail(AgentException e) {
      Log.warn("attestation failed", "error", e.getMessage());
      closeSession(null);
      if (!finished) {
        finished = true;
        out.onError(toStatus(e).asRuntimeException());
      }
    }

    private void failInternal(RuntimeException e) {
      Log.warn("attestation failed", "error", e.getClass().getName() + ": " + e.getMessage());
      fail(
          new AgentException(
              AgentException.Kind.INTERNAL, "internal error: " + e.getClass().getSimpleName()));
    }

    private void logDone(String what) {
      Log.info(
          what,
          "tpm_commands",
          session.tpmCommands(),
          "elapsed_ms",
          String.format("%.1f", session.elapsedMillis()));
    }

    private void closeSession(String why) {
      AgentSession s = session;
      session = null;
      if (s != null) {
        if (why != null) {
          Log.debug("closing TPM session", "reason", why);
        }
        s.close();
      }
    }
  }
}
