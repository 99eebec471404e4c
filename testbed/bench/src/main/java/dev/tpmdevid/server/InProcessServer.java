package dev.tpmdevid.server;

import dev.tpmdevid.verifier.AttestationVerifier;
import dev.tpmdevid.verifier.testing.SoftwareAgent;

/** Our server pipeline called directly (no gRPC, no process): the in-process reference rate. */
public final class InProcessServer {
  private final ServerConfig config;
  private final AttestationVerifier verifier =
      new AttestationVerifier(new java.security.SecureRandom());

  public InProcessServer(SoftwareAgent agent) throws Exception {
    config = ServerCpuBench.configure(agent);
  }

  /** One attestation of {@code agent}; returns the agent ID. */
  public String attest(SoftwareAgent agent, byte[] payload) throws Exception {
    AttestationVerifier.Pending p = verifier.verifyPayload(config, payload);
    byte[] response = agent.respond(p.challenge());
    return AttestationVerifier.verifyResponse(p, response).agentId(config.trustDomain());
  }
}
