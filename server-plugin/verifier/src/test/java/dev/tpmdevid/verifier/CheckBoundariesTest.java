package dev.tpmdevid.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tpmdevid.core.tpm.KeyComparison;
import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import dev.tpmdevid.verifier.x509.TrustBundle;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Clock;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The edges of the server's own checks (docs/security.md#stricter-than-go hardening H1-H4, the size
 * limits, the configuration ranges), each on the value just inside and just outside the limit,
 * asserting the check's message. Called directly on the check so one property is varied at a time
 * (through the plugin, an earlier check would often answer first).
 */
class CheckBoundariesTest {
  private static SoftwareAgent agent;
  private static VerificationPolicy config;

  @BeforeAll
  static void setUp() throws Exception {
    agent = SoftwareAgent.goLike();
    config = config(true);
  }

  /** The policy the server plugin builds from the agent's CA bundles (allow_ecc_ek = true). */
  private record Policy(
      TrustBundle devIdRoots,
      TrustBundle endorsementRoots,
      boolean allowEccEk,
      boolean allowEccAk,
      Clock clock)
      implements VerificationPolicy {}

  private static VerificationPolicy config(boolean allowEccAk) throws Exception {
    return new Policy(
        TrustBundle.fromPem(agent.devIdBundlePem().getBytes(StandardCharsets.US_ASCII)),
        TrustBundle.fromPem(agent.ekBundlePem().getBytes(StandardCharsets.US_ASCII)),
        true,
        allowEccAk,
        Clock.systemUTC());
  }

  private interface Check {
    void run() throws Exception;
  }

  private static void assertRefused(Check c, String message) {
    assertThatThrownBy(c::run)
        .isInstanceOfSatisfying(
            AttestationFailure.class,
            e -> {
              // the server maps every reason but CREDENTIAL/CHALLENGE_STATE to INVALID_ARGUMENT
              assertThat(e.reason())
                  .isNotIn(
                      AttestationFailure.Reason.CREDENTIAL,
                      AttestationFailure.Reason.CHALLENGE_STATE);
              assertThat(e.getMessage()).isEqualTo(message);
            });
  }

  private static void assertAccepted(Check c) {
    assertThatCode(c::run).doesNotThrowAnyException();
  }

  /** The unsigned 128-byte modulus of a genuine 1024-bit RSA key. */
  private static byte[] modulus1024() {
    byte[] m = ((RSAPublicKey) TestPki.newRsa(1024).getPublic()).getModulus().toByteArray();
    return m.length == 128 ? m : Arrays.copyOfRange(m, m.length - 128, m.length);
  }

  // ---------------------------------------------------------------- H4: attestation key

  @Test
  void akAttributes_nameAlgKeySizeSchemeAndCurve() throws Exception {
    TpmtPublic ak = agent.akPub;
    String p = "attestation key attributes check failed: ";
    assertAccepted(() -> AttestationVerifier.checkAkAttributes(config, ak));
    assertRefused(
        () ->
            AttestationVerifier.checkAkAttributes(
                config, ak.toBuilder().nameAlg(TpmAlg.SHA384).build()),
        p + "name algorithm must be SHA-256");
    assertRefused(
        () ->
            AttestationVerifier.checkAkAttributes(
                config, ak.toBuilder().rsaKeyBits(1024).rsaModulus(modulus1024()).build()),
        p + "RSA key smaller than 2048 bits");
    assertRefused(
        () ->
            AttestationVerifier.checkAkAttributes(
                config, ak.toBuilder().scheme(TpmtPublic.Scheme.NULL).build()),
        p + "signing scheme must be RSASSA or RSAPSS");
    assertAccepted(
        () ->
            AttestationVerifier.checkAkAttributes(
                config, ak.toBuilder().scheme(TpmtPublic.Scheme.RSAPSS_SHA256).build()));
    // the scheme's hash: SHA-256, -384, -512 pass, SHA-1 does not
    for (int h : new int[] {TpmAlg.SHA384, TpmAlg.SHA512}) {
      assertAccepted(
          () ->
              AttestationVerifier.checkAkAttributes(
                  config, ak.toBuilder().scheme(new TpmtPublic.Scheme(TpmAlg.RSASSA, h)).build()));
    }
    assertRefused(
        () ->
            AttestationVerifier.checkAkAttributes(
                config,
                ak.toBuilder().scheme(new TpmtPublic.Scheme(TpmAlg.RSASSA, TpmAlg.SHA1)).build()),
        p + "signing scheme hash must be SHA-256 or stronger");

    TpmtPublic eccAk = SoftwareAgent.of(KeyType.RSA, KeyType.ECC, KeyType.RSA).akPub;
    assertAccepted(() -> AttestationVerifier.checkAkAttributes(config, eccAk));
    assertRefused(
        () -> AttestationVerifier.checkAkAttributes(config(false), eccAk),
        p + "ECC attestation keys are disabled (allow_ecc_ak)");
    assertAccepted(() -> AttestationVerifier.checkAkAttributes(config(false), ak));
    assertRefused(
        () ->
            AttestationVerifier.checkAkAttributes(
                config,
                eccAk.toBuilder()
                    .curveId(TpmAlg.ECC_NIST_P521)
                    .eccPoint(new byte[0], new byte[0])
                    .build()),
        p + "curve must be NIST P-256 or P-384");
    assertRefused(
        () ->
            AttestationVerifier.checkAkAttributes(
                config, eccAk.toBuilder().scheme(TpmtPublic.Scheme.NULL).build()),
        p + "signing scheme must be ECDSA");
    assertRefused(
        () ->
            AttestationVerifier.checkAkAttributes(
                config,
                eccAk.toBuilder().scheme(new TpmtPublic.Scheme(TpmAlg.ECDSA, TpmAlg.SHA1)).build()),
        p + "signing scheme hash must be SHA-256 or stronger");
  }

