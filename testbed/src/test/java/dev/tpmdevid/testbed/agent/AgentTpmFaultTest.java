package dev.tpmdevid.testbed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.device.ResponseCode;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.testbed.host.AttestationOutcome;
import dev.tpmdevid.testbed.host.AttestationRelay;
import dev.tpmdevid.testbed.host.PluginCommands;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.host.PluginKind;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on the agent side: our agent plugin (the real plugin process, loaded by the SPIRE-like
 * host) talks to a real swtpm through {@link TpmFaultProxy}, a small test fixture that drops,
 * truncates, corrupts and delays TPM responses and answers with TPM_RC_RETRY / OBJECT_MEMORY /
 * LOCKOUT; swtpm is also killed (SIGKILL) and restarted mid-attestation. Our server plugin
 * verifies. For every fault: a clear error with the expected gRPC code and message (or success
 * where the fault is recoverable), no hang (every attestation is bounded by the relay's message
 * timeout; elapsed times are reported), no transient object or session left on the swtpm
 * (TPM2_GetCapability HANDLES, polled), and the next attestation through the same plugin process
 * succeeds.
 */
class AgentTpmFaultTest {
  static final String TRUST_DOMAIN = "example.org";
  static final int CC_CERTIFY = 0x148;
  static final int CC_ACTIVATE_CREDENTIAL = 0x147;
  static final int CC_SIGN = 0x15D;
  static final int CC_POLICY_SECRET = 0x151;
  static final int CC_CONTEXT_LOAD = 0x161;
  static final int CC_LOAD = 0x157;
  static final int CC_CREATE_PRIMARY = 0x131;

  /** The relay's bound on one plugin message: above the agent's 120 s TPM response timeout. */
  static final Duration MESSAGE_TIMEOUT = Duration.ofMinutes(3);

  @TempDir static Path dir;

