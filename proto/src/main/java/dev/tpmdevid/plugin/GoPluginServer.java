package dev.tpmdevid.plugin;

import dev.tpmdevid.proto.goplugin.ConnInfo;
import dev.tpmdevid.proto.goplugin.Empty;
import dev.tpmdevid.proto.goplugin.GRPCBrokerGrpc;
import dev.tpmdevid.proto.goplugin.GRPCControllerGrpc;
import dev.tpmdevid.proto.goplugin.GRPCStdioGrpc;
import dev.tpmdevid.proto.goplugin.StdioData;
import dev.tpmdevid.proto.spire.config.v1.ConfigGrpc;
import dev.tpmdevid.proto.spire.config.v1.ConfigureRequest;
import dev.tpmdevid.proto.spire.config.v1.ConfigureResponse;
import dev.tpmdevid.proto.spire.config.v1.ValidateRequest;
import dev.tpmdevid.proto.spire.config.v1.ValidateResponse;
import dev.tpmdevid.proto.spire.init.v1.DeinitRequest;
import dev.tpmdevid.proto.spire.init.v1.DeinitResponse;
import dev.tpmdevid.proto.spire.init.v1.InitGrpc;
import dev.tpmdevid.proto.spire.init.v1.InitRequest;
import dev.tpmdevid.proto.spire.init.v1.InitResponse;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The go-plugin server side of a SPIRE external plugin (docs/plugin-protocol.md#launch,
 * #load-sequence).
 *
 * <p>A plugin's {@code main} builds one instance for itself and calls {@link #serve} first thing:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     MyAttestor attestor = new MyAttestor();          // cheap constructor: no TPM, no I/O
 *     new GoPluginServer("my_attestor", "MY_ATTESTOR_PLUGIN_NETWORK")
 *             .serve(NodeAttestorGrpc.SERVICE_NAME, attestor, attestor,
 *                     GoPluginServer.Options.defaults().onDeinit(attestor::close));
 * }
 * }</pre>
 *
 * The runtime itself holds nothing of a particular plugin: its name (the {@code @module} of the
 * runtime's log lines, the text shown when started by hand), the environment variable choosing the
 * listener and the broker state all belong to the instance. {@code serve} checks the magic cookie
 * ({@code NodeAttestor=NodeAttestor}) and {@code PLUGIN_PROTOCOL_VERSIONS}, starts a plaintext gRPC
 * server on {@code 127.0.0.1} (first free port in {@code PLUGIN_MIN_PORT..PLUGIN_MAX_PORT}, an
 * OS-chosen port when unset), serves health ({@code plugin}=SERVING), {@code plugin.GRPCBroker},
 * {@code plugin.GRPCController}, {@code plugin.GRPCStdio}, the private {@code Init} service, {@code
 * Config} and the plugin service, prints {@code 1|1|tcp|127.0.0.1:<port>|grpc} on stdout once
 * listening, and returns when the host has asked for shutdown. From the start of {@code serve} on,
 * stdout is reserved for the handshake: anything else printed there becomes a debug log line on
 * stderr.
 */
public final class GoPluginServer {

  /**
   * Name and value of SPIRE's magic cookie for NodeAttestor plugins
   * (docs/plugin-protocol.md#launch).
   */
  public static final String MAGIC_COOKIE_KEY = "NodeAttestor";

  public static final String MAGIC_COOKIE_VALUE = "NodeAttestor";

  /** gRPC name of the SDK config service listed in the Init response. */
  public static final String CONFIG_SERVICE_NAME = ConfigGrpc.SERVICE_NAME;

  /** go-plugin core protocol version and the app protocol version SPIRE speaks. */
  static final int CORE_PROTOCOL_VERSION = 1;

  static final int APP_PROTOCOL_VERSION = 1;

  /** Health service name go-plugin checks. */
  static final String HEALTH_SERVICE = "plugin";

  private final String pluginName;
  private final String networkEnv;
  private final PluginLog log;
  private final PluginBroker broker = new PluginBroker();

  /** Extra settings for {@link #serve(String, BindableService, ConfigHandler, Options)}. */
  public static final class Options {
    private final Runnable onDeinit;
    private final Duration exitAfterBrokerLoss;
    private final boolean unixSocket;
    private final boolean callsOnEventLoop;

    private Options(
        Runnable onDeinit,
        Duration exitAfterBrokerLoss,
        boolean unixSocket,
        boolean callsOnEventLoop) {
      this.onDeinit = onDeinit;
      this.exitAfterBrokerLoss = exitAfterBrokerLoss;
      this.unixSocket = unixSocket;
      this.callsOnEventLoop = callsOnEventLoop;
    }

    /**
     * No Deinit hook; exit 5 s after the host's broker stream is gone for good; TCP listener; the
     * plugin service's calls on gRPC's executor.
     */
    public static Options defaults() {
      return new Options(() -> {}, Duration.ofSeconds(5), false, false);
    }

    /** Runs {@code hook} on {@code Init/Deinit} (SPIRE allows it 10 s); exceptions are logged. */
    public Options onDeinit(Runnable hook) {
      return new Options(
          Objects.requireNonNull(hook), exitAfterBrokerLoss, unixSocket, callsOnEventLoop);
    }

    /**
     * Exit this long after the last broker stream ended without a new one (the host is gone);
     * {@code null} disables it.
     */
    public Options exitAfterBrokerLoss(Duration delay) {
      return new Options(onDeinit, delay, unixSocket, callsOnEventLoop);
    }

    /**
     * Listen on a unix socket in a fresh 0700 directory under {@code PLUGIN_UNIX_SOCKET_DIR} (else
     * {@code java.io.tmpdir}) instead of loopback TCP, as Go plugins do on Linux
     * (docs/plugin-protocol.md#listener). Falls back to TCP when Netty's epoll transport is
     * unavailable. The environment variable {@link GoPluginServer#networkEnv()} ({@code unix} or
     * {@code tcp}) overrides this choice.
     */
    public Options unixSocket(boolean enabled) {
      return new Options(onDeinit, exitAfterBrokerLoss, enabled, callsOnEventLoop);
    }

    /**
     * Run the plugin service's handlers (and the go-plugin broker, health, stdio and Init calls)
     * directly on the transport's event loop thread instead of handing every message over to gRPC's
     * thread pool (docs/performance.md: the hand-off cost more CPU than it saved). Only for a
     * plugin service that never blocks: a blocked handler stalls every call on the host's
     * connection. {@code Configure}, {@code Validate} and {@code Deinit} (which may read files or
     * dial the broker) still run off the loop, on one control thread.
     */
    public Options callsOnEventLoop(boolean enabled) {
      return new Options(onDeinit, exitAfterBrokerLoss, unixSocket, enabled);
    }
  }

  /**
   * The runtime for one plugin.
   *
   * @param pluginName the plugin's name as SPIRE's configuration names it (e.g. {@code tpm_devid}):
   *     the {@code @module} of the runtime's own log lines and the name in the start-by-hand
   *     message
   * @param networkEnv the environment variable that overrides the listener choice ({@code unix} or
   *     {@code tcp})
   */
  public GoPluginServer(String pluginName, String networkEnv) {
    this.pluginName = Objects.requireNonNull(pluginName, "pluginName");
    this.networkEnv = Objects.requireNonNull(networkEnv, "networkEnv");
    this.log = PluginLog.get(pluginName);
  }

  /** The plugin's name given at construction. */
  public String pluginName() {
    return pluginName;
  }

  /** The environment variable that overrides the listener choice. */
  public String networkEnv() {
    return networkEnv;
  }

  /**
   * Reserves stdout for the handshake right now (also done by {@code serve}): lines printed to
   * System.out/System.err from here on become debug log lines on stderr, java.util.logging goes to
   * {@link PluginLog}, uncaught exceptions to this plugin's log. Call it first in {@code main} if
   * anything constructed before {@code serve} might print.
   */
  public void guardStdio() {
    StdioGuard.install(log);
  }

  /**
   * This plugin's broker state: ConnInfo per service_id (host services = 1) and host service names.
   */
  public PluginBroker broker() {
    return broker;
  }

  /**
   * {@link #serve(String, BindableService, ConfigHandler, Options)} with {@link
   * Options#defaults()}.
   */
  public void serve(String pluginServiceName, BindableService nodeAttestor, ConfigHandler config) {
    serve(pluginServiceName, nodeAttestor, config, Options.defaults());
  }

  /**
   * Runs the plugin until the host shuts it down; exits the JVM with status 1 when started outside
   * SPIRE or when no port can be bound. After a shutdown request the JVM is halted 1.5 s later at
   * the latest, even if non-daemon threads remain.
   *
   * @param pluginServiceName full gRPC name of {@code nodeAttestor}, e.g. {@code
   *     spire.plugin.server.nodeattestor.v1.NodeAttestor}
   */
  public void serve(
      String pluginServiceName,
      BindableService nodeAttestor,
      ConfigHandler config,
      Options options) {
    PrintStream stdout = StdioGuard.install(log);
    Map<String, String> env = System.getenv();
    String startupError = checkEnvironment(pluginName, env);
    if (startupError != null) {
      StdioGuard.realStderr().print(startupError);
      StdioGuard.realStderr().flush();
      System.exit(1);
      return;
    }
    ignoreSigint();
    Running runtime;
    try {
      runtime = new Running(pluginServiceName, nodeAttestor, config, options);
      if (wantsUnixSocket(env, options) && UnixSocketListener.available(log)) {
        runtime.startUnix(UnixSocketListener.socketDirectoryParent(env));
      } else {
        runtime.start(portRange(env));
      }
    } catch (IllegalArgumentException | IOException e) {
      log.error("cannot start plugin", e);
      System.exit(1);
      return;
    }
    stdout.print(handshakeLine(runtime.network(), runtime.address()));
    stdout.flush();
    log.debug(
        "plugin serving",
        "network",
        runtime.network(),
        "address",
        runtime.address(),
        "service",
        pluginServiceName);
    runtime.awaitStopped();
  }

  /**
   * The handshake line (docs/plugin-protocol.md#handshake): {@code 1|1|tcp|127.0.0.1:<port>|grpc}
   * or {@code 1|1|unix|<path>|grpc}.
   */
  static String handshakeLine(String network, String address) {
    // A StringBuilder, not '+': the first indy string concatenation of the process bootstraps
    // StringConcatFactory (several ms), and this line is on the path to the handshake.
    return new StringBuilder(64)
        .append(CORE_PROTOCOL_VERSION)
        .append('|')
        .append(APP_PROTOCOL_VERSION)
        .append('|')
        .append(network)
        .append('|')
        .append(address)
        .append("|grpc\n")
        .toString();
  }

  private boolean wantsUnixSocket(Map<String, String> env, Options options) {
    String n = env.get(networkEnv);
    if (n != null && !n.isBlank()) {
      return n.trim().equalsIgnoreCase("unix");
    }
    return options.unixSocket;
  }

  /**
   * Null when the environment is a go-plugin host speaking our protocol; else a message for stderr.
   */
  static String checkEnvironment(String pluginName, Map<String, String> env) {
    if (!MAGIC_COOKIE_VALUE.equals(env.get(MAGIC_COOKIE_KEY))) {
      return "This program is a SPIRE NodeAttestor plugin ("
          + pluginName
          + "). It is not meant to be run\n"
          + "directly: spire-agent or spire-server start it through the plugin_cmd setting of a\n"
          + "NodeAttestor plugin entry. (Environment variable "
          + MAGIC_COOKIE_KEY
          + " is not set to \""
          + MAGIC_COOKIE_VALUE
          + "\".)\n";
    }
    String versions = env.get("PLUGIN_PROTOCOL_VERSIONS");
    if (versions != null && !versions.isBlank()) {
      boolean found = false;
      for (String v : versions.split(",")) {
        if (v.trim().equals(Integer.toString(APP_PROTOCOL_VERSION))) {
          found = true;
        }
      }
      if (!found) {
        return "This SPIRE plugin speaks plugin protocol version "
            + APP_PROTOCOL_VERSION
            + ", but the host accepts only ["
            + versions
            + "] (PLUGIN_PROTOCOL_VERSIONS).\n";
      }
    }
    String min = env.get("PLUGIN_MIN_PORT");
    String max = env.get("PLUGIN_MAX_PORT");
    try {
      portRange(env);
    } catch (IllegalArgumentException e) {
      return "Invalid plugin port range PLUGIN_MIN_PORT="
          + min
          + " PLUGIN_MAX_PORT="
          + max
          + ": "
          + e.getMessage()
          + "\n";
    }
    return null;
  }

  /**
   * {@code [min, max]} from {@code PLUGIN_MIN_PORT}/{@code PLUGIN_MAX_PORT}; {@code [0, 0]}
   * (OS-chosen) when neither is set; a missing bound defaults to 1 resp. 65535.
   */
  static int[] portRange(Map<String, String> env) {
    String min = env.get("PLUGIN_MIN_PORT");
    String max = env.get("PLUGIN_MAX_PORT");
    boolean hasMin = min != null && !min.isBlank();
    boolean hasMax = max != null && !max.isBlank();
    if (!hasMin && !hasMax) {
      return new int[] {0, 0};
    }
    int lo = hasMin ? parsePort(min) : 1;
    int hi = hasMax ? parsePort(max) : 65535;
    if (lo > hi) {
      throw new IllegalArgumentException("minimum is above maximum");
    }
    return new int[] {lo, hi};
  }

  private static int parsePort(String s) {
    int p;
    try {
      p = Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number: " + s);
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("out of range: " + s);
    }
    return p;
  }

  /**
   * Go plugins ignore SIGINT so that Ctrl-C on a foreground SPIRE does not kill them
   * (docs/plugin-protocol.md#launch).
   */
  @SuppressWarnings("removal")
  private void ignoreSigint() {
    try {
      sun.misc.Signal.handle(
          new sun.misc.Signal("INT"),
          sig -> log.trace("ignoring SIGINT; the host unloads this plugin"));
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      log.debug("cannot ignore SIGINT", "reason", e.getMessage());
    }
  }

  /** The running gRPC server and the go-plugin services around the plugin service. */
  final class Running {
    private final String pluginServiceName;
    private final ServerServiceDefinition boundService;
    private final ConfigHandler config;
    private final Options options;
    private final HealthStatusManager health = new HealthStatusManager();
    private final Set<StreamObserver<?>> openStreams = ConcurrentHashMap.newKeySet();
    private final Set<Object> brokerStreams = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object configureLock = new Object();
    private final Executor control;
    private volatile boolean sawBroker;
    private Server server;
    private UnixSocketListener unix;

    Running(
        String pluginServiceName,
        BindableService nodeAttestor,
        ConfigHandler config,
        Options options) {
      this.pluginServiceName = Objects.requireNonNull(pluginServiceName);
      Objects.requireNonNull(nodeAttestor, "nodeAttestor");
      this.config = Objects.requireNonNull(config);
      this.options = Objects.requireNonNull(options);
      this.control = options.callsOnEventLoop ? controlThread() : Runnable::run;
      // bound once: each bindService() builds the method descriptors and marshallers again
      this.boundService = nodeAttestor.bindService();
      String bound = boundService.getServiceDescriptor().getName();
      if (!bound.equals(pluginServiceName)) {
        throw new IllegalArgumentException(
            "plugin service is " + bound + ", not " + pluginServiceName);
      }
    }

    /**
     * The one thread that runs Configure, Validate and Deinit when the other calls run on the event
     * loop (started on first use, daemon).
     */
    private Executor controlThread() {
      return Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "plugin-control");
            t.setDaemon(true);
            return t;
          });
    }

    private NettyServerBuilder withServices(NettyServerBuilder b) {
      if (options.callsOnEventLoop) {
        b.directExecutor();
      }
      return b.addService(health.getHealthService())
          .addService(new Broker())
          .addService(new Controller())
          .addService(new Stdio())
          .addService(new Init())
          .addService(new Config())
          .addService(boundService);
    }

    /** Binds a unix socket in a fresh private directory under {@code parent}. */
    void startUnix(java.nio.file.Path parent) throws IOException {
      unix = UnixSocketListener.create(parent, log);
      Server s = withServices(unix.serverBuilder()).build();
      try {
        server = s.start();
      } catch (IOException e) {
        s.shutdownNow();
        unix.close();
        throw e;
      }
      health.setStatus(HEALTH_SERVICE, ServingStatus.SERVING);
    }

    void start(int[] range) throws IOException {
      IOException last = null;
      for (int port = range[0]; port <= range[1]; port++) {
        Server s =
            withServices(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)))
                .build();
        try {
          server = s.start();
          health.setStatus(HEALTH_SERVICE, ServingStatus.SERVING);
          return;
        } catch (IOException e) {
          s.shutdownNow();
          last = e;
        }
      }
      throw new IOException("no free TCP port on 127.0.0.1 in " + range[0] + ".." + range[1], last);
    }

    String network() {
      return unix != null ? "unix" : "tcp";
    }

    String address() {
      // no '+' here either (see handshakeLine)
      return unix != null
          ? unix.socketPath().toString()
          : new StringBuilder("127.0.0.1:").append(server.getPort()).toString();
    }

    void awaitStopped() {
      while (true) {
        try {
          stopped.await();
          return;
        } catch (InterruptedException e) {
          // the process only ends through shutdown()
        }
      }
    }

    /** Stops serving: completes the open streams, stops the server, arms the exit watchdog. */
    void shutdown(String reason) {
      if (!stopping.compareAndSet(false, true)) {
        return;
      }
      log.debug("plugin shutting down", "reason", reason);
      Thread watchdog =
          new Thread(
              () -> {
                sleepQuietly(1500);
                log.warn("plugin did not exit 1.5 s after shutdown; halting the JVM");
                Runtime.getRuntime().halt(0);
              },
              "plugin-exit-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
      health.enterTerminalState();
      for (StreamObserver<?> o : openStreams) {
        try {
          o.onCompleted();
        } catch (RuntimeException e) {
          // stream already cancelled by the host
        }
      }
      openStreams.clear();
      server.shutdown();
      try {
        if (!server.awaitTermination(500, TimeUnit.MILLISECONDS)) {
          server.shutdownNow();
          server.awaitTermination(300, TimeUnit.MILLISECONDS);
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
      if (unix != null) {
        unix.close();
      }
      log.debug("plugin stopped");
      stopped.countDown();
    }

    private void shutdownAsync(String reason) {
      Thread t = new Thread(() -> shutdown(reason), "plugin-shutdown");
      t.setDaemon(false);
      t.start();
    }

    private void sleepQuietly(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /**
     * {@code plugin.GRPCBroker}: keeps the host's stream open and remembers each ConnInfo
     * (docs/plugin-protocol.md#broker).
     */
    final class Broker extends GRPCBrokerGrpc.GRPCBrokerImplBase {
      @Override
      public StreamObserver<ConnInfo> startStream(StreamObserver<ConnInfo> out) {
        Object token = new Object();
        brokerStreams.add(token);
        openStreams.add(out);
        sawBroker = true;
        log.trace("broker stream opened");
        return new StreamObserver<>() {
          @Override
          public void onNext(ConnInfo ci) {
            if (ci.hasKnock() && ci.getKnock().getKnock()) {
              log.debug(
                  "broker knock ignored: multiplexing is not supported",
                  "service_id",
                  ci.getServiceId());
              return;
            }
            broker.record(ci);
            log.debug(
                "broker connection info received",
                "service_id",
                ci.getServiceId(),
                "network",
                ci.getNetwork(),
                "address",
                ci.getAddress());
          }

          @Override
          public void onError(Throwable t) {
            ended();
          }

          @Override
          public void onCompleted() {
            if (openStreams.remove(out)) {
              try {
                out.onCompleted();
              } catch (RuntimeException e) {
                // already closed
              }
            }
            ended();
          }

          private void ended() {
            openStreams.remove(out);
            brokerStreams.remove(token);
            log.trace("broker stream closed");
            scheduleExitIfHostGone();
          }
        };
      }
    }

    private void scheduleExitIfHostGone() {
      Duration delay = options.exitAfterBrokerLoss;
      if (delay == null || stopping.get() || !brokerStreams.isEmpty()) {
        return;
      }
      Thread t =
          new Thread(
              () -> {
                sleepQuietly(delay.toMillis());
                if (sawBroker && brokerStreams.isEmpty() && !stopping.get()) {
                  shutdown("host closed the broker stream and did not reconnect");
                }
              },
              "plugin-broker-watch");
      t.setDaemon(true);
      t.start();
    }

    /**
     * {@code plugin.GRPCController/Shutdown}: reply, then stop and exit
     * (docs/plugin-protocol.md#unload).
     */
    final class Controller extends GRPCControllerGrpc.GRPCControllerImplBase {
      @Override
      public void shutdown(Empty request, StreamObserver<Empty> out) {
        out.onNext(Empty.getDefaultInstance());
        out.onCompleted();
        shutdownAsync("host requested shutdown");
      }
    }

    /**
     * {@code plugin.GRPCStdio/StreamStdio}: accepted, nothing sent, completed at shutdown
     * (docs/plugin-protocol.md#go-plugin-services).
     */
    final class Stdio extends GRPCStdioGrpc.GRPCStdioImplBase {
      @Override
      public void streamStdio(com.google.protobuf.Empty request, StreamObserver<StdioData> out) {
        if (stopping.get()) {
          out.onCompleted();
          return;
        }
        openStreams.add(out);
        ((ServerCallStreamObserver<StdioData>) out)
            .setOnCancelHandler(() -> openStreams.remove(out));
      }
    }

    /** {@code spire.service.private.init.v1.Init} (docs/plugin-protocol.md#init). */
    final class Init extends InitGrpc.InitImplBase {
      @Override
      public void init(InitRequest request, StreamObserver<InitResponse> out) {
        broker.recordHostServiceNames(request.getHostServiceNamesList());
        log.debug(
            "init", "host_service_names", String.join(",", request.getHostServiceNamesList()));
        out.onNext(
            InitResponse.newBuilder()
                .addPluginServiceNames(pluginServiceName)
                .addPluginServiceNames(CONFIG_SERVICE_NAME)
                .build());
        out.onCompleted();
      }

      @Override
      public void deinit(DeinitRequest request, StreamObserver<DeinitResponse> out) {
        control.execute(
            () -> {
              log.debug("deinit");
              try {
                options.onDeinit.run();
              } catch (RuntimeException e) {
                log.error("deinit hook failed", e);
              }
              out.onNext(DeinitResponse.getDefaultInstance());
              out.onCompleted();
            });
      }
    }

    /** {@code spire.service.common.config.v1.Config} (docs/plugin-protocol.md#configure). */
    final class Config extends ConfigGrpc.ConfigImplBase {
      @Override
      public void configure(ConfigureRequest request, StreamObserver<ConfigureResponse> out) {
        control.execute(() -> doConfigure(request, out));
      }

      private void doConfigure(ConfigureRequest request, StreamObserver<ConfigureResponse> out) {
        String td = request.getCoreConfiguration().getTrustDomain();
        try {
          synchronized (configureLock) {
            config.configure(td, request.getHclConfiguration());
          }
        } catch (StatusException e) {
          log.error(
              "configuration rejected",
              "code",
              e.getStatus().getCode().name(),
              "reason",
              String.valueOf(e.getStatus().getDescription()));
          out.onError(e);
          return;
        } catch (RuntimeException e) {
          log.error("configure failed", e);
          out.onError(
              Status.INTERNAL.withDescription("internal error while configuring").asException());
          return;
        }
        log.info("configured", "trust_domain", td);
        out.onNext(ConfigureResponse.getDefaultInstance());
        out.onCompleted();
      }

      @Override
      public void validate(ValidateRequest request, StreamObserver<ValidateResponse> out) {
        control.execute(() -> doValidate(request, out));
      }

      private void doValidate(ValidateRequest request, StreamObserver<ValidateResponse> out) {
        ValidateResponse.Builder resp = ValidateResponse.newBuilder();
        try {
          List<String> notes =
              config.validate(
                  request.getCoreConfiguration().getTrustDomain(), request.getHclConfiguration());
          resp.setValid(true).addAllNotes(notes == null ? List.of() : new ArrayList<>(notes));
        } catch (StatusException e) {
          String d = e.getStatus().getDescription();
          resp.setValid(false).addNotes(d == null ? e.getStatus().getCode().name() : d);
        } catch (RuntimeException e) {
          log.error("validate failed", e);
          out.onError(
              Status.INTERNAL.withDescription("internal error while validating").asException());
          return;
        }
        out.onNext(resp.build());
        out.onCompleted();
      }
    }
  }
}
