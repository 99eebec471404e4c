package dev.tpmdevid.testbed.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.ByteString;
import dev.tpmdevid.agent.AgentPlugin;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.device.TpmDeviceException;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.Challenge;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.NodeAttestorGrpc;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.PayloadOrChallengeResponse;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AidAttestation over a real gRPC channel, as SPIRE's agent drives it (docs/plugin-protocol.md#aid-attestation-call). */
class AgentGrpcTest {

    @TempDir
    Path dir;

    private Server server;
    private ManagedChannel channel;
    private final AgentPlugin plugin = new AgentPlugin();

    @BeforeAll
    static void needsSwtpm() {
        assertTrue(AgentSwtpm.available(), "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    }

    private NodeAttestorGrpc.NodeAttestorStub stub() throws Exception {
        if (server == null) {
            server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(plugin.service())
                    .build().start();
            channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
                    .build();
        }
        return NodeAttestorGrpc.newStub(channel);
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

    /** Collects what the plugin sends; {@code END} marks completion, a Status marks an error. */
    private static final class Recorder implements ClientResponseObserver<Challenge, PayloadOrChallengeResponse> {
        static final Object END = new Object();
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        ClientCallStreamObserver<Challenge> requests;

        @Override public void beforeStart(ClientCallStreamObserver<Challenge> r) { requests = r; }
        @Override public void onNext(PayloadOrChallengeResponse v) { events.add(v); }
        @Override public void onError(Throwable t) { events.add(Status.fromThrowable(t)); }
        @Override public void onCompleted() { events.add(END); }

        Object next() throws InterruptedException {
            Object o = events.poll(60, TimeUnit.SECONDS);
            assertThat(o).as("plugin answered in time").isNotNull();
            return o;
        }
    }

    @Test
    void fullExchangeThenTheStreamCompletes() throws Exception {
        try (AgentSwtpm tpm = new AgentSwtpm(dir, Swtpm.Transport.UNIX, ProvisionOptions.defaults())) {
            plugin.configure("example.org", tpm.agentHcl(""));
            Recorder rec = new Recorder();
            StreamObserver<Challenge> requests = stub().aidAttestation(rec);
            PayloadOrChallengeResponse first = (PayloadOrChallengeResponse) rec.next();
            assertThat(first.getDataCase()).isEqualTo(PayloadOrChallengeResponse.DataCase.PAYLOAD);
            AgentChecks.Challenge c = AgentChecks.challengeFor(AttestationRequest.fromJson(first.getPayload().toByteArray()));
            requests.onNext(Challenge.newBuilder().setChallenge(ByteString.copyFrom(c.json())).build());
            PayloadOrChallengeResponse second = (PayloadOrChallengeResponse) rec.next();
            assertThat(second.getDataCase()).isEqualTo(PayloadOrChallengeResponse.DataCase.CHALLENGE_RESPONSE);
            ChallengeResponse r = ChallengeResponse.fromJson(second.getChallengeResponse().toByteArray());
            assertThat(r.credActivation()).isEqualTo(c.secret());
            assertThat(AgentChecks.verifyPop(tpm.provisioned.devIdCertificate(), c.nonce(), r.devId())).isTrue();
            assertThat(rec.next()).isSameAs(Recorder.END);
            requests.onCompleted();
            assertThat(tpm.handlesInUse()).isEmpty();
        }
    }

    @Test
    void cancelAfterThePayloadFlushesEverything() throws Exception {
        try (AgentSwtpm tpm = new AgentSwtpm(dir, Swtpm.Transport.TCP, ProvisionOptions.defaults())) {
            plugin.configure("example.org", tpm.agentHcl(""));
            Recorder rec = new Recorder();
            stub().aidAttestation(rec);
            assertThat(rec.next()).isInstanceOf(PayloadOrChallengeResponse.class);
            rec.requests.cancel("agent got its SVID", null);
            assertThat(waitUntilFree(tpm)).as("handles left after cancel").isEmpty();
        }
    }

    @Test
    void malformedChallengeIsInvalidArgument() throws Exception {
        try (AgentSwtpm tpm = new AgentSwtpm(dir, Swtpm.Transport.TCP, ProvisionOptions.defaults())) {
            plugin.configure("example.org", tpm.agentHcl(""));
            Recorder rec = new Recorder();
            StreamObserver<Challenge> requests = stub().aidAttestation(rec);
            assertThat(rec.next()).isInstanceOf(PayloadOrChallengeResponse.class);
            requests.onNext(Challenge.newBuilder().setChallenge(ByteString.copyFromUtf8("{]")).build());
            Status s = (Status) rec.next();
            assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(s.getDescription()).startsWith("unable to unmarshall challenges");
            assertThat(tpm.handlesInUse()).isEmpty();
        }
    }

    @Test
    void notConfiguredAndTpmErrors() throws Exception {
        Recorder rec = new Recorder();
        stub().aidAttestation(rec);
        Status s = (Status) rec.next();
        assertThat(s.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);

        try (AgentSwtpm tpm = new AgentSwtpm(dir, Swtpm.Transport.TCP,
                ProvisionOptions.defaults().withSpirePasswords())) {
            plugin.configure("example.org", tpm.agentHcl("").replace(ProvisionOptions.SPIRE_OWNER_PASSWORD, "nope"));
            Recorder r2 = new Recorder();
            stub().aidAttestation(r2);
            Status s2 = (Status) r2.next();
            assertThat(s2.getCode()).isEqualTo(Status.Code.INTERNAL);
            assertThat(s2.getDescription()).contains("owner_hierarchy_password is wrong").doesNotContain("nope");
            assertThat(tpm.handlesInUse()).isEmpty();
        }
    }

    /** Waits until the plugin released swtpm's single connection, then lists what is loaded. */
    private static List<Integer> waitUntilFree(AgentSwtpm tpm) throws InterruptedException {
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
