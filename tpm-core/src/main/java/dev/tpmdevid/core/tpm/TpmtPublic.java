package dev.tpmdevid.core.tpm;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECField;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Objects;

/**
 * TPMT_PUBLIC for RSA and ECC objects (TPM 2.0 Part 2 §12.2.4; docs/protocol.md#tpmt-public).
 *
 * <p>Immutable and validated at construction: the nameAlg is NULL or a supported hash, no reserved
 * attribute bit is set, authPolicy is empty or one nameAlg digest, the symmetric and scheme
 * definitions are allowed for the type, RSA key sizes are 1024/2048/3072/4096 bits, ECC curves are
 * NIST P-256/P-384/P-521, and the unique field is empty (a template) or exactly the key size.
 * {@link #parse} accepts exactly the encodings of such values, nothing more, and {@link #encode}
 * reproduces the parsed bytes.
 */
public final class TpmtPublic {
  static final int MAX_DIGEST = 64;
  static final int MAX_RSA_BYTES = 512;
  static final int MAX_ECC_BYTES = 128;

  /** TPMT_SYM_DEF_OBJECT. For {@link TpmAlg#NULL}, keyBits is 0 and mode is NULL. */
  public record Symmetric(int algorithm, int keyBits, int mode) {
    public static final Symmetric NULL = new Symmetric(TpmAlg.NULL, 0, TpmAlg.NULL);
    public static final Symmetric AES_128_CFB = new Symmetric(TpmAlg.AES, 128, TpmAlg.CFB);
    public static final Symmetric AES_256_CFB = new Symmetric(TpmAlg.AES, 256, TpmAlg.CFB);

    public Symmetric {
      String p = problem(algorithm, keyBits, mode);
      if (p != null) {
        throw new IllegalArgumentException("symmetric: " + p);
      }
    }

    static String problem(int algorithm, int keyBits, int mode) {
      switch (algorithm) {
        case TpmAlg.NULL:
          return keyBits == 0 && mode == TpmAlg.NULL ? null : "NULL takes no keyBits or mode";
        case TpmAlg.AES:
        case TpmAlg.CAMELLIA:
          if (keyBits != 128 && keyBits != 192 && keyBits != 256) {
            return "unsupported keyBits " + keyBits + " for " + TpmAlg.name(algorithm);
          }
          break;
        case TpmAlg.SM4:
          if (keyBits != 128) {
            return "unsupported keyBits " + keyBits + " for " + TpmAlg.name(algorithm);
          }
          break;
        default:
          return "unsupported algorithm " + TpmAlg.name(algorithm);
      }
      switch (mode) {
        case TpmAlg.CTR:
        case TpmAlg.OFB:
        case TpmAlg.CBC:
        case TpmAlg.CFB:
        case TpmAlg.ECB:
        case TpmAlg.NULL:
          return null;
        default:
          return "unsupported mode " + TpmAlg.name(mode);
      }
    }

    boolean isNull() {
      return algorithm == TpmAlg.NULL;
    }

    @Override
    public String toString() {
      return isNull() ? "NULL" : TpmAlg.name(algorithm) + "-" + keyBits + "-" + TpmAlg.name(mode);
    }
  }

  /**
   * A scheme with a hash: TPMT_RSA_SCHEME, TPMT_ECC_SCHEME or TPMT_KDF_SCHEME. For {@link
   * TpmAlg#NULL} and RSAES (which carry no details) hashAlg is NULL.
   */
  public record Scheme(int algorithm, int hashAlg) {
    public static final Scheme NULL = new Scheme(TpmAlg.NULL, TpmAlg.NULL);
    public static final Scheme RSASSA_SHA256 = new Scheme(TpmAlg.RSASSA, TpmAlg.SHA256);
    public static final Scheme RSAPSS_SHA256 = new Scheme(TpmAlg.RSAPSS, TpmAlg.SHA256);
    public static final Scheme ECDSA_SHA256 = new Scheme(TpmAlg.ECDSA, TpmAlg.SHA256);
    public static final Scheme ECDSA_SHA384 = new Scheme(TpmAlg.ECDSA, TpmAlg.SHA384);