  // ---------------------------------------------------------------- H2: DevID key

  @Test
  void devIdAttributes_nameAlgAtLeastSha256_noDecrypt_restrictedEitherWay() throws Exception {
    TpmtPublic d = agent.devIdPub;
    String p = "DevID key attributes check failed: ";
    assertAccepted(() -> AttestationVerifier.checkDevIdKeyAttributes(d));
    for (int alg : new int[] {TpmAlg.SHA384, TpmAlg.SHA512}) {
      assertAccepted(
          () -> AttestationVerifier.checkDevIdKeyAttributes(d.toBuilder().nameAlg(alg).build()));
    }
    assertRefused(
        () ->
            AttestationVerifier.checkDevIdKeyAttributes(d.toBuilder().nameAlg(TpmAlg.SHA1).build()),
        p + "name algorithm must be SHA-256 or stronger");
    // a restricted signing DevID: accepted, as SPIRE's Go agent signs with one and Go accepts it
    assertAccepted(
        () ->
            AttestationVerifier.checkDevIdKeyAttributes(
                d.toBuilder()
                    .attributes(
                        ObjectAttributes.fromBits(SoftwareAgent.GO_DEVID_ATTRIBUTES | 0x00010000))
                    .build()));
    assertRefused(
        () ->
            AttestationVerifier.checkDevIdKeyAttributes(
                d.toBuilder()
                    .attributes(
                        ObjectAttributes.fromBits(SoftwareAgent.GO_DEVID_ATTRIBUTES | 0x00020000))
                    .build()),
        p + "decrypt must not be set");
    assertRefused(
        () ->
            AttestationVerifier.checkDevIdKeyAttributes(
                d.toBuilder().attributes(ObjectAttributes.fromBits(0x00000072)).build()),
        p + "sign not set");
  }

  // ---------------------------------------------------------------- H3: endorsement key

