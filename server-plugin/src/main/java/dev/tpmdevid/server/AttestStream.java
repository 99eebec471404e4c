package dev.tpmdevid.server;

import com.google.protobuf.ByteString;
import dev.tpmdevid.plugin.PluginLog;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AgentAttributes;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestRequest;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse;
import dev.tpmdevid.verifier.AttestationFailure;
import dev.tpmdevid.verifier.AttestationVerifier;
import dev.tpmdevid.verifier.AttestedNode;
import dev.tpmdevid.verifier.TpmDevIdVerifier;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One {@code Attest} stream (docs/plugin-protocol.md#attest-call, docs/protocol.md#server-checks
 * steps 1 and 19): payload, exactly one challenge, exactly one response, then {@code
 * agent_attributes} and the stream is completed.
 *
 * <p>The configuration snapshot is taken when the stream opens and kept to the end (atomic
 * reconfiguration). Protocol abuse (docs/security.md#a12-protocol-abuse) ends the stream with
 * INVALID_ARGUMENT: a challenge response before the payload, a second payload, a half-close before
 * the result; a stream that does not deliver the payload or the response within {@code
 * challenge_timeout} ends with DEADLINE_EXCEEDED. After the result or an error the stream is DONE:
 * the pending secret and nonce are dropped, the timer is cancelled and later messages are ignored.
 * Nothing outlives the stream.
 *
 * <p>Any unexpected {@link RuntimeException} becomes INTERNAL "internal error" with the details
 * only in the log.
 */
final class AttestStream implements StreamObserver<AttestRequest> {
  private static final PluginLog LOG = PluginLog.get("tpm_devid");

  private enum State {
    AWAITING_PAYLOAD,
    AWAITING_RESPONSE,
    DONE
  }

  /** Largest challenge response accepted (a Go agent's is about 400 bytes). */
  static final int MAX_CHALLENGE_RESPONSE_BYTES = AttestationVerifier.MAX_CHALLENGE_RESPONSE_BYTES;

  private final StreamObserver<AttestResponse> out;
  private final ServerConfig config;
  private final ScheduledExecutorService timers;
  private State state = State.AWAITING_PAYLOAD;
  private TpmDevIdVerifier.Challenge pending;
  private ScheduledFuture<?> timer;

  AttestStream(
      StreamObserver<AttestResponse> out, ServerConfig config, ScheduledExecutorService timers) {
    this.out = out;
    this.config = config;
    this.timers = timers;
  }

  /** Starts the payload timer; called once by the service right after construction. */
  synchronized void start() {
    armTimer("no attestation payload received within the challenge timeout");
  }

  @Override
  public synchronized void onNext(AttestRequest request) {
    if (state == State.DONE) {
      LOG.debug("message after the end of the attestation ignored");
      return;
    }
    try {
      if (state == State.AWAITING_PAYLOAD) {
        onPayload(request);
      } else {
        onChallengeResponse(request);
      }
    } catch (AttestationFailure e) {
      fail(FailureCodes.of(e), e.getMessage());
    } catch (ProtocolViolation e) {
      fail(e.code, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("attestation failed with an internal error", e);
      fail(Status.Code.INTERNAL, "internal error");
    }
  }

  /** Step 1: first message; then steps 2-14 and sending the challenge. */
  private void onPayload(AttestRequest request) throws AttestationFailure, ProtocolViolation {
    if (config == null) {
      throw new ProtocolViolation(Status.Code.FAILED_PRECONDITION, "not configured");
    }
    if (request.getRequestCase() == AttestRequest.RequestCase.CHALLENGE_RESPONSE) {
      throw ProtocolViolation.invalid("challenge response received before the attestation payload");
    }
    ByteString payload = request.getPayload();
    if (payload.isEmpty()) {
      throw ProtocolViolation.invalid("missing attestation payload");
    }
    if (payload.size() > config.maxPayloadBytes()) {
      throw ProtocolViolation.invalid("attestation payload larger than max_payload_bytes");
    }
    TpmDevIdVerifier.Challenge c = config.verifier().begin(payload.toByteArray());
    pending = c;
    state = State.AWAITING_RESPONSE;
    armTimer("no challenge response received within the challenge timeout");
    out.onNext(
        AttestResponse.newBuilder().setChallenge(ByteString.copyFrom(c.challengeJson())).build());
  }

  /** Steps 15-18, then 19: send the attributes and complete. */
  private void onChallengeResponse(AttestRequest request)
      throws AttestationFailure, ProtocolViolation {
    if (request.getRequestCase() == AttestRequest.RequestCase.PAYLOAD) {
      throw ProtocolViolation.invalid("attestation payload received twice");
    }
    ByteString response = request.getChallengeResponse();
    if (response.isEmpty()) {
      throw ProtocolViolation.invalid("missing challenge response");
    }
    if (response.size() > MAX_CHALLENGE_RESPONSE_BYTES) {
      throw ProtocolViolation.invalid("challenge response too large");
    }
    TpmDevIdVerifier.Challenge c = pending;
    finish(); // exactly one response per challenge, whatever its outcome
    AttestedNode node = c.complete(response.toByteArray());
    String spiffeId = node.agentId(config.trustDomain());
    LOG.info("agent attested", "spiffe_id", spiffeId);
    out.onNext(
        AttestResponse.newBuilder()
            .setAgentAttributes(
                AgentAttributes.newBuilder()
                    .setSpiffeId(spiffeId)
                    .addAllSelectorValues(node.selectors())
                    .setCanReattest(true))
            .build());
    out.onCompleted();
  }

  /** Misuse of the stream itself (before or around the verification steps). */
  private static final class ProtocolViolation extends Exception {
    private static final long serialVersionUID = 1L;
    final Status.Code code;

    ProtocolViolation(Status.Code code, String message) {
      super(message, null, false, false);
      this.code = code;
    }

    static ProtocolViolation invalid(String message) {
      return new ProtocolViolation(Status.Code.INVALID_ARGUMENT, message);
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    finish(); // peer cancelled or the transport failed: drop all state
  }

  @Override
  public synchronized void onCompleted() {
    if (state != State.DONE) {
      fail(Status.Code.INVALID_ARGUMENT, "stream closed before the attestation completed");
    }
  }

  private synchronized void onTimeout(String message) {
    if (state != State.DONE) {
      fail(Status.Code.DEADLINE_EXCEEDED, message);
    }
  }

  private void armTimer(String message) {
    if (timer != null) {
      timer.cancel(false);
    }
    Duration d =
        config != null ? config.challengeTimeout() : ServerConfigLoader.DEFAULT_CHALLENGE_TIMEOUT;
    timer = timers.schedule(() -> onTimeout(message), d.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void finish() {
    state = State.DONE;
    pending = null;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void fail(Status.Code code, String message) {
    finish();
    LOG.info("attestation refused", "code", code.name(), "reason", message);
    try {
      out.onError(Status.fromCode(code).withDescription(message).asException());
    } catch (RuntimeException e) {
      LOG.debug("could not report the error, stream already closed");
    }
  }
}
