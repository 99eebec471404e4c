package dev.tpmdevid.verifier.testing;

import dev.tpmdevid.core.cred.CredentialBlob;
import dev.tpmdevid.core.cred.SoftwareActivation;
import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmName;
import dev.tpmdevid.core.tpm.TpmsAttest;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.labpki.TestPki;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * A <b>fake</b> tpm_devid agent entirely in software, for tests of the server. It is a fake because
 * a real TPM cannot produce the forged evidence the attack tests need (software AKs that claim
 * {@code restricted}, TPMS_ATTEST with a wrong magic, EK keys of our choosing...); the real agent
 * against swtpm is tested in {@code testbed}.
 *
 * <p>It holds a software EK (RSA-2048 with the TCG L-1 template, or ECC P-256 with the L-2 style
 * template) certified by a test EK CA with the critical TCG SAN, a software AK with the Go agent's
 * attributes (0x00050072, RSASSA-SHA256, or ECDSA-SHA256 for an ECC AK), and a DevID key with the
 * Go test attributes (0x00040072) certified by a test DevID root through an intermediate. It builds
 * TPMT_PUBLIC / TPMS_ATTEST / TPMT_SIGNATURE with tpm-core's encoders and answers the challenge
 * with {@link SoftwareActivation}.
 */
public final class SoftwareAgent {
  /** EK authPolicy = PolicySecret(TPM_RH_ENDORSEMENT) (docs/protocol.md#constants). */
  static final byte[] EK_POLICY = dev.tpmdevid.core.tpm.Templates.ekAuthPolicy();

  public static final int GO_AK_ATTRIBUTES = 0x00050072;
  public static final int GO_DEVID_ATTRIBUTES = 0x00040072;
  public static final int EK_ATTRIBUTES = 0x000300B2;

  public final TestPki.Ca devIdRoot;
  public final TestPki.Ca devIdIntermediate;
  public final TestPki.Ca ekCa;
  public final KeyPair devIdKey;
  public final X509Certificate devIdCert;
  public final KeyPair akKey;
  public final KeyPair ekKey;
  public final X509Certificate ekCert;
  public TpmtPublic devIdPub;
  public TpmtPublic akPub;
  public TpmtPublic ekPub;

  private SoftwareAgent(KeyType ek, KeyType ak, KeyType devId) {
    this(ek, ak, devId, KeyType.ECC, KeyType.ECC, false);
  }

  /** {@code p384Ek}: an ECC NIST P-384 EK (TCG high-range style) instead of {@code ek}'s key. */
  private SoftwareAgent(
      KeyType ek, KeyType ak, KeyType devId, KeyType devIdCas, KeyType ekCaKey, boolean p384Ek) {
    devIdRoot = TestPki.rootCa("devid-root", caKey(devIdCas));
    devIdIntermediate = TestPki.intermediateCa("devid-intermediate", devIdRoot, caKey(devIdCas));
    ekCa = TestPki.rootCa("ek-root", caKey(ekCaKey));
    devIdKey = devId == KeyType.RSA ? TestPki.newRsa(2048) : TestPki.p256();
    devIdCert =
        TestPki.cert("devid-leaf").issuedBy(devIdIntermediate).key(devIdKey.getPublic()).build();
    akKey = ak == KeyType.RSA ? TestPki.newRsa(2048) : TestPki.p256();
    ekKey =
        p384Ek
            ? TestPki.ec("secp384r1")
            : ek == KeyType.RSA ? TestPki.newRsa(2048) : TestPki.p256();
    ekCert = TestPki.cert("").issuedBy(ekCa).key(ekKey.getPublic()).tcgEkSan().build();
    devIdPub =
        TpmtPublic.fromPublicKey(
            devIdKey.getPublic(), ObjectAttributes.fromBits(GO_DEVID_ATTRIBUTES));
    akPub =
        TpmtPublic.fromPublicKey(akKey.getPublic(), ObjectAttributes.fromBits(GO_AK_ATTRIBUTES));
    ekPub = ekTemplate(ekKey.getPublic());
  }

  /** RSA EK, RSA AK, RSA DevID: what a genuine Go agent presents. */
  public static SoftwareAgent goLike() {
    return new SoftwareAgent(KeyType.RSA, KeyType.RSA, KeyType.RSA);
  }

  public static SoftwareAgent of(KeyType ek, KeyType ak, KeyType devId) {
    return new SoftwareAgent(ek, ak, devId);
  }

  /**
   * As {@link #of(KeyType, KeyType, KeyType)} with the key types of the CAs too (the default is
   * ECDSA P-256 for all three): the DevID root and intermediate get {@code devIdCas}, the EK CA
   * {@code ekCa} (RSA-2048 or P-256).
   */
  public static SoftwareAgent of(
      KeyType ek, KeyType ak, KeyType devId, KeyType devIdCas, KeyType ekCa) {
    return new SoftwareAgent(ek, ak, devId, devIdCas, ekCa, false);
  }

  /** As {@link #of(KeyType, KeyType, KeyType)} with an ECC NIST P-384 EK (TCG high-range style). */
  public static SoftwareAgent withP384Ek(KeyType ak, KeyType devId) {
    return new SoftwareAgent(KeyType.ECC, ak, devId, KeyType.ECC, KeyType.ECC, true);
  }