  @Test
  void ekAttributes_symmetricNameAlgAndKeySize() throws Exception {
    TpmtPublic ek = agent.ekPub;
    String p = "endorsement key attributes check failed: ";
    assertAccepted(() -> AttestationVerifier.checkEkAttributes(ek));
    assertAccepted(
        () ->
            AttestationVerifier.checkEkAttributes(
                ek.toBuilder().symmetric(TpmtPublic.Symmetric.AES_256_CFB).build()));
    assertAccepted(
        () ->
            AttestationVerifier.checkEkAttributes(
                ek.toBuilder().nameAlg(TpmAlg.SHA384).authPolicy(new byte[0]).build()));
    for (TpmtPublic.Symmetric s :
        List.of(
            TpmtPublic.Symmetric.NULL,
            new TpmtPublic.Symmetric(TpmAlg.AES, 192, TpmAlg.CFB),
            new TpmtPublic.Symmetric(TpmAlg.AES, 128, TpmAlg.CTR))) {
      assertRefused(
          () -> AttestationVerifier.checkEkAttributes(ek.toBuilder().symmetric(s).build()),
          p + "symmetric algorithm must be AES-128-CFB or AES-256-CFB");
    }
    for (int alg : new int[] {TpmAlg.SHA1, TpmAlg.SHA512}) {
      assertRefused(
          () ->
              AttestationVerifier.checkEkAttributes(
                  ek.toBuilder().nameAlg(alg).authPolicy(new byte[0]).build()),
          p + "name algorithm must be SHA-256 or SHA-384");
    }
    assertRefused(
        () ->
            AttestationVerifier.checkEkAttributes(
                ek.toBuilder().rsaKeyBits(1024).rsaModulus(modulus1024()).build()),
        p + "RSA key smaller than 2048 bits");
    assertRefused(
        () ->
            AttestationVerifier.checkEkAttributes(
                ek.toBuilder()
                    .attributes(ObjectAttributes.fromBits(SoftwareAgent.EK_ATTRIBUTES | 0x00040000))
                    .build()),
        p + "sign must not be set");
    TpmtPublic eccEk = SoftwareAgent.of(KeyType.ECC, KeyType.RSA, KeyType.RSA).ekPub;
    assertAccepted(() -> AttestationVerifier.checkEkAttributes(eccEk));
  }

  @Test
  void ekCertificateThatIsACa_refusedWhateverItsPathLen() throws Exception {
    for (Integer pathLen : new Integer[] {null, 0, 1}) {
      java.security.cert.X509Certificate ca =
          TestPki.cert("EK CA " + pathLen)
              .issuedBy(agent.ekCa)
              .key(agent.ekKey.getPublic())
              .ca(pathLen)
              .tcgEkSan()
              .build();
      assertRefused(
          () -> AttestationVerifier.verifyEkChain(config, dev.tpmdevid.verifier.x509.Cert.of(ca)),
          "cannot verify EK signature: endorsement certificate verification failed: "
              + "endorsement certificate is a CA certificate");
    }
    assertAccepted(
        () ->
            AttestationVerifier.verifyEkChain(
                config, dev.tpmdevid.verifier.x509.Cert.of(agent.ekCert)));
  }

  // ---------------------------------------------------------------- H1/step 10: key equality

  private static ECPublicKey ecKey(ECPublicKey base, BigInteger x, BigInteger y) throws Exception {
    return (ECPublicKey)
        KeyFactory.getInstance("EC")
            .generatePublic(new ECPublicKeySpec(new ECPoint(x, y), base.getParams()));
  }

  @Test
  void keyComparison_namesThePartThatDiffers() throws Exception {
    RSAPublicKey rsa = (RSAPublicKey) TestPki.rsa().getPublic();
    KeyFactory rf = KeyFactory.getInstance("RSA");
    PublicKey sameRsa =
        rf.generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
    PublicKey otherExp =
        rf.generatePublic(new RSAPublicKeySpec(rsa.getModulus(), BigInteger.valueOf(3)));
    PublicKey otherMod =
        rf.generatePublic(
            new RSAPublicKeySpec(rsa.getModulus().add(BigInteger.TWO), rsa.getPublicExponent()));
    assertThat(KeyComparison.difference(rsa, sameRsa)).isNull();
    assertThat(KeyComparison.difference(rsa, otherExp)).isEqualTo("exponent mismatch");
    assertThat(KeyComparison.difference(rsa, otherMod)).isEqualTo("modulus mismatch");

    ECPublicKey ec = (ECPublicKey) TestPki.p256().getPublic();
    BigInteger p = ((ECFieldFp) ec.getParams().getCurve().getField()).getP();
    BigInteger x = ec.getW().getAffineX();
    BigInteger y = ec.getW().getAffineY();
    assertThat(KeyComparison.difference(ec, ecKey(ec, x, y))).isNull();
    // the negated point (x, p - y) is on the curve: same X, other Y
    assertThat(KeyComparison.difference(ec, ecKey(ec, x, p.subtract(y))))
        .isEqualTo("point mismatch");
    ECPublicKey other = (ECPublicKey) TestPki.p256().getPublic();
    assertThat(KeyComparison.difference(ec, other)).isEqualTo("point mismatch");
    ECPublicKey p384 = (ECPublicKey) TestPki.ec("secp384r1").getPublic();
    assertThat(KeyComparison.difference(ec, p384)).isEqualTo("curve mismatch");
    assertThat(KeyComparison.sameCurve(ec.getParams(), p384.getParams())).isFalse();
    assertThat(KeyComparison.difference(rsa, ec)).isEqualTo("key type mismatch");
    assertThat(KeyComparison.difference(ec, rsa)).isEqualTo("key type mismatch");
  }

