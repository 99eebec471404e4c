package dev.tpmdevid.testbed.host;

import dev.tpmdevid.proto.goplugin.ConnInfo;
import dev.tpmdevid.proto.goplugin.Empty;
import dev.tpmdevid.proto.goplugin.GRPCBrokerGrpc;
import dev.tpmdevid.proto.goplugin.GRPCControllerGrpc;
import dev.tpmdevid.proto.goplugin.GRPCStdioGrpc;
import dev.tpmdevid.proto.goplugin.StdioData;
import dev.tpmdevid.proto.spire.config.v1.ConfigGrpc;
import dev.tpmdevid.proto.spire.config.v1.ConfigureRequest;
import dev.tpmdevid.proto.spire.config.v1.CoreConfiguration;
import dev.tpmdevid.proto.spire.init.v1.DeinitRequest;
import dev.tpmdevid.proto.spire.init.v1.InitGrpc;
import dev.tpmdevid.proto.spire.init.v1.InitRequest;
import dev.tpmdevid.proto.spire.init.v1.InitResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A SPIRE-like host for one external NodeAttestor plugin: launches the plugin executable the way
 * {@code spire-agent}/{@code spire-server} do and plays go-plugin's client side
 * (docs/plugin-protocol.md#launch, #load-sequence to #unload).
 *
 * <p>{@link Builder#start()} performs load steps 2–6 of docs/plugin-protocol.md#load-sequence
 * (spawn with SPIRE's environment, handshake within the start timeout, plaintext gRPC with
 * authority {@code unused}, broker stream with the host-services {@code ConnInfo{service_id 1}},
 * stdio stream, {@code Init} with SPIRE's host service names, binding by {@code
 * plugin_service_names}); {@link #configure} is step 7; {@link #close()} is the unload sequence of
 * docs/plugin-protocol.md#unload (Deinit with 10 s deadline, broker closed, Shutdown, connection
 * closed, 2 s grace, SIGKILL). Stderr is read as go-plugin does and kept as {@link
 * PluginLogEntry}s.
 */
public final class PluginHost implements AutoCloseable {
  /** go-plugin's default start timeout. */
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(1);

  static final Duration DEINIT_DEADLINE = Duration.ofSeconds(10);
  static final Duration EXIT_GRACE = Duration.ofSeconds(2);
  private static final Duration RPC_DEADLINE = Duration.ofMinutes(1);

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    // SPIRE sets Pdeathsig=SIGKILL so a plugin never outlives its host; the JVM equivalent.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> LIVE.forEach(Process::destroyForcibly), "plugin-host-reaper"));
  }

  private final PluginKind kind;
  private final String name;
  private final Process process;
  private final List<PluginLogEntry> logs = new CopyOnWriteArrayList<>();
  private final List<Consumer<PluginLogEntry>> logListeners = new CopyOnWriteArrayList<>();
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final AtomicLong stdoutLinesDiscarded = new AtomicLong();
  private final Thread stderrReader;
  private final Instant launched;

  private Handshake handshake;
  private HostServices hostServices;
  private EventLoopGroup clientGroup;
  private ManagedChannel channel;
  private StreamObserver<ConnInfo> brokerRequests;
  private final AtomicReference<Status> brokerError = new AtomicReference<>();
  private io.grpc.Context.CancellableContext stdioContext;
  private List<String> pluginServiceNames = List.of();
  private boolean configurable;
  private boolean initialized;
  private boolean closed;
  private Duration handshakeTime;
  private Duration initTime;
  private Duration configureTime;

  private PluginHost(
      PluginKind kind,
      String name,
      Process process,
      Instant launched,
      List<Consumer<PluginLogEntry>> listeners) {
    this.kind = kind;
    this.name = name;
    this.process = process;
    this.launched = launched;
    this.logListeners.addAll(listeners);
    StderrLogParser parser = new StderrLogParser();
    this.stderrReader = new Thread(() -> readStderr(parser), "plugin-stderr-" + process.pid());
    this.stderrReader.setDaemon(true);
    this.stderrReader.start();
  }

  /**
   * A builder for a plugin of {@code kind} launched with {@code command} (plugin_cmd +
   * plugin_args).
   */
  public static Builder builder(PluginKind kind, List<String> command) {
    return new Builder(kind, command);
  }

  /** Options of one plugin launch. */
  public static final class Builder {
    private final PluginKind kind;
    private final List<String> command;
    private String name = "tpm_devid";
    private final Map<String, String> extraEnvironment = new HashMap<>();
    private boolean inheritEnvironment = true;
    private Duration startTimeout = DEFAULT_START_TIMEOUT;
    private Path workingDirectory;
    private final List<Consumer<PluginLogEntry>> listeners = new ArrayList<>();

    private Builder(PluginKind kind, List<String> command) {
      this.kind = Objects.requireNonNull(kind);
      if (command.isEmpty()) {
        throw new IllegalArgumentException("empty plugin command");
      }
      this.command = List.copyOf(command);
    }

    /** The plugin name from SPIRE's config (used in error prefixes); default {@code tpm_devid}. */
    public Builder name(String pluginName) {
      this.name = Objects.requireNonNull(pluginName);
      return this;
    }

    /** Adds a variable to the inherited environment (set before SPIRE's own, which win). */
    public Builder environment(String key, String value) {
      extraEnvironment.put(key, value);
      return this;
    }

    /**
     * Starts the plugin with only the {@link #environment} variables and SPIRE's own, as {@code env
     * -i} would (a node where the host's environment has no {@code JAVA_HOME}, {@code PATH} etc.).
     */
    public Builder clearEnvironment() {
      this.inheritEnvironment = false;
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      this.startTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    public Builder workingDirectory(Path dir) {
      this.workingDirectory = dir;
      return this;
    }

    /** Called for each stderr line as it is read (on the reader thread). */
    public Builder onLog(Consumer<PluginLogEntry> listener) {
      listeners.add(Objects.requireNonNull(listener));
      return this;
    }

    /**
     * Launches, connects, initialises and binds the plugin (docs/plugin-protocol.md#load-sequence
     * steps 2–6).
     */
    public PluginHost start() throws PluginLoadException {
      ProcessBuilder pb = new ProcessBuilder(command);
      Map<String, String> env = pb.environment();
      if (!inheritEnvironment) {
        env.clear();
      }
      env.putAll(extraEnvironment);
      env.put("NodeAttestor", "NodeAttestor");
      env.put("PLUGIN_MIN_PORT", "10000");
      env.put("PLUGIN_MAX_PORT", "25000");
      env.put("PLUGIN_PROTOCOL_VERSIONS", "1");
      env.remove("PLUGIN_CLIENT_CERT");
      env.remove("PLUGIN_MULTIPLEX_GRPC");
      pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
      if (workingDirectory != null) {
        pb.directory(workingDirectory.toFile());
      }
      Instant t0 = Instant.now();
      Process process;
      try {
        process = pb.start();
      } catch (IOException e) {
        throw new PluginLoadException("failed to launch plugin: " + e.getMessage(), null, e);
      }
      LIVE.add(process);
      PluginHost host = new PluginHost(kind, name, process, t0, listeners);
      try {
        host.connect(startTimeout);
        host.initAndBind();
        return host;
      } catch (PluginLoadException | RuntimeException e) {
        host.close();
        throw e;
      }
    }

    /**
     * {@link #start()} then {@link PluginHost#configure}; the plugin is unloaded if either fails.
     */
    public PluginHost load(String trustDomain, String hclConfiguration) throws PluginLoadException {
      PluginHost host = start();
      try {
        host.configure(trustDomain, hclConfiguration);
        return host;
      } catch (PluginLoadException | RuntimeException e) {
        host.close();
        throw e;
      }
    }
  }

  private void connect(Duration startTimeout) throws PluginLoadException {
    CompletableFuture<String> firstLine = new CompletableFuture<>();
    Thread stdoutReader = new Thread(() -> readStdout(firstLine), "plugin-stdout-" + process.pid());
    stdoutReader.setDaemon(true);
    stdoutReader.start();
    String line;
    try {
      line = firstLine.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new PluginLoadException("timeout while waiting for plugin to start" + stderrTail());
    } catch (ExecutionException e) {
      throw new PluginLoadException(
          "failed to read plugin stdout: " + e.getCause(), null, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PluginLoadException("interrupted while waiting for plugin to start");
    }
    if (line == null) {
      String exit = "";
      try {
        if (process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
          exit = " (exit status " + process.exitValue() + ")";
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      joinStderr();
      throw new PluginLoadException("plugin exited before we could connect" + exit + stderrTail());
    }
    handshakeTime = Duration.between(launched, Instant.now());
    handshake = Handshake.parse(line);

    try {
      hostServices = HostServices.start();
    } catch (IOException e) {
      throw new PluginLoadException("failed to start host services: " + e.getMessage(), null, e);
    }
    NettyChannelBuilder cb;
    if (handshake.network().equals("unix")) {
      clientGroup = new EpollEventLoopGroup(1);
      cb =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(handshake.address()))
              .channelType(EpollDomainSocketChannel.class)
              .eventLoopGroup(clientGroup);
    } else {
      int colon = handshake.address().lastIndexOf(':');
      int port;
      try {
        port = Integer.parseInt(handshake.address().substring(colon + 1));
      } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
        throw new PluginLoadException("invalid plugin address: " + handshake.address());
      }
      String hostPart = colon > 0 ? handshake.address().substring(0, colon) : "127.0.0.1";
      cb =
          NettyChannelBuilder.forAddress(new InetSocketAddress(hostPart, port))
              .withOption(ChannelOption.SO_KEEPALIVE, true);
    }
    channel =
        cb.usePlaintext()
            .overrideAuthority("unused")
            .maxInboundMessageSize(Integer.MAX_VALUE)
            .build();

    // go-plugin Client(): start the broker stream, then the stdio stream.
    brokerRequests =
        GRPCBrokerGrpc.newStub(channel)
            .startStream(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ConnInfo value) {
                    // A plugin-side Accept(); SPIRE plugins never dial back through the broker.
                  }

                  @Override
                  public void onError(Throwable t) {
                    brokerError.set(Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    brokerError.compareAndSet(
                        null, Status.UNAVAILABLE.withDescription("broker stream ended"));
                  }
                });
    stdioContext = io.grpc.Context.current().withCancellation();
    stdioContext.run(
        () ->
            GRPCStdioGrpc.newStub(channel)
                .streamStdio(
                    com.google.protobuf.Empty.getDefaultInstance(),
                    new StreamObserver<StdioData>() {
                      @Override
                      public void onNext(StdioData value) {
                        // SPIRE configures no SyncStdout/SyncStderr: stdio data is dropped.
                      }

                      @Override
                      public void onError(Throwable t) {
                        Status s = Status.fromThrowable(t);
                        if (s.getCode() == Status.Code.UNIMPLEMENTED) {
                          warnings.add(
                              "plugin does not support stdio syncing: " + GoStatus.describe(s));
                        }
                      }

                      @Override
                      public void onCompleted() {}
                    }));
    // Dispense: broker Accept(1) = announce the host-services server.
    brokerRequests.onNext(
        ConnInfo.newBuilder()
            .setServiceId(1)
            .setNetwork(hostServices.network())
            .setAddress(hostServices.address())
            .build());
  }

  private void initAndBind() throws PluginLoadException {
    Instant t0 = Instant.now();
    InitResponse response;
    try {
      response =
          InitGrpc.newBlockingStub(channel)
              .withDeadlineAfter(RPC_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .init(
                  InitRequest.newBuilder().addAllHostServiceNames(kind.hostServiceNames()).build());
    } catch (StatusRuntimeException e) {
      throw new PluginLoadException(
          "failed to initialize plugin: " + GoStatus.describe(e.getStatus()), e.getStatus(), e);
    }
    initialized = true;
    initTime = Duration.between(t0, Instant.now());
    Status broker = brokerError.get();
    if (broker != null) {
      throw new PluginLoadException(
          "failed to dispense plugin: broker closed: " + GoStatus.describe(broker), broker, null);
    }
    pluginServiceNames = List.copyOf(response.getPluginServiceNamesList());
    if (!pluginServiceNames.contains(kind.nodeAttestorService())) {
      throw new PluginLoadException(
          "no supported plugin interface found in: "
              + pluginServiceNames.toString().replace(",", ""));
    }
    configurable = pluginServiceNames.contains(PluginKind.CONFIG_SERVICE);
    for (String s : pluginServiceNames) {
      if (!s.equals(kind.nodeAttestorService()) && !s.equals(PluginKind.CONFIG_SERVICE)) {
        warnings.add("Unsupported plugin service found: " + s);
      }
    }
  }

  /**
   * Configures the plugin as SPIRE does (docs/plugin-protocol.md#configure): trust domain name +
   * the HCL text of {@code plugin_data}/{@code plugin_data_file} ({@code ""} = no data).
   */
  public void configure(String trustDomain, String hclConfiguration) throws PluginLoadException {
    String hcl = hclConfiguration == null ? "" : hclConfiguration;
    if (!configurable) {
      if (!hcl.isEmpty()) {
        throw new PluginLoadException("no supported configuration interface found");
      }
      return;
    }
    Instant t0 = Instant.now();
    try {
      ConfigGrpc.newBlockingStub(channel)
          .withDeadlineAfter(RPC_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
          .configure(
              ConfigureRequest.newBuilder()
                  .setCoreConfiguration(CoreConfiguration.newBuilder().setTrustDomain(trustDomain))
                  .setHclConfiguration(hcl)
                  .build());
    } catch (StatusRuntimeException e) {
      throw new PluginLoadException(
          "failed to configure plugin: " + GoStatus.describe(e.getStatus()), e.getStatus(), e);
    }
    configureTime = Duration.between(t0, Instant.now());
  }

  public PluginKind kind() {
    return kind;
  }

  /**
   * The plugin name as configured in SPIRE (used for the {@code nodeattestor(<name>): } prefix).
   */
  public String name() {
    return name;
  }

  /** The connection to the plugin's gRPC server. */
  public ManagedChannel channel() {
    return channel;
  }

  public Handshake handshake() {
    return handshake;
  }

  /** {@code InitResponse.plugin_service_names} as the plugin returned them. */
  public List<String> pluginServiceNames() {
    return pluginServiceNames;
  }

  /**
   * Warnings SPIRE would have logged (unsupported service names, stdio, unclean exit, Deinit
   * errors).
   */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** Every stderr line read so far. */
  public List<PluginLogEntry> logs() {
    return List.copyOf(logs);
  }

  /** Registers a listener for stderr lines read from now on. */
  public void onLog(Consumer<PluginLogEntry> listener) {
    logListeners.add(Objects.requireNonNull(listener));
  }

  /** Lines the plugin printed on stdout after the handshake (go-plugin discards them). */
  public long stdoutLinesDiscarded() {
    return stdoutLinesDiscarded.get();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Launch until the handshake line arrived (JVM start-up of the plugin). */
  public Duration handshakeTime() {
    return handshakeTime;
  }

  public Duration initTime() {
    return initTime;
  }

  /** Duration of Configure, or {@code null} when it did not run. */
  public Duration configureTime() {
    return configureTime;
  }

  /** Unloads the plugin like SPIRE (docs/plugin-protocol.md#unload). Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (initialized && channel != null) {
      try {
        InitGrpc.newBlockingStub(channel)
            .withDeadlineAfter(DEINIT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
            .deinit(DeinitRequest.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
          warnings.add("Failed to deinit plugin: " + GoStatus.describe(e.getStatus()));
        }
      }
    }
    if (brokerRequests != null) {
      try {
        brokerRequests.onError(Status.CANCELLED.withDescription("broker closed").asException());
      } catch (RuntimeException ignored) {
        // already closed
      }
    }
    if (stdioContext != null) {
      stdioContext.cancel(null);
    }
    if (channel != null) {
      try {
        GRPCControllerGrpc.newBlockingStub(channel)
            .withDeadlineAfter(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)
            .shutdown(Empty.getDefaultInstance());
      } catch (StatusRuntimeException ignored) {
        // go-plugin ignores the result: Go plugins stop their server inside the handler.
      }
      channel.shutdownNow();
      try {
        channel.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      if (!process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        warnings.add("plugin failed to exit gracefully");
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    LIVE.remove(process);
    if (clientGroup != null) {
      clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    if (hostServices != null) {
      hostServices.close();
    }
    joinStderr();
  }

  private void readStdout(CompletableFuture<String> firstLine) {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line = r.readLine();
      firstLine.complete(line);
      while (r.readLine() != null) {
        stdoutLinesDiscarded.incrementAndGet();
      }
    } catch (IOException e) {
      firstLine.complete(null);
    }
  }

  private static final int MAX_LINE = 64 * 1024;

  private void readStderr(StderrLogParser parser) {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        Instant now = Instant.now();
        if (line.length() > MAX_LINE) {
          // go-plugin's 64 KiB line buffer: over-long lines are logged in pieces at debug.
          for (int i = 0; i < line.length(); i += MAX_LINE) {
            String piece = line.substring(i, Math.min(line.length(), i + MAX_LINE));
            publish(
                new PluginLogEntry(now, PluginLogEntry.Level.DEBUG, piece, Map.of(), false, piece));
          }
        } else {
          publish(parser.parse(line, now));
        }
      }
    } catch (IOException e) {
      // stream closed with the process
    }
  }

  private void publish(PluginLogEntry entry) {
    logs.add(entry);
    for (Consumer<PluginLogEntry> l : logListeners) {
      try {
        l.accept(entry);
      } catch (RuntimeException e) {
        // a listener's fault must not stop log collection
      }
    }
  }

  private void joinStderr() {
    try {
      stderrReader.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String stderrTail() {
    List<PluginLogEntry> all = logs();
    if (all.isEmpty()) {
      return "";
    }
    StringBuilder sb = new StringBuilder("\nlast plugin stderr lines:");
    for (PluginLogEntry e : all.subList(Math.max(0, all.size() - 5), all.size())) {
      sb.append("\n  ").append(e.raw());
    }
    return sb.toString();
  }
}
