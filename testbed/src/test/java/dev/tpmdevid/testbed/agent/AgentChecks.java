package dev.tpmdevid.testbed.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.cred.CredentialBlob;
import dev.tpmdevid.core.cred.MakeCredential;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.CredActivation;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;

/** What the server does with the agent's messages, done in the test with JCA and tpm-core. */
final class AgentChecks {

  private static final SecureRandom RNG = new SecureRandom();

  private AgentChecks() {}

  /** A server-side challenge for the payload, remembering nonce and secret. */
  record Challenge(byte[] json, byte[] nonce, byte[] secret) {}

  static Challenge challengeFor(AttestationRequest request) throws Exception {
    TpmtPublic ek = TpmtPublic.parse(request.ekPub());
    TpmtPublic ak = TpmtPublic.parse(request.akPub());
    byte[] nonce = new byte[32];
    byte[] secret = new byte[32];
    RNG.nextBytes(nonce);
    RNG.nextBytes(secret);
    CredentialBlob blob =
        MakeCredential.make(
            ek.toPublicKey(),
            ek.nameAlg(),
            ek.symmetric().algorithm(),
            ek.symmetric().keyBits(),
            ak.nameBytes(),
            secret,
            RNG);
    byte[] json =
        new ChallengeRequest(nonce, new CredActivation(blob.credential(), blob.encryptedSecret()))
            .toJson();
    return new Challenge(json, nonce, secret);
  }

  static boolean verifyPop(X509Certificate devIdCert, byte[] nonce, byte[] signature)
      throws Exception {
    PublicKey key = devIdCert.getPublicKey();
    Signature v =
        Signature.getInstance(key instanceof RSAPublicKey ? "SHA256withRSA" : "SHA256withECDSA");
    v.initVerify(key);
    v.update(nonce);
    return v.verify(signature);
  }

  /** Verifies the TPMT_SIGNATURE over TPMS_ATTEST with the AK public key (scheme from the AK). */
  static boolean verifyCertify(
      TpmtPublic ak, byte[] attest, dev.tpmdevid.core.tpm.TpmtSignature sig) throws Exception {
    PublicKey key = ak.toPublicKey();
    Signature v;
    byte[] octets;
    if (ak.isRsa()) {
      assertThat(sig.sigAlg()).isEqualTo(TpmAlg.RSASSA);
      v = Signature.getInstance("SHA256withRSA");
      octets = sig.rsaSignature();
    } else {
      assertThat(sig.sigAlg()).isEqualTo(TpmAlg.ECDSA);
      v = Signature.getInstance("SHA256withECDSA");
      octets = sig.toDerEcdsa();
    }
    assertThat(sig.hashAlg()).isEqualTo(TpmAlg.SHA256);
    v.initVerify(key);
    v.update(attest);
    return v.verify(octets);
  }
}
