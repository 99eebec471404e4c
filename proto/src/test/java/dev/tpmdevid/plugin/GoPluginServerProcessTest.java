package dev.tpmdevid.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpmdevid.proto.goplugin.ConnInfo;
import dev.tpmdevid.proto.goplugin.Empty;
import dev.tpmdevid.proto.goplugin.GRPCBrokerGrpc;
import dev.tpmdevid.proto.goplugin.GRPCControllerGrpc;
import dev.tpmdevid.proto.goplugin.GRPCStdioGrpc;
import dev.tpmdevid.proto.goplugin.StdioData;
import dev.tpmdevid.proto.spire.config.v1.ConfigGrpc;
import dev.tpmdevid.proto.spire.config.v1.ConfigureRequest;
import dev.tpmdevid.proto.spire.config.v1.CoreConfiguration;
import dev.tpmdevid.proto.spire.config.v1.ValidateRequest;
import dev.tpmdevid.proto.spire.config.v1.ValidateResponse;
import dev.tpmdevid.proto.spire.init.v1.DeinitRequest;
import dev.tpmdevid.proto.spire.init.v1.InitGrpc;
import dev.tpmdevid.proto.spire.init.v1.InitRequest;
import dev.tpmdevid.proto.spire.init.v1.InitResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs {@link TestPluginMain} as a child process, the way go-plugin starts it, and talks to it over
 * a real plaintext gRPC channel (docs/plugin-protocol.md#launch, #load-sequence).
 */
class GoPluginServerProcessTest {

  static final Pattern HANDSHAKE = Pattern.compile("1\\|1\\|tcp\\|127\\.0\\.0\\.1:(\\d+)\\|grpc\n");
  static final Pattern UNIX_HANDSHAKE = Pattern.compile("1\\|1\\|unix\\|(/[^|\n]+)\\|grpc\n");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error");

  @TempDir Path tmp;

  private final List<Process> processes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  private final List<io.grpc.Server> hostServers = new ArrayList<>();
  private final List<EventLoopGroup> loops = new ArrayList<>();

  @AfterEach
  void cleanUp() throws InterruptedException {
    for (io.grpc.Server s : hostServers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (EventLoopGroup g : loops) {
      g.shutdownGracefully(0, 100, TimeUnit.MILLISECONDS);
    }
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Process p : processes) {
      p.destroyForcibly();
    }
  }

  /** Both ways of running the calls: on gRPC's executor (the agent) and on the event loop. */
  @ParameterizedTest(name = "calls on the event loop: {0}")
  @ValueSource(booleans = {false, true})
  void servesTheGoPluginProtocolAndExitsOnShutdown(boolean callsOnEventLoop) throws Exception {
    Map<String, String> env = spireEnv();
    env.put(PluginLog.LEVEL_ENV, "trace");
    env.put(TestPluginMain.ON_LOOP_ENV, Boolean.toString(callsOnEventLoop));
    Plugin plugin = start(env);
    ManagedChannel ch = channel(plugin.port);

    HealthCheckResponse health =
        HealthGrpc.newBlockingStub(ch)
            .check(HealthCheckRequest.newBuilder().setService("plugin").build());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    // go-plugin's client opens the stdio stream and the broker stream right after connecting
    CompletableFuture<Status> stdioEnd = new CompletableFuture<>();
    List<StdioData> stdioData = new ArrayList<>();
    GRPCStdioGrpc.newStub(ch)
        .streamStdio(com.google.protobuf.Empty.getDefaultInstance(), recorder(stdioData, stdioEnd));
    CompletableFuture<Status> brokerEnd = new CompletableFuture<>();
    StreamObserver<ConnInfo> broker =
        GRPCBrokerGrpc.newStub(ch).startStream(recorder(new ArrayList<>(), brokerEnd));
    // like SPIRE: serve "host services" on a unix socket and announce it as broker service 1
    String hostSocket = tmp.resolve("host.sock").toString();
    startHostServices(hostSocket);
    broker.onNext(
        ConnInfo.newBuilder().setServiceId(1).setNetwork("unix").setAddress(hostSocket).build());

    InitResponse init =
        InitGrpc.newBlockingStub(ch)
            .init(
                InitRequest.newBuilder()
                    .addHostServiceNames("spire.hostservice.server.agentstore.v1.AgentStore")
                    .addHostServiceNames("spire.hostservice.common.metrics.v1.Metrics")
                    .build());
    assertThat(init.getPluginServiceNamesList())
        .containsExactly(
            "spire.plugin.server.nodeattestor.v1.NodeAttestor",
            "spire.service.common.config.v1.Config");

    // Ctrl-C on the host's process group must not kill the plugin
    sendSigint(plugin.process);

    ConfigGrpc.ConfigBlockingStub config = ConfigGrpc.newBlockingStub(ch);
    config.configure(
        ConfigureRequest.newBuilder()
            .setCoreConfiguration(td("example.org"))
            .setHclConfiguration("devid_ca_path = \"/ca.pem\"\n\nmax_challenges = 2\n")
            .build());
    assertThatThrownBy(
            () ->
                config.configure(
                    ConfigureRequest.newBuilder()
                        .setCoreConfiguration(td("example.org"))
                        .setHclConfiguration("max_challenges = 1.5\n")
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("invalid configuration: devid_ca_path is required");
            });
    assertThatThrownBy(
            () ->
                config.configure(
                    ConfigureRequest.newBuilder()
                        .setCoreConfiguration(td("example.org"))
                        .setHclConfiguration("devid_ca_path = \"/ca.pem\"\nmax_challenges = 1.5\n")
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("invalid configuration: max_challenges must be an integer");
            });

    ValidateResponse ok =
        config.validate(
            ValidateRequest.newBuilder()
                .setCoreConfiguration(td("example.org"))
                .setHclConfiguration("devid_ca_path = \"/ca.pem\"\nfoo = 1\n")
                .build());
    assertThat(ok.getValid()).isTrue();
    assertThat(ok.getNotesList()).containsExactly("unknown configuration key foo");
    ValidateResponse bad =
        config.validate(
            ValidateRequest.newBuilder()
                .setCoreConfiguration(td("example.org"))
                .setHclConfiguration("")
                .build());
    assertThat(bad.getValid()).isFalse();
    assertThat(bad.getNotesList())
        .containsExactly("invalid configuration: devid_ca_path is required");

    InitGrpc.newBlockingStub(ch).deinit(DeinitRequest.getDefaultInstance());

    GRPCControllerGrpc.newBlockingStub(ch).shutdown(Empty.getDefaultInstance());
    assertThat(plugin.process.waitFor(20, TimeUnit.SECONDS))
        .as(
            "plugin exited by itself after Shutdown (go-plugin kills it after 2 s; a loaded machine may need longer)")
        .isTrue();
    assertThat(plugin.process.exitValue()).isZero();

    assertThat(stdioEnd.get(5, TimeUnit.SECONDS).getCode())
        .isIn(Status.Code.OK, Status.Code.UNAVAILABLE);
    assertThat(stdioData).isEmpty();
    assertThat(brokerEnd.get(5, TimeUnit.SECONDS).getCode())
        .isIn(Status.Code.OK, Status.Code.UNAVAILABLE);

    assertThat(plugin.restOfStdout()).as("nothing after the handshake on stdout").isEmpty();

    List<JsonNode> log = plugin.stderrJson();
    assertThat(messages(log, "stdout"))
        .contains("stray stdout line before serve", "stray stdout line from configure");
    assertThat(messages(log, "stderr")).contains("stray stderr line from configure");
    JsonNode configured = find(log, "test plugin configured");
    assertThat(configured.get("trust_domain").asText()).isEqualTo("example.org");
    assertThat(configured.get("host_services_network").asText()).isEqualTo("unix");
    assertThat(configured.get("host_services_address").asText()).isEqualTo(hostSocket);
    assertThat(configured.get("host_health").asText()).isEqualTo("SERVING");
    assertThat(configured.get("host_service_names").asText())
        .isEqualTo(
            "spire.hostservice.server.agentstore.v1.AgentStore,spire.hostservice.common.metrics.v1.Metrics");
    assertThat(find(log, "deinit hook ran").get("@level").asText()).isEqualTo("info");
    if (!sigintIgnoredByThisProcess()) {
      // The JVM installs no handler for a signal its parent already ignores (a shell's
      // background job): then the plugin survives SIGINT (checked above) without logging it.
      assertThat(find(log, "ignoring SIGINT; the host unloads this plugin").get("@level").asText())
          .isEqualTo("trace");
    }
    assertThat(find(log, "configuration rejected").get("@level").asText()).isEqualTo("error");
    find(log, "plugin stopped");
    assertThat(log)
        .as("no warnings (gRPC, Netty and JVM noise included)")
        .noneMatch(n -> n.get("@level").asText().equals("warn"));
    assertThat(log)
        .as("exited by itself, not through the watchdog's halt")
        .noneMatch(n -> n.get("@message").asText().startsWith("plugin did not exit"));
  }

  @Test
  void exitsWhenTheHostClosesTheBrokerStream() throws Exception {
    Map<String, String> env = spireEnv();
    env.put("TEST_PLUGIN_BROKER_LOSS_MS", "200");
    Plugin plugin = start(env);
    ManagedChannel ch = channel(plugin.port);
    CompletableFuture<Status> end = new CompletableFuture<>();
    ClientCallStreamObserver<ConnInfo> broker =
        (ClientCallStreamObserver<ConnInfo>)
            GRPCBrokerGrpc.newStub(ch).startStream(recorder(new ArrayList<>(), end));
    broker.onNext(
        ConnInfo.newBuilder().setServiceId(1).setNetwork("unix").setAddress("/x").build());
    // the stream is established once a unary call on the same connection has completed after it
    HealthGrpc.newBlockingStub(ch)
        .check(HealthCheckRequest.newBuilder().setService("plugin").build());
    broker.cancel("host unloading", null);
    assertThat(plugin.process.waitFor(30, TimeUnit.SECONDS))
        .as("plugin exited after losing its host")
        .isTrue();
    assertThat(plugin.process.exitValue()).isZero();
    assertThat(find(plugin.stderrJson(), "plugin shutting down").get("reason").asText())
        .isEqualTo("host closed the broker stream and did not reconnect");
  }

  @Test
  void refusesToRunWithoutMagicCookie() throws Exception {
    Map<String, String> env = spireEnv();
    env.remove("NodeAttestor");
    Plugin plugin = launch(env);
    assertThat(plugin.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(plugin.process.exitValue()).isEqualTo(1);
    assertThat(plugin.restOfStdout()).isEmpty();
    assertThat(plugin.stderrText())
        .contains("This program is a SPIRE NodeAttestor plugin")
        .contains("plugin_cmd")
        .contains("NodeAttestor");
  }

  @Test
  void refusesProtocolVersionsWithoutOne() throws Exception {
    Map<String, String> env = spireEnv();
    env.put("PLUGIN_PROTOCOL_VERSIONS", "2,3");
    Plugin plugin = launch(env);
    assertThat(plugin.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(plugin.process.exitValue()).isEqualTo(1);
    assertThat(plugin.restOfStdout()).isEmpty();
    assertThat(plugin.stderrText()).contains("protocol version 1").contains("[2,3]");
  }

  @Test
  void honoursPortRangeSkippingBusyPorts() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int low = busy.getLocalPort();
      Map<String, String> env = spireEnv();
      env.put("PLUGIN_MIN_PORT", Integer.toString(low));
      env.put("PLUGIN_MAX_PORT", Integer.toString(low + 20));
      Plugin plugin = start(env);
      assertThat(plugin.port).isGreaterThan(low).isLessThanOrEqualTo(low + 20);
      ManagedChannel ch = channel(plugin.port);
      GRPCControllerGrpc.newBlockingStub(ch).shutdown(Empty.getDefaultInstance());
      assertThat(plugin.process.waitFor(20, TimeUnit.SECONDS))
          .as("plugin exited after Shutdown")
          .isTrue();
    }
  }

  @Test
  void oneFreePortRangeIsUsedExactly() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = probe.getLocalPort();
    }
    Map<String, String> env = spireEnv();
    env.put("PLUGIN_MIN_PORT", Integer.toString(port));
    env.put("PLUGIN_MAX_PORT", Integer.toString(port));
    Plugin plugin = start(env);
    assertThat(plugin.port).isEqualTo(port);
  }

  @Test
  void servesOnPrivateUnixSocketWhenAsked() throws Exception {
    Map<String, String> env = spireEnv();
    env.put(TestPluginMain.NETWORK_ENV, "unix");
    env.put("PLUGIN_UNIX_SOCKET_DIR", tmp.toString());
    Plugin plugin = startUnix(env);
    assertThat(plugin.socket).startsWith(tmp);
    assertThat(Files.getPosixFilePermissions(plugin.socket.getParent()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    {
      ManagedChannel ch =
          UnixSocketListener.channelBuilder(plugin.socket.toString())
              .usePlaintext()
              .overrideAuthority("unused")
              .build();
      channels.add(ch);
      assertThat(
              HealthGrpc.newBlockingStub(ch)
                  .check(HealthCheckRequest.newBuilder().setService("plugin").build())
                  .getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      assertThat(
              InitGrpc.newBlockingStub(ch)
                  .init(InitRequest.getDefaultInstance())
                  .getPluginServiceNamesList())
          .hasSize(2);
      GRPCControllerGrpc.newBlockingStub(ch).shutdown(Empty.getDefaultInstance());
      assertThat(plugin.process.waitFor(20, TimeUnit.SECONDS))
          .as("plugin exited after Shutdown")
          .isTrue();
      assertThat(plugin.process.exitValue()).isZero();
      assertThat(plugin.socket).doesNotExist();
      assertThat(plugin.socket.getParent()).doesNotExist();
      assertThat(plugin.restOfStdout()).isEmpty();
      assertThat(plugin.stderrJson())
          .as("no warnings or errors")
          .noneMatch(n -> Set.of("warn", "error").contains(n.get("@level").asText()));
    }
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * The environment go-plugin gives the child, on top of an inherited one
   * (docs/plugin-protocol.md#launch).
   */
  /**
   * With the calls on the event loop, Configure still runs off it: the test plugin's Configure
   * waits for the host-services ConnInfo, which the host sends on the broker stream only once
   * Configure is under way; had Configure blocked the event loop, that message would wait behind it
   * and Configure would give up after 5 s without it.
   */
  @Test
  void configureRunsOffTheEventLoop() throws Exception {
    Map<String, String> env = spireEnv();
    env.put(PluginLog.LEVEL_ENV, "trace");
    env.put(TestPluginMain.ON_LOOP_ENV, "true");
    Plugin plugin = start(env);
    ManagedChannel ch = channel(plugin.port);
    CompletableFuture<Status> brokerEnd = new CompletableFuture<>();
    StreamObserver<ConnInfo> broker =
        GRPCBrokerGrpc.newStub(ch).startStream(recorder(new ArrayList<>(), brokerEnd));
    String hostSocket = tmp.resolve("host.sock").toString();
    startHostServices(hostSocket);

    CompletableFuture<Status> configured = new CompletableFuture<>();
    ConfigGrpc.newStub(ch)
        .configure(
            ConfigureRequest.newBuilder()
                .setCoreConfiguration(td("example.org"))
                .setHclConfiguration("devid_ca_path = \"/ca.pem\"\n")
                .build(),
            recorder(new ArrayList<>(), configured));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!plugin.stderrText().contains("stray stdout line from configure")) {
      assertThat(System.nanoTime()).as("Configure started within 60 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    broker.onNext(
        ConnInfo.newBuilder().setServiceId(1).setNetwork("unix").setAddress(hostSocket).build());
    assertThat(configured.get(60, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);

    JsonNode done = find(plugin.stderrJson(), "test plugin configured");
    assertThat(done.get("host_services_network").asText())
        .as("the ConnInfo sent during Configure reached the plugin while Configure ran")
        .isEqualTo("unix");
    assertThat(done.get("host_health").asText()).isEqualTo("SERVING");
  }

  static Map<String, String> spireEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("NodeAttestor", "NodeAttestor");
    env.put("PLUGIN_PROTOCOL_VERSIONS", "1");
    return env;
  }

  static List<String> javaCommand(String mainClass, List<String> jvmFlags) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    return cmd;
  }

  private Plugin start(Map<String, String> env) throws Exception {
    Plugin p = launch(env);
    String line = CompletableFuture.supplyAsync(p::readLineRaw).get(60, TimeUnit.SECONDS);
    Matcher m = HANDSHAKE.matcher(line);
    assertThat(m.matches()).as("handshake line %s", line).isTrue();
    p.port = Integer.parseInt(m.group(1));
    return p;
  }

  private Plugin startUnix(Map<String, String> env) throws Exception {
    Plugin p = launch(env);
    String line = CompletableFuture.supplyAsync(p::readLineRaw).get(60, TimeUnit.SECONDS);
    Matcher m = UNIX_HANDSHAKE.matcher(line);
    assertThat(m.matches()).as("handshake line %s", line).isTrue();
    p.socket = Path.of(m.group(1));
    return p;
  }

  private Plugin launch(Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(javaCommand(TestPluginMain.class.getName(), List.of()));
    pb.environment().remove("NodeAttestor");
    pb.environment().remove("PLUGIN_MIN_PORT");
    pb.environment().remove("PLUGIN_MAX_PORT");
    pb.environment().remove(PluginLog.LEVEL_ENV);
    pb.environment().putAll(env);
    Path stderr = Files.createTempFile(tmp, "stderr", ".log");
    pb.redirectError(stderr.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    Process process = pb.start();
    processes.add(process);
    return new Plugin(process, stderr);
  }

  private ManagedChannel channel(int port) {
    // go-plugin dials plaintext with the literal target "unused" as authority
    // (docs/plugin-protocol.md#listener)
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .overrideAuthority("unused")
            .build();
    channels.add(ch);
    return ch;
  }

  /**
   * A host-side gRPC server on a unix socket with a health service standing in for SPIRE's host
   * services.
   */
  private void startHostServices(String socketPath) throws IOException {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("test.HostService", HealthCheckResponse.ServingStatus.SERVING);
    EventLoopGroup boss = UnixSocketListener.loop(1, "test-host-boss");
    EventLoopGroup workers = UnixSocketListener.loop(1, "test-host-worker");
    loops.add(boss);
    loops.add(workers);
    hostServers.add(
        NettyServerBuilder.forAddress(new DomainSocketAddress(socketPath))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .withChildOption(ChannelOption.SO_KEEPALIVE, null)
            .addService(health.getHealthService())
            .build()
            .start());
  }

  /**
   * Whether SIGINT is ignored here (and so in every child): bit 2 of SigIgn in /proc/self/status.
   */
  private static boolean sigintIgnoredByThisProcess() throws java.io.IOException {
    for (String line :
        java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0x2) != 0;
      }
    }
    return false;
  }

  private static void sendSigint(Process p) throws Exception {
    Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
    assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(kill.exitValue()).isZero();
    // still serving afterwards: the next RPCs of the test run against the same process
  }

  private static CoreConfiguration td(String name) {
    return CoreConfiguration.newBuilder().setTrustDomain(name).build();
  }

  private static <T> StreamObserver<T> recorder(List<T> received, CompletableFuture<Status> end) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        synchronized (received) {
          received.add(value);
        }
      }

      @Override
      public void onError(Throwable t) {
        end.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        end.complete(Status.OK);
      }
    };
  }

  private static List<String> messages(List<JsonNode> log, String module) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : log) {
      if (n.get("@module").asText().equals(module)) {
        out.add(n.get("@message").asText());
      }
    }
    return out;
  }

  private static JsonNode find(List<JsonNode> log, String message) {
    for (JsonNode n : log) {
      if (n.get("@message").asText().equals(message)) {
        return n;
      }
    }
    throw new AssertionError("no log line with message '" + message + "' in " + log);
  }

  /** A launched plugin process: raw stdout access and the stderr file. */
  static final class Plugin {
    final Process process;
    final Path stderr;
    int port;
    Path socket;

    Plugin(Process process, Path stderr) {
      this.process = process;
      this.stderr = stderr;
    }

    /** Reads stdout up to and including the first newline, byte by byte (nothing more consumed). */
    String readLineRaw() {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      try {
        InputStream in = process.getInputStream();
        int b;
        while ((b = in.read()) != -1) {
          line.write(b);
          if (b == '\n') {
            break;
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return line.toString(StandardCharsets.UTF_8);
    }

    /** Everything on stdout after what was read so far (waits for the process to close it). */
    String restOfStdout() throws IOException {
      return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    String stderrText() throws IOException {
      return Files.readString(stderr, StandardCharsets.UTF_8);
    }

    /**
     * Every stderr line, each asserted to be an hclog JSON object (docs/plugin-protocol.md#stdio).
     */
    List<JsonNode> stderrJson() throws IOException {
      List<JsonNode> out = new ArrayList<>();
      for (String line : stderrText().split("\n")) {
        if (line.isEmpty()) {
          continue;
        }
        JsonNode n = JSON.readTree(line);
        assertThat(n.isObject()).as("JSON object: %s", line).isTrue();
        assertThat(n.get("@level").isTextual()).as("@level string: %s", line).isTrue();
        assertThat(LEVELS).as("@level value: %s", line).contains(n.get("@level").asText());
        assertThat(n.get("@message").isTextual()).as("@message string: %s", line).isTrue();
        assertThat(n.get("@module").isTextual()).as("@module string: %s", line).isTrue();
        assertThat(PluginLogTest.HCLOG_TIMESTAMP.matcher(n.get("@timestamp").asText()).matches())
            .as("@timestamp format: %s", line)
            .isTrue();
        out.add(n);
      }
      return out;
    }
  }
}
