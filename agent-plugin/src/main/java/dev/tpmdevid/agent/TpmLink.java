package dev.tpmdevid.agent;

import java.util.Map;

import tss.Tpm;

/** The agent's view of an open TPM: the TSS.Java command interface and the device layer's command counters. */
interface TpmLink extends AutoCloseable {

    Tpm tpm();

    /** TPM commands sent on this link so far, including the open probe (retries of TPM_RC_RETRY not counted). */
    long commandCount();

    /** Commands sent per command name. */
    Map<String, Long> commandCounts();

    @Override
    void close();
}
