package dev.tpmdevid.testbed.host;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * The host-services gRPC server SPIRE offers on broker id 1 (docs/plugin-protocol.md#load-sequence
 * step 4, #host-services). Like SPIRE on Linux it listens on a unix socket named {@code plugin*} in
 * a private temporary directory (TCP on 127.0.0.1 where epoll is unavailable). It serves no
 * service: tpm_devid uses none, and an unexpected call is answered UNIMPLEMENTED.
 */
final class HostServices implements AutoCloseable {
  private final Server server;
  private final EventLoopGroup group;
  private final Path dir;
  private final String network;
  private final String address;

  private HostServices(
      Server server, EventLoopGroup group, Path dir, String network, String address) {
    this.server = server;
    this.group = group;
    this.dir = dir;
    this.network = network;
    this.address = address;
  }

  static HostServices start() throws IOException {
    if (Epoll.isAvailable()) {
      Path dir =
          Files.createTempDirectory(
              "tpm-devid-host",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path socket =
          dir.resolve("plugin" + Long.toUnsignedString(System.nanoTime() % 1_000_000_000L));
      EventLoopGroup group = new EpollEventLoopGroup(1);
      Server server =
          NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
              .channelType(EpollServerDomainSocketChannel.class)
              .bossEventLoopGroup(group)
              .workerEventLoopGroup(group)
              .build()
              .start();
      return new HostServices(server, group, dir, "unix", socket.toString());
    }
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).build().start();
    int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    return new HostServices(server, null, null, "tcp", "127.0.0.1:" + port);
  }

  String network() {
    return network;
  }

  String address() {
    return address;
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    if (dir != null) {
      try {
        Files.deleteIfExists(Path.of(address));
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
