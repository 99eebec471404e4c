package dev.tpmdevid.plugin;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A unix socket for the plugin's gRPC server, in a fresh directory only this user can enter
 * (docs/plugin-protocol.md#listener): unlike loopback TCP, no other local user can connect. Uses
 * Netty's epoll transport bundled in grpc-netty-shaded (Linux x86_64/aarch64).
 */
final class UnixSocketListener implements AutoCloseable {

  private final Path directory;
  private final Path socket;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final PluginLog log;

  private UnixSocketListener(Path directory, PluginLog log) {
    this.directory = directory;
    this.log = log;
    this.socket = directory.resolve("plugin.sock");
    this.boss = loop(1, "plugin-uds-boss");
    // one event loop per core (Netty's default is two); threads start on first use
    this.workers = loop(Runtime.getRuntime().availableProcessors(), "plugin-uds-worker");
  }

  /** An epoll event loop group of daemon threads ({@code threads} 0 = Netty's default count). */
  static EventLoopGroup loop(int threads, String name) {
    return new MultiThreadIoEventLoopGroup(
        threads, new DefaultThreadFactory(name, true), EpollIoHandler.newFactory());
  }

  /** Whether the epoll transport loads on this platform. */
  static boolean available(PluginLog log) {
    try {
      if (Epoll.isAvailable()) {
        return true;
      }
      log.warn(
          "unix socket unavailable, listening on TCP instead",
          "reason",
          String.valueOf(Epoll.unavailabilityCause()));
    } catch (LinkageError e) {
      log.warn("unix socket unavailable, listening on TCP instead", "reason", e.toString());
    }
    return false;
  }

  /** {@code PLUGIN_UNIX_SOCKET_DIR} when set, else {@code java.io.tmpdir}. */
  static Path socketDirectoryParent(Map<String, String> env) {
    String dir = env.get("PLUGIN_UNIX_SOCKET_DIR");
    return Path.of(dir != null && !dir.isBlank() ? dir : System.getProperty("java.io.tmpdir"));
  }

  /** Creates the private directory (mode 0700 on POSIX file systems). */
  static UnixSocketListener create(Path parent, PluginLog log) throws IOException {
    return new UnixSocketListener(Files.createTempDirectory(parent, "plugin"), log);
  }

  Path socketPath() {
    return socket;
  }

  NettyServerBuilder serverBuilder() {
    return NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        // grpc sets TCP keep-alive on every accepted channel; unix sockets do not know it (and
        // Netty
        // would log a warning per connection), null removes it
        .withChildOption(ChannelOption.SO_KEEPALIVE, null);
  }

  /** A channel builder for a unix socket path (shared daemon epoll event loop). */
  static NettyChannelBuilder channelBuilder(String path) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(path))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(ClientLoop.GROUP)
        .withOption(ChannelOption.SO_KEEPALIVE, null);
  }

  /** Lazily created event loop for client channels over unix sockets. */
  private static final class ClientLoop {
    static final EventLoopGroup GROUP = loop(1, "plugin-uds-client");
  }

  /** Removes the socket and its directory and stops the event loops. */
  @Override
  public void close() {
    try {
      Files.deleteIfExists(socket);
      Files.deleteIfExists(directory);
    } catch (IOException e) {
      log.debug("cannot remove plugin socket", "path", socket.toString(), "reason", e.getMessage());
    }
    boss.shutdownGracefully(0, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
    workers.shutdownGracefully(0, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
  }
}
