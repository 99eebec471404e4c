package dev.tpmdevid.core.cred;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutation of untrusted inputs (what a software agent receives from a server): the only
 * exception that may escape is {@link GeneralSecurityException}, and a mutated blob never
 * activates. A stand-in for a Jazzer harness, which tpm-core does not depend on yet.
 */
class HostileInputTest {

  private static final int AES = 0x0006;

  @Test
  void mutatedEccBlobsOnlyFailCleanly() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair ek = g.generateKeyPair();
    byte[] akName = SoftwareActivationTest.name(HashAlg.SHA256);
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    CredentialBlob good =
        MakeCredential.make(ek.getPublic(), 0x000B, AES, 128, akName, secret, new SecureRandom());
    Random r = new Random(0x5EED);
    int activated = 0;
    for (int i = 0; i < 1500; i++) {
      byte[] c = mutate(good.credential(), r);
      byte[] s = mutate(good.encryptedSecret(), r);
      boolean same =
          Arrays.equals(c, good.credential()) && Arrays.equals(s, good.encryptedSecret());
      try {
        byte[] out =
            SoftwareActivation.activate(
                ek.getPrivate(), 0x000B, AES, 128, akName, new CredentialBlob(c, s));
        assertThat(same).as("mutation %d activated", i).isTrue();
        assertThat(out).isEqualTo(secret);
        activated++;
      } catch (GeneralSecurityException expected) {
        assertThat(same).as("unmutated blob rejected").isFalse();
      }
    }
    assertThat(activated).isLessThan(1500);
  }

  @Test
  void randomToolsFilesOnlyFailCleanly() {
    Random r = new Random(42);
    byte[] header = {(byte) 0xBA, (byte) 0xDC, (byte) 0xC0, (byte) 0xDE, 0, 0, 0, 1};
    for (int i = 0; i < 20000; i++) {
      byte[] body = new byte[r.nextInt(40)];
      r.nextBytes(body);
      if (body.length > 2 && r.nextBoolean()) {
        body[0] = 0;
        body[1] = (byte) r.nextInt(8);
      }
      byte[] file = r.nextInt(4) == 0 ? body : MakeCredentialKatTest.concat(header, body);
      try {
        CredentialBlob b = CredentialBlob.fromTpm2ToolsFormat(file);
        assertThat(b.toTpm2ToolsFormat()).isEqualTo(file);
      } catch (GeneralSecurityException expected) {
        // fine
      }
    }
  }

  private static byte[] mutate(byte[] in, Random r) {
    byte[] b = in.clone();
    switch (r.nextInt(5)) {
      case 0:
        return b; // unchanged
      case 1:
        b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
        return b;
      case 2:
        return Arrays.copyOf(b, r.nextInt(b.length));
      case 3:
        return Arrays.copyOf(b, b.length + 1 + r.nextInt(8));
      default:
        b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        b[r.nextInt(Math.min(2, b.length))] = (byte) r.nextInt(256);
        return b;
    }
  }
}
