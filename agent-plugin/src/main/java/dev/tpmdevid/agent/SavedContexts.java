package dev.tpmdevid.agent;

/**
 * TPM2_ContextSave blobs of this process's objects, so later attestations ContextLoad them instead
 * of re-deriving the SRK and EK (an RSA prime search each) and re-loading the DevID and AK. A saved
 * context is encrypted and integrity-protected by the TPM, loadable only on that TPM and only until
 * it is reset; using the objects still needs their authorisation (DevID password, AK auth,
 * PolicySecret with the endorsement password for the EK). Any load failure discards the set and the
 * keys are made from the templates again.
 *
 * @param srk SRK context, {@code null} with a persistent SRK
 * @param srkAuth the SRK's random authValue
 * @param ak AK context, {@code null} when the AK is not reused
 */
record SavedContexts(
    byte[] srk,
    byte[] srkAuth,
    byte[] devId,
    byte[] ak,
    AkBlob akBlob,
    byte[] ek,
    byte[] ekPub,
    AgentConfig.EkType ekType) {}