    public Scheme {
      if (hasDetails(algorithm)) {
        if (TpmAlg.digestSize(hashAlg) == 0) {
          throw new IllegalArgumentException(
              "scheme "
                  + TpmAlg.name(algorithm)
                  + ": hashAlg "
                  + TpmAlg.name(hashAlg)
                  + " is not a hash algorithm");
        }
      } else if (hashAlg != TpmAlg.NULL) {
        throw new IllegalArgumentException(
            "scheme " + TpmAlg.name(algorithm) + " takes no hashAlg");
      }
    }

    /** Schemes whose details are one hashAlg (TPMS_SCHEME_HASH and the KDF schemes). */
    static boolean hasDetails(int algorithm) {
      switch (algorithm) {
        case TpmAlg.RSASSA:
        case TpmAlg.RSAPSS:
        case TpmAlg.OAEP:
        case TpmAlg.ECDSA:
        case TpmAlg.ECDH:
        case TpmAlg.SM2:
        case TpmAlg.ECSCHNORR:
        case TpmAlg.ECMQV:
        case TpmAlg.MGF1:
        case TpmAlg.KDF1_SP800_56A:
        case TpmAlg.KDF2:
        case TpmAlg.KDF1_SP800_108:
          return true;
        default:
          return false;
      }
    }

    @Override
    public String toString() {
      return hashAlg == TpmAlg.NULL
          ? TpmAlg.name(algorithm)
          : TpmAlg.name(algorithm) + "-" + TpmAlg.name(hashAlg);
    }
  }

  private final int type;
  private final int nameAlg;
  private final ObjectAttributes attributes;
  private final byte[] authPolicy;
  private final Symmetric symmetric;
  private final Scheme scheme;
  private final int rsaKeyBits;
  private final long rsaExponent;
  private final int curveId;
  private final Scheme kdf;
  private final byte[] unique1; // RSA modulus or ECC x
  private final byte[] unique2; // ECC y (empty for RSA)
  private final byte[] encoded;

  private TpmtPublic(Builder b) {
    this.type = b.type;
    this.nameAlg = b.nameAlg;
    this.attributes = Objects.requireNonNull(b.attributes, "attributes");
    this.authPolicy = Objects.requireNonNull(b.authPolicy, "authPolicy").clone();
    this.symmetric = Objects.requireNonNull(b.symmetric, "symmetric");
    this.scheme = Objects.requireNonNull(b.scheme, "scheme");
    this.rsaKeyBits = b.type == TpmAlg.RSA ? b.rsaKeyBits : 0;
    this.rsaExponent = b.type == TpmAlg.RSA ? b.rsaExponent : 0;
    this.curveId = b.type == TpmAlg.ECC ? b.curveId : 0;
    this.kdf = b.type == TpmAlg.ECC ? Objects.requireNonNull(b.kdf, "kdf") : Scheme.NULL;
    this.unique1 = Objects.requireNonNull(b.unique1, "unique").clone();
    this.unique2 =
        b.type == TpmAlg.ECC ? Objects.requireNonNull(b.unique2, "y").clone() : new byte[0];
    String p = validate();
    if (p != null) {
      throw new IllegalArgumentException("TPMT_PUBLIC." + p);
    }
    this.encoded = encodeFields();
  }

