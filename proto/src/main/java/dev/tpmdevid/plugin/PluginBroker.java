package dev.tpmdevid.plugin;

import dev.tpmdevid.proto.goplugin.ConnInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the host told this plugin through {@code plugin.GRPCBroker/StartStream} and {@code Init}
 * (docs/plugin-protocol.md#broker, #load-sequence, #host-services): the last {@link ConnInfo} per
 * {@code service_id} and the host service names.
 *
 * <p>SPIRE sends {@code ConnInfo{service_id=1}} (its host services: Metrics, and on the server also
 * AgentStore and IdentityProvider) before it calls {@code Init}. One instance per plugin runtime,
 * from {@link GoPluginServer#broker()}.
 */
public final class PluginBroker {

  /** The SDK's {@code HostServiceProviderID}: SPIRE's host services are announced under this id. */
  public static final int HOST_SERVICES_ID = 1;

  private final Map<Integer, ConnInfo> connInfos = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private volatile List<String> hostServiceNames = List.of();

  PluginBroker() {}

  /** The last ConnInfo received for {@code serviceId}, if any. */
  public Optional<ConnInfo> connInfo(int serviceId) {
    return Optional.ofNullable(connInfos.get(serviceId));
  }

  /** The ConnInfo of SPIRE's host services (service_id 1), if it has arrived. */
  public Optional<ConnInfo> hostServicesConnInfo() {
    return connInfo(HOST_SERVICES_ID);
  }

  /**
   * Waits up to {@code timeout} for a ConnInfo with {@code serviceId} (Go's broker waits 5 s in
   * Dial).
   *
   * @return the ConnInfo, or empty if none arrived in time or the thread was interrupted
   */
  public Optional<ConnInfo> awaitConnInfo(int serviceId, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (true) {
        ConnInfo ci = connInfos.get(serviceId);
        if (ci != null) {
          return Optional.of(ci);
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return Optional.empty();
        }
        try {
          lock.wait(Math.max(1, left / 1_000_000), 0);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Optional.empty();
        }
      }
    }
  }

  /**
   * Opens a plaintext gRPC channel to what the host announced under {@code serviceId}, waiting up
   * to {@code wait} for the announcement (docs/plugin-protocol.md#broker "Dial"). SPIRE's host
   * services (service_id 1) are on a unix socket on Linux. The caller shuts the channel down.
   *
   * @throws StatusException UNAVAILABLE when nothing was announced in time or the network is
   *     unknown
   */
  public ManagedChannel dial(int serviceId, Duration wait) throws StatusException {
    ConnInfo ci =
        awaitConnInfo(serviceId, wait)
            .orElseThrow(
                () ->
                    Status.UNAVAILABLE
                        .withDescription("host did not announce broker service " + serviceId)
                        .asException());
    if (ci.getNetwork().equals("unix")) {
      return UnixSocketListener.channelBuilder(ci.getAddress())
          .usePlaintext()
          .overrideAuthority("unused")
          .build();
    }
    int colon = ci.getAddress().lastIndexOf(':');
    if (ci.getNetwork().equals("tcp") && colon > 0) {
      try {
        int port = Integer.parseInt(ci.getAddress().substring(colon + 1));
        return NettyChannelBuilder.forAddress(ci.getAddress().substring(0, colon), port)
            .usePlaintext()
            .overrideAuthority("unused")
            .build();
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw Status.UNAVAILABLE
        .withDescription(
            "unsupported broker address for service " + serviceId + ": " + ci.getNetwork())
        .asException();
  }

  /** The host service names from the last {@code InitRequest} (empty before Init). */
  public List<String> hostServiceNames() {
    return hostServiceNames;
  }

  void record(ConnInfo ci) {
    synchronized (lock) {
      connInfos.put(ci.getServiceId(), ci);
      lock.notifyAll();
    }
  }

  void recordHostServiceNames(List<String> names) {
    hostServiceNames = List.copyOf(names);
  }
}
