package dev.tpmdevid.agent;

import dev.tpmdevid.core.tpm.TpmtPublic;
import java.util.List;
import tss.Tpm;
import tss.tpm.TPM_HANDLE;

/**
 * Where the DevID key comes from: the one seam between the configuration and the TPM session. A
 * source knows at Configure what goes on the wire (certificate chain, public area, both checked
 * there) and, per attestation, makes the key usable in the TPM. Today's source is {@link
 * DevIdFiles} (SPIRE's {@code devid_*_path} blobs, loaded under the SRK); other sources (a
 * persistent handle, a primary key from a template, a certificate from NV) plug in here and in
 * {@link #fromConfig}.
 */
interface DevIdSource {

  /** DER certificates, leaf first, exactly as sent ({@code DevIDCert}). */
  List<byte[]> certificateChain();

  /**
   * The DevID's public area, parsed by tpm-core's strict parser (the server's); {@code encode()} is
   * {@code DevIDPub} on the wire. Checked at Configure to be a signing key the server verifies
   * ({@link DevIdFiles#checkSigningKey}).
   */
  TpmtPublic publicArea();

  /**
   * Makes the key usable for one attestation. The returned handle carries the DevID's auth value. A
   * transient handle (0x80…) must be tracked by {@code tpm.scope()}, so it is flushed with the
   * session; any other handle (e.g. a persistent one) is left alone.
   */
  TPM_HANDLE load(LoadContext tpm) throws AgentException;

  /**
   * What a source may use while loading: the TPM, the session's handle scope and the storage root.
   */
  interface LoadContext {
    Tpm tpm();

    dev.tpmdevid.core.device.HandleScope scope();

    /** The SRK for this DevID's type (created on first use, or the configured persistent one). */
    TPM_HANDLE storageRoot() throws AgentException;

    /** {@code devid_password} (empty if unset). */
    byte[] devIdPassword();
  }

  /** The source the configuration names. */
  static DevIdSource fromConfig(AgentConfig config) throws AgentException {
    return DevIdFiles.load(config.devIdCertPath(), config.devIdPrivPath(), config.devIdPubPath());
  }
}