  /** Returns null if valid, else {@code field: problem}. */
  private String validate() {
    if (type != TpmAlg.RSA && type != TpmAlg.ECC) {
      return "type: " + typeProblem(type);
    }
    String p = nameAlgProblem(nameAlg);
    if (p != null) {
      return "nameAlg: " + p;
    }
    p = authPolicyProblem(nameAlg, authPolicy.length);
    if (p != null) {
      return "authPolicy: " + p;
    }
    p = Symmetric.problem(symmetric.algorithm(), symmetric.keyBits(), symmetric.mode());
    if (p != null) {
      return "symmetric: " + p;
    }
    p = schemeProblem(type, scheme.algorithm());
    if (p != null) {
      return "scheme: " + p;
    }
    if (type == TpmAlg.RSA) {
      p = rsaKeyBitsProblem(rsaKeyBits);
      if (p != null) {
        return "keyBits: " + p;
      }
      if (rsaExponent < 0 || rsaExponent > 0xFFFFFFFFL) {
        return "exponent: out of u32 range";
      }
      p = uniqueLengthProblem(unique1.length, rsaKeyBits / 8);
      return p == null ? null : "unique.rsa: " + p;
    }
    p = curveProblem(curveId);
    if (p != null) {
      return "curveID: " + p;
    }
    p = kdfProblem(kdf.algorithm());
    if (p != null) {
      return "kdf: " + p;
    }
    int size = TpmAlg.curveByteSize(curveId);
    p = uniqueLengthProblem(unique1.length, size);
    if (p != null) {
      return "unique.ecc.x: " + p;
    }
    p = uniqueLengthProblem(unique2.length, size);
    if (p != null) {
      return "unique.ecc.y: " + p;
    }
    if (unique1.length != unique2.length) {
      return "unique.ecc: x and y must both be empty or both be coordinates";
    }
    return null;
  }

  private static String typeProblem(int type) {
    return "unsupported type " + TpmAlg.name(type) + ", only RSA (0x0001) and ECC (0x0023)";
  }

  private static String nameAlgProblem(int nameAlg) {
    return nameAlg == TpmAlg.NULL || TpmAlg.isSupportedHash(nameAlg)
        ? null
        : "unsupported name algorithm " + TpmAlg.name(nameAlg);
  }

  private static String authPolicyProblem(int nameAlg, int length) {
    int want = nameAlg == TpmAlg.NULL ? 0 : TpmAlg.digestSize(nameAlg);
    return length == 0 || length == want
        ? null
        : "length " + length + " is neither 0 nor the nameAlg digest size " + want;
  }

  private static String schemeProblem(int type, int alg) {
    switch (alg) {
      case TpmAlg.NULL:
        return null;
      case TpmAlg.RSASSA:
      case TpmAlg.RSAES:
      case TpmAlg.RSAPSS:
      case TpmAlg.OAEP:
        return type == TpmAlg.RSA ? null : TpmAlg.name(alg) + " is not an ECC scheme";
      case TpmAlg.ECDSA:
      case TpmAlg.ECDH:
      case TpmAlg.SM2:
      case TpmAlg.ECSCHNORR:
      case TpmAlg.ECMQV:
        return type == TpmAlg.ECC ? null : TpmAlg.name(alg) + " is not an RSA scheme";
      default:
        return "unsupported scheme " + TpmAlg.name(alg);
    }
  }

  private static String kdfProblem(int alg) {
    switch (alg) {
      case TpmAlg.NULL:
      case TpmAlg.MGF1:
      case TpmAlg.KDF1_SP800_56A:
      case TpmAlg.KDF2:
      case TpmAlg.KDF1_SP800_108:
        return null;
      default:
        return "unsupported KDF " + TpmAlg.name(alg);
    }
  }

  private static String rsaKeyBitsProblem(int bits) {
    return bits == 1024 || bits == 2048 || bits == 3072 || bits == 4096
        ? null
        : "unsupported RSA key size " + bits;
  }

  private static String curveProblem(int curve) {
    return TpmAlg.curveByteSize(curve) != 0 ? null : "unsupported curve " + TpmAlg.curveName(curve);
  }

  private static String uniqueLengthProblem(int length, int keySize) {
    return length == 0 || length == keySize
        ? null
        : "length " + length + " is neither 0 (template) nor the key size " + keySize;
  }

