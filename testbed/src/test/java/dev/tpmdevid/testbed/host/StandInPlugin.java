package dev.tpmdevid.testbed.host;

import com.google.protobuf.ByteString;
import dev.tpmdevid.proto.goplugin.ConnInfo;
import dev.tpmdevid.proto.goplugin.Empty;
import dev.tpmdevid.proto.goplugin.GRPCBrokerGrpc;
import dev.tpmdevid.proto.goplugin.GRPCControllerGrpc;
import dev.tpmdevid.proto.goplugin.GRPCStdioGrpc;
import dev.tpmdevid.proto.goplugin.StdioData;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.Challenge;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.PayloadOrChallengeResponse;
import dev.tpmdevid.proto.spire.config.v1.ConfigGrpc;
import dev.tpmdevid.proto.spire.config.v1.ConfigureRequest;
import dev.tpmdevid.proto.spire.config.v1.ConfigureResponse;
import dev.tpmdevid.proto.spire.init.v1.DeinitRequest;
import dev.tpmdevid.proto.spire.init.v1.DeinitResponse;
import dev.tpmdevid.proto.spire.init.v1.InitGrpc;
import dev.tpmdevid.proto.spire.init.v1.InitRequest;
import dev.tpmdevid.proto.spire.init.v1.InitResponse;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AgentAttributes;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestRequest;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A deliberately small go-plugin NodeAttestor written directly on grpc-java, to exercise {@link
 * PluginHost} without the real plugins. Its behaviour is chosen by {@code argv[0]}: {@code agent},
 * {@code server} (a toy one-round challenge protocol), or a misbehaviour.
 */
public final class StandInPlugin {
  private static final CountDownLatch STOP = new CountDownLatch(1);

