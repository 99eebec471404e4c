package dev.tpmdevid.core.tpm;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.Objects;

/**
 * TPMT_SIGNATURE for RSASSA, RSAPSS and ECDSA (TPM 2.0 Part 2 §11.3.4;
 * docs/protocol.md#tpmt-signature).
 *
 * <pre>
 * RSASSA (0x0014) / RSAPSS (0x0016): sigAlg u16 | hash u16 | TPM2B sig
 * ECDSA  (0x0018):                   sigAlg u16 | hash u16 | TPM2B r | TPM2B s
 * </pre>
 *
 * Other signature algorithms (including NULL) are rejected by {@link #parse}.
 */
public final class TpmtSignature {
  static final int MAX_RSA_SIG = 512;

  /** MAX_ECC_KEY_BYTES for the curves this library supports (P-521: 66). */
  static final int MAX_ECC_SCALAR = 66;

  private final int sigAlg;
  private final int hashAlg;
  private final byte[] rsaSig;
  private final byte[] r;
  private final byte[] s;
  private final byte[] encoded;

  private TpmtSignature(int sigAlg, int hashAlg, byte[] rsaSig, byte[] r, byte[] s) {
    if (!TpmAlg.isSupportedHash(hashAlg)) {
      throw new IllegalArgumentException("unsupported hash " + TpmAlg.name(hashAlg));
    }
    this.sigAlg = sigAlg;
    this.hashAlg = hashAlg;
    this.rsaSig = rsaSig.clone();
    this.r = r.clone();
    this.s = s.clone();
    TpmWriter w = new TpmWriter().u16(sigAlg).u16(hashAlg);
    if (sigAlg == TpmAlg.ECDSA) {
      checkLength(this.r.length, MAX_ECC_SCALAR, "r");
      checkLength(this.s.length, MAX_ECC_SCALAR, "s");
      w.tpm2b(this.r).tpm2b(this.s);
    } else if (sigAlg == TpmAlg.RSASSA || sigAlg == TpmAlg.RSAPSS) {
      checkLength(this.rsaSig.length, MAX_RSA_SIG, "sig");
      w.tpm2b(this.rsaSig);
    } else {
      throw new IllegalArgumentException("unsupported signature algorithm " + TpmAlg.name(sigAlg));
    }
    this.encoded = w.toByteArray();
  }

  private static void checkLength(int length, int max, String what) {
    if (length == 0 || length > max) {
      throw new IllegalArgumentException(what + " length " + length + " not in 1.." + max);
    }
  }

  public static TpmtSignature rsassa(int hashAlg, byte[] signature) {
    return new TpmtSignature(TpmAlg.RSASSA, hashAlg, signature, new byte[0], new byte[0]);
  }

  public static TpmtSignature rsapss(int hashAlg, byte[] signature) {
    return new TpmtSignature(TpmAlg.RSAPSS, hashAlg, signature, new byte[0], new byte[0]);
  }

  /** ECDSA signature from the big-endian unsigned scalars r and s (as the TPM outputs them). */
  public static TpmtSignature ecdsa(int hashAlg, byte[] r, byte[] s) {
    return new TpmtSignature(TpmAlg.ECDSA, hashAlg, new byte[0], r, s);
  }

  /**
   * ECDSA signature from a JCA DER {@code SEQUENCE {INTEGER r, INTEGER s}}; r and s are left-padded
   * to {@code scalarSize} bytes (32 for P-256, 48 for P-384), as a TPM does.
   */
  public static TpmtSignature fromDerEcdsa(int hashAlg, byte[] der, int scalarSize)
      throws TpmFormatException {
    BigInteger[] rs = EcdsaDer.decode(der);
    if (scalarSize <= 0 || scalarSize > MAX_ECC_SCALAR) {
      throw new IllegalArgumentException("bad scalar size " + scalarSize);
    }
    if (rs[0].bitLength() > scalarSize * 8 || rs[1].bitLength() > scalarSize * 8) {
      throw new TpmFormatException("ECDSA DER: r or s longer than " + scalarSize + " bytes");
    }
    return ecdsa(
        hashAlg, TpmtPublic.unsigned(rs[0], scalarSize), TpmtPublic.unsigned(rs[1], scalarSize));
  }

