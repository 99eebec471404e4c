package dev.tpmdevid.agent;

import dev.tpmdevid.core.device.TpmConnection;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The agent half of tpm_devid as a plain Java API, without gRPC: built from an {@link AgentConfig}
 * (the DevID files are read here, once, into a {@link DevIdSource}), it starts one {@link
 * AgentSession} per attestation. Data flows one way: configuration → attestor → session; sessions
 * never call back into the attestor.
 *
 * <pre>{@code
 * DevIdAttestor attestor = DevIdAttestor.create(config);
 * try (AgentSession s = attestor.begin()) {
 *     byte[] payload = s.payload();             // -> server
 *     byte[] response = s.solve(challengeJson); // <- server's challenge, -> server
 * }
 * }</pre>
 *
 * <p>Held across attestations of one process ({@link ProcessCache}): the AK blobs when {@code
 * reuse_ak} is on, saved TPM contexts when {@code reuse_contexts} is on, the EK certificate
 * together with the EK public area it was checked against, the resolved EK type and the TPM's NV
 * buffer size. Thread-safe; sessions are serialised because a TPM without resource manager (swtpm,
 * /dev/tpm0) serves one client and has 3 object slots.
 */
public final class DevIdAttestor {

  private static final long BUSY_WAIT_SECONDS = 60;

  private final AgentConfig config;
  private final DevIdSource devId;
  private final Endorsement.CertFile ekCertFile;
  private final String devicePath;
  private final Function<String, TpmConnection> opener;
  private final ProcessCache cache = new ProcessCache();
  private final Semaphore tpmInUse = new Semaphore(1, true);

  private DevIdAttestor(
      AgentConfig config,
      DevIdSource devId,
      Endorsement.CertFile ekCertFile,
      String devicePath,
      Function<String, TpmConnection> opener) {
    this.config = config;
    this.devId = devId;
    this.ekCertFile = ekCertFile;
    this.devicePath = devicePath;
    this.opener = opener;
  }

  /**
   * Reads and checks the DevID files (and {@code ek_cert_path}) and resolves the TPM device path
   * (autodetection when unset). Does not touch the TPM, except with the IDevID options
   * (docs/idevid.md): then it reads the key's public area and/or the NV certificate chain once,
   * here.
   */
  public static DevIdAttestor create(AgentConfig config) throws AgentException {
    DevIdSource source =
        config.idevid().any() // IDevID (issue #17): reads the TPM once, docs/idevid.md
            ? TpmResidentDevId.resolve(
                config, Connections::open, devicePath(config, Path.of("/dev")))
            : DevIdSource.fromConfig(config);
    return create(config, source, Connections::open, Path.of("/dev"));
  }

  /** {@code tpm_device_path}, or the autodetected device. */
  private static String devicePath(AgentConfig config, Path devDir) throws AgentException {
    return config.tpmDevicePath() != null
        ? config.tpmDevicePath()
        : DeviceAutodetect.detect(devDir);
  }

  static DevIdAttestor create(
      AgentConfig config, DevIdSource devId, Function<String, TpmConnection> opener, Path devDir)
      throws AgentException {
    Endorsement.CertFile ekCertFile = Endorsement.CertFile.load(config);
    return new DevIdAttestor(config, devId, ekCertFile, devicePath(config, devDir), opener);
  }

  public AgentConfig config() {
    return config;
  }

  /** The TPM path in use (configured or autodetected). */
  public String devicePath() {
    return devicePath;
  }

  /** The DevID certificate chain (DER, leaf first) as it will be sent. */
  public List<byte[]> devIdCertificates() {
    return devId.certificateChain();
  }

  /** Where the DevID comes from. */
  DevIdSource devIdSource() {
    return devId;
  }

  /**
   * Opens the TPM and prepares a new attestation (DevID, AK and EK loaded). Close the session when
   * done.
   */
  public AgentSession begin() throws AgentException {
    return open(null);
  }

  /**
   * Like {@link #begin()}, but loads the given attestation key instead of creating one: for
   * answering, in a new process, the challenge to a payload sent by an earlier process ({@link
   * AgentSession#attestationKey()}).
   */
  public AgentSession resume(AkBlob ak) throws AgentException {
    return open(ak);
  }

  private AgentSession open(AkBlob ak) throws AgentException {
    try {
      if (!tpmInUse.tryAcquire(BUSY_WAIT_SECONDS, TimeUnit.SECONDS)) {
        throw new AgentException(
            AgentException.Kind.TPM,
            "another attestation has been using the TPM for more than " + BUSY_WAIT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentException(
          AgentException.Kind.INTERNAL, "interrupted while waiting for the TPM");
    }
    AgentSession session = null;
    try {
      TpmConnection connection = openConnection();
      session = new AgentSession(config, devId, ekCertFile, cache, connection, tpmInUse::release);
      session.start(ak, config.reuseContexts());
      return session;
    } catch (AgentException | RuntimeException e) {
      if (session != null) {
        session.close();
      } else {
        tpmInUse.release();
      }
      throw e;
    }
  }

  private TpmConnection openConnection() throws AgentException {
    try {
      return opener.apply(devicePath);
    } catch (Connections.OpenFailure e) {
      throw e.toAgentException();
    }
  }
}
