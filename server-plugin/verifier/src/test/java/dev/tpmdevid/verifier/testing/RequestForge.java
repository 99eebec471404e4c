package dev.tpmdevid.verifier.testing;

import dev.tpmdevid.core.wire.AttestationRequest;
import java.util.List;

/**
 * A copy of a software agent's genuine AttestationRequest whose members a test replaces one at a
 * time before {@link #json()}: the forged payloads of the attack and API tests.
 */
public final class RequestForge {
  public List<byte[]> devIdCert;
  public byte[] devIdPub;
  public byte[] ekCert;
  public byte[] ekPub;
  public byte[] akPub;
  public byte[] certified;
  public byte[] signature;

  public RequestForge(SoftwareAgent a) {
    AttestationRequest r = a.attestationRequest();
    devIdCert = r.devIdCert();
    devIdPub = r.devIdPub();
    ekCert = r.ekCert();
    ekPub = r.ekPub();
    akPub = r.akPub();
    certified = r.certifiedDevId();
    signature = r.certificationSignature();
  }

  /** The request with the current members, as the agent's JSON. */
  public byte[] json() {
    return new AttestationRequest(devIdCert, devIdPub, ekCert, ekPub, akPub, certified, signature)
        .toJson();
  }
}
