/**
 * The three tpm_devid JSON messages (docs/protocol.md#messages) with Go {@code encoding/json}
 * output and decoder semantics: {@link dev.tpmdevid.core.wire.AttestationRequest}, {@link
 * dev.tpmdevid.core.wire.ChallengeRequest} (+ {@link dev.tpmdevid.core.wire.CredActivation}) and
 * {@link dev.tpmdevid.core.wire.ChallengeResponse}. Decoding throws only {@link
 * dev.tpmdevid.core.wire.WireFormatException}; the payload size limit is the caller's.
 */
package dev.tpmdevid.core.wire;
