/** DevID key blob files in SPIRE raw or tpm2-tools TPM2B format (spec 04 §8.2). */
package dev.tpmdevid.core.blob;
