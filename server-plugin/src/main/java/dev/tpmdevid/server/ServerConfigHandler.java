package dev.tpmdevid.server;

import dev.tpmdevid.plugin.ConfigHandler;
import dev.tpmdevid.plugin.PluginLog;
import io.grpc.StatusException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Applies configurations atomically (docs/plugin-protocol.md#configure): a new {@link ServerConfig}
 * replaces the old one in one reference swap only after it was completely loaded; streams already
 * running keep the snapshot they started with. {@code validate} runs the same checks without
 * applying.
 */
final class ServerConfigHandler implements ConfigHandler {
  private static final PluginLog LOG = PluginLog.get("tpm_devid");

  private final AtomicReference<ServerConfig> current = new AtomicReference<>();
  private final Clock clock;

  ServerConfigHandler(Clock clock) {
    this.clock = clock;
  }

  /** The configuration in force, or null before the first successful {@code configure}. */
  ServerConfig current() {
    return current.get();
  }

  @Override
  public void configure(String trustDomain, String hcl) throws StatusException {
    ServerConfigLoader.Loaded loaded = ServerConfigLoader.load(trustDomain, hcl, clock);
    for (String note : loaded.notes()) {
      LOG.warn(note);
    }
    ServerConfig old = current.getAndSet(loaded.config());
    if (old != null) {
      old.closeRevocation();
    }
    LOG.info(
        "tpm_devid server configured",
        "devid_anchors",
        loaded.config().devIdRoots().size(),
        "endorsement_anchors",
        loaded.config().endorsementRoots().size(),
        "challenge_timeout",
        loaded.config().challengeTimeout().toString(),
        "max_payload_bytes",
        loaded.config().maxPayloadBytes(),
        "allow_ecc_ek",
        loaded.config().allowEccEk(),
        "allow_ecc_ak",
        loaded.config().allowEccAk(),
        "devid_crls",
        crlCount(loaded.config().devIdRevocation()),
        "endorsement_crls",
        crlCount(loaded.config().endorsementRevocation()));
  }

  @Override
  public List<String> validate(String trustDomain, String hcl) throws StatusException {
    return ServerConfigLoader.load(trustDomain, hcl, clock, false).notes();
  }

  /** Number of CRLs loaded, or "off" without that option. */
  private static Object crlCount(dev.tpmdevid.verifier.x509.RevocationStore s) {
    return s == null ? "off" : s.crlCount();
  }
}
