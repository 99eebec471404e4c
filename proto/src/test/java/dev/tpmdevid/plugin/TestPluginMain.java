package dev.tpmdevid.plugin;

import dev.tpmdevid.proto.goplugin.ConnInfo;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.NodeAttestorGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A minimal server NodeAttestor plugin on the runtime, started as a child process by {@link
 * GoPluginServerProcessTest}. Its config needs {@code devid_ca_path}; on configure it prints stray
 * lines to System.out and System.err (as TSS.Java and SLF4J do) and logs the host-services ConnInfo
 * it got from the broker.
 */
public final class TestPluginMain {

  private static final PluginLog LOG = PluginLog.get("test_plugin");

  /** The environment variable that switches this test plugin to a unix socket listener. */
  static final String NETWORK_ENV = "TEST_PLUGIN_NETWORK";

  /** {@code true}: {@link GoPluginServer.Options#callsOnEventLoop} (as the server plugin runs). */
  static final String ON_LOOP_ENV = "TEST_PLUGIN_CALLS_ON_LOOP";

  private static final GoPluginServer SERVER = new GoPluginServer("test_plugin", NETWORK_ENV);
  private static final Set<String> KNOWN = Set.of("devid_ca_path", "max_challenges");

  private TestPluginMain() {}

  /** Calls the host's health service through the broker, as a plugin would call AgentStore. */
  private static String hostHealth() {
    try {
      ManagedChannel ch =
          SERVER.broker().dial(PluginBroker.HOST_SERVICES_ID, Duration.ofSeconds(5));
      try {
        return HealthGrpc.newBlockingStub(ch)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .check(HealthCheckRequest.newBuilder().setService("test.HostService").build())
            .getStatus()
            .name();
      } finally {
        ch.shutdownNow();
      }
    } catch (StatusException | StatusRuntimeException e) {
      return Status.fromThrowable(e).getCode().name();
    }
  }

  public static void main(String[] args) {
    SERVER.guardStdio();
    System.out.println("stray stdout line before serve");
    NodeAttestorGrpc.NodeAttestorImplBase attestor = new NodeAttestorGrpc.NodeAttestorImplBase() {};
    ConfigHandler config =
        new ConfigHandler() {
          @Override
          public void configure(String trustDomain, String hcl) throws StatusException {
            check(hcl);
            System.out.println("stray stdout line from configure");
            System.err.println("stray stderr line from configure");
            ConnInfo ci =
                SERVER
                    .broker()
                    .awaitConnInfo(PluginBroker.HOST_SERVICES_ID, Duration.ofSeconds(5))
                    .orElse(ConnInfo.getDefaultInstance());
            LOG.info(
                "test plugin configured",
                "trust_domain",
                trustDomain,
                "host_services_network",
                ci.getNetwork(),
                "host_services_address",
                ci.getAddress(),
                "host_service_names",
                String.join(",", SERVER.broker().hostServiceNames()),
                "host_health",
                hostHealth());
          }

          @Override
          public List<String> validate(String trustDomain, String hcl) throws StatusException {
            HclConfig c = check(hcl);
            List<String> notes = new ArrayList<>();
            for (String k : c.unknownKeys(KNOWN)) {
              notes.add("unknown configuration key " + k);
            }
            return notes;
          }

          private HclConfig check(String hcl) throws StatusException {
            HclConfig c = HclConfig.parse(hcl);
            c.requireString("devid_ca_path");
            c.optionalLong("max_challenges", 1);
            return c;
          }
        };
    GoPluginServer.Options options =
        GoPluginServer.Options.defaults().onDeinit(() -> LOG.info("deinit hook ran"));
    options = options.callsOnEventLoop(Boolean.parseBoolean(System.getenv(ON_LOOP_ENV)));
    String brokerLossMs = System.getenv("TEST_PLUGIN_BROKER_LOSS_MS");
    if (brokerLossMs != null) {
      options = options.exitAfterBrokerLoss(Duration.ofMillis(Long.parseLong(brokerLossMs)));
    }
    SERVER.serve(NodeAttestorGrpc.SERVICE_NAME, attestor, config, options);
  }
}