  static ProvisionedSwtpm tpm;
  static Swtpm restarted;
  static TpmFaultProxy proxy;
  static PluginHost agent;
  static PluginHost server;
  static final List<String> rows = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    tpm = new ProvisionedSwtpm(dir, Swtpm.Transport.UNIX, ProvisionOptions.defaults());
    proxy = new TpmFaultProxy(tpm.swtpm.unixSocketPath());
    server = PluginHost.builder(PluginKind.SERVER, PluginCommands.server()).start();
    server.configure(TRUST_DOMAIN, tpm.provisioned.serverConfig());
    agent = PluginHost.builder(PluginKind.AGENT, PluginCommands.agent()).start();
    agent.configure(
        TRUST_DOMAIN,
        tpm.agentHcl("")
            .replaceAll(
                "(?m)^tpm_device_path = .*$", "tpm_device_path = \"" + proxy.socket() + "\""));
    // a first attestation: the plugin process then uses its saved contexts (ContextLoad) as in
    // production
    assertSucceeds(attest(UnaryOperator.identity()), "warm-up");
  }

  @AfterAll
  static void stop() {
    System.out.println(
        "| fault | command | outcome | gRPC code | message | elapsed | handles after | next attestation |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
    if (agent != null) {
      agent.close();
    }
    if (server != null) {
      server.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (restarted != null) {
      restarted.close();
    }
    if (tpm != null) {
      tpm.close();
    }
  }

  // ------------------------------------------------------------------ faults that must fail
  // cleanly

  @Test
  void droppedResponse_connectionClosed() throws Exception {
    failsCleanly(
        rule(CC_CERTIFY, TpmFaultProxy.Fault.DROP_CLOSE),
        "TPM2_Certify",
        "unable to certify DevID key",
        "cannot talk to the TPM");
  }

  @Test
  void droppedResponse_silence_endsAtTheResponseTimeout() throws Exception {
    failsCleanly(
        rule(CC_ACTIVATE_CREDENTIAL, TpmFaultProxy.Fault.DROP_SILENT),
        "TPM2_ActivateCredential",
        "cannot talk to the TPM",
        "no response from TPM");
  }

  @Test
  void truncatedResponse() throws Exception {
    failsCleanly(
        rule(CC_SIGN, TpmFaultProxy.Fault.TRUNCATE), "TPM2_Sign", "cannot talk to the TPM");
  }

  @Test
  void corruptedResponseSize() throws Exception {
    failsCleanly(
        rule(CC_CERTIFY, TpmFaultProxy.Fault.CORRUPT_SIZE),
        "TPM2_Certify",
        "unable to certify DevID key",
        "cannot talk to the TPM");
  }

  @Test
  void corruptedResponseBody_certifyEvidenceRefusedByTheServer() throws Exception {
    // the agent cannot tell a flipped byte inside the signed attestation; the server must refuse it
    failsCleanly(rule(CC_CERTIFY, TpmFaultProxy.Fault.CORRUPT_BODY), "TPM2_Certify", null);
  }

  @Test
  void retryForever_givesUpAfterBoundedRetries() throws Exception {
    failsCleanly(
        new TpmFaultProxy.Rule(
            CC_CERTIFY, TpmFaultProxy.Fault.RESPONSE_CODE, ResponseCode.RETRY, Duration.ZERO, 1000),
        "TPM2_Certify (TPM_RC_RETRY every time)",
        "TPM_RC_RETRY");
    assertThat(proxy.faulted()).as("Certify sent at most 10 times").isBetween(2, 10);
  }

  @Test
  void objectMemory_onEveryObjectLoad() throws Exception {
    failsCleanly(
        new TpmFaultProxy.Rule(
            java.util.Set.of(CC_CONTEXT_LOAD, CC_LOAD, CC_CREATE_PRIMARY),
            TpmFaultProxy.Fault.RESPONSE_CODE,
            ResponseCode.OBJECT_MEMORY,
            Duration.ZERO,
            1000),
        "TPM2_ContextLoad/Load/CreatePrimary (TPM_RC_OBJECT_MEMORY every time)",
        "TPM_RC_OBJECT_MEMORY");
  }

  @Test
  void lockout() throws Exception {
    failsCleanly(
        rc(CC_POLICY_SECRET, ResponseCode.LOCKOUT),
        "TPM2_PolicySecret (TPM_RC_LOCKOUT)",
        "TPM_RC_LOCKOUT",
        "lockout");
  }

  // ------------------------------------------------------------------ faults that are recovered

  @Test
  void retryOnce_isRetriedAndSucceeds() throws Exception {
    int before = proxy.seen(CC_CERTIFY);
    proxy.arm(rc(CC_CERTIFY, ResponseCode.RETRY));
    AttestationOutcome o = attest(UnaryOperator.identity());
    proxy.arm(null);
    assertSucceeds(o, "RETRY once");
    assertThat(proxy.faulted()).isEqualTo(1);
    assertThat(proxy.seen(CC_CERTIFY) - before).as("Certify re-sent once").isEqualTo(2);
    assertNoHandles();
    rows.add(row("TPM_RC_RETRY once", "TPM2_Certify", o, "—"));
  }

  @Test
  void objectMemoryOnce_onContextLoad_recoveredByLoadingAgain() throws Exception {
    proxy.arm(rc(CC_CONTEXT_LOAD, ResponseCode.OBJECT_MEMORY));
    AttestationOutcome o = attest(UnaryOperator.identity());
    proxy.arm(null);
    assertSucceeds(o, "OBJECT_MEMORY once on ContextLoad");
    assertThat(proxy.faulted()).isEqualTo(1);
    assertNoHandles();
    rows.add(row("TPM_RC_OBJECT_MEMORY once", "TPM2_ContextLoad (saved context)", o, "—"));
  }

  @Test
  void delayedResponses_withinTheTimeout_succeed() throws Exception {
    proxy.arm(
        new TpmFaultProxy.Rule(
            CC_ACTIVATE_CREDENTIAL, TpmFaultProxy.Fault.DELAY, 0, Duration.ofSeconds(3), 1));
    AttestationOutcome o = attest(UnaryOperator.identity());
    proxy.arm(null);
    assertSucceeds(o, "3 s delay");
    assertThat(proxy.faulted()).isEqualTo(1);
    assertThat(o.elapsed()).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    assertNoHandles();
    rows.add(row("delay 3 s", "TPM2_ActivateCredential", o, "—"));
  }

  // ------------------------------------------------------------------ swtpm killed and restarted

  @Test
  void swtpmKilledAndRestartedBetweenPayloadAndChallenge() throws Exception {
    AttestationOutcome o =
        attest(
            payload -> {
              // the payload is out: kill swtpm (SIGKILL, by pid) and start it again from its state
              Swtpm current = live();
              ProcessHandle.of(current.pid()).ifPresent(ProcessHandle::destroyForcibly);
              waitUntil(() -> !current.isRunning(), "swtpm to die");
              try {
                Swtpm next = Swtpm.startFromCopy(current.stateDir(), Swtpm.Transport.UNIX);
                if (restarted != null) {
                  restarted.close();
                }
                restarted = next;
                proxy.upstream(next.unixSocketPath());
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
              return payload;
            });
    assertThat(o.succeeded())
        .as("attestation across a TPM restart: %s", o.operatorView())
        .isFalse();
    assertThat(o.failedSide()).isEqualTo("agent");
    assertThat(o.code()).isEqualTo(Status.Code.INTERNAL);
    assertNoHandles();
    String next = nextSucceeds();
    rows.add(row("swtpm SIGKILL + restart", "between payload and challenge", o, next));
  }

  // ------------------------------------------------------------------ helpers

  private static TpmFaultProxy.Rule rule(int cc, TpmFaultProxy.Fault f) {
    return new TpmFaultProxy.Rule(cc, f, 0, Duration.ZERO, 1);
  }

  private static TpmFaultProxy.Rule rc(int cc, int rc) {
    return new TpmFaultProxy.Rule(cc, TpmFaultProxy.Fault.RESPONSE_CODE, rc, Duration.ZERO, 1);
  }

  /**
   * The fault ends the attestation with a clear error, leaves no handle, and the next one succeeds.
   */
  private static void failsCleanly(TpmFaultProxy.Rule r, String what, String... fragments)
      throws Exception {
    proxy.arm(r);
    AttestationOutcome o = attest(UnaryOperator.identity());
    int faulted = proxy.faulted();
    proxy.arm(null);
    assertThat(faulted).as("the fault was applied").isPositive();
    assertThat(o.succeeded()).as("%s must fail", what).isFalse();
    if (fragments == null) {
      // evidence corrupted inside the TPM's answer: the server refuses it
      assertThat(o.failedSide()).isEqualTo("server");
      assertThat(o.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    } else {
      assertThat(o.failedSide()).as(o.operatorView()).isEqualTo("agent");
      assertThat(o.code()).as(o.operatorView()).isEqualTo(Status.Code.INTERNAL);
      assertThat(o.message()).contains(fragments);
    }
    assertNoHandles();
    String next = nextSucceeds();
    rows.add(
        row(
            r.fault()
                + (r.fault() == TpmFaultProxy.Fault.RESPONSE_CODE
                    ? " " + ResponseCode.decode(r.rc())
                    : ""),
            what,
            o,
            next));
  }

  private static String nextSucceeds() throws Exception {
    AttestationOutcome next = attest(UnaryOperator.identity());
    assertSucceeds(next, "the attestation after the fault");
    assertNoHandles();
    return "succeeds (" + next.elapsed().toMillis() + " ms)";
  }

  private static AttestationOutcome attest(UnaryOperator<byte[]> onPayload) {
    return new AttestationRelay(agent, server, TRUST_DOMAIN)
        .messageTimeout(MESSAGE_TIMEOUT)
        .tamperPayload(onPayload)
        .attest();
  }

  private static void assertSucceeds(AttestationOutcome o, String what) {
    assertThat(o.succeeded()).as("%s: %s", what, o.operatorView()).isTrue();
  }

  private static Swtpm live() {
    return restarted != null ? restarted : tpm.swtpm;
  }

  /**
   * No transient object and no session on the swtpm (polled: the plugin flushes as its stream
   * ends).
   */
  private static void assertNoHandles() throws Exception {
    List<Integer> last = List.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try (TpmConnection c = live().connect()) {
        last = new ArrayList<>(c.transientHandles());
        last.addAll(c.sessionHandles());
      }
      if (last.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(last).as("transient objects and sessions left on the TPM").isEmpty();
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static String row(String fault, String command, AttestationOutcome o, String next) {
    String msg = o.succeeded() ? "" : o.message().replace("|", "\\|");
    return "| "
        + fault
        + " | "
        + command
        + " | "
        + (o.succeeded() ? "success" : "error (" + o.failedSide() + ")")
        + " | "
        + o.code()
        + " | "
        + msg
        + " | "
        + o.elapsed().toMillis()
        + " ms | none | "
        + next
        + " |";
  }
}
