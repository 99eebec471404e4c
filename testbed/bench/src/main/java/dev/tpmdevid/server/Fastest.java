package dev.tpmdevid.server;

import java.security.Provider;
import java.security.Security;

/**
 * The fastest provider per primitive, as measured by {@link PrimitivesBench} on the benchmark
 * machine (see docs/performance.md): the floor must not be slowed by a slow provider. One
 * exception: ECDH with the server's secret ephemeral scalar stays on SunEC, the fastest
 * <em>constant-time</em> one (Bouncy Castle's variable-base multiplication is wNAF, its timing
 * depends on the scalar); the ephemeral key generation is Bouncy Castle's fixed-base comb, regular
 * in the scalar, as in tpm-core's MakeCredential.
 */
final class Fastest {
  static final Provider SUN_EC = Security.getProvider("SunEC");
  static final Provider SUN_RSA = Security.getProvider("SunRsaSign");
  static final Provider SUN_JCE = Security.getProvider("SunJCE");

  static final Provider ECDSA_VERIFY = Floor.BC;
  static final Provider ECDH = SUN_EC;
  static final Provider EC_KEYGEN = Floor.BC;
  static final Provider RSA_VERIFY = SUN_RSA;
  static final Provider RSA_OAEP = SUN_JCE;

  private Fastest() {}
}
