/**
 * TPM 2.0 structures the tpm_devid protocol carries (docs/protocol.md#tpm-structures): {@link
 * dev.tpmdevid.core.tpm.TpmtPublic}, {@link dev.tpmdevid.core.tpm.TpmsAttest} (CERTIFY), {@link
 * dev.tpmdevid.core.tpm.TpmtSignature}, {@link dev.tpmdevid.core.tpm.TpmName}, with {@link
 * dev.tpmdevid.core.tpm.TpmAlg} constants and {@link dev.tpmdevid.core.tpm.ObjectAttributes}.
 *
 * <p>The server parses these from untrusted input. Every parser is strict (each length checked
 * before allocation, unsupported algorithms and types rejected, trailing bytes rejected), accepts
 * only canonical encodings (accepted input re-encodes byte-exactly), and throws only {@link
 * dev.tpmdevid.core.tpm.TpmFormatException}, whose message names the field and byte offset.
 */
package dev.tpmdevid.core.tpm;
