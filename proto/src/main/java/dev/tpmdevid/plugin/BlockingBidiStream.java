package dev.tpmdevid.plugin;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bidirectional gRPC stream driven synchronously, the way SPIRE's Go code drives {@code
 * stream.Send} / {@code stream.Recv}: {@link #send} a message, then {@link #read} (typed: the next
 * message, {@code null} at the end, the peer's status thrown) or {@link #poll} (raw: the next event
 * or {@code null} if none arrived in time).
 *
 * <p>This is the project's one blocking adapter over grpc-java's callback API: the testbed's plugin
 * host, the CLI's conformance runs and the tests all use it. Sending is for one thread at a time;
 * reading likewise.
 *
 * @param <Q> what this side sends
 * @param <R> what the peer answers
 */
public final class BlockingBidiStream<Q, R> implements AutoCloseable {

  /** What {@link #poll} returns when the peer completed the stream (Go's {@code io.EOF}). */
  public static final Object END =
      new Object() {
        @Override
        public String toString() {
          return "end of stream";
        }
      };

  private final ClientCall<Q, R> call;
  private final StreamObserver<Q> requests;
  private final BlockingQueue<Object> inbound = new LinkedBlockingQueue<>();

  /** The terminal event (a {@link Status} or {@link #END}) once {@link #read} has seen it. */
  private Object terminal;

  private BlockingBidiStream(Channel channel, MethodDescriptor<Q, R> method, Metadata headers) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(method, "method");
    Channel target =
        headers == null
            ? channel
            : ClientInterceptors.intercept(
                channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    this.call = target.newCall(method, CallOptions.DEFAULT);
    this.requests =
        ClientCalls.asyncBidiStreamingCall(
            call,
            new StreamObserver<R>() {
              @Override
              public void onNext(R value) {
                inbound.add(value);
              }

              @Override
              public void onError(Throwable t) {
                inbound.add(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                inbound.add(END);
              }
            });
  }

  /** Opens {@code method} (a bidi-streaming method) on {@code channel}. */
  public static <Q, R> BlockingBidiStream<Q, R> open(
      Channel channel, MethodDescriptor<Q, R> method) {
    return new BlockingBidiStream<>(channel, method, null);
  }

  /**
   * As {@link #open(Channel, MethodDescriptor)}, sending {@code headers} (may be null) with the
   * call.
   */
  public static <Q, R> BlockingBidiStream<Q, R> open(
      Channel channel, MethodDescriptor<Q, R> method, Metadata headers) {
    return new BlockingBidiStream<>(channel, method, headers);
  }

  /** Sends one message. */
  public void send(Q message) {
    requests.onNext(message);
  }

  /** Half-closes: this side sends nothing more (Go's {@code CloseSend}). */
  public void halfClose() {
    requests.onCompleted();
  }

  /**
   * The next event as it arrived: a message {@code R}, the peer's error {@link Status}, or {@link
   * #END}; {@code null} when nothing arrived within {@code timeout}. Leaves the stream open either
   * way. Nothing follows a {@code Status} or {@code END}, so a later poll waits out its timeout and
   * returns {@code null}.
   */
  public Object poll(Duration timeout) throws InterruptedException {
    return inbound.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The next message, or {@code null} at the end of the stream (again on every later call).
   *
   * @throws StatusException the stream's error status (again on every later call), or
   *     DEADLINE_EXCEEDED when nothing arrived within {@code timeout} (the stream is then
   *     cancelled), or CANCELLED when interrupted (the stream is cancelled, the interrupt flag
   *     kept)
   */
  @SuppressWarnings("unchecked")
  public R read(Duration timeout) throws StatusException {
    Object next = terminal;
    if (next == null) {
      try {
        next = poll(timeout);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancel("interrupted");
        throw Status.CANCELLED.withDescription("interrupted").asException();
      }
    }
    if (next == null) {
      cancel("gave up waiting");
      throw Status.DEADLINE_EXCEEDED
          .withDescription("no message within " + timeout.toSeconds() + " s")
          .asException();
    }
    if (next == END) {
      terminal = END;
      return null;
    }
    if (next instanceof Status status) {
      terminal = status;
      throw status.asException();
    }
    return (R) next;
  }

  /**
   * Cancels the stream like Go's context cancel (no half-close), as SPIRE does after the result.
   */
  public void cancel(String why) {
    call.cancel(why, null);
  }

  /** {@link #cancel} (a no-op once the stream has ended). */
  @Override
  public void close() {
    cancel("closed by the client");
  }
}
