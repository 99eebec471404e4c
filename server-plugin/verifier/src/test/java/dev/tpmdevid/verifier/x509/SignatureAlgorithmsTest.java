package dev.tpmdevid.verifier.x509;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.labpki.TestPki;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Which certificate signature algorithms Go's {@code CheckSignatureFrom} verifies (crypto/x509
 * x509.go, {@code signatureAlgorithmDetails} and {@code getSignatureAlgorithmFromAI}): the
 * RSASSA-PSS parameter sets one field at a time, SHA-1/MD5 as insecure, everything else
 * unimplemented.
 */
class SignatureAlgorithmsTest {
  private static final String SHA256 = "300d0609608648016503040201 0500";
  private static final String SHA384 = "300d0609608648016503040202 0500";
  private static final String SHA512 = "300d0609608648016503040203 0500";
  private static final String SHA224 = "300d0609608648016503040204 0500";
  private static final String SHA1 = "300906052b0e03021a 0500";

  private static String tlv(String tag, String content) {
    String c = content.replace(" ", "");
    return tag + String.format("%02x", c.length() / 2) + c;
  }

  private static String mgf1(String hashAi) {
    return tlv("30", "06092a864886f70d010108" + hashAi);
  }

  /** RSASSA-PSS-params with explicit hash, MGF1 hash, salt and optional trailer. */
  private static byte[] pss(String hash, String mgfHash, int salt, Integer trailer) {
    String body =
        tlv("a0", hash)
            + tlv("a1", mgf1(mgfHash))
            + tlv("a2", tlv("02", String.format("%02x", salt)));
    if (trailer != null) {
      body += tlv("a3", tlv("02", String.format("%02x", trailer)));
    }
    return HexFormat.of().parseHex(tlv("30", body));
  }

