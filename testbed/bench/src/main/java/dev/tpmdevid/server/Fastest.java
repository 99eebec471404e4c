package dev.tpmdevid.server;

import java.security.Provider;
import java.security.Security;

/**
 * The fastest provider per primitive, as measured by {@link PrimitivesBench} on the benchmark machine
 * (see docs/performance.md): the floor must not be slowed by a slow provider.
 */
final class Fastest {
  static final Provider SUN_EC = Security.getProvider("SunEC");
  static final Provider SUN_RSA = Security.getProvider("SunRsaSign");
  static final Provider SUN_JCE = Security.getProvider("SunJCE");

  static final Provider ECDSA_VERIFY = Floor.BC;
  static final Provider ECDH = Floor.BC;
  static final Provider EC_KEYGEN = Floor.BC;
  static final Provider RSA_VERIFY = SUN_RSA;
  static final Provider RSA_OAEP = SUN_JCE;

  private Fastest() {}
}
