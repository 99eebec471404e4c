package dev.tpmdevid.verifier;

import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.interfaces.ECPublicKey;
import java.util.List;
import java.util.Map;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The one place the server chooses a crypto provider: ECDSA <em>verification</em> (P-256/P-384 with
 * SHA-256/384/512) by Bouncy Castle, several times faster than the JDK 17 SunEC provider (see
 * docs/performance.md). Installed once, first in the provider list, so that every ECDSA verify of
 * the server uses it: the DevID and EK chains (the JDK's PKIX validator looks up {@code
 * SHA256withECDSA} by name), TPM2_Certify and the proof of possession.
 *
 * <p>Only verification, whose inputs are all public, moves: the service takes EC public keys only,
 * so signing (and the server's ECDH with its secret ephemeral scalar) stays with SunEC, whose
 * arithmetic is constant-time. Bouncy Castle parses the signature as strict DER and rejects r, s
 * outside [1, n-1], as SunEC and Go do. Bouncy Castle itself is not registered.
 */
final class EcdsaVerification {
  static final String NAME = "TpmDevidEcdsaVerify";

  /**
   * Bouncy Castle, built on the first ECDSA verify: its provider registers several hundred classes,
   * which would otherwise load before the plugin's handshake line (docs/performance.md).
   */
  private static final class Bc {
    static final Provider PROVIDER = new BouncyCastleProvider();
  }

  private EcdsaVerification() {}

  /** Puts the provider first (idempotent). */
  static synchronized void install() {
    if (Security.getProvider(NAME) == null) {
      Security.insertProviderAt(new VerifyProvider(), 1);
    }
  }

  private static final class VerifyProvider extends Provider {
    private static final long serialVersionUID = 1L;

    VerifyProvider() {
      super(NAME, "1.0", "ECDSA verification by Bouncy Castle (public keys only)");
      for (String alg : List.of("SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA")) {
        putService(
            new Provider.Service(
                this,
                "Signature",
                alg,
                VerifyOnly.class.getName(),
                List.of(),
                Map.of("SupportedKeyClasses", ECPublicKey.class.getName())) {
              @Override
              public Object newInstance(Object constructorParameter)
                  throws NoSuchAlgorithmException {
                return new VerifyOnly(Signature.getInstance(alg, Bc.PROVIDER));
              }
            });
      }
    }
  }

  /** Delegates verification to Bouncy Castle; refuses to sign. */
  private static final class VerifyOnly extends SignatureSpi {
    private final Signature bc;

    VerifyOnly(Signature bc) {
      this.bc = bc;
    }

    @Override
    protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
      if (!(publicKey instanceof ECPublicKey)) {
        throw new InvalidKeyException("not an EC public key");
      }
      bc.initVerify(publicKey);
    }

    @Override
    protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
      throw new InvalidKeyException("verification only");
    }

    @Override
    protected void engineUpdate(byte b) throws SignatureException {
      bc.update(b);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) throws SignatureException {
      bc.update(b, off, len);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
      throw new SignatureException("verification only");
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
      return bc.verify(sigBytes);
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String param, Object value) {
      throw new InvalidParameterException("no parameters");
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String param) {
      throw new InvalidParameterException("no parameters");
    }
  }
}