  @Test
  void pss_goThreeSets_only() {
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA256, SHA256, 32, null))).isTrue();
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA384, SHA384, 48, null))).isTrue();
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA512, SHA512, 64, null))).isTrue();
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA256, SHA256, 32, 1))).isTrue();
    // hash parameters may be absent as well as NULL
    String sha256NoNull = "300b0609608648016503040201";
    assertThat(SignatureAlgorithms.goPssParameters(pss(sha256NoNull, sha256NoNull, 32, null)))
        .isTrue();
  }

  @Test
  void pss_eachFieldOutsideTheSets_refused() {
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA1, SHA1, 20, null))).isFalse();
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA224, SHA224, 28, null))).isFalse();
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA256, SHA1, 32, null))).isFalse();
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA256, SHA384, 32, null))).isFalse();
    for (int salt : new int[] {0, 20, 31, 33, 48, 64}) {
      assertThat(SignatureAlgorithms.goPssParameters(pss(SHA256, SHA256, salt, null)))
          .as("salt %d", salt)
          .isFalse();
    }
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA384, SHA384, 32, null))).isFalse();
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA384, SHA384, 64, null))).isFalse();
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA512, SHA512, 48, null))).isFalse();
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA256, SHA256, 32, 2))).isFalse();
    assertThat(SignatureAlgorithms.goPssParameters(pss(SHA256, SHA256, 32, 0))).isFalse();
    // hash with parameters other than NULL; NULL with content; something after the NULL
    assertThat(
            SignatureAlgorithms.goPssParameters(
                pss("300d06096086480165030402010400", SHA256, 32, null)))
        .isFalse();
    assertThat(
            SignatureAlgorithms.goPssParameters(
                pss("300e0609608648016503040201050100", SHA256, 32, null)))
        .isFalse();
    assertThat(
            SignatureAlgorithms.goPssParameters(
                pss("300f060960864801650304020105000500", SHA256, 32, null)))
        .isFalse();
    // an OID of the NIST hash arc with an extra arc, or another arc of the same length
    assertThat(
            SignatureAlgorithms.goPssParameters(
                pss(
                    "300e060a60864801650304020101 0500",
                    "300e060a60864801650304020101 0500",
                    32,
                    null)))
        .isFalse();
    assertThat(
            SignatureAlgorithms.goPssParameters(
                pss(
                    "300d0609608648016503040301 0500",
                    "300d0609608648016503040301 0500",
                    32,
                    null)))
        .isFalse();
    // a mask generation function other than MGF1, or MGF1 without its hash
    String other =
        tlv("a0", SHA256)
            + tlv("a1", tlv("30", "06092a864886f70d010109" + SHA256))
            + tlv("a2", "020120");
    assertThat(SignatureAlgorithms.goPssParameters(HexFormat.of().parseHex(tlv("30", other))))
        .isFalse();
    String noHash =
        tlv("a0", SHA256) + tlv("a1", tlv("30", "06092a864886f70d010108")) + tlv("a2", "020120");
    assertThat(SignatureAlgorithms.goPssParameters(HexFormat.of().parseHex(tlv("30", noHash))))
        .isFalse();
    // defaults (SHA-1) by omission, absent parameters, not DER
    assertThat(SignatureAlgorithms.goPssParameters(HexFormat.of().parseHex("3000"))).isFalse();
    assertThat(SignatureAlgorithms.goPssParameters(null)).isFalse();
    assertThat(SignatureAlgorithms.goPssParameters(HexFormat.of().parseHex("0500"))).isFalse();
    // salt as a two-byte INTEGER (256 + 32) is not 32
    String bigSalt = tlv("a0", SHA256) + tlv("a1", mgf1(SHA256)) + tlv("a2", "02020120");
    assertThat(SignatureAlgorithms.goPssParameters(HexFormat.of().parseHex(tlv("30", bigSalt))))
        .isFalse();
  }

  @Test
  void byOid_secureVerified_sha1AndMd5Insecure_restUnimplemented() {
    for (String ok :
        new String[] {
          "1.2.840.113549.1.1.11",
          "1.2.840.113549.1.1.12",
          "1.2.840.113549.1.1.13",
          "1.2.840.113549.1.1.10",
          "1.2.840.10045.4.3.2",
          "1.2.840.10045.4.3.3",
          "1.2.840.10045.4.3.4",
          "1.3.101.112"
        }) {
      assertThat(SignatureAlgorithms.goRefusal(ok)).as(ok).isNull();
    }
    assertThat(SignatureAlgorithms.goRefusal("1.2.840.113549.1.1.5"))
        .isEqualTo("cannot verify signature: insecure algorithm SHA1-RSA");
    assertThat(SignatureAlgorithms.goRefusal("1.3.14.3.2.29"))
        .isEqualTo("cannot verify signature: insecure algorithm SHA1-RSA");
    assertThat(SignatureAlgorithms.goRefusal("1.2.840.10045.4.1"))
        .isEqualTo("cannot verify signature: insecure algorithm ECDSA-SHA1");
    assertThat(SignatureAlgorithms.goRefusal("1.2.840.10040.4.3"))
        .isEqualTo("cannot verify signature: insecure algorithm DSA-SHA1");
    assertThat(SignatureAlgorithms.goRefusal("1.2.840.113549.1.1.4"))
        .isEqualTo("cannot verify signature: insecure algorithm MD5-RSA");
    assertThat(SignatureAlgorithms.goRefusal("1.2.840.113549.1.1.2"))
        .isEqualTo("cannot verify signature: insecure algorithm MD2-RSA");
    for (String no :
        new String[] {
          "1.2.840.113549.1.1.14", "2.16.840.1.101.3.4.3.2", "1.2.840.10045.4.3.1", "1.3.101.113"
        }) {
      assertThat(SignatureAlgorithms.goRefusal(no))
          .as(no)
          .isEqualTo("cannot verify signature: algorithm unimplemented");
    }
  }

  @Test
  void byCertificate_pssParametersAndEd25519() throws Exception {
    TestPki.Ca rsaRoot = TestPki.rsaRootCa("r");
    var good =
        TestPki.cert("l")
            .issuedBy(rsaRoot)
            .key(TestPki.p256().getPublic())
            .pss(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1))
            .build();
    assertThat(SignatureAlgorithms.goRefusal(good)).isNull();
    var salt20 =
        TestPki.cert("l")
            .issuedBy(rsaRoot)
            .key(TestPki.p256().getPublic())
            .pss(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 20, 1))
            .build();
    assertThat(SignatureAlgorithms.goRefusal(salt20))
        .isEqualTo("cannot verify signature: algorithm unimplemented");
    KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    var edCert = TestPki.cert("l").selfSigned(ed).sigAlg("Ed25519").build();
    assertThat(SignatureAlgorithms.goRefusal(edCert)).isNull();
    var sha1 =
        TestPki.cert("l")
            .issuedBy(rsaRoot)
            .key(TestPki.p256().getPublic())
            .sigAlg("SHA1withRSA")
            .build();
    assertThat(SignatureAlgorithms.goRefusal(sha1))
        .isEqualTo("cannot verify signature: insecure algorithm SHA1-RSA");
  }
}
