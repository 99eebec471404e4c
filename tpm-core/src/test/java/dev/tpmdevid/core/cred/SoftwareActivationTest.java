package dev.tpmdevid.core.cred;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** make -> software activate round trips, and tampering of every byte. */
class SoftwareActivationTest {

  private static final int AES = 0x0006;
  private static final SecureRandom RNG = new SecureRandom();
  private static KeyPair rsa2048;
  private static KeyPair p256;
  private static KeyPair p384;
  private static KeyPair otherRsa;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator r = KeyPairGenerator.getInstance("RSA");
    r.initialize(2048);
    rsa2048 = r.generateKeyPair();
    otherRsa = r.generateKeyPair();
    KeyPairGenerator e = KeyPairGenerator.getInstance("EC");
    e.initialize(new ECGenParameterSpec("secp256r1"));
    p256 = e.generateKeyPair();
    e.initialize(new ECGenParameterSpec("secp384r1"));
    p384 = e.generateKeyPair();
  }

  static Stream<Arguments> cases() {
    // key, EK nameAlg, AES bits, AK name hash
    return Stream.of(
        Arguments.of("rsa2048", 0x000B, 128, HashAlg.SHA256),
        Arguments.of("rsa2048", 0x000B, 256, HashAlg.SHA256),
        Arguments.of("rsa2048", 0x000C, 256, HashAlg.SHA256),
        Arguments.of("rsa2048", 0x000D, 128, HashAlg.SHA384),
        Arguments.of("rsa2048", 0x0004, 128, HashAlg.SHA1),
        Arguments.of("p256", 0x000B, 128, HashAlg.SHA256),
        Arguments.of("p256", 0x000B, 256, HashAlg.SHA256),
        Arguments.of("p384", 0x000C, 256, HashAlg.SHA384),
        Arguments.of("p384", 0x000B, 128, HashAlg.SHA256));
  }

  private static KeyPair key(String name) {
    switch (name) {
      case "rsa2048":
        return rsa2048;
      case "p256":
        return p256;
      default:
        return p384;
    }
  }

  static byte[] name(HashAlg h) {
    byte[] n = new byte[2 + h.digestSize()];
    n[0] = (byte) (h.tpmAlgId() >> 8);
    n[1] = (byte) h.tpmAlgId();
    byte[] digest = new byte[h.digestSize()];
    RNG.nextBytes(digest);
    System.arraycopy(digest, 0, n, 2, digest.length);
    return n;
  }

  @ParameterizedTest(name = "{0} nameAlg={1} aes{2}")
  @MethodSource("cases")
  void roundTripAndTamper(String keyName, int nameAlg, int aesBits, HashAlg akHash)
      throws Exception {
    KeyPair ek = key(keyName);
    byte[] akName = name(akHash);
    int secretLen = HashAlg.fromTpmAlgId(nameAlg).digestSize();
    byte[] secret = new byte[secretLen];
    RNG.nextBytes(secret);

    CredentialBlob blob =
        MakeCredential.make(ek.getPublic(), nameAlg, AES, aesBits, akName, secret, RNG);
    int digest = HashAlg.fromTpmAlgId(nameAlg).digestSize();
    assertThat(blob.credential()).hasSize(2 + digest + 2 + secretLen);
    assertThat(SoftwareActivation.activate(ek.getPrivate(), nameAlg, AES, aesBits, akName, blob))
        .isEqualTo(secret);

    // a fresh blob for the same inputs differs (fresh seed), and still activates
    CredentialBlob again =
        MakeCredential.make(ek.getPublic(), nameAlg, AES, aesBits, akName, secret, RNG);
    assertThat(again).isNotEqualTo(blob);
    assertThat(SoftwareActivation.activate(ek.getPrivate(), nameAlg, AES, aesBits, akName, again))
        .isEqualTo(secret);

    // every byte of the credential (integrity size, integrity, encIdentity) is protected
    byte[] cred = blob.credential();
    for (int i = 0; i < cred.length; i++) {
      byte[] t = cred.clone();
      t[i] ^= 0x01;
      CredentialBlob bad = new CredentialBlob(t, blob.encryptedSecret());
      assertThatThrownBy(
              () ->
                  SoftwareActivation.activate(ek.getPrivate(), nameAlg, AES, aesBits, akName, bad))
          .as("credential byte %d", i)
          .isInstanceOf(GeneralSecurityException.class);
    }
    // every byte of the encrypted secret (OAEP ciphertext / point sizes and coordinates)
    // (RSA: a sample of positions, each costs a private-key operation)
    byte[] sec = blob.encryptedSecret();
    int step = keyName.equals("rsa2048") ? 13 : 1;
    for (int i = 0;
        i < sec.length;
        i = (i < 3 || i >= sec.length - 3) ? i + 1 : Math.min(i + step, sec.length - 3)) {
      byte[] t = sec.clone();
      t[i] ^= 0x01;
      CredentialBlob bad = new CredentialBlob(blob.credential(), t);
      assertThatThrownBy(
              () ->
                  SoftwareActivation.activate(ek.getPrivate(), nameAlg, AES, aesBits, akName, bad))
          .as("secret byte %d", i)
          .isInstanceOf(GeneralSecurityException.class);
    }
    // truncation and extension
    assertThatThrownBy(
            () ->
                SoftwareActivation.activate(
                    ek.getPrivate(),
                    nameAlg,
                    AES,
                    aesBits,
                    akName,
                    new CredentialBlob(Arrays.copyOf(cred, cred.length - 1), sec)))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(
            () ->
                SoftwareActivation.activate(
                    ek.getPrivate(),
                    nameAlg,
                    AES,
                    aesBits,
                    akName,
                    new CredentialBlob(Arrays.copyOf(cred, cred.length + 1), sec)))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(
            () ->
                SoftwareActivation.activate(
                    ek.getPrivate(),
                    nameAlg,
                    AES,
                    aesBits,
                    akName,
                    new CredentialBlob(cred, Arrays.copyOf(sec, sec.length + 1))))
        .isInstanceOf(GeneralSecurityException.class);

    // another object name, another AES size, another EK all fail
    byte[] otherName = akName.clone();
    otherName[otherName.length - 1] ^= 0x01;
    assertThatThrownBy(
            () ->
                SoftwareActivation.activate(
                    ek.getPrivate(), nameAlg, AES, aesBits, otherName, blob))
        .isInstanceOf(GeneralSecurityException.class);
    int otherBits = aesBits == 128 ? 256 : 128;
    assertThatThrownBy(
            () ->
                SoftwareActivation.activate(ek.getPrivate(), nameAlg, AES, otherBits, akName, blob))
        .isInstanceOf(GeneralSecurityException.class);
    KeyPair otherEk = keyName.equals("rsa2048") ? otherRsa : freshEc(keyName);
    assertThatThrownBy(
            () ->
                SoftwareActivation.activate(
                    otherEk.getPrivate(), nameAlg, AES, aesBits, akName, blob))
        .isInstanceOf(GeneralSecurityException.class);
  }

  private static KeyPair freshEc(String name) throws Exception {
    KeyPairGenerator e = KeyPairGenerator.getInstance("EC");
    e.initialize(new ECGenParameterSpec(name.equals("p256") ? "secp256r1" : "secp384r1"));
    return e.generateKeyPair();
  }

  @Test
  void seedIsSymKeySizeForRsaAndDigestSizeForEcc() throws Exception {
    // RSA: decrypt the OAEP secret ourselves and look at the seed length
    byte[] akName = name(HashAlg.SHA256);
    for (int bits : new int[] {128, 256}) {
      CredentialBlob blob =
          MakeCredential.make(rsa2048.getPublic(), 0x000B, AES, bits, akName, new byte[32], RNG);
      byte[] seed =
          RsaOaep.decrypt(
              (java.security.interfaces.RSAPrivateKey) rsa2048.getPrivate(),
              HashAlg.SHA256,
              CredentialProtection.oaepLabel(),
              blob.encryptedSecret());
      assertThat(seed).hasSize(bits / 8);
    }
    // ECC: secret is TPM2B(x) || TPM2B(y) with fixed-length coordinates
    CredentialBlob e384 =
        MakeCredential.make(p384.getPublic(), 0x000C, AES, 256, akName, new byte[48], RNG);
    byte[] s = e384.encryptedSecret();
    assertThat(s).hasSize(2 + 48 + 2 + 48);
    assertThat(s[0]).isEqualTo((byte) 0);
    assertThat(s[1]).isEqualTo((byte) 48);
    assertThat(s[50]).isEqualTo((byte) 0);
    assertThat(s[51]).isEqualTo((byte) 48);
  }

  @Test
  void emptyOrGarbageBlobsAreRejectedWithOneExceptionType() throws Exception {
    byte[] akName = name(HashAlg.SHA256);
    byte[][] parts = {new byte[0], new byte[1], new byte[2], new byte[70], new byte[300]};
    for (KeyPair ek : new KeyPair[] {rsa2048, p256, p384}) {
      for (byte[] c : parts) {
        for (byte[] s : parts) {
          CredentialBlob bad = new CredentialBlob(c, s);
          assertThatThrownBy(
                  () -> SoftwareActivation.activate(ek.getPrivate(), 0x000B, AES, 128, akName, bad))
              .isInstanceOf(GeneralSecurityException.class);
        }
      }
    }
  }

  @Test
  void tpm2ToolsFileFormatRoundTrip() throws Exception {
    CredentialBlob blob =
        MakeCredential.make(
            p256.getPublic(), 0x000B, AES, 128, name(HashAlg.SHA256), new byte[] {1}, RNG);
    byte[] file = blob.toTpm2ToolsFormat();
    assertThat(Arrays.copyOf(file, 8))
        .containsExactly(0xBA, 0xDC, 0xC0, 0xDE, 0x00, 0x00, 0x00, 0x01);
    assertThat(CredentialBlob.fromTpm2ToolsFormat(file)).isEqualTo(blob);
    assertThatThrownBy(
            () -> CredentialBlob.fromTpm2ToolsFormat(Arrays.copyOf(file, file.length + 1)))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(
            () -> CredentialBlob.fromTpm2ToolsFormat(Arrays.copyOf(file, file.length - 1)))
        .isInstanceOf(GeneralSecurityException.class);
    byte[] badMagic = file.clone();
    badMagic[0] = 0;
    assertThatThrownBy(() -> CredentialBlob.fromTpm2ToolsFormat(badMagic))
        .isInstanceOf(GeneralSecurityException.class);
  }
}
