package dev.tpmdevid.testbed.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.tpmdevid.agent.AgentPlugin;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.device.TpmDeviceException;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.plugin.BlockingBidiStream;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.Challenge;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.NodeAttestorGrpc;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.PayloadOrChallengeResponse;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AidAttestation over a real gRPC channel, as SPIRE's agent drives it
 * (docs/plugin-protocol.md#aid-attestation-call).
 */
class AgentGrpcTest {

  @TempDir Path dir;

  private Server server;
  private ManagedChannel channel;
  private final AgentPlugin plugin = new AgentPlugin();

  @BeforeAll
  static void needsSwtpm() {
    assertTrue(
        ProvisionedSwtpm.available(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
  }

  /**
   * One AidAttestation stream to the plugin (served on a loopback port), read message by message.
   */
  private Recorder open() throws Exception {
    if (server == null) {
      server =
          Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
              .addService(plugin.service())
              .build()
              .start();
      channel =
          Grpc.newChannelBuilderForAddress(
                  "127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
              .build();
    }
    return new Recorder(
        BlockingBidiStream.open(channel, NodeAttestorGrpc.getAidAttestationMethod()));
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * What the plugin sends: a message, a Status (error) or {@code END} (completion); 60 s per
   * message.
   */
  private record Recorder(BlockingBidiStream<Challenge, PayloadOrChallengeResponse> stream) {
    static final Object END = BlockingBidiStream.END;

    Object next() throws InterruptedException {
      Object o = stream.poll(Duration.ofSeconds(60));
      assertThat(o).as("plugin answered in time").isNotNull();
      return o;
    }
  }

  @Test
  void fullExchangeThenTheStreamCompletes() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(dir, Swtpm.Transport.UNIX, ProvisionOptions.defaults())) {
      plugin.configure("example.org", tpm.agentHcl(""));
      Recorder rec = open();
      PayloadOrChallengeResponse first = (PayloadOrChallengeResponse) rec.next();
      assertThat(first.getDataCase()).isEqualTo(PayloadOrChallengeResponse.DataCase.PAYLOAD);
      AgentChecks.Challenge c =
          AgentChecks.challengeFor(AttestationRequest.fromJson(first.getPayload().toByteArray()));
      rec.stream().send(Challenge.newBuilder().setChallenge(ByteString.copyFrom(c.json())).build());
      PayloadOrChallengeResponse second = (PayloadOrChallengeResponse) rec.next();
      assertThat(second.getDataCase())
          .isEqualTo(PayloadOrChallengeResponse.DataCase.CHALLENGE_RESPONSE);
      ChallengeResponse r = ChallengeResponse.fromJson(second.getChallengeResponse().toByteArray());
      assertThat(r.credActivation()).isEqualTo(c.secret());
      assertThat(AgentChecks.verifyPop(tpm.provisioned.devIdCertificate(), c.nonce(), r.devId()))
          .isTrue();
      assertThat(rec.next()).isSameAs(Recorder.END);
      rec.stream().halfClose();
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  @Test
  void cancelAfterThePayloadFlushesEverything() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, ProvisionOptions.defaults())) {
      plugin.configure("example.org", tpm.agentHcl(""));
      Recorder rec = open();
      assertThat(rec.next()).isInstanceOf(PayloadOrChallengeResponse.class);
      rec.stream().cancel("agent got its SVID");
      assertThat(waitUntilFree(tpm)).as("handles left after cancel").isEmpty();
    }
  }

  @Test
  void malformedChallengeIsInvalidArgument() throws Exception {
    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(dir, Swtpm.Transport.TCP, ProvisionOptions.defaults())) {
      plugin.configure("example.org", tpm.agentHcl(""));
      Recorder rec = open();
      assertThat(rec.next()).isInstanceOf(PayloadOrChallengeResponse.class);
      rec.stream().send(Challenge.newBuilder().setChallenge(ByteString.copyFromUtf8("{]")).build());
      Status s = (Status) rec.next();
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).startsWith("unable to unmarshall challenges");
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  @Test
  void notConfiguredAndTpmErrors() throws Exception {
    Recorder rec = open();
    Status s = (Status) rec.next();
    assertThat(s.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);

    try (ProvisionedSwtpm tpm =
        new ProvisionedSwtpm(
            dir, Swtpm.Transport.TCP, ProvisionOptions.defaults().withSpirePasswords())) {
      plugin.configure(
          "example.org", tpm.agentHcl("").replace(ProvisionOptions.SPIRE_OWNER_PASSWORD, "nope"));
      Recorder r2 = open();
      Status s2 = (Status) r2.next();
      assertThat(s2.getCode()).isEqualTo(Status.Code.INTERNAL);
      assertThat(s2.getDescription())
          .contains("owner_hierarchy_password is wrong")
          .doesNotContain("nope");
      assertThat(tpm.handlesInUse()).isEmpty();
    }
  }

  /** Waits until the plugin released swtpm's single connection, then lists what is loaded. */
  private static List<Integer> waitUntilFree(ProvisionedSwtpm tpm) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try (TpmConnection c = TpmConnection.open(tpm.devicePath(), Duration.ofMillis(500))) {
        List<Integer> out = new java.util.ArrayList<>(c.transientHandles());
        out.addAll(c.sessionHandles());
        return out;
      } catch (TpmDeviceException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }
}