  private byte[] encodeFields() {
    TpmWriter w = new TpmWriter();
    w.u16(type).u16(nameAlg).u32(attributes.bits() & 0xFFFFFFFFL).tpm2b(authPolicy);
    w.u16(symmetric.algorithm());
    if (!symmetric.isNull()) {
      w.u16(symmetric.keyBits()).u16(symmetric.mode());
    }
    writeScheme(w, scheme);
    if (type == TpmAlg.RSA) {
      w.u16(rsaKeyBits).u32(rsaExponent).tpm2b(unique1);
    } else {
      w.u16(curveId);
      writeScheme(w, kdf);
      w.tpm2b(unique1).tpm2b(unique2);
    }
    return w.toByteArray();
  }

  private static void writeScheme(TpmWriter w, Scheme s) {
    w.u16(s.algorithm());
    if (Scheme.hasDetails(s.algorithm())) {
      w.u16(s.hashAlg());
    }
  }

  /**
   * Parses a TPMT_PUBLIC (no TPM2B size prefix). Strict: every length is checked, unsupported types
   * and algorithms are rejected, and trailing bytes are rejected.
   */
  public static TpmtPublic parse(byte[] bytes) throws TpmFormatException {
    Objects.requireNonNull(bytes, "bytes");
    TpmReader r = new TpmReader(bytes);
    TpmtPublic p = read(r);
    r.expectEnd("TPMT_PUBLIC");
    return p;
  }

  /**
   * Parses a TPM2B_PUBLIC ({@code u16 size || TPMT_PUBLIC}, the format of {@code tpm2_create -u});
   * the size must equal the rest of the input.
   */
  public static TpmtPublic parseTpm2b(byte[] bytes) throws TpmFormatException {
    Objects.requireNonNull(bytes, "bytes");
    TpmReader r = new TpmReader(bytes);
    byte[] body = r.tpm2b("TPM2B_PUBLIC", 0xFFFF);
    r.expectEnd("TPM2B_PUBLIC");
    return parse(body);
  }

  /** Field-path prefix of the error messages (a constant, so every field path is one too). */
  private static final String S = "TPMT_PUBLIC";

