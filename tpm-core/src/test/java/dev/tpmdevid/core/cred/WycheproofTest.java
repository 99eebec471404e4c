package dev.tpmdevid.core.cred;

import static dev.tpmdevid.core.cred.TestJson.hex;
import static dev.tpmdevid.core.cred.TestJson.list;
import static dev.tpmdevid.core.cred.TestJson.obj;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Project Wycheproof vectors ({@code testdata/wycheproof}, see its PROVENANCE.md) run through the
 * primitives credential protection wraps: our RSA-OAEP encryptor/decryptor, our ECC point
 * validation + ECDH, our integrity HMAC. Each run counts accepted-invalid and rejected-valid cases;
 * both must be zero.
 *
 * <p>{@code acceptable} cases: the only ones in these files are compressed public points (flags
 * CompressedPublic/CompressedPoint). The TPM never uses compressed points (TPMS_ECC_POINT is always
 * x and y), so rejecting them is our documented choice; accepting them would also pass.
 */
class WycheproofTest {

  /** Tallies of one vector file. */
  static final class Tally {
    int valid;
    int invalid;
    int acceptable;
    int acceptedInvalid;
    int rejectedValid;
    int skipped;
    final StringBuilder failures = new StringBuilder();

    void record(Map<String, Object> t, boolean accepted) {
      String result = (String) t.get("result");
      switch (result) {
        case "valid":
          valid++;
          if (!accepted) {
            rejectedValid++;
            failures.append(" rejected-valid tcId=").append(t.get("tcId"));
          }
          break;
        case "invalid":
          invalid++;
          if (accepted) {
            acceptedInvalid++;
            failures.append(" accepted-invalid tcId=").append(t.get("tcId"));
          }
          break;
        default:
          acceptable++;
      }
    }

    void assertClean(String file) {
      System.out.printf(
          "%s: valid=%d invalid=%d acceptable=%d skipped=%d acceptedInvalid=%d rejectedValid=%d%n",
          file, valid, invalid, acceptable, skipped, acceptedInvalid, rejectedValid);
      assertThat(failures.toString()).as(file).isEmpty();
      assertThat(acceptedInvalid).isZero();
      assertThat(rejectedValid).isZero();
      assertThat(valid + invalid).isPositive();
    }
  }

  private static Map<String, Object> load(String file) {
    Path p = TestJson.wycheproof(file);
    return obj(TestJson.read(p));
  }

  @Test
  void rsaOaep2048Sha256() throws Exception {
    String file = "rsa_oaep_2048_sha256_mgf1sha256_test.json";
    Tally tally = new Tally();
    SecureRandom rng = new SecureRandom();
    for (Object g : list(load(file).get("testGroups"))) {
      Map<String, Object> group = obj(g);
      assertThat(group.get("sha")).isEqualTo("SHA-256");
      assertThat(group.get("mgfSha")).isEqualTo("SHA-256");
      RSAPrivateCrtKey priv =
          (RSAPrivateCrtKey)
              KeyFactory.getInstance("RSA")
                  .generatePrivate(new PKCS8EncodedKeySpec(hex(group.get("privateKeyPkcs8"))));
      RSAPublicKey pub =
          (RSAPublicKey)
              KeyFactory.getInstance("RSA")
                  .generatePublic(
                      new RSAPublicKeySpec(priv.getModulus(), priv.getPublicExponent()));
      for (Object o : list(group.get("tests"))) {
        Map<String, Object> t = obj(o);
        byte[] msg = hex(t.get("msg"));
        byte[] label = hex(t.get("label"));
        boolean accepted;
        try {
          byte[] out = RsaOaep.decrypt(priv, HashAlg.SHA256, label, hex(t.get("ct")));
          accepted = Arrays.equals(out, msg);
        } catch (GeneralSecurityException e) {
          accepted = false;
        }
        tally.record(t, accepted);
        if ("valid".equals(t.get("result"))) {
          // our encryptor on the same message and label, decrypted with the vector's key
          byte[] ct = RsaOaep.encrypt(pub, HashAlg.SHA256, label, msg, rng);
          assertThat(ct).hasSize(256);
          assertThat(RsaOaep.decrypt(priv, HashAlg.SHA256, label, ct))
              .as("round trip tcId=%s", t.get("tcId"))
              .isEqualTo(msg);
        }
      }
    }
    tally.assertClean(file);
  }