  private static KeyPair caKey(KeyType t) {
    return t == KeyType.RSA ? TestPki.newRsa(2048) : TestPki.p256();
  }

  /** EK public area as the TPM reports it for the TCG L-1 (RSA) / L-2 style (ECC) template. */
  static TpmtPublic ekTemplate(PublicKey key) {
    if (key instanceof ECPublicKey
        && ((ECPublicKey) key).getParams().getOrder().bitLength() == 384) {
      // high-range P-384 EK: SHA-384 nameAlg, AES-256-CFB (authPolicy left empty here)
      return TpmtPublic.fromPublicKey(
              key, TpmAlg.SHA384, ObjectAttributes.fromBits(EK_ATTRIBUTES), TpmtPublic.Scheme.NULL)
          .toBuilder()
          .symmetric(TpmtPublic.Symmetric.AES_256_CFB)
          .build();
    }
    TpmtPublic base =
        TpmtPublic.fromPublicKey(
            key, TpmAlg.SHA256, ObjectAttributes.fromBits(EK_ATTRIBUTES), TpmtPublic.Scheme.NULL);
    return base.toBuilder()
        .authPolicy(EK_POLICY)
        .symmetric(TpmtPublic.Symmetric.AES_128_CFB)
        .build();
  }

  /** PEM of the DevID trust bundle (root only). */
  public String devIdBundlePem() {
    return TestPki.pem(devIdRoot.cert());
  }

  /** PEM of the EK trust bundle. */
  public String ekBundlePem() {
    return TestPki.pem(ekCa.cert());
  }

  /** TPMS_ATTEST a TPM2_Certify of DevIDPub by the AK would produce (empty extraData). */
  public byte[] certifyInfo(TpmtPublic certified) {
    try {
      return new TpmsAttest(
              TpmName.compute(TpmAlg.SHA256, akPub.encode()),
              new byte[0],
              123456789L,
              3,
              0,
              true,
              0x2019102300000000L,
              TpmName.compute(certified.nameAlg(), certified.encode()),
              TpmName.compute(certified.nameAlg(), certified.encode()))
          .encode();
    } catch (RuntimeException e) {
      throw new IllegalStateException(e);
    }
  }

  /** TPMT_SIGNATURE by the AK (its own scheme) over {@code data}. */
  public byte[] signWithAk(byte[] data) {
    return sign(akKey.getPrivate(), akKey.getPublic(), data).encode();
  }

  static TpmtSignature sign(PrivateKey priv, PublicKey pub, byte[] data) {
    try {
      if (pub instanceof ECPublicKey) {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(priv);
        s.update(data);
        return TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, s.sign(), 32);
      }
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initSign(priv);
      s.update(data);
      return TpmtSignature.rsassa(TpmAlg.SHA256, s.sign());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The certificates sent as DevIDCert: leaf then the intermediate. */
  public List<byte[]> devIdCertChain() {
    try {
      List<byte[]> l = new ArrayList<>();
      l.add(devIdCert.getEncoded());
      l.add(devIdIntermediate.cert().getEncoded());
      return l;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The attestation payload as a Go agent would build it. */
  public AttestationRequest attestationRequest() {
    try {
      byte[] attest = certifyInfo(devIdPub);
      return new AttestationRequest(
          devIdCertChain(),
          devIdPub.encode(),
          ekCert.getEncoded(),
          ekPub.encode(),
          akPub.encode(),
          attest,
          signWithAk(attest));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public byte[] payload() {
    return attestationRequest().toJson();
  }

  /** Answers the challenge: DevID signs the nonce (SHA-256), the EK activates the credential. */
  public byte[] respond(byte[] challengeJson) {
    return respondWith(challengeJson, devIdKey, this);
  }

  /**
   * Answers with the proof of possession made by {@code popKey} and the credential activated by
   * {@code activator}'s EK and AK (for attacks mixing a stolen DevID key with another TPM).
   */
  public static byte[] respondWith(byte[] challengeJson, KeyPair popKey, SoftwareAgent activator) {
    try {
      ChallengeRequest ch = ChallengeRequest.fromJson(challengeJson);
      Signature s =
          Signature.getInstance(
              popKey.getPublic() instanceof ECPublicKey ? "SHA256withECDSA" : "SHA256withRSA");
      s.initSign(popKey.getPrivate());
      s.update(ch.devId());
      byte[] pop = s.sign();
      byte[] secret = activator.activate(ch);
      return new ChallengeResponse(pop, secret).toJson();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** TPM2_ActivateCredential in software with the EK private key and Name(AKPub). */
  public byte[] activate(ChallengeRequest ch) throws Exception {
    CredentialBlob blob =
        new CredentialBlob(ch.credActivation().credential(), ch.credActivation().secret());
    return SoftwareActivation.activate(
        ekKey.getPrivate(),
        ekPub.nameAlg(),
        ekPub.symmetric().algorithm(),
        ekPub.symmetric().keyBits(),
        akPub.nameBytes(),
        blob);
  }
}