  static TpmtPublic read(TpmReader r) throws TpmFormatException {
    int start = r.offset();
    Builder b = new Builder();
    int off = r.offset();
    b.type = r.u16(S + ".type");
    if (b.type != TpmAlg.RSA && b.type != TpmAlg.ECC) {
      throw TpmFormatException.at(S + ".type", typeProblem(b.type), off);
    }
    off = r.offset();
    b.nameAlg = r.u16(S + ".nameAlg");
    check(nameAlgProblem(b.nameAlg), S + ".nameAlg", off);
    off = r.offset();
    int attrs = (int) r.u32(S + ".objectAttributes");
    int reserved = attrs & ~ObjectAttributes.DEFINED_MASK;
    if (reserved != 0) {
      throw TpmFormatException.at(
          S + ".objectAttributes", String.format("reserved bits set: 0x%08X", reserved), off);
    }
    b.attributes = ObjectAttributes.fromBits(attrs);
    off = r.offset();
    b.authPolicy = r.tpm2b(S + ".authPolicy", MAX_DIGEST);
    check(authPolicyProblem(b.nameAlg, b.authPolicy.length), S + ".authPolicy", off);

    off = r.offset();
    int symAlg = r.u16(S + ".symmetric.algorithm");
    int symBits = 0;
    int symMode = TpmAlg.NULL;
    if (symAlg != TpmAlg.NULL) {
      symBits = r.u16(S + ".symmetric.keyBits");
      symMode = r.u16(S + ".symmetric.mode");
    }
    check(Symmetric.problem(symAlg, symBits, symMode), S + ".symmetric", off);
    b.symmetric = new Symmetric(symAlg, symBits, symMode);

    off = r.offset();
    int schemeAlg = r.u16(S + ".scheme.scheme");
    check(schemeProblem(b.type, schemeAlg), S + ".scheme", off);
    b.scheme = readSchemeDetails(r, schemeAlg, S + ".scheme.details.hashAlg");

    if (b.type == TpmAlg.RSA) {
      off = r.offset();
      b.rsaKeyBits = r.u16(S + ".keyBits");
      check(rsaKeyBitsProblem(b.rsaKeyBits), S + ".keyBits", off);
      b.rsaExponent = r.u32(S + ".exponent");
      off = r.offset();
      b.unique1 = r.tpm2b(S + ".unique.rsa", MAX_RSA_BYTES);
      check(uniqueLengthProblem(b.unique1.length, b.rsaKeyBits / 8), S + ".unique.rsa", off);
    } else {
      off = r.offset();
      b.curveId = r.u16(S + ".curveID");
      check(curveProblem(b.curveId), S + ".curveID", off);
      off = r.offset();
      int kdfAlg = r.u16(S + ".kdf.scheme");
      check(kdfProblem(kdfAlg), S + ".kdf", off);
      b.kdf = readSchemeDetails(r, kdfAlg, S + ".kdf.details.hashAlg");
      int size = TpmAlg.curveByteSize(b.curveId);
      off = r.offset();
      b.unique1 = r.tpm2b(S + ".unique.ecc.x", MAX_ECC_BYTES);
      check(uniqueLengthProblem(b.unique1.length, size), S + ".unique.ecc.x", off);
      off = r.offset();
      b.unique2 = r.tpm2b(S + ".unique.ecc.y", MAX_ECC_BYTES);
      check(uniqueLengthProblem(b.unique2.length, size), S + ".unique.ecc.y", off);
      if (b.unique1.length != b.unique2.length) {
        throw TpmFormatException.at(
            S + ".unique.ecc", "x and y must both be empty or both be coordinates", off);
      }
    }
    TpmtPublic p;
    try {
      p = new TpmtPublic(b);
    } catch (IllegalArgumentException e) {
      // Unreachable when the checks above are complete; kept so no RuntimeException escapes.
      throw TpmFormatException.at(S, e.getMessage(), start);
    }
    return p;
  }

  private static Scheme readSchemeDetails(TpmReader r, int alg, String field)
      throws TpmFormatException {
    if (!Scheme.hasDetails(alg)) {
      return new Scheme(alg, TpmAlg.NULL);
    }
    int off = r.offset();
    int hash = r.u16(field);
    if (TpmAlg.digestSize(hash) == 0) {
      throw TpmFormatException.at(field, TpmAlg.name(hash) + " is not a hash algorithm", off);
    }
    return new Scheme(alg, hash);
  }

  private static void check(String problem, String field, int offset) throws TpmFormatException {
    if (problem != null) {
      throw TpmFormatException.at(field, problem, offset);
    }
  }

  /** The canonical TPM marshalling (no TPM2B size prefix). */
  public byte[] encode() {
    return encoded.clone();
  }

  /** {@code u16 size || encode()} (TPM2B_PUBLIC). */
  public byte[] encodeTpm2b() {
    return new TpmWriter().tpm2b(encoded).toByteArray();
  }

  /**
   * The object's Name, {@code nameAlg || H_nameAlg(encode())} (docs/protocol.md#tpm-name).
   *
   * @throws TpmFormatException if nameAlg is NULL (such an object has no digest Name)
   */
  public TpmName name() throws TpmFormatException {
    if (nameAlg == TpmAlg.NULL) {
      throw new TpmFormatException("TPMT_PUBLIC.nameAlg: TPM_ALG_NULL gives no Name digest");
    }
    return TpmName.compute(nameAlg, encoded);
  }

  /** {@link #name()} as bytes (the TPM2B_NAME contents, e.g. 34 bytes for SHA-256). */
  public byte[] nameBytes() throws TpmFormatException {
    return name().toBytes();
  }

