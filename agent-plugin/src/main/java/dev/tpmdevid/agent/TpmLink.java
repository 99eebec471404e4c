package dev.tpmdevid.agent;

import tss.Tpm;

/** The agent's view of an open TPM: the TSS.Java command interface and the device layer's command counter. */
interface TpmLink extends AutoCloseable {

    Tpm tpm();

    /** TPM commands sent on this link so far (retries of TPM_RC_RETRY not counted twice). */
    long commandCount();

    @Override
    void close();
}
