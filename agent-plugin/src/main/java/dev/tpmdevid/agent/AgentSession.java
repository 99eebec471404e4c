package dev.tpmdevid.agent;

import dev.tpmdevid.core.device.HandleScope;
import dev.tpmdevid.core.device.TpmConnection;
import java.util.Map;
import tss.tpm.CertifyResponse;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMT_SIGNATURE;

/**
 * One tpm_devid attestation on the agent side (docs/protocol.md#agent-tpm-sequence, with fewer TPM
 * commands): the DevID, the AK and the EK are loaded when the session starts ({@link KeyLifecycle})
 * and stay loaded until {@link #close()}, which closes the session's {@link HandleScope}: every
 * transient object and session is flushed on every path. The payload needs the EK certificate
 * ({@link Endorsement}); the challenge is answered by {@link ChallengeAnswer}.
 *
 * <p>First attestation of a process (at most 3 transient objects): CreatePrimary(SRK) · Load(DevID)
 * · Create(AK) · Load(AK) · FlushContext(SRK) · NV_ReadPublic · CreatePrimary(EK) · NV_Read… ·
 * Certify — payload — Sign · StartAuthSession · PolicySecret · ActivateCredential (closes the
 * session) — FlushContext(DevID, AK, EK); plus ContextSave of SRK, DevID, AK and EK. Later
 * attestations of the process ContextLoad DevID, AK and EK instead (12 commands in all, no key
 * derivation). See docs/agent.md.
 *
 * <p>Not thread-safe; one session uses the TPM at a time (see {@link DevIdAttestor#begin()}).
 */
public final class AgentSession implements AutoCloseable {

  private final DevIdSource devId;
  private final TpmConnection connection;
  private final HandleScope scope;
  private final KeyLifecycle keys;
  private final Endorsement endorsement;
  private final ChallengeAnswer answer;
  private final Runnable release;
  private final long started = System.nanoTime();

  private byte[] payload;
  private boolean solved;
  private boolean closed;
  private final byte[] endorsementPassword;
  private long finalCount;
  private Map<String, Long> finalCounts = Map.of();

  AgentSession(
      AgentConfig config,
      DevIdSource devId,
      Endorsement.CertFile ekCertFile,
      ProcessCache cache,
      TpmConnection connection,
      Runnable release) {
    this.devId = devId;
    this.connection = connection;
    this.release = release;
    this.scope = connection.scope();
    this.keys = new KeyLifecycle(connection.tpm(), scope, config, devId, cache);
    this.endorsement = new Endorsement(connection.tpm(), config, ekCertFile, cache);
    this.answer = new ChallengeAnswer(connection, scope, config.endorsementPassword());
    this.endorsementPassword =
        config.endorsementPassword(); // IDevID (issue #17): admin policy of TPM2_Certify
  }

  /**
   * Loads the DevID, loads or creates the AK ({@code resumeAk} first if given) and creates the EK,
   * or ContextLoads all three when this process saved them before ({@code reuse_contexts}).
   */
  void start(AkBlob resumeAk, boolean reuseContexts) throws AgentException {
    keys.checkResumable(resumeAk);
    if (reuseContexts && keys.startFromContexts(resumeAk)) {
      return;
    }
    keys.loadDevIdAndAk(resumeAk);
    keys.createEk(endorsement.resolveType());
    if (reuseContexts) {
      keys.saveContexts();
    }
  }

  /**
   * The attestation payload (JSON of AttestationRequest, byte-identical to the Go agent's
   * encoding). The first call reads the EK certificate and certifies the DevID with the AK.
   */
  public synchronized byte[] payload() throws AgentException {
    ensureOpen();
    if (payload == null) {
      byte[] ekPub = keys.ekPub();
      byte[] ekCert = endorsement.certificate(keys.ekType(), ekPub);
      byte[] certified;
      byte[] signature;
      if (TpmResidentDevId.certifyNeedsPolicy(
          devId.publicArea())) { // IDevID (issue #17): TCG admin policy
        byte[][] c =
            TpmResidentDevId.certify(
                connection, scope, keys.devId(), keys.ak(), endorsementPassword);
        certified = c[0];
        signature = c[1];
      } else {
        CertifyResponse c =
            TpmCalls.call(
                "unable to certify DevID key",
                "TPM2_Certify",
                () ->
                    connection
                        .tpm()
                        .Certify(keys.devId(), keys.ak(), new byte[0], new TPMS_NULL_SIG_SCHEME()));
        certified = c.certifyInfo.toTpm();
        signature = new TPMT_SIGNATURE(c.signature).toTpm();
      }
      payload =
          Payloads.attestationRequest(
              devId.certificateChain(),
              devId.publicArea().encode(),
              ekCert,
              ekPub,
              keys.akBlob().pub(),
              certified,
              signature);
    }
    return payload.clone();
  }

  /**
   * Answers the server's challenge (JSON of ChallengeRequest): signs the nonce with the DevID key
   * and activates the credential with the AK and EK. Returns the JSON of ChallengeResponse. One
   * challenge per session.
   */
  public synchronized byte[] solve(byte[] challengeJson) throws AgentException {
    ensureOpen();
    if (solved) {
      throw new AgentException(
          AgentException.Kind.CHALLENGE, "a second challenge on the same attestation");
    }
    solved = true;
    Payloads.Challenge challenge = Payloads.challenge(challengeJson);
    byte[] popSignature = answer.signNonce(keys.devId(), devId.publicArea(), challenge.nonce());
    byte[] secret =
        answer.activateCredential(keys.ak(), keys.ek(), challenge.credential(), challenge.secret());
    return Payloads.challengeResponse(popSignature, secret);
  }

  /** The attestation key as blobs (to save it for a later {@link DevIdAttestor#resume(AkBlob)}). */
  public AkBlob attestationKey() {
    return keys.akBlob();
  }

  /**
   * TPM commands sent since the TPM was opened for this session (incl. the open probe and, after
   * close, the flushes).
   */
  public long tpmCommands() {
    return closed ? finalCount : connection.commandCount();
  }

  /** Commands per command name (e.g. {@code Sign → 1}) so far. */
  public Map<String, Long> tpmCommandCounts() {
    return closed ? finalCounts : connection.commandCounts();
  }

  /** Wall time since the session started, in milliseconds. */
  public double elapsedMillis() {
    return (System.nanoTime() - started) / 1e6;
  }

  /** Flushes every transient object and session still loaded and closes the TPM. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      scope.close();
    } finally {
      try {
        finalCount = connection.commandCount();
        finalCounts = connection.commandCounts();
      } catch (RuntimeException e) {
        finalCount = -1;
      }
      try {
        connection.close();
      } finally {
        release.run();
      }
    }
  }

  boolean isClosed() {
    return closed;
  }

  private void ensureOpen() throws AgentException {
    if (closed) {
      throw new AgentException(AgentException.Kind.INTERNAL, "attestation session already closed");
    }
  }
}