  /**
   * The JCA public key. RSA exponent 0 means 65537; the modulus must have exactly keyBits bits. ECC
   * supports NIST P-256 and P-384 and checks that the point is on the curve.
   *
   * @throws TpmFormatException for a template (empty unique), an invalid key or an unsupported
   *     curve
   */
  public PublicKey toPublicKey() throws TpmFormatException {
    if (unique1.length == 0) {
      throw new TpmFormatException("TPMT_PUBLIC.unique: empty (a template has no public key)");
    }
    try {
      if (type == TpmAlg.RSA) {
        BigInteger n = new BigInteger(1, unique1);
        if (n.bitLength() != rsaKeyBits || !n.testBit(0)) {
          throw new TpmFormatException(
              "TPMT_PUBLIC.unique.rsa: modulus is not an odd " + rsaKeyBits + "-bit number");
        }
        long e = rsaExponent == 0 ? 65537 : rsaExponent;
        if (e < 3 || (e & 1) == 0) {
          throw new TpmFormatException("TPMT_PUBLIC.exponent: " + e + " is not an odd value >= 3");
        }
        return KeyFactory.getInstance("RSA")
            .generatePublic(new RSAPublicKeySpec(n, BigInteger.valueOf(e)));
      }
      String curve = TpmAlg.jcaCurveName(curveId);
      if (curve == null) {
        throw new TpmFormatException(
            "TPMT_PUBLIC.curveID: "
                + TpmAlg.curveName(curveId)
                + " is not supported for keys (NIST P-256 or P-384 only)");
      }
      ECParameterSpec params = ecParameters(curve);
      ECPoint w = new ECPoint(new BigInteger(1, unique1), new BigInteger(1, unique2));
      if (!isOnCurve(params, w)) {
        throw new TpmFormatException("TPMT_PUBLIC.unique.ecc: point is not on " + curve);
      }
      return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, params));
    } catch (GeneralSecurityException e) {
      throw new TpmFormatException("TPMT_PUBLIC: JCA rejected the key: " + e.getMessage(), e);
    }
  }

  static ECParameterSpec ecParameters(String jcaCurve) throws GeneralSecurityException {
    AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
    ap.init(new ECGenParameterSpec(jcaCurve));
    return ap.getParameterSpec(ECParameterSpec.class);
  }

  /** Affine point with coordinates in [0, p) satisfying y^2 = x^3 + ax + b (cofactor 1 curves). */
  static boolean isOnCurve(ECParameterSpec params, ECPoint w) {
    EllipticCurve c = params.getCurve();
    ECField f = c.getField();
    if (!(f instanceof ECFieldFp)) {
      return false;
    }
    BigInteger p = ((ECFieldFp) f).getP();
    BigInteger x = w.getAffineX();
    BigInteger y = w.getAffineY();
    if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
      return false;
    }
    BigInteger lhs = y.multiply(y).mod(p);
    BigInteger rhs = x.multiply(x).add(c.getA()).multiply(x).add(c.getB()).mod(p);
    return lhs.equals(rhs);
  }

  /**
   * A TPMT_PUBLIC for a software JCA key (RSA or EC P-256/P-384), e.g. to forge AK or DevID public
   * areas in tests. The RSA exponent 65537 is encoded as 0, as a TPM does; symmetric is NULL.
   */
  public static TpmtPublic fromPublicKey(
      PublicKey key, int nameAlg, ObjectAttributes attributes, Scheme scheme) {
    Builder b = builder().nameAlg(nameAlg).attributes(attributes).scheme(scheme);
    if (key instanceof RSAPublicKey) {
      RSAPublicKey rsa = (RSAPublicKey) key;
      int bits = rsa.getModulus().bitLength();
      BigInteger e = rsa.getPublicExponent();
      if (e.bitLength() > 32) {
        throw new IllegalArgumentException("RSA exponent does not fit a u32");
      }
      long exp = e.longValue() == 65537 ? 0 : e.longValue();
      return b.type(TpmAlg.RSA)
          .rsaKeyBits(bits)
          .rsaExponent(exp)
          .rsaModulus(unsigned(rsa.getModulus(), bits / 8))
          .build();
    }
    if (key instanceof ECPublicKey) {
      ECPublicKey ec = (ECPublicKey) key;
      int curve = curveOf(ec.getParams());
      int size = TpmAlg.curveByteSize(curve);
      return b.type(TpmAlg.ECC)
          .curveId(curve)
          .kdf(Scheme.NULL)
          .eccPoint(unsigned(ec.getW().getAffineX(), size), unsigned(ec.getW().getAffineY(), size))
          .build();
    }
    throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
  }

  /**
   * {@link #fromPublicKey(PublicKey, int, ObjectAttributes, Scheme)} with nameAlg SHA-256 and
   * scheme RSASSA-SHA256 or ECDSA-SHA256.
   */
  public static TpmtPublic fromPublicKey(PublicKey key, ObjectAttributes attributes) {
    Scheme s = key instanceof ECPublicKey ? Scheme.ECDSA_SHA256 : Scheme.RSASSA_SHA256;
    return fromPublicKey(key, TpmAlg.SHA256, attributes, s);
  }

  private static int curveOf(ECParameterSpec params) {
    for (int curve : new int[] {TpmAlg.ECC_NIST_P256, TpmAlg.ECC_NIST_P384}) {
      try {
        ECParameterSpec known = ecParameters(TpmAlg.jcaCurveName(curve));
        if (known.getOrder().equals(params.getOrder())
            && known.getCurve().equals(params.getCurve())
            && known.getGenerator().equals(params.getGenerator())) {
          return curve;
        }
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("JCA provider lacks NIST curves", e);
      }
    }
    throw new IllegalArgumentException("unsupported EC curve (NIST P-256 or P-384 only)");
  }

  /** Big-endian unsigned, left-padded to {@code size} bytes. */
  static byte[] unsigned(BigInteger v, int size) {
    byte[] raw = v.toByteArray();
    if (raw.length == size) {
      return raw;
    }
    if (raw.length == size + 1 && raw[0] == 0) {
      return Arrays.copyOfRange(raw, 1, raw.length);
    }
    if (raw.length > size) {
      throw new IllegalArgumentException("value does not fit " + size + " bytes");
    }
    byte[] out = new byte[size];
    System.arraycopy(raw, 0, out, size - raw.length, raw.length);
    return out;
  }

  public int type() {
    return type;
  }

  public boolean isRsa() {
    return type == TpmAlg.RSA;
  }

  public boolean isEcc() {
    return type == TpmAlg.ECC;
  }

  public int nameAlg() {
    return nameAlg;
  }

  public ObjectAttributes objectAttributes() {
    return attributes;
  }

  public byte[] authPolicy() {
    return authPolicy.clone();
  }

  public Symmetric symmetric() {
    return symmetric;
  }

  public Scheme scheme() {
    return scheme;
  }

  /** RSA key size in bits; 0 for ECC. */
  public int rsaKeyBits() {
    return rsaKeyBits;
  }

  /** RSA exponent as marshalled (0 means 65537); 0 for ECC. */
  public long rsaExponent() {
    return rsaExponent;
  }

  /** RSA modulus (unique.rsa); empty for templates and ECC. */
  public byte[] rsaModulus() {
    return type == TpmAlg.RSA ? unique1.clone() : new byte[0];
  }

  /** ECC curve ID; 0 for RSA. */
  public int curveId() {
    return curveId;
  }

  /** ECC KDF scheme; NULL for RSA. */
  public Scheme kdf() {
    return kdf;
  }

  /** ECC x coordinate; empty for templates and RSA. */
  public byte[] eccX() {
    return type == TpmAlg.ECC ? unique1.clone() : new byte[0];
  }

  /** ECC y coordinate; empty for templates and RSA. */
  public byte[] eccY() {
    return unique2.clone();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.type = type;
    b.nameAlg = nameAlg;
    b.attributes = attributes;
    b.authPolicy = authPolicy.clone();
    b.symmetric = symmetric;
    b.scheme = scheme;
    b.rsaKeyBits = rsaKeyBits;
    b.rsaExponent = rsaExponent;
    b.curveId = curveId;
    b.kdf = kdf;
    b.unique1 = unique1.clone();
    b.unique2 = unique2.clone();
    return b;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TpmtPublic && Arrays.equals(encoded, ((TpmtPublic) o).encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("TpmtPublic{");
    sb.append("type=").append(TpmAlg.name(type));
    sb.append(", nameAlg=").append(TpmAlg.name(nameAlg));
    sb.append(", attributes=").append(attributes);
    sb.append(", authPolicy=").append(Hex.encode(authPolicy));
    sb.append(", symmetric=").append(symmetric);
    sb.append(", scheme=").append(scheme);
    if (type == TpmAlg.RSA) {
      sb.append(", keyBits=").append(rsaKeyBits).append(", exponent=").append(rsaExponent);
      sb.append(", modulus=").append(unique1.length).append(" bytes");
    } else {
      sb.append(", curve=").append(TpmAlg.curveName(curveId)).append(", kdf=").append(kdf);
      sb.append(", x=").append(Hex.encode(unique1)).append(", y=").append(Hex.encode(unique2));
    }
    return sb.append('}').toString();
  }

  /** Builder; {@link #build()} validates everything and throws IllegalArgumentException. */
  public static final class Builder {
    private int type = TpmAlg.RSA;
    private int nameAlg = TpmAlg.SHA256;
    private ObjectAttributes attributes = ObjectAttributes.NONE;
    private byte[] authPolicy = new byte[0];
    private Symmetric symmetric = Symmetric.NULL;
    private Scheme scheme = Scheme.NULL;
    private int rsaKeyBits = 2048;
    private long rsaExponent = 0;
    private int curveId = TpmAlg.ECC_NIST_P256;
    private Scheme kdf = Scheme.NULL;
    private byte[] unique1 = new byte[0];
    private byte[] unique2 = new byte[0];

    private Builder() {}

    public Builder type(int type) {
      this.type = type;
      return this;
    }

    public Builder nameAlg(int nameAlg) {
      this.nameAlg = nameAlg;
      return this;
    }

    public Builder attributes(ObjectAttributes attributes) {
      this.attributes = attributes;
      return this;
    }

    public Builder authPolicy(byte[] authPolicy) {
      this.authPolicy = authPolicy.clone();
      return this;
    }

    public Builder symmetric(Symmetric symmetric) {
      this.symmetric = symmetric;
      return this;
    }

    public Builder scheme(Scheme scheme) {
      this.scheme = scheme;
      return this;
    }

    public Builder rsaKeyBits(int bits) {
      this.rsaKeyBits = bits;
      return this;
    }

    /** 0 means the default exponent 65537. */
    public Builder rsaExponent(long exponent) {
      this.rsaExponent = exponent;
      return this;
    }

    /** unique.rsa: the modulus, or empty (or keyBits/8 zero bytes) for a template. */
    public Builder rsaModulus(byte[] modulus) {
      this.unique1 = modulus.clone();
      return this;
    }

    public Builder curveId(int curveId) {
      this.curveId = curveId;
      return this;
    }

    public Builder kdf(Scheme kdf) {
      this.kdf = kdf;
      return this;
    }

    /** unique.ecc: both coordinates, or both empty for a template. */
    public Builder eccPoint(byte[] x, byte[] y) {
      this.unique1 = x.clone();
      this.unique2 = y.clone();
      return this;
    }

    public TpmtPublic build() {
      return new TpmtPublic(this);
    }
  }
}
