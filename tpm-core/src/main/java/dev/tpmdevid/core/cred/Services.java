package dev.tpmdevid.core.cred;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.Mac;

/**
 * New {@link Cipher}, {@link Mac} and {@link MessageDigest} instances for the credential code from
 * the provider the JCA picks for the algorithm, looked up once per algorithm: a plain {@code
 * getInstance(name)} walks the provider list on every call (a profile of the server had these
 * lookups at several percent of an attestation). The instances are new on every call (they are not
 * thread-safe); only the provider is shared.
 */
final class Services {
  private static final Map<String, Provider> CIPHERS = new ConcurrentHashMap<>();
  private static final Map<String, Provider> MACS = new ConcurrentHashMap<>();
  private static final Map<String, Provider> DIGESTS = new ConcurrentHashMap<>();

  private Services() {}

  static Cipher cipher(String transformation) throws GeneralSecurityException {
    Provider p = CIPHERS.get(transformation);
    if (p == null) {
      Cipher c = Cipher.getInstance(transformation);
      CIPHERS.putIfAbsent(transformation, c.getProvider());
      return c;
    }
    return Cipher.getInstance(transformation, p);
  }

  static Mac mac(String algorithm) throws NoSuchAlgorithmException {
    Provider p = MACS.get(algorithm);
    if (p == null) {
      Mac m = Mac.getInstance(algorithm);
      MACS.putIfAbsent(algorithm, m.getProvider());
      return m;
    }
    return Mac.getInstance(algorithm, p);
  }

  static MessageDigest digest(String algorithm) throws NoSuchAlgorithmException {
    Provider p = DIGESTS.get(algorithm);
    if (p == null) {
      MessageDigest d = MessageDigest.getInstance(algorithm);
      DIGESTS.putIfAbsent(algorithm, d.getProvider());
      return d;
    }
    return MessageDigest.getInstance(algorithm, p);
  }
}
