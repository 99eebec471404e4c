package dev.tpmdevid.verifier.x509;

import java.nio.ByteBuffer;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CA keys (trust anchors and intermediates) in the form the ECDSA verifier works fastest with: an
 * EC key as a Bouncy Castle key object, converted once per distinct key. Bouncy Castle keeps its
 * point precomputation on the point objects of the key it verifies with; a JDK key is converted
 * again on every verify, so the CA key's precomputation was rebuilt for every certificate the CA
 * signed (docs/performance.md). Only issuer keys come here: the keys of a deployment's CAs, the
 * same for every node. RSA keys are returned as they are.
 */
final class IssuerKeys {
  /** Distinct keys kept; the map empties when full. */
  static final int MAX_KEYS = 64;

  private static final Map<ByteBuffer, PublicKey> CONVERTED = new ConcurrentHashMap<>();

  private IssuerKeys() {}

  /** The key to verify a certificate signature with; {@code key} itself when nothing is gained. */
  static PublicKey forVerify(PublicKey key) {
    if (!(key instanceof ECPublicKey) || key instanceof org.bouncycastle.jce.interfaces.ECKey) {
      return key;
    }
    byte[] encoded = key.getEncoded();
    if (encoded == null) {
      return key;
    }
    ByteBuffer id = ByteBuffer.wrap(encoded);
    PublicKey converted = CONVERTED.get(id);
    if (converted == null) {
      try {
        converted =
            KeyFactory.getInstance("EC", CertificateParser.Bc.PROVIDER)
                .generatePublic(new X509EncodedKeySpec(encoded));
      } catch (java.security.GeneralSecurityException | RuntimeException e) {
        return key; // the verify with the JDK key reports the problem
      }
      if (CONVERTED.size() >= MAX_KEYS) {
        CONVERTED.clear();
      }
      CONVERTED.put(id, converted);
    }
    return converted;
  }
}
