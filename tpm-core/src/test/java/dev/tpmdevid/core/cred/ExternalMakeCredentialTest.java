package dev.tpmdevid.core.cred;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.tpm.TpmtPublic;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Credentials made by other implementations for software EKs whose private keys we hold (fixtures
 * in cred/tpm2-tools, see cred/README.md): {@code *.tools.cred} by {@code tpm2_makecredential -T
 * none} (tpm2-tools 5.4, OpenSSL) and {@code *.tpm.cred} by TPM2_MakeCredential inside swtpm 0.7.1
 * (libtpms). Our SoftwareActivation must open all of them; then our own MakeCredential output for
 * the same EK must open too.
 */
class ExternalMakeCredentialTest {

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "rsa2048, tools", "rsa2048, tpm",
    "p256, tools", "p256, tpm",
    "p384, tools", "p384, tpm"
  })
  void activatesCredentialsMadeElsewhere(String key, String maker) throws Exception {
    TpmtPublic ek = TpmtPublic.parseTpm2b(fixture(key + ".ek.pub"));
    PrivateKey priv =
        KeyFactory.getInstance(ek.isRsa() ? "RSA" : "EC")
            .generatePrivate(new PKCS8EncodedKeySpec(fixture(key + ".ek.pk8")));
    byte[] akName = fixture(key + ".akname");
    byte[] secret = fixture(key + ".secret");
    int sym = ek.symmetric().algorithm();
    int bits = ek.symmetric().keyBits();
    CredentialBlob blob = CredentialBlob.fromTpm2ToolsFormat(fixture(key + "." + maker + ".cred"));

    assertThat(SoftwareActivation.activate(priv, ek.nameAlg(), sym, bits, akName, blob))
        .isEqualTo(secret);

    if (ek.isRsa()) {
      // both tpm2-tools and the TPM use a seed of digestSize(nameAlg) bytes (we use symKeyBits/8)
      byte[] seed =
          RsaOaep.decrypt(
              (RSAPrivateKey) priv,
              HashAlg.fromTpmAlgId(ek.nameAlg()),
              CredentialProtection.oaepLabel(),
              blob.encryptedSecret());
      assertThat(seed).hasSize(HashAlg.fromTpmAlgId(ek.nameAlg()).digestSize());
    }

    byte[] cred = blob.credential();
    cred[cred.length - 1] ^= 0x01;
    assertThatThrownBy(
            () ->
                SoftwareActivation.activate(
                    priv,
                    ek.nameAlg(),
                    sym,
                    bits,
                    akName,
                    new CredentialBlob(cred, blob.encryptedSecret())))
        .isInstanceOf(GeneralSecurityException.class);

    CredentialBlob ours = MakeCredential.make(ek, akName, secret, new SecureRandom());
    assertThat(ours.credential()).hasSameSizeAs(blob.credential());
    assertThat(ours.encryptedSecret()).hasSameSizeAs(blob.encryptedSecret());
    assertThat(SoftwareActivation.activate(priv, ek.nameAlg(), sym, bits, akName, ours))
        .isEqualTo(secret);
  }

  private static byte[] fixture(String name) throws Exception {
    try (InputStream in =
        ExternalMakeCredentialTest.class.getResourceAsStream("/cred/tpm2-tools/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }
}