  private StandInPlugin() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "agent";
    log(
        "info",
        "stand-in starting",
        "mode",
        mode,
        "cookie",
        String.valueOf(System.getenv("NodeAttestor")),
        "min_port",
        String.valueOf(System.getenv("PLUGIN_MIN_PORT")),
        "max_port",
        String.valueOf(System.getenv("PLUGIN_MAX_PORT")),
        "versions",
        String.valueOf(System.getenv("PLUGIN_PROTOCOL_VERSIONS")));
    System.err.println("[WARN] a raw warning line");
    System.err.println("not json at all");
    switch (mode) {
      case "exit":
        System.err.println("giving up before the handshake");
        System.exit(3);
        return;
      case "silent":
        Thread.sleep(60_000);
        return;
      case "junk":
        System.out.println("Starting up the JVM plugin framework...");
        System.out.flush();
        Thread.sleep(60_000);
        return;
      case "badcore":
        System.out.println("2|1|tcp|127.0.0.1:1|grpc");
        System.out.flush();
        Thread.sleep(60_000);
        return;
      case "netrpc":
        System.out.println("1|1|tcp|127.0.0.1:1");
        System.out.flush();
        Thread.sleep(60_000);
        return;
      default:
        break;
    }
    boolean agent = !mode.startsWith("server");
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new Broker())
            .addService(new Controller())
            .addService(new Stdio())
            .addService(new Init(mode, agent));
    if (!mode.equals("noconfig")) {
      b.addService(new Config());
    }
    b.addService(agent ? new AgentAttestor(mode) : new ServerAttestor(mode));
    Server server = b.build().start();
    int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    System.out.println("1|1|tcp|127.0.0.1:" + port + "|grpc");
    System.out.flush();
    STOP.await();
    server.shutdownNow();
    log("info", "stand-in stopped");
    System.exit(0);
  }

  static void log(String level, String message, String... kv) {
    StringBuilder sb =
        new StringBuilder("{\"@level\":\"")
            .append(level)
            .append("\",\"@message\":\"")
            .append(message)
            .append("\",\"@module\":\"stand-in\"");
    for (int i = 0; i + 1 < kv.length; i += 2) {
      sb.append(",\"")
          .append(kv[i])
          .append("\":\"")
          .append(kv[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"))
          .append('"');
    }
    System.err.println(sb.append('}'));
  }

  static final class Broker extends GRPCBrokerGrpc.GRPCBrokerImplBase {
    @Override
    public StreamObserver<ConnInfo> startStream(StreamObserver<ConnInfo> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(ConnInfo c) {
          log(
              "debug",
              "broker conn info",
              "service_id",
              String.valueOf(c.getServiceId()),
              "network",
              c.getNetwork(),
              "address",
              c.getAddress());
        }

        @Override
        public void onError(Throwable t) {
          log("debug", "broker closed");
        }

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  static final class Controller extends GRPCControllerGrpc.GRPCControllerImplBase {
    @Override
    public void shutdown(Empty request, StreamObserver<Empty> out) {
      out.onNext(Empty.getDefaultInstance());
      out.onCompleted();
      STOP.countDown();
    }
  }

  static final class Stdio extends GRPCStdioGrpc.GRPCStdioImplBase {
    @Override
    public void streamStdio(com.google.protobuf.Empty request, StreamObserver<StdioData> out) {
      // keep open; never send
    }
  }

  static final class Init extends InitGrpc.InitImplBase {
    private final String mode;
    private final boolean agent;

    Init(String mode, boolean agent) {
      this.mode = mode;
      this.agent = agent;
    }

    @Override
    public void init(InitRequest request, StreamObserver<InitResponse> out) {
      log("debug", "init", "host_services", String.join(",", request.getHostServiceNamesList()));
      String na =
          agent
              ? "spire.plugin.agent.nodeattestor.v1.NodeAttestor"
              : "spire.plugin.server.nodeattestor.v1.NodeAttestor";
      List<String> names;
      if (mode.equals("noconfig")) {
        names = List.of(na, "grpc.health.v1.Health");
      } else if (mode.equals("wrongside")) {
        names =
            List.of(
                "spire.plugin.server.nodeattestor.v1.NodeAttestor",
                "spire.service.common.config.v1.Config");
      } else {
        names = List.of(na, "spire.service.common.config.v1.Config");
      }
      out.onNext(InitResponse.newBuilder().addAllPluginServiceNames(names).build());
      out.onCompleted();
    }

    @Override
    public void deinit(DeinitRequest request, StreamObserver<DeinitResponse> out) {
      log("debug", "deinit");
      out.onNext(DeinitResponse.getDefaultInstance());
      out.onCompleted();
    }
  }

  static final class Config extends ConfigGrpc.ConfigImplBase {
    @Override
    public void configure(ConfigureRequest request, StreamObserver<ConfigureResponse> out) {
      log(
          "info",
          "configured",
          "trust_domain",
          request.getCoreConfiguration().getTrustDomain(),
          "hcl",
          request.getHclConfiguration().strip());
      if (request.getHclConfiguration().contains("fail")) {
        out.onError(
            Status.INVALID_ARGUMENT.withDescription("bad_key is not allowed").asException());
        return;
      }
      out.onNext(ConfigureResponse.getDefaultInstance());
      out.onCompleted();
    }
  }

  static final class AgentAttestor
      extends dev.tpmdevid.proto.spire.agent.nodeattestor.v1.NodeAttestorGrpc.NodeAttestorImplBase {
    private final String mode;

    AgentAttestor(String mode) {
      this.mode = mode;
    }

    @Override
    public StreamObserver<Challenge> aidAttestation(
        StreamObserver<PayloadOrChallengeResponse> out) {
      if (mode.equals("agent-empty-payload")) {
        out.onNext(PayloadOrChallengeResponse.newBuilder().setPayload(ByteString.EMPTY).build());
      } else if (mode.equals("agent-denied")) {
        out.onError(
            Status.PERMISSION_DENIED.withDescription("tpm_devid: no TPM for you").asException());
        return new StreamObserver<>() {
          @Override
          public void onNext(Challenge c) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
      } else {
        out.onNext(
            PayloadOrChallengeResponse.newBuilder().setPayload(utf8("hello from agent")).build());
      }
      return new StreamObserver<>() {
        @Override
        public void onNext(Challenge c) {
          if (mode.equals("agent-close")) {
            out.onCompleted();
            return;
          }
          out.onNext(
              PayloadOrChallengeResponse.newBuilder()
                  .setChallengeResponse(utf8("signed:" + c.getChallenge().toStringUtf8()))
                  .build());
        }

        @Override
        public void onError(Throwable t) {
          log("debug", "agent stream ended", "status", Status.fromThrowable(t).getCode().name());
        }

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  static final class ServerAttestor
      extends dev.tpmdevid.proto.spire.server.nodeattestor.v1.NodeAttestorGrpc
          .NodeAttestorImplBase {
    private final String mode;

    ServerAttestor(String mode) {
      this.mode = mode;
    }

    @Override
    public StreamObserver<AttestRequest> attest(StreamObserver<AttestResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(AttestRequest r) {
          if (r.getRequestCase() == AttestRequest.RequestCase.PAYLOAD) {
            log("info", "payload received", "size", String.valueOf(r.getPayload().size()));
            switch (mode) {
              case "server-reject":
                out.onError(
                    Status.INVALID_ARGUMENT
                        .withDescription("tpm_devid: unable to verify DevID signature")
                        .asException());
                return;
              case "server-nothing":
                out.onNext(AttestResponse.getDefaultInstance());
                return;
              case "server-close":
                out.onCompleted();
                return;
              default:
                out.onNext(AttestResponse.newBuilder().setChallenge(utf8("nonce-42")).build());
                return;
            }
          }
          String answer = r.getChallengeResponse().toStringUtf8();
          if (!answer.equals("signed:nonce-42")) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("wrong answer").asException());
            return;
          }
          log("info", "challenge verified");
          String id =
              mode.equals("server-empty-id")
                  ? ""
                  : "spiffe://example.org/spire/agent/tpm_devid/standin";
          out.onNext(
              AttestResponse.newBuilder()
                  .setAgentAttributes(
                      AgentAttributes.newBuilder()
                          .setSpiffeId(id)
                          .addSelectorValues("subject:cn:stand-in")
                          .addSelectorValues("ca:fingerprint:00")
                          .setCanReattest(true))
                  .build());
          out.onCompleted();
        }

        @Override
        public void onError(Throwable t) {
          log("debug", "server stream ended", "status", Status.fromThrowable(t).getCode().name());
        }

        @Override
        public void onCompleted() {}
      };
    }
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
