package dev.tpmdevid.agent;

import dev.tpmdevid.plugin.ConfigHandler;
import io.grpc.BindableService;
import io.grpc.StatusException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Configure/Validate of the agent plugin. A configuration is applied atomically: the files are read
 * and checked first, then the new {@link DevIdAttestor} replaces the old one (its certificate list
 * is replaced, never appended to — unlike SPIRE's agent, docs/protocol.md#go-agent-quirks).
 */
public final class AgentPlugin implements ConfigHandler {

  private final AtomicReference<DevIdAttestor> current = new AtomicReference<>();
  private final NodeAttestorService service = new NodeAttestorService(current::get);

  /** The agent NodeAttestor gRPC service bound to this plugin's configuration. */
  public BindableService service() {
    return service;
  }

  /** The attestor of the configuration in force, {@code null} before the first Configure. */
  public DevIdAttestor attestor() {
    return current.get();
  }

  @Override
  public void configure(String trustDomain, String hcl) throws StatusException {
    DevIdAttestor next = build(hcl);
    for (String key : AgentConfig.unknownKeys(hcl)) {
      Log.warn("unknown configuration key ignored", "key", key);
    }
    current.set(next);
    Log.info(
        "configured",
        "config",
        next.config().toString(),
        "tpm",
        next.devicePath(),
        "devid_certificates",
        next.devIdCertificates().size());
  }

  @Override
  public List<String> validate(String trustDomain, String hcl) throws StatusException {
    build(hcl);
    List<String> notes = new ArrayList<>();
    Set<String> unknown = AgentConfig.unknownKeys(hcl);
    for (String key : unknown) {
      notes.add("unknown configuration key \"" + key + "\" is ignored");
    }
    return notes;
  }

  private static DevIdAttestor build(String hcl) throws StatusException {
    try {
      return DevIdAttestor.create(AgentConfig.fromHcl(hcl));
    } catch (AgentException e) {
      throw NodeAttestorService.toStatus(e).asException();
    }
  }
}
