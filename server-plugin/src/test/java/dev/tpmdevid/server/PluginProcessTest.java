package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.tpmdevid.plugin.BlockingBidiStream;
import dev.tpmdevid.proto.goplugin.GRPCControllerGrpc;
import dev.tpmdevid.proto.spire.config.v1.ConfigGrpc;
import dev.tpmdevid.proto.spire.config.v1.ConfigureRequest;
import dev.tpmdevid.proto.spire.config.v1.CoreConfiguration;
import dev.tpmdevid.proto.spire.init.v1.InitGrpc;
import dev.tpmdevid.proto.spire.init.v1.InitRequest;
import dev.tpmdevid.proto.spire.init.v1.InitResponse;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestRequest;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.NodeAttestorGrpc;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real plugin process, driven as SPIRE drives it (docs/plugin-protocol.md#launch,
 * #load-sequence, #attest-call): spawn with the go-plugin environment, read the handshake line,
 * Init, Configure, Attest with the software agent; and a bad configuration answered with
 * INVALID_ARGUMENT.
 */
class PluginProcessTest {
  @TempDir Path dir;

  @Test
  void spawnedPlugin_handshakeInitConfigureAttest_andBadConfigure() throws Exception {
    SoftwareAgent agent = SoftwareAgent.goLike();
    Path devId = Files.writeString(dir.resolve("devid.pem"), agent.devIdBundlePem());
    Path ek = Files.writeString(dir.resolve("ek.pem"), agent.ekBundlePem());
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            java, "-cp", System.getProperty("java.class.path"), ServerPluginMain.class.getName());
    pb.environment().put("NodeAttestor", "NodeAttestor");
    pb.environment().put("PLUGIN_PROTOCOL_VERSIONS", "1");
    pb.environment().put("TPM_DEVID_LOG_LEVEL", "error");
    pb.redirectError(dir.resolve("stderr.txt").toFile());
    Process p = pb.start();
    ManagedChannel ch = null;
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String handshake = out.readLine();
      assertThat(handshake)
          .as("handshake line")
          .isNotNull()
          .matches("1\\|1\\|tcp\\|127\\.0\\.0\\.1:\\d+\\|grpc");
      String address = handshake.split("\\|")[3];
      int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
      ch =
          Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
              .overrideAuthority("unused")
              .build();

      InitResponse init =
          InitGrpc.newBlockingStub(ch)
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .init(InitRequest.getDefaultInstance());
      assertThat(init.getPluginServiceNamesList())
          .contains("spire.plugin.server.nodeattestor.v1.NodeAttestor");

      ConfigGrpc.ConfigBlockingStub config =
          ConfigGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
      CoreConfiguration core = CoreConfiguration.newBuilder().setTrustDomain("example.org").build();
      assertThatThrownBy(
              () ->
                  config.configure(
                      ConfigureRequest.newBuilder()
                          .setCoreConfiguration(core)
                          .setHclConfiguration("endorsement_ca_path = \"" + ek + "\"")
                          .build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).contains("devid_ca_path");
              });
      config.configure(
          ConfigureRequest.newBuilder()
              .setCoreConfiguration(core)
              .setHclConfiguration(
                  "devid_ca_path = \"" + devId + "\"\n\nendorsement_ca_path = \"" + ek + "\"\n")
              .build());

      BlockingBidiStream<AttestRequest, AttestResponse> req =
          BlockingBidiStream.open(ch, NodeAttestorGrpc.getAttestMethod());
      req.send(AttestRequest.newBuilder().setPayload(ByteString.copyFrom(agent.payload())).build());
      Object first = req.poll(Duration.ofSeconds(20));
      assertThat(first).isInstanceOf(AttestResponse.class);
      byte[] challenge = ((AttestResponse) first).getChallenge().toByteArray();
      req.send(
          AttestRequest.newBuilder()
              .setChallengeResponse(ByteString.copyFrom(agent.respond(challenge)))
              .build());
      Object second = req.poll(Duration.ofSeconds(20));
      assertThat(second).isInstanceOf(AttestResponse.class);
      AttestResponse result = (AttestResponse) second;
      assertThat(result.getAgentAttributes().getSpiffeId())
          .startsWith("spiffe://example.org/spire/agent/tpm_devid/");
      assertThat(result.getAgentAttributes().getCanReattest()).isTrue();
      assertThat(req.poll(Duration.ofSeconds(20))).isEqualTo(BlockingBidiStream.END);

      try {
        GRPCControllerGrpc.newBlockingStub(ch)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .shutdown(dev.tpmdevid.proto.goplugin.Empty.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        // a Go plugin stops its server inside Shutdown; the host ignores this result too
      }
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("plugin exits after Shutdown").isTrue();
    } finally {
      if (ch != null) {
        ch.shutdownNow();
      }
      p.destroyForcibly();
    }
  }
}
