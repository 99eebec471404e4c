package dev.tpmdevid.testbed.host;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bidirectional gRPC stream read synchronously, the way SPIRE's Go code drives
 * {@code stream.Send}/{@code stream.Recv}. {@link #read} returns the next message, {@code null} when
 * the peer completed the stream (Go's {@code io.EOF}), or throws the peer's status.
 */
final class BidiStream<Q, R> {
    private static final Object COMPLETED = new Object();

    private final ClientCall<Q, R> call;
    private final StreamObserver<Q> requests;
    private final BlockingQueue<Object> inbound = new LinkedBlockingQueue<>();

    BidiStream(Channel channel, MethodDescriptor<Q, R> method, Metadata headers) {
        Channel target = headers == null ? channel
                : io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        this.call = target.newCall(method, CallOptions.DEFAULT);
        this.requests = ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<R>() {
            @Override public void onNext(R value) {
                inbound.add(value);
            }

            @Override public void onError(Throwable t) {
                inbound.add(Status.fromThrowable(t));
            }

            @Override public void onCompleted() {
                inbound.add(COMPLETED);
            }
        });
    }

    void send(Q message) {
        requests.onNext(message);
    }

    /**
     * The next message, or {@code null} at the end of the stream.
     *
     * @throws StatusException the stream's error status, or DEADLINE_EXCEEDED after {@code timeout}
     */
    @SuppressWarnings("unchecked")
    R read(Duration timeout) throws StatusException {
        Object next;
        try {
            next = inbound.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel("interrupted");
            throw Status.CANCELLED.withDescription("interrupted").asException();
        }
        if (next == null) {
            cancel("host gave up waiting");
            throw Status.DEADLINE_EXCEEDED.withDescription("no message within " + timeout.toSeconds() + " s")
                    .asException();
        }
        if (next == COMPLETED) {
            inbound.add(COMPLETED);
            return null;
        }
        if (next instanceof Status) {
            inbound.add(next);
            throw ((Status) next).asException();
        }
        return (R) next;
    }

    /** Cancels the stream like Go's context cancel (no half-close), as SPIRE does after the result. */
    void cancel(String why) {
        call.cancel(why, null);
    }
}
