package dev.tpmdevid.testbed.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.tpm.IDevIdTemplates;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner.IDevId;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner.Mode;
import dev.tpmdevid.testbed.provision.ProvisionCache;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our IDevID templates (tpm-core {@link IDevIdTemplates}) against an independent peer: {@code
 * tpm2_createprimary} from tpm2-tools, given the document's parameters on the command line the way
 * keylime's tests spell them (nameAlg SHA-256, {@code
 * fixedtpm|fixedparent|sensitivedataorigin|userwithauth|adminwithpolicy|sign}, the IDevID policy
 * digest, unique "IDevID"), regenerates on the same swtpm the very key that our provisioner
 * certified: same template, same endorsement seed, same key. tpm2-tools 5.4 reads {@code -u} as a
 * marshalled TPMU_PUBLIC_ID with little-endian sizes, so the unique file carries them.
 */
class IDevIdTemplateInteropTest {

  @ParameterizedTest(name = "{0}")
  @EnumSource(KeyType.class)
  void tpm2CreatePrimaryWithTheDocumentsParametersMakesTheSameKey(KeyType type, @TempDir Path dir)
      throws Exception {
    try (ProvisionedTpm base = ProvisionCache.shared().start(ProvisionOptions.defaults())) {
      String path = base.tpmDevicePath();
      Tpm2Tools tools =
          new Tpm2Tools(dir, Integer.parseInt(path.substring(path.lastIndexOf(':') + 1)));
      Files.write(dir.resolve("policy.bin"), IDevIdTemplates.IDEVID_AUTH_POLICY_SHA256);
      ByteArrayOutputStream unique = new ByteArrayOutputStream();
      unique.writeBytes(new byte[] {6, 0});
      unique.writeBytes("IDevID".getBytes(StandardCharsets.US_ASCII));
      if (type == KeyType.ECC) {
        unique.writeBytes(new byte[] {0, 0}); // unique.ecc.y: empty
      }
      Files.write(dir.resolve("unique.bin"), unique.toByteArray());
      tools.runAndFlush(
          "tpm2_createprimary",
          "-C",
          "e",
          "-g",
          "sha256",
          "-G",
          type == KeyType.RSA ? "rsa2048:null:null" : "ecc256:ecdsa-sha256:null",
          "-a",
          "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|adminwithpolicy|sign",
          "-L",
          "policy.bin",
          "-u",
          "unique.bin",
          "-c",
          "idevid.ctx",
          "-f",
          "pem",
          "-o",
          "idevid.pem");
      PublicKey fromTools = pem(dir.resolve("idevid.pem"), type);

      IDevId ours = IDevIdProvisioner.provision(base, type, Mode.TEMPLATE);

      assertThat(ours.certificate().getPublicKey()).isEqualTo(fromTools);
    }
  }

  private static PublicKey pem(Path file, KeyType type) throws Exception {
    String body = Files.readString(file).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance(type == KeyType.RSA ? "RSA" : "EC")
        .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
  }
}
