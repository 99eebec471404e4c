package dev.tpmdevid.agent;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_ECC_POINT;
import tss.tpm.TPMS_NULL_ASYM_SCHEME;
import tss.tpm.TPMS_NULL_KDF_SCHEME;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMS_SIG_SCHEME_ECDSA;
import tss.tpm.TPMS_SIG_SCHEME_RSASSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPMU_ASYM_SCHEME;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_ECC_CURVE;

/**
 * Software stand-ins for DevID files: a key pair, its TPMT_PUBLIC and a self-signed certificate.
 */
final class TestFiles {

  static final KeyPair RSA = generate("RSA");
  static final KeyPair EC = generate("EC");

  private TestFiles() {}

  private static KeyPair generate(String alg) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
      if (alg.equals("EC")) {
        g.initialize(new ECGenParameterSpec("secp256r1"));
      } else {
        g.initialize(2048);
      }
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static TPMT_PUBLIC rsaPublic(RSAPublicKey key, TPMU_ASYM_SCHEME scheme) {
    byte[] n = unsigned(key.getModulus(), 256);
    return new TPMT_PUBLIC(
        TPM_ALG_ID.SHA256,
        devIdAttributes(),
        new byte[0],
        new TPMS_RSA_PARMS(
            new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL), scheme, 2048, 0),
        new TPM2B_PUBLIC_KEY_RSA(n));
  }

  static TPMT_PUBLIC rsaPublic() {
    return rsaPublic((RSAPublicKey) RSA.getPublic(), new TPMS_SIG_SCHEME_RSASSA(TPM_ALG_ID.SHA256));
  }

  static TPMT_PUBLIC eccPublic() {
    ECPublicKey k = (ECPublicKey) EC.getPublic();
    return new TPMT_PUBLIC(
        TPM_ALG_ID.SHA256,
        devIdAttributes(),
        new byte[0],
        new TPMS_ECC_PARMS(
            new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL),
            new TPMS_SIG_SCHEME_ECDSA(TPM_ALG_ID.SHA256),
            TPM_ECC_CURVE.NIST_P256,
            new TPMS_NULL_KDF_SCHEME()),
        new TPMS_ECC_POINT(
            unsigned(k.getW().getAffineX(), 32), unsigned(k.getW().getAffineY(), 32)));
  }

  static TPMU_ASYM_SCHEME nullScheme() {
    return new TPMS_NULL_ASYM_SCHEME();
  }

  static TPMA_OBJECT devIdAttributes() {
    return new TPMA_OBJECT(
        TPMA_OBJECT.fixedTPM,
        TPMA_OBJECT.fixedParent,
        TPMA_OBJECT.sensitiveDataOrigin,
        TPMA_OBJECT.userWithAuth,
        TPMA_OBJECT.sign);
  }

  static byte[] unsigned(BigInteger v, int len) {
    byte[] b = v.toByteArray();
    byte[] out = new byte[len];
    int copy = Math.min(b.length, len);
    System.arraycopy(b, b.length - copy, out, len - copy, copy);
    return out;
  }

  /** A self-signed certificate for {@code kp} with the given CN. */
  static byte[] certificate(KeyPair kp, String cn) {
    try {
      X500Name name = new X500Name("CN=" + cn);
      Date now = new Date();
      JcaX509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name,
              BigInteger.valueOf(cn.hashCode() & 0xFFFF),
              new Date(now.getTime() - 60_000),
              new Date(now.getTime() + 3_600_000),
              name,
              kp.getPublic());
      String alg = kp.getPublic() instanceof RSAPublicKey ? "SHA256withRSA" : "SHA256withECDSA";
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(kp.getPrivate())))
          .getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(String type, byte[] der) {
    return dev.tpmdevid.core.pem.Pem.encode(type, der);
  }

  /** A plausible TPM2B_PRIVATE body: TPM2B(32-byte HMAC) followed by some encrypted bytes. */
  static byte[] privateBlob() {
    byte[] b = new byte[2 + 32 + 2 + 100];
    b[1] = 32;
    b[35] = 100;
    return b;
  }

  /** Writes cert.pem (leaf + extra certs), pub and priv into {@code dir}. */
  static void writeDevId(Path dir, TPMT_PUBLIC pub, KeyPair kp, int extraCerts) throws Exception {
    StringBuilder pem = new StringBuilder(pem("CERTIFICATE", certificate(kp, "devid-leaf")));
    for (int i = 0; i < extraCerts; i++) {
      pem.append(pem("CERTIFICATE", certificate(generate("EC"), "ca-" + i)));
    }
    Files.writeString(dir.resolve("devid.crt.pem"), pem.toString());
    Files.write(dir.resolve("devid.pub.blob"), pub.toTpm());
    Files.write(dir.resolve("devid.priv.blob"), privateBlob());
  }

  static String hcl(Path dir, String extra) {
    return "devid_cert_path = \""
        + dir.resolve("devid.crt.pem")
        + "\"\n"
        + "devid_priv_path = \""
        + dir.resolve("devid.priv.blob")
        + "\"\n"
        + "devid_pub_path = \""
        + dir.resolve("devid.pub.blob")
        + "\"\n"
        + "tpm_device_path = \"tcp://127.0.0.1:1\"\n"
        + extra;
  }
}
