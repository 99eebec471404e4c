package dev.tpmdevid.core.tpm;

import java.util.Map;

/**
 * TPM_ALG_ID and TPM_ECC_CURVE constants (TPM 2.0 Part 2 §6.3, §6.4; docs/protocol.md#constants),
 * with names for messages, digest sizes and JCA names.
 */
public final class TpmAlg {
  private TpmAlg() {}

  public static final int ERROR = 0x0000;
  public static final int RSA = 0x0001;
  public static final int SHA1 = 0x0004;
  public static final int HMAC = 0x0005;
  public static final int AES = 0x0006;
  public static final int MGF1 = 0x0007;
  public static final int KEYEDHASH = 0x0008;
  public static final int XOR = 0x000A;
  public static final int SHA256 = 0x000B;
  public static final int SHA384 = 0x000C;
  public static final int SHA512 = 0x000D;
  public static final int NULL = 0x0010;
  public static final int SM3_256 = 0x0012;
  public static final int SM4 = 0x0013;
  public static final int RSASSA = 0x0014;
  public static final int RSAES = 0x0015;
  public static final int RSAPSS = 0x0016;
  public static final int OAEP = 0x0017;
  public static final int ECDSA = 0x0018;
  public static final int ECDH = 0x0019;
  public static final int ECDAA = 0x001A;
  public static final int SM2 = 0x001B;
  public static final int ECSCHNORR = 0x001C;
  public static final int ECMQV = 0x001D;
  public static final int KDF1_SP800_56A = 0x0020;
  public static final int KDF2 = 0x0021;
  public static final int KDF1_SP800_108 = 0x0022;
  public static final int ECC = 0x0023;
  public static final int SYMCIPHER = 0x0025;
  public static final int CAMELLIA = 0x0026;
  public static final int SHA3_256 = 0x0027;
  public static final int SHA3_384 = 0x0028;
  public static final int SHA3_512 = 0x0029;
  public static final int CTR = 0x0040;
  public static final int OFB = 0x0041;
  public static final int CBC = 0x0042;
  public static final int CFB = 0x0043;
  public static final int ECB = 0x0044;

  /** TPM_ECC_CURVE values. */
  public static final int ECC_NIST_P192 = 0x0001;