  // ---------------------------------------------------------------- size limits

  @Test
  void devIdCertificateCount_atMost16() throws Exception {
    byte[] leaf = agent.devIdCert.getEncoded();
    List<byte[]> sixteen = Collections.nCopies(AttestationVerifier.MAX_DEVID_CERTIFICATES, leaf);
    List<byte[]> seventeen =
        Collections.nCopies(AttestationVerifier.MAX_DEVID_CERTIFICATES + 1, leaf);
    assertThat(AttestationVerifier.requireDevIdCertificate(request(sixteen))).hasSize(16);
    assertRefused(
        () -> AttestationVerifier.requireDevIdCertificate(request(seventeen)),
        "too many DevID certificates (at most 16)");
    assertRefused(
        () -> AttestationVerifier.requireDevIdCertificate(request(List.of())),
        "no DevID certificate to attest");
    assertRefused(
        () -> AttestationVerifier.requireDevIdCertificate(request(null)),
        "no DevID certificate to attest");
  }

  private static dev.tpmdevid.core.wire.AttestationRequest request(List<byte[]> devIdCerts) {
    dev.tpmdevid.core.wire.AttestationRequest r = agent.attestationRequest();
    byte[] json =
        new dev.tpmdevid.core.wire.AttestationRequest(
                devIdCerts,
                r.devIdPub(),
                r.ekCert(),
                r.ekPub(),
                r.akPub(),
                r.certifiedDevId(),
                r.certificationSignature())
            .toJson();
    try {
      return dev.tpmdevid.core.wire.AttestationRequest.fromJson(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void devIdCertificateParse_namesTheIntermediateByIndex() throws Exception {
    byte[] leaf = agent.devIdCert.getEncoded();
    byte[] bad = {0x30, 0x03, 0x02, 0x01, 0x01};
    assertThat(AttestationVerifier.parseDevIdCertificates(List.of(leaf, leaf))).hasSize(2);
    assertThatThrownBy(() -> AttestationVerifier.parseDevIdCertificates(List.of(bad)))
        .hasMessageStartingWith("unable to parse DevID certificate: ");
    assertThatThrownBy(() -> AttestationVerifier.parseDevIdCertificates(List.of(leaf, bad)))
        .hasMessageStartingWith("unable to parse DevID intermediate certificate 0: ");
    assertThatThrownBy(() -> AttestationVerifier.parseDevIdCertificates(List.of(leaf, leaf, bad)))
        .hasMessageStartingWith("unable to parse DevID intermediate certificate 1: ");
  }

  @Test
  void challengeResponseSize_atMost16KiB() throws Exception {
    byte[] json =
        new dev.tpmdevid.core.wire.ChallengeResponse(new byte[] {1}, new byte[] {2}).toJson();
    int max = AttestationVerifier.MAX_CHALLENGE_RESPONSE_BYTES;
    byte[] exact = Arrays.copyOf(json, max);
    Arrays.fill(exact, json.length, max, (byte) ' ');
    assertThat(AttestationVerifier.decodeChallengeResponse(exact).credActivation())
        .containsExactly(2);
    byte[] over = Arrays.copyOf(exact, max + 1);
    over[max] = ' ';
    assertRefused(
        () -> AttestationVerifier.decodeChallengeResponse(over),
        "unable to unmarshall challenges response: response too large");
  }

  @Test
  void everyChallenge_hasAFreshNonceAndSecret() throws Exception {
    AttestationVerifier v = new AttestationVerifier(new SecureRandom());
    byte[] payload = agent.payload();
    AttestationVerifier.Pending a = v.verifyPayload(config, payload);
    AttestationVerifier.Pending b = v.verifyPayload(config, payload);
    assertThat(a.secret).hasSize(32).isNotEqualTo(new byte[32]).isNotEqualTo(b.secret);
    assertThat(a.nonce).hasSize(32).isNotEqualTo(new byte[32]).isNotEqualTo(b.nonce);
  }
}
