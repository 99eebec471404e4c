package dev.tpmdevid.server;

import dev.tpmdevid.verifier.testing.SoftwareAgent;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The floor of one attestation: exactly the primitive operations the server pipeline cannot avoid
 * for a key mix, counted from {@code AttestationVerifier} and {@code MakeCredential}, with inputs
 * prepared once (no parsing, no JSON, no object set-up) and each on the fastest provider measured
 * on the benchmark machine ({@link PrimitivesBench}):
 *
 * <ol>
 *   <li>signature verifies (4): DevID leaf by the intermediate (step 5); EK certificate by the EK
 *       CA (step 11); TPM2_Certify by the AK (step 12); proof of possession by the DevID key over
 *       the nonce (step 16). Not the intermediate by the root: the intermediate is the same
 *       certificate for every node of a deployment, and its verified link to the anchor is cached
 *       (the JDK's certificate factory returns the one parsed object per DER, whose {@code verify}
 *       remembers its success); {@link ServerCpuBench} presents a new leaf and EK certificate on
 *       every call and the same intermediate, as real nodes do;
 *   <li>credential (step 13): RSA EK: one OAEP-SHA256 encryption of the 16-byte seed; ECC EK: one
 *       ephemeral P-256 key generation, one ECDH and one KDFe (a SHA-256); then for both two KDFa
 *       (HMAC-SHA256 each, 128-bit AES key and 256-bit HMAC key), one AES-128-CFB of the 34-byte
 *       TPM2B secret and the outer HMAC-SHA256;
 *   <li>digests: the DevID public area's Name (certified-name check) and the AK's Name (SHA-256
 *       each); SHA-1 of the leaf (SPIFFE ID) and of the two CAs (selectors).
 * </ol>
 */
final class Floor {
  /** Bouncy Castle, not registered: named per operation where it is the faster one. */
  static final Provider BC = new BouncyCastleProvider();

  private final Verify[] verifies;
  private final PublicKey ekKey;
  private final Cipher oaep;
  private final KeyPairGenerator ephemeral;
  private final KeyAgreement ecdh;
  private final Mac hmac;
  private final Cipher aes;
  private final MessageDigest sha256;
  private final MessageDigest sha1;
  private final byte[] devIdPub;
  private final byte[] akPub;
  private final byte[][] certs;
  private final byte[] seed = new byte[16];
  private final byte[] secret = new byte[34];
  private final SecureRandom rng = new ReplayRandom();

  /**
   * One signature check. {@code nodeKey} is non-null for a key that differs from node to node (AK,
   * DevID): the verifier is initialised with it on every run, as the pipeline must for a node it
   * has not seen; the CA keys are the configuration's and are initialised once.
   */
  private record Verify(Signature sig, PublicKey nodeKey, byte[] data, byte[] signature) {
    boolean run() throws Exception {
      if (nodeKey != null) {
        sig.initVerify(nodeKey);
      }
      sig.update(data);
      return sig.verify(signature);
    }
  }