  public static final int ECC_NIST_P224 = 0x0002;
  public static final int ECC_NIST_P256 = 0x0003;
  public static final int ECC_NIST_P384 = 0x0004;
  public static final int ECC_NIST_P521 = 0x0005;
  public static final int ECC_BN_P256 = 0x0010;
  public static final int ECC_BN_P638 = 0x0011;
  public static final int ECC_SM2_P256 = 0x0020;

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(ERROR, "ERROR"),
          Map.entry(RSA, "RSA"),
          Map.entry(SHA1, "SHA1"),
          Map.entry(HMAC, "HMAC"),
          Map.entry(AES, "AES"),
          Map.entry(MGF1, "MGF1"),
          Map.entry(KEYEDHASH, "KEYEDHASH"),
          Map.entry(XOR, "XOR"),
          Map.entry(SHA256, "SHA256"),
          Map.entry(SHA384, "SHA384"),
          Map.entry(SHA512, "SHA512"),
          Map.entry(NULL, "NULL"),
          Map.entry(SM3_256, "SM3_256"),
          Map.entry(SM4, "SM4"),
          Map.entry(RSASSA, "RSASSA"),
          Map.entry(RSAES, "RSAES"),
          Map.entry(RSAPSS, "RSAPSS"),
          Map.entry(OAEP, "OAEP"),
          Map.entry(ECDSA, "ECDSA"),
          Map.entry(ECDH, "ECDH"),
          Map.entry(ECDAA, "ECDAA"),
          Map.entry(SM2, "SM2"),
          Map.entry(ECSCHNORR, "ECSCHNORR"),
          Map.entry(ECMQV, "ECMQV"),
          Map.entry(KDF1_SP800_56A, "KDF1_SP800_56A"),
          Map.entry(KDF2, "KDF2"),
          Map.entry(KDF1_SP800_108, "KDF1_SP800_108"),
          Map.entry(ECC, "ECC"),
          Map.entry(SYMCIPHER, "SYMCIPHER"),
          Map.entry(CAMELLIA, "CAMELLIA"),
          Map.entry(SHA3_256, "SHA3_256"),
          Map.entry(SHA3_384, "SHA3_384"),
          Map.entry(SHA3_512, "SHA3_512"),
          Map.entry(CTR, "CTR"),
          Map.entry(OFB, "OFB"),
          Map.entry(CBC, "CBC"),
          Map.entry(CFB, "CFB"),
          Map.entry(ECB, "ECB"));

  private static final Map<Integer, String> CURVE_NAMES =
      Map.of(
          ECC_NIST_P192, "NIST_P192",
          ECC_NIST_P224, "NIST_P224",
          ECC_NIST_P256, "NIST_P256",
          ECC_NIST_P384, "NIST_P384",
          ECC_NIST_P521, "NIST_P521",
          ECC_BN_P256, "BN_P256",
          ECC_BN_P638, "BN_P638",
          ECC_SM2_P256, "SM2_P256");

  /** {@code 0x000B (SHA256)}; unknown values as {@code 0x1234 (unknown)}. For messages. */
  public static String name(int alg) {
    return hex(alg) + " (" + NAMES.getOrDefault(alg, "unknown") + ")";
  }

  /** {@code 0x0003 (NIST_P256)}; for messages. */
  public static String curveName(int curve) {
    return hex(curve) + " (" + CURVE_NAMES.getOrDefault(curve, "unknown") + ")";
  }

  static String hex(int v) {
    return String.format("0x%04X", v);
  }

  /** True for the hash algorithms this library can compute (SHA-1, SHA-256, SHA-384, SHA-512). */
  public static boolean isSupportedHash(int alg) {
    return alg == SHA1 || alg == SHA256 || alg == SHA384 || alg == SHA512;
  }

  /**
   * Digest size in bytes of a TPM hash algorithm (including SM3_256 and SHA3, whose Names may
   * appear in structures), or 0 if {@code alg} is not a hash algorithm.
   */
  public static int digestSize(int alg) {
    switch (alg) {
      case SHA1:
        return 20;
      case SHA256:
      case SM3_256:
      case SHA3_256:
        return 32;
      case SHA384:
      case SHA3_384:
        return 48;
      case SHA512:
      case SHA3_512:
        return 64;
      default:
        return 0;
    }
  }

  /**
   * JCA {@code MessageDigest} name of a supported hash ({@code "SHA-256"}).
   *
   * @throws IllegalArgumentException if {@link #isSupportedHash} is false
   */
  public static String jcaDigestName(int alg) {
    switch (alg) {
      case SHA1:
        return "SHA-1";
      case SHA256:
        return "SHA-256";
      case SHA384:
        return "SHA-384";
      case SHA512:
        return "SHA-512";
      default:
        throw new IllegalArgumentException("no JCA digest for hash algorithm " + name(alg));
    }
  }

  /** Coordinate size in bytes of a NIST curve, or 0 for other curves. */
  public static int curveByteSize(int curve) {
    switch (curve) {
      case ECC_NIST_P256:
        return 32;
      case ECC_NIST_P384:
        return 48;
      case ECC_NIST_P521:
        return 66;
      default:
        return 0;
    }
  }

  /** JCA standard name of a curve supported by {@link TpmtPublic#toPublicKey}, or null. */
  static String jcaCurveName(int curve) {
    switch (curve) {
      case ECC_NIST_P256:
        return "secp256r1";
      case ECC_NIST_P384:
        return "secp384r1";
      default:
        return null;
    }
  }
}
