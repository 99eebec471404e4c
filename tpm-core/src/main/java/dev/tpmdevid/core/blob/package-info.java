/** DevID key blob files in SPIRE raw or tpm2-tools TPM2B format (docs/tpm-access.md#key-files). */
package dev.tpmdevid.core.blob;
