package dev.tpmdevid.core.tpm;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** JCA message digests for TPM hash algorithms. */
final class Digests {
  private Digests() {}

  /**
   * @throws IllegalArgumentException if the algorithm is not a supported hash
   */
  static MessageDigest get(int hashAlg) {
    try {
      return MessageDigest.getInstance(TpmAlg.jcaDigestName(hashAlg));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("JCA provider lacks " + TpmAlg.name(hashAlg), e);
    }
  }
}