  Floor(SoftwareAgent agent) throws Exception {
    X509Certificate leaf = agent.devIdCert;
    X509Certificate mid = agent.devIdIntermediate.cert();
    X509Certificate root = agent.devIdRoot.cert();
    X509Certificate ek = agent.ekCert;
    byte[] attest = agent.certifyInfo(agent.devIdPub);
    byte[] akSig = sign(agent.akKey, attest);
    byte[] nonce = new byte[32];
    byte[] pop = sign(agent.devIdKey, nonce);
    verifies =
        new Verify[] {
          certVerify(leaf, mid.getPublicKey()),
          certVerify(ek, agent.ekCa.cert().getPublicKey()),
          new Verify(verifier(agent.akKey.getPublic()), agent.akKey.getPublic(), attest, akSig),
          new Verify(verifier(agent.devIdKey.getPublic()), agent.devIdKey.getPublic(), nonce, pop),
        };
    ekKey = agent.ekKey.getPublic();
    if (ekKey instanceof ECPublicKey) {
      oaep = null;
      ephemeral = KeyPairGenerator.getInstance("EC", Fastest.EC_KEYGEN);
      ephemeral.initialize(new ECGenParameterSpec("secp256r1"), rng);
      ecdh = KeyAgreement.getInstance("ECDH", Fastest.ECDH);
    } else {
      oaep = Cipher.getInstance("RSA/ECB/OAEPPadding", Fastest.RSA_OAEP);
      oaep.init(
          Cipher.ENCRYPT_MODE,
          ekKey,
          new OAEPParameterSpec(
              "SHA-256",
              "MGF1",
              MGF1ParameterSpec.SHA256,
              new PSource.PSpecified("IDENTITY\0".getBytes())),
          rng);
      ephemeral = null;
      ecdh = null;
    }
    hmac = Mac.getInstance("HmacSHA256");
    aes = Cipher.getInstance("AES/CFB/NoPadding");
    sha256 = MessageDigest.getInstance("SHA-256");
    sha1 = MessageDigest.getInstance("SHA-1");
    devIdPub = agent.devIdPub.encode();
    akPub = agent.akPub.encode();
    certs = new byte[][] {leaf.getEncoded(), mid.getEncoded(), root.getEncoded()};
  }

  private static Verify certVerify(X509Certificate cert, PublicKey issuer) throws Exception {
    Signature s = Signature.getInstance(cert.getSigAlgName(), provider(issuer));
    s.initVerify(issuer);
    return new Verify(s, null, cert.getTBSCertificate(), cert.getSignature());
  }

  private static Signature verifier(PublicKey key) throws Exception {
    Signature s =
        Signature.getInstance(
            key instanceof ECPublicKey ? "SHA256withECDSA" : "SHA256withRSA", provider(key));
    s.initVerify(key);
    return s;
  }

  private static Provider provider(PublicKey key) {
    return key instanceof ECPublicKey ? Fastest.ECDSA_VERIFY : Fastest.RSA_VERIFY;
  }

  private static byte[] sign(KeyPair kp, byte[] data) throws Exception {
    Signature s =
        Signature.getInstance(
            kp.getPublic() instanceof ECPublicKey ? "SHA256withECDSA" : "SHA256withRSA");
    s.initSign(kp.getPrivate());
    s.update(data);
    return s.sign();
  }

  /** One attestation's primitive operations; returns something derived from all of them. */
  Object run() throws Exception {
    for (Verify v : verifies) {
      if (!v.run()) {
        throw new IllegalStateException("floor signature did not verify");
      }
    }
    byte[] z;
    if (oaep != null) {
      z = oaep.doFinal(seed);
    } else {
      KeyPair e = ephemeral.generateKeyPair();
      ecdh.init(e.getPrivate());
      ecdh.doPhase(ekKey, true);
      z = sha256.digest(ecdh.generateSecret()); // KDFe: one SHA-256 block
    }
    hmac.init(new SecretKeySpec(z, 0, 16, "HmacSHA256"));
    byte[] symKey = hmac.doFinal(devIdPub); // KDFa(STORAGE)
    byte[] hmacKey = hmac.doFinal(akPub); // KDFa(INTEGRITY)
    aes.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(symKey, 0, 16, "AES"),
        new IvParameterSpec(new byte[16]));
    byte[] enc = aes.doFinal(secret);
    hmac.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
    hmac.update(enc);
    byte[] outer = hmac.doFinal(akPub);
    byte[] n1 = sha256.digest(devIdPub);
    byte[] n2 = sha256.digest(akPub);
    byte x = (byte) (outer[0] ^ n1[0] ^ n2[0] ^ z[0]);
    for (byte[] c : certs) {
      x ^= sha1.digest(c)[0];
    }
    return x;
  }
}
