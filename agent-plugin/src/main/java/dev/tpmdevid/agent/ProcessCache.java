package dev.tpmdevid.agent;

/**
 * What one {@link DevIdAttestor} keeps across the attestations of its process (all public data,
 * except the AK's random authValue inside the AK blob and the saved contexts): the AK blobs when
 * {@code reuse_ak} is on, the saved TPM contexts when {@code reuse_contexts} is on, the resolved EK
 * type, the EK certificate together with the EK public area it was checked against, and the TPM's
 * NV buffer size. Sessions read and update it; they never call back into the attestor. Fields are
 * volatile: sessions are serialised, but may run on different threads.
 */
final class ProcessCache {

  volatile AkBlob ak;
  volatile SavedContexts contexts;
  volatile AgentConfig.EkType ekType;
  volatile byte[] ekPub;
  volatile byte[] ekCert;
  volatile int nvBufferMax;
}
