package dev.tpmdevid.server;

import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestRequest;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.NodeAttestorGrpc;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * {@code spire.plugin.server.nodeattestor.v1.NodeAttestor}: each {@code Attest} call gets its own
 * {@link AttestStream} holding the configuration snapshot current at that moment.
 */
final class NodeAttestorService extends NodeAttestorGrpc.NodeAttestorImplBase {
  private final ServerConfigHandler configs;
  private final ScheduledExecutorService timers;

  NodeAttestorService(ServerConfigHandler configs) {
    this.configs = configs;
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread th = new Thread(r, "tpm-devid-attest-timeout");
              th.setDaemon(true);
              return th;
            });
    t.setRemoveOnCancelPolicy(true); // cancelled timers do not pile up under load
    this.timers = t;
  }

  @Override
  public StreamObserver<AttestRequest> attest(StreamObserver<AttestResponse> responseObserver) {
    AttestStream stream = new AttestStream(responseObserver, configs.current(), timers);
    stream.start();
    return stream;
  }
}