  /** Parses a TPMT_SIGNATURE (no size prefix); strict, rejects trailing bytes. */
  public static TpmtSignature parse(byte[] bytes) throws TpmFormatException {
    Objects.requireNonNull(bytes, "bytes");
    TpmReader rd = new TpmReader(bytes);
    String st = "TPMT_SIGNATURE";
    int off = rd.offset();
    int alg = rd.u16(st + ".sigAlg");
    if (alg != TpmAlg.RSASSA && alg != TpmAlg.RSAPSS && alg != TpmAlg.ECDSA) {
      throw TpmFormatException.at(
          st + ".sigAlg",
          "unsupported signature algorithm " + TpmAlg.name(alg) + ", only RSASSA, RSAPSS and ECDSA",
          off);
    }
    off = rd.offset();
    int hash = rd.u16(st + ".hash");
    if (!TpmAlg.isSupportedHash(hash)) {
      throw TpmFormatException.at(st + ".hash", "unsupported hash " + TpmAlg.name(hash), off);
    }
    TpmtSignature sig;
    if (alg == TpmAlg.ECDSA) {
      byte[] r = readNonEmpty(rd, st + ".signature.ecdsa.signatureR", MAX_ECC_SCALAR);
      byte[] s = readNonEmpty(rd, st + ".signature.ecdsa.signatureS", MAX_ECC_SCALAR);
      rd.expectEnd(st);
      sig = ecdsa(hash, r, s);
    } else {
      String f = st + (alg == TpmAlg.RSASSA ? ".signature.rsassa.sig" : ".signature.rsapss.sig");
      byte[] b = readNonEmpty(rd, f, MAX_RSA_SIG);
      rd.expectEnd(st);
      sig = new TpmtSignature(alg, hash, b, new byte[0], new byte[0]);
    }
    return sig;
  }

  private static byte[] readNonEmpty(TpmReader rd, String field, int max)
      throws TpmFormatException {
    int off = rd.offset();
    byte[] b = rd.tpm2b(field, max);
    if (b.length == 0) {
      throw TpmFormatException.at(field, "empty", off);
    }
    return b;
  }

  public byte[] encode() {
    return encoded.clone();
  }

  public int sigAlg() {
    return sigAlg;
  }

  public int hashAlg() {
    return hashAlg;
  }

  public boolean isRsa() {
    return sigAlg != TpmAlg.ECDSA;
  }

  public boolean isEcdsa() {
    return sigAlg == TpmAlg.ECDSA;
  }

  /** The RSA signature octets; empty for ECDSA. */
  public byte[] rsaSignature() {
    return rsaSig.clone();
  }

  /** ECDSA r as marshalled; empty for RSA. */
  public byte[] ecdsaR() {
    return r.clone();
  }

  /** ECDSA s as marshalled; empty for RSA. */
  public byte[] ecdsaS() {
    return s.clone();
  }

  /** ECDSA (r, s) as a minimal DER {@code SEQUENCE {INTEGER r, INTEGER s}} for JCA. */
  public byte[] toDerEcdsa() {
    if (sigAlg != TpmAlg.ECDSA) {
      throw new IllegalStateException("not an ECDSA signature");
    }
    return EcdsaDer.encode(new BigInteger(1, r), new BigInteger(1, s));
  }

  /**
   * Verifies this signature over {@code message} (which the signer hashed with {@link #hashAlg})
   * with a JCA public key. RSAPSS accepts the salt lengths TPMs use (digest size, or the maximum).
   *
   * @return false for a wrong signature or a key of the other family
   */
  public boolean verify(PublicKey key, byte[] message) {
    try {
      String h = TpmAlg.jcaDigestName(hashAlg).replace("-", "");
      if (sigAlg == TpmAlg.ECDSA) {
        if (!(key instanceof ECPublicKey)) {
          return false;
        }
        Signature v = Signature.getInstance(h + "withECDSA");
        v.initVerify(key);
        v.update(message);
        return v.verify(toDerEcdsa());
      }
      if (!(key instanceof RSAPublicKey)) {
        return false;
      }
      if (sigAlg == TpmAlg.RSASSA) {
        Signature v = Signature.getInstance(h + "withRSA");
        v.initVerify(key);
        v.update(message);
        return v.verify(rsaSig);
      }
      int hlen = TpmAlg.digestSize(hashAlg);
      int modBytes = (((RSAPublicKey) key).getModulus().bitLength() + 7) / 8;
      for (int salt : new int[] {hlen, modBytes - hlen - 2}) {
        if (salt < 0) {
          continue;
        }
        String jh = TpmAlg.jcaDigestName(hashAlg);
        Signature v = Signature.getInstance("RSASSA-PSS");
        v.setParameter(new PSSParameterSpec(jh, "MGF1", new MGF1ParameterSpec(jh), salt, 1));
        v.initVerify(key);
        v.update(message);
        if (v.verify(rsaSig)) {
          return true;
        }
      }
      return false;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TpmtSignature && Arrays.equals(encoded, ((TpmtSignature) o).encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "TpmtSignature{"
        + TpmAlg.name(sigAlg)
        + ", hash="
        + TpmAlg.name(hashAlg)
        + (isEcdsa()
            ? ", r=" + Hex.encode(r) + ", s=" + Hex.encode(s)
            : ", sig=" + rsaSig.length + " bytes")
        + "}";
  }
}
