package dev.tpmdevid.core.cred;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
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

  /**
   * {@code getInstance(name)} when {@code provider} is null, else {@code getInstance(name,
   * provider)}.
   */
  @FunctionalInterface
  private interface Factory<T, E extends GeneralSecurityException> {
    T get(String name, Provider provider) throws E;
  }

  static Cipher cipher(String transformation) throws GeneralSecurityException {
    return instance(
        CIPHERS,
        transformation,
        (n, p) -> p == null ? Cipher.getInstance(n) : Cipher.getInstance(n, p),
        Cipher::getProvider);
  }

  static Mac mac(String algorithm) throws NoSuchAlgorithmException {
    return instance(
        MACS,
        algorithm,
        (n, p) -> p == null ? Mac.getInstance(n) : Mac.getInstance(n, p),
        Mac::getProvider);
  }

  static MessageDigest digest(String algorithm) throws NoSuchAlgorithmException {
    return instance(
        DIGESTS,
        algorithm,
        (n, p) -> p == null ? MessageDigest.getInstance(n) : MessageDigest.getInstance(n, p),
        MessageDigest::getProvider);
  }

  /** The first call per name asks the JCA and remembers the provider it chose. */
  private static <T, E extends GeneralSecurityException> T instance(
      Map<String, Provider> chosen,
      String name,
      Factory<T, E> factory,
      Function<T, Provider> providerOf)
      throws E {
    Provider p = chosen.get(name);
    if (p != null) {
      return factory.get(name, p);
    }
    T t = factory.get(name, null);
    chosen.putIfAbsent(name, providerOf.apply(t));
    return t;
  }
}