  @ParameterizedTest
  @CsvSource({"ecdh_secp256r1_ecpoint_test.json, P256", "ecdh_secp384r1_ecpoint_test.json, P384"})
  void ecdhEcpoint(String file, EccCurve curve) throws Exception {
    Tally tally = new Tally();
    for (Object g : list(load(file).get("testGroups"))) {
      Map<String, Object> group = obj(g);
      assertThat(group.get("curve")).isEqualTo(curve.jcaName());
      for (Object o : list(group.get("tests"))) {
        Map<String, Object> t = obj(o);
        boolean accepted;
        try {
          byte[] shared = ecdh(curve, hex(t.get("public")), hex(t.get("private")));
          accepted = Arrays.equals(shared, hex(t.get("shared")));
        } catch (GeneralSecurityException e) {
          accepted = false;
        }
        tally.record(t, accepted);
      }
    }
    tally.assertClean(file);
  }

  /**
   * The credential path: an uncompressed X9.62 point is split into the TPMS_ECC_POINT x and y,
   * validated by {@link EccCurve#publicKey}, then used for ECDH. Anything else (compressed, empty,
   * wrong length) cannot be a TPM point and is rejected.
   */
  private static byte[] ecdh(EccCurve curve, byte[] encoded, byte[] privateScalar)
      throws GeneralSecurityException {
    int n = curve.coordinateSize();
    if (encoded.length != 1 + 2 * n || encoded[0] != 0x04) {
      throw new GeneralSecurityException("not an uncompressed point");
    }
    ECPublicKey pub =
        curve.publicKey(
            Arrays.copyOfRange(encoded, 1, 1 + n), Arrays.copyOfRange(encoded, 1 + n, 1 + 2 * n));
    ECPrivateKey priv = curve.privateKey(new BigInteger(1, privateScalar));
    return curve.sharedX(priv, pub);
  }

  @Test
  void hmacSha256() throws Exception {
    String file = "hmac_sha256_test.json";
    Tally tally = new Tally();
    for (Object g : list(load(file).get("testGroups"))) {
      Map<String, Object> group = obj(g);
      List<Object> tests = list(group.get("tests"));
      if (((Long) group.get("tagSize")).intValue() != 256) {
        // truncated tags: the TPM integrity value is always the full digest, so verifyHmac must
        // refuse every truncated tag, valid or not; not counted as vectors
        for (Object o : tests) {
          Map<String, Object> t = obj(o);
          boolean refused = false;
          try {
            CredentialProtection.verifyHmac(
                HashAlg.SHA256,
                hex(t.get("key")),
                hex(t.get("msg")),
                new byte[0],
                hex(t.get("tag")));
          } catch (GeneralSecurityException e) {
            refused = true;
          }
          assertThat(refused).as("truncated tag tcId=%s", t.get("tcId")).isTrue();
        }
        tally.skipped += tests.size();
        continue;
      }
      for (Object o : tests) {
        Map<String, Object> t = obj(o);
        byte[] msg = hex(t.get("msg"));
        int cut = msg.length / 2; // exercise the two-part input (encIdentity || objectName)
        boolean accepted;
        try {
          CredentialProtection.verifyHmac(
              HashAlg.SHA256,
              hex(t.get("key")),
              Arrays.copyOf(msg, cut),
              Arrays.copyOfRange(msg, cut, msg.length),
              hex(t.get("tag")));
          accepted = true;
        } catch (GeneralSecurityException e) {
          accepted = false;
        }
        tally.record(t, accepted);
      }
    }
    tally.assertClean(file);
  }
}
