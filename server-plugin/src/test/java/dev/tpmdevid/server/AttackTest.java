package dev.tpmdevid.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmName;
import dev.tpmdevid.core.tpm.TpmsAttest;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestResponse;
import dev.tpmdevid.server.PluginHarness.Conversation;
import dev.tpmdevid.server.PluginHarness.Outcome;
import dev.tpmdevid.verifier.AttestationFailure;
import dev.tpmdevid.verifier.AttestationVerifier;
import dev.tpmdevid.verifier.testing.RequestForge;
import dev.tpmdevid.verifier.testing.SoftwareAgent;
import io.grpc.Status;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One test per attack class of docs/security.md#attacks, each asserting the gRPC code and the check
 * named in the message. Forged evidence comes from the software stand-in agent.
 */
class AttackTest {
  private static SoftwareAgent agent;
  private static PluginHarness harness;

  @BeforeAll
  static void setUp() throws Exception {
    agent = SoftwareAgent.goLike();
    // the default challenge_timeout (30s): a loaded machine never reaches it in these tests; the
    // timeout itself is tested with its own 1s harness (attack12_challengeNeverAnswered_...)
    harness = new PluginHarness(agent, null);
  }

  @AfterAll
  static void tearDown() throws Exception {
    harness.close();
  }

  // ------------------------------------------------------------------ helpers

  private static Outcome attest(byte[] payload) throws Exception {
    return harness.attest(payload, agent::respond);
  }

  private static void assertRejected(Outcome o, Status.Code code, String check) {
    assertThat(o.ok()).as("attestation must be refused").isFalse();
    assertThat(o.status().getCode()).isEqualTo(code);
    assertThat(o.status().getDescription()).contains(check);
  }

  private static byte[] der(X509Certificate c) throws Exception {
    return c.getEncoded();
  }

  private static TpmtPublic withAttributes(TpmtPublic p, int bits) {
    return p.toBuilder().attributes(ObjectAttributes.fromBits(bits)).build();
  }

  // ------------------------------------------------------------------ 1

  @Test
  void attack01_softwareAkWithoutRestrictedAttribute_rejectedByAkAttributeCheck() throws Exception {
    // A software key loaded with TPM2_LoadExternal cannot be restricted+fixedTPM: it signs
    // anything.
    for (int attrs :
        new int[] {
          0x00040072 /* no restricted */,
          0x00050070 /* no fixedTPM */,
          0x00050062 /* no fixedParent */,
          0x00070072 /* decrypt too */
        }) {
      TpmtPublic softAk = withAttributes(agent.akPub, attrs);
      RequestForge f = new RequestForge(agent);
      f.akPub = softAk.encode();
      Outcome o = attest(f.json());
      assertRejected(o, Status.Code.INVALID_ARGUMENT, "attestation key attributes check failed");
    }
    RequestForge f = new RequestForge(agent);
    f.akPub = withAttributes(agent.akPub, 0x00040072).encode();
    assertRejected(
        attest(f.json()),
        Status.Code.INVALID_ARGUMENT,
        "attestation key attributes check failed: restricted not set");
  }

  // ------------------------------------------------------------------ 2

  @Test
  void attack02_stolenDevIdKeyWithUnrelatedCertifiedKey_rejectedByDevIdKeyBinding()
      throws Exception {
    // The attacker has the victim's DevID certificate and private key in software, and a genuine
    // TPM (here: a second agent with a trusted EK) that certifies one of its own keys.
    SoftwareAgent attackerTpm = SoftwareAgent.goLike();
    try (PluginHarness h = new PluginHarness(null, null)) {
      h.configs.configure(
          PluginHarness.TRUST_DOMAIN,
          h.hcl(agent.devIdBundlePem(), attackerTpm.ekBundlePem(), null));
      RequestForge f = new RequestForge(attackerTpm);
      f.devIdCert = agent.devIdCertChain();
      Outcome o =
          h.attest(f.json(), ch -> SoftwareAgent.respondWith(ch, agent.devIdKey, attackerTpm));
      assertRejected(
          o,
          Status.Code.INVALID_ARGUMENT,
          "DevID certificate key differs from DevID key public blob");
    }
  }

  // ------------------------------------------------------------------ 3

  @Test
  void attack03_exportableDevIdKey_rejectedByDevIdAttributeCheck() throws Exception {
    String[] expected = {
      "fixedTPM not set",
      "fixedParent not set",
      "sensitiveDataOrigin not set",
      "decrypt must not be set"
    };
    int[] attrs = {0x00040070, 0x00040062, 0x00040052, 0x00060072};
    for (int i = 0; i < attrs.length; i++) {
      TpmtPublic exportable = withAttributes(agent.devIdPub, attrs[i]);
      RequestForge f = new RequestForge(agent);
      f.devIdPub = exportable.encode();
      f.certified = agent.certifyInfo(exportable);
      f.signature = agent.signWithAk(f.certified);
      assertRejected(
          attest(f.json()),
          Status.Code.INVALID_ARGUMENT,
          "DevID key attributes check failed: " + expected[i]);
    }
  }

  // ------------------------------------------------------------------ 4

  @Test
  void attack04_forgedTpmsAttest_rejectedByCertifyCheck() throws Exception {
    byte[] good = agent.certifyInfo(agent.devIdPub);
    List<byte[]> forged = new ArrayList<>();
    List<String> why = new ArrayList<>();

    byte[] badMagic = good.clone();
    badMagic[0] ^= 0x01;
    forged.add(badMagic);
    why.add("cannot decode certification data");

    byte[] quote = good.clone();
    quote[4] = (byte) 0x80;
    quote[5] = 0x18;
    forged.add(quote);
    why.add("cannot decode certification data");

    forged.add(Arrays.copyOf(good, good.length + 1));
    why.add("cannot decode certification data");

    byte[] pastEnd = good.clone();
    pastEnd[69] = 0x7F; // TPM2B size of the certified name: far past the buffer
    pastEnd[70] = (byte) 0xFF;
    forged.add(pastEnd);
    why.add("cannot decode certification data");

    TpmtPublic other =
        TpmtPublic.fromPublicKey(
            TestPki.p256().getPublic(),
            ObjectAttributes.fromBits(SoftwareAgent.GO_DEVID_ATTRIBUTES));
    forged.add(agent.certifyInfo(other));
    why.add("certify failed: certified name differs from the DevID key name");

    for (int alg : new int[] {TpmAlg.SHA384, TpmAlg.SHA1}) {
      TpmName n = TpmName.compute(alg, agent.devIdPub.encode());
      forged.add(
          new TpmsAttest(
                  TpmName.compute(TpmAlg.SHA256, agent.akPub.encode()),
                  new byte[0],
                  1,
                  0,
                  0,
                  true,
                  0,
                  n,
                  n)
              .encode());
      why.add("certified name algorithm differs from the DevID key name algorithm");
    }

    for (int i = 0; i < forged.size(); i++) {
      RequestForge f = new RequestForge(agent);
      f.certified = forged.get(i);
      f.signature = agent.signWithAk(forged.get(i)); // the AK "signs anything" in this forgery
      Outcome o = attest(f.json());
      assertRejected(
          o,
          Status.Code.INVALID_ARGUMENT,
          "cannot verify that DevID is in the same TPM than AK: " + why.get(i));
    }
  }

  // ------------------------------------------------------------------ 5

  @Test
  void attack05_signatureConfusion_rejectedBySchemeCheck() throws Exception {
    byte[] attest = agent.certifyInfo(agent.devIdPub);
    Signature pss = Signature.getInstance("RSASSA-PSS");
    pss.setParameter(
        new java.security.spec.PSSParameterSpec(
            "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
    pss.initSign(agent.akKey.getPrivate());
    pss.update(attest);
    Signature sha384 = Signature.getInstance("SHA384withRSA");
    sha384.initSign(agent.akKey.getPrivate());
    sha384.update(attest);
    KeyPair ec = TestPki.p256();
    Signature ecdsa = Signature.getInstance("SHA256withECDSA");
    ecdsa.initSign(ec.getPrivate());
    ecdsa.update(attest);
    byte[][] sigs = {
      TpmtSignature.rsapss(TpmAlg.SHA256, pss.sign()).encode(),
      TpmtSignature.rsassa(TpmAlg.SHA384, sha384.sign()).encode(),
      TpmtSignature.fromDerEcdsa(TpmAlg.SHA256, ecdsa.sign(), 32).encode()
    };
    for (byte[] sig : sigs) {
      RequestForge f = new RequestForge(agent);
      f.signature = sig;
      assertRejected(
          attest(f.json()),
          Status.Code.INVALID_ARGUMENT,
          "signature scheme differs from the attestation key scheme");
    }

    // RSA signature for an ECC AK
    SoftwareAgent eccAk = SoftwareAgent.of(KeyType.RSA, KeyType.ECC, KeyType.RSA);
    try (PluginHarness h = new PluginHarness(eccAk, null)) {
      RequestForge f = new RequestForge(eccAk);
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initSign(agent.akKey.getPrivate());
      rsa.update(f.certified);
      f.signature = TpmtSignature.rsassa(TpmAlg.SHA256, rsa.sign()).encode();
      assertRejected(
          h.attest(f.json(), eccAk::respond),
          Status.Code.INVALID_ARGUMENT,
          "signature scheme differs from the attestation key scheme");
    }

    // RSA AK below 2048 bits
    KeyPair small = TestPki.newRsa(1024);
    TpmtPublic smallAk =
        TpmtPublic.fromPublicKey(
            small.getPublic(), ObjectAttributes.fromBits(SoftwareAgent.GO_AK_ATTRIBUTES));
    RequestForge f = new RequestForge(agent);
    f.akPub = smallAk.encode();
    assertRejected(
        attest(f.json()),
        Status.Code.INVALID_ARGUMENT,
        "attestation key attributes check failed: RSA key smaller than 2048 bits");

    // a curve other than P-256/P-384 (P-521 point that is not even on the curve)
    byte[] c = new byte[66];
    c[65] = 1;
    TpmtPublic p521 =
        TpmtPublic.builder()
            .type(TpmAlg.ECC)
            .nameAlg(TpmAlg.SHA256)
            .attributes(ObjectAttributes.fromBits(SoftwareAgent.GO_AK_ATTRIBUTES))
            .scheme(TpmtPublic.Scheme.ECDSA_SHA256)
            .curveId(TpmAlg.ECC_NIST_P521)
            .kdf(TpmtPublic.Scheme.NULL)
            .eccPoint(c, c)
            .build();
    RequestForge g = new RequestForge(agent);
    g.akPub = p521.encode();
    assertRejected(
        attest(g.json()),
        Status.Code.INVALID_ARGUMENT,
        "cannot decode attestation key public blob");
  }

  // ------------------------------------------------------------------ 6

  @Test
  void attack06_ekCertKeyDiffersFromEkPub_rejectedByEkKeyMatch() throws Exception {
    SoftwareAgent other = SoftwareAgent.goLike();
    RequestForge f = new RequestForge(agent);
    f.ekPub = other.ekPub.encode(); // a TPM whose EK is not the certified one
    assertRejected(
        attest(f.json()),
        Status.Code.INVALID_ARGUMENT,
        "public key in EK certificate differs from public key created via EK template: modulus mismatch");

    SoftwareAgent ecc = SoftwareAgent.of(KeyType.ECC, KeyType.RSA, KeyType.RSA);
    RequestForge g = new RequestForge(agent);
    g.ekPub = ecc.ekPub.encode();
    assertRejected(
        attest(g.json()),
        Status.Code.INVALID_ARGUMENT,
        "public key in EK certificate differs from public key created via EK template: key type mismatch");
  }

  // ------------------------------------------------------------------ 7

  @Test
  void attack07_invalidEccEkPoint_rejectedBeforeEcdh() throws Exception {
    SoftwareAgent ecc = SoftwareAgent.of(KeyType.ECC, KeyType.RSA, KeyType.RSA);
    byte[] x = ecc.ekPub.eccX();
    byte[] y = ecc.ekPub.eccY().clone();
    y[y.length - 1] ^= 0x01; // off the curve
    List<byte[]> bad = new ArrayList<>();
    bad.add(ecc.ekPub.toBuilder().eccPoint(x, y).build().encode());
    bad.add(
        ecc.ekPub.toBuilder().eccPoint(new byte[32], new byte[32]).build().encode()); // identity
    byte[] enc = ecc.ekPub.encode();
    byte[] shortY = Arrays.copyOf(enc, enc.length - 1); // y is 31 bytes with its size fixed up
    shortY[shortY.length - 33] = 31;
    bad.add(shortY);
    try (PluginHarness h = new PluginHarness(ecc, null)) {
      for (byte[] ekPub : bad) {
        RequestForge f = new RequestForge(ecc);
        f.ekPub = ekPub;
        assertRejected(
            h.attest(f.json(), ecc::respond),
            Status.Code.INVALID_ARGUMENT,
            "cannot decode endorsement key public blob");
      }
    }
  }

  // ------------------------------------------------------------------ 8

  @Test
  void attack08_chainShortcuts_rejectedByChainVerification() throws Exception {
    String devId = "unable to verify DevID signature: verification failed: ";
    String ek = "cannot verify EK signature: endorsement certificate verification failed: ";
    TestPki.Ca wrongRoot = TestPki.rootCa("devid-root"); // same name, other key
    Instant past = Instant.now().minus(Duration.ofDays(30));

    List<Object[]> cases = new ArrayList<>();
    cases.add(
        new Object[] {
          "wrong DevID CA",
          List.of(
              der(
                  TestPki.cert("devid-leaf")
                      .issuedBy(wrongRoot)
                      .key(agent.devIdKey.getPublic())
                      .build())),
          null,
          devId + "x509: certificate signed by unknown authority"
        });
    cases.add(
        new Object[] {
          "expired DevID leaf",
          List.of(
              der(
                  TestPki.cert("devid-leaf")
                      .issuedBy(agent.devIdIntermediate)
                      .key(agent.devIdKey.getPublic())
                      .validity(past, past.plus(Duration.ofDays(1)))
                      .build()),
              der(agent.devIdIntermediate.cert())),
          null,
          devId + "x509: certificate has expired or is not yet valid"
        });
    cases.add(
        new Object[] {
          "not yet valid DevID leaf",
          List.of(
              der(
                  TestPki.cert("devid-leaf")
                      .issuedBy(agent.devIdIntermediate)
                      .key(agent.devIdKey.getPublic())
                      .validity(
                          Instant.now().plus(Duration.ofDays(1)),
                          Instant.now().plus(Duration.ofDays(2)))
                      .build()),
              der(agent.devIdIntermediate.cert())),
          null,
          devId + "x509: certificate has expired or is not yet valid"
        });
    KeyPair ikp = TestPki.p256();
    X509Certificate notCa =
        TestPki.cert("devid-intermediate")
            .issuedBy(agent.devIdRoot)
            .key(ikp.getPublic())
            .notCa()
            .build();
    cases.add(
        new Object[] {
          "intermediate without CA flag",
          List.of(
              der(
                  TestPki.cert("devid-leaf")
                      .issuedBy(new TestPki.Ca(notCa, ikp.getPrivate()))
                      .key(agent.devIdKey.getPublic())
                      .build()),
              der(notCa)),
          null,
          devId + "x509: certificate signed by unknown authority"
        });
    X509Certificate pathLen0 =
        TestPki.cert("i0").issuedBy(agent.devIdRoot).key(ikp.getPublic()).ca(0).build();
    KeyPair i2kp = TestPki.p256();
    X509Certificate below =
        TestPki.cert("i1")
            .issuedBy(new TestPki.Ca(pathLen0, ikp.getPrivate()))
            .key(i2kp.getPublic())
            .ca(null)
            .build();
    cases.add(
        new Object[] {
          "pathLen exceeded",
          List.of(
              der(
                  TestPki.cert("devid-leaf")
                      .issuedBy(new TestPki.Ca(below, i2kp.getPrivate()))
                      .key(agent.devIdKey.getPublic())
                      .build()),
              der(below),
              der(pathLen0)),
          null,
          devId + "x509: certificate signed by unknown authority"
        });
    cases.add(
        new Object[] {
          "unknown critical extension",
          List.of(
              der(
                  TestPki.cert("devid-leaf")
                      .issuedBy(agent.devIdIntermediate)
                      .key(agent.devIdKey.getPublic())
                      .unknownCriticalExtension()
                      .build()),
              der(agent.devIdIntermediate.cert())),
          null,
          devId + "x509: unhandled critical extension"
        });
    cases.add(
        new Object[] {
          "DevID leaf with critical dirName SAN (only the EK leaf is exempt)",
          List.of(
              der(
                  TestPki.cert("devid-leaf")
                      .issuedBy(agent.devIdIntermediate)
                      .key(agent.devIdKey.getPublic())
                      .tcgEkSan()
                      .build()),
              der(agent.devIdIntermediate.cert())),
          null,
          devId + "x509: unhandled critical extension"
        });
    cases.add(
        new Object[] {
          "SHA-1 signed DevID leaf",
          List.of(
              der(
                  TestPki.cert("devid-leaf")
                      .issuedBy(
                          new TestPki.Ca(
                              agent.devIdIntermediate.cert(), agent.devIdIntermediate.key()))
                      .key(agent.devIdKey.getPublic())
                      .sigAlg("SHA1withECDSA")
                      .build()),
              der(agent.devIdIntermediate.cert())),
          null,
          devId
              + "x509: certificate signed by unknown authority (possibly because of \"x509: cannot verify signature: insecure algorithm ECDSA-SHA1"
        });
    X509Certificate selfSigned =
        TestPki.cert("devid-leaf").selfSigned(agent.devIdKey).ca(null).build();
    cases.add(
        new Object[] {
          "DevID leaf as its own anchor",
          List.of(der(selfSigned), der(selfSigned)),
          null,
          devId + "x509: certificate signed by unknown authority"
        });
    cases.add(
        new Object[] {
          "EK certificate from a wrong CA",
          null,
          der(TestPki.cert("").issuedBy(wrongRoot).key(agent.ekKey.getPublic()).tcgEkSan().build()),
          ek + "x509: certificate signed by unknown authority"
        });
    cases.add(
        new Object[] {
          "expired EK certificate",
          null,
          der(
              TestPki.cert("")
                  .issuedBy(agent.ekCa)
                  .key(agent.ekKey.getPublic())
                  .tcgEkSan()
                  .validity(past, past.plus(Duration.ofDays(1)))
                  .build()),
          ek + "x509: certificate has expired or is not yet valid"
        });
    cases.add(
        new Object[] {
          "EK certificate that is a CA",
          null,
          der(
              TestPki.cert("")
                  .issuedBy(agent.ekCa)
                  .key(agent.ekKey.getPublic())
                  .tcgEkSan()
                  .ca(null)
                  .build()),
          ek + "endorsement certificate is a CA certificate"
        });
    cases.add(
        new Object[] {
          "EK certificate with an unknown critical extension",
          null,
          der(
              TestPki.cert("")
                  .issuedBy(agent.ekCa)
                  .key(agent.ekKey.getPublic())
                  .tcgEkSan()
                  .unknownCriticalExtension()
                  .build()),
          ek + "x509: unhandled critical extension"
        });

    for (Object[] c : cases) {
      RequestForge f = new RequestForge(agent);
      if (c[1] != null) {
        @SuppressWarnings("unchecked")
        List<byte[]> certs = (List<byte[]>) c[1];
        f.devIdCert = certs;
      }
      if (c[2] != null) {
        f.ekCert = (byte[]) c[2];
      }
      Outcome o = attest(f.json());
      assertThat(o.ok()).as((String) c[0]).isFalse();
      assertThat(o.status().getCode()).as((String) c[0]).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(o.status().getDescription()).as((String) c[0]).contains((String) c[3]);
    }

    // expired anchor: the same genuine evidence, verified at a time when only the anchors expired
    // is covered in ChainVerifierTest.validity_ofLeafIntermediateAndAnchor_checked.
  }

  // ------------------------------------------------------------------ 9

  @Test
  void attack09_replay_rejectedByProofOfPossessionAndSingleUseState() throws Exception {
    // (a) a recorded challenge response replayed in a new stream
    byte[][] recorded = new byte[1][];
    Outcome first =
        harness.attest(
            agent.payload(),
            ch -> {
              recorded[0] = agent.respond(ch);
              return recorded[0];
            });
    assertThat(first.ok()).isTrue();
    Outcome replay = harness.attest(agent.payload(), ch -> recorded[0]);
    assertRejected(
        replay,
        Status.Code.INVALID_ARGUMENT,
        "devID challenge verification failed: signature verification failed");

    // (b) a response to another stream's challenge
    Conversation a = harness.open();
    Conversation b = harness.open();
    a.sendPayload(agent.payload());
    b.sendPayload(agent.payload());
    byte[] chA = ((AttestResponse) a.next()).getChallenge().toByteArray();
    byte[] chB = ((AttestResponse) b.next()).getChallenge().toByteArray();
    assertThat(chA).isNotEqualTo(chB); // fresh nonce and secret per stream
    a.sendResponse(agent.respond(chB));
    Status sa = (Status) a.next();
    assertThat(sa.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(sa.getDescription()).contains("devID challenge verification failed");
    // (c) a second response on the same stream: the state was discarded with the first one
    b.sendResponse(SoftwareAgent.respondWith(chB, TestPki.newRsa(2048), agent)); // wrong PoP
    Status sb = (Status) b.next();
    assertThat(sb.getDescription()).contains("devID challenge verification failed");
    b.sendResponse(agent.respond(chB)); // the correct answer, too late
    assertThat(b.poll(1)).isNull();

    // a wrong activated credential, and no expected value in the message
    Outcome wrongSecret =
        harness.attest(
            agent.payload(),
            ch -> {
              byte[] good = agent.respond(ch);
              String json = PluginHarness.utf8(good);
              String secret = json.substring(json.lastIndexOf(':') + 2, json.length() - 2);
              byte[] s = Base64.getDecoder().decode(secret);
              s[0] ^= 1;
              return json.replace(secret, Base64.getEncoder().encodeToString(s)).getBytes();
            });
    assertRejected(
        wrongSecret,
        Status.Code.INVALID_ARGUMENT,
        "credential activation failed: nonces are different");
    assertThat(wrongSecret.status().getDescription()).doesNotContain("=");
  }

  // ------------------------------------------------------------------ 10

  @Test
  void attack10_copiedDevIdCertificateOnAnotherTpm_rejectedByBindingOrCertify() throws Exception {
    SoftwareAgent otherTpm = SoftwareAgent.goLike();
    try (PluginHarness h = new PluginHarness(null, null)) {
      h.configs.configure(
          PluginHarness.TRUST_DOMAIN, h.hcl(agent.devIdBundlePem(), otherTpm.ekBundlePem(), null));
      // (a) copied certificate, the other TPM's own DevID key certified
      RequestForge f = new RequestForge(otherTpm);
      f.devIdCert = agent.devIdCertChain();
      assertRejected(
          h.attest(f.json(), otherTpm::respond),
          Status.Code.INVALID_ARGUMENT,
          "DevID certificate key differs from DevID key public blob");
      // (b) copied certificate and copied DevIDPub; the other TPM's AK cannot certify that key
      RequestForge g = new RequestForge(otherTpm);
      g.devIdCert = agent.devIdCertChain();
      g.devIdPub = agent.devIdPub.encode();
      assertRejected(
          h.attest(g.json(), otherTpm::respond),
          Status.Code.INVALID_ARGUMENT,
          "cannot verify that DevID is in the same TPM than AK: certify failed");
    }
  }

  // ------------------------------------------------------------------ 11

  @Test
  void attack11_hostileInput_rejectedAsInvalidArgumentWithoutCrash() throws Exception {
    String unmarshal = "unable to unmarshall attestation data";
    byte[][] payloads = {
      "{".getBytes(),
      "not json".getBytes(),
      "{\"DevIDCert\":\"AAAA\"}".getBytes(),
      "{\"DevIDCert\":[\"@@@@\"]}".getBytes(),
      "{\"DevIDCert\":[\"AAA\"]}".getBytes(), // unpadded base64
      "[".repeat(20000).getBytes(),
      ("{\"a\":".repeat(5000) + "1" + "}".repeat(5000)).getBytes()
    };
    for (byte[] p : payloads) {
      assertRejected(attest(p), Status.Code.INVALID_ARGUMENT, unmarshal);
    }
    // multi-MB payload: refused before parsing (default timeout: 3 MB may take over 1s to arrive)
    try (PluginHarness h = new PluginHarness(agent, null)) {
      assertRejected(
          h.attest(new byte[3 * 1024 * 1024], agent::respond),
          Status.Code.INVALID_ARGUMENT,
          "attestation payload larger than max_payload_bytes");
    }
    // many certificates
    RequestForge many = new RequestForge(agent);
    List<byte[]> certs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      certs.add(new byte[] {0x30, 0x00});
    }
    many.devIdCert = certs;
    assertRejected(
        attest(many.json()), Status.Code.INVALID_ARGUMENT, "too many DevID certificates");
    // a 64 KiB TPM2B claim inside DevIDPub
    RequestForge huge = new RequestForge(agent);
    byte[] dp = agent.devIdPub.encode();
    dp[8] = (byte) 0xFF; // authPolicy size
    dp[9] = (byte) 0xFF;
    huge.devIdPub = dp;
    assertRejected(
        attest(huge.json()), Status.Code.INVALID_ARGUMENT, "cannot decode DevID key public blob");

    // truncated structures at every byte offset, straight through the verifier
    AttestationVerifier v = new AttestationVerifier(new java.security.SecureRandom());
    ServerConfig cfg = harness.configs.current();
    AttestationRequest genuine = agent.attestationRequest();
    byte[][] parts = {
      genuine.devIdPub(),
      genuine.akPub(),
      genuine.ekPub(),
      genuine.certifiedDevId(),
      genuine.certificationSignature(),
      genuine.ekCert()
    };
    for (int which = 0; which < parts.length; which++) {
      for (int len = 1; len < parts[which].length; len++) {
        byte[][] p = parts.clone();
        p[which] = Arrays.copyOf(parts[which], len);
        byte[] json =
            new AttestationRequest(genuine.devIdCert(), p[0], p[5], p[2], p[1], p[3], p[4])
                .toJson();
        try {
          v.verifyPayload(cfg, json);
          throw new AssertionError("truncated part " + which + " at " + len + " accepted");
        } catch (AttestationFailure e) {
          assertThat(FailureCodes.of(e))
              .as("part " + which + " len " + len + ": " + e.getMessage())
              .isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
      }
    }
    // a response that is not JSON
    Outcome badResponse = harness.attest(agent.payload(), ch -> "{\"DevID\":1}".getBytes());
    assertRejected(
        badResponse, Status.Code.INVALID_ARGUMENT, "unable to unmarshall challenges response");
  }

  // ------------------------------------------------------------------ 12

  @Test
  void attack12_challengeResponseBeforePayload_rejected() throws Exception {
    Conversation c = harness.open();
    c.sendResponse("{}".getBytes());
    Status s = (Status) c.next();
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription())
        .isEqualTo("challenge response received before the attestation payload");
  }

  @Test
  void attack12_payloadTwice_rejected() throws Exception {
    Conversation c = harness.open();
    c.sendPayload(agent.payload());
    assertThat(((AttestResponse) c.next()).hasChallenge()).isTrue();
    c.sendPayload(agent.payload());
    Status s = (Status) c.next();
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).isEqualTo("attestation payload received twice");
  }

  @Test
  void attack12_streamClosedMidway_rejected() throws Exception {
    Conversation c = harness.open();
    c.sendPayload(agent.payload());
    assertThat(((AttestResponse) c.next()).hasChallenge()).isTrue();
    c.halfClose();
    Status s = (Status) c.next();
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).isEqualTo("stream closed before the attestation completed");
  }

  /**
   * The stream ends with DEADLINE_EXCEEDED once challenge_timeout (1s, the smallest allowed) has
   * passed without a response, and an idle stream ends the same way. Deterministic on a loaded
   * machine: the timer is armed after the payload arrives, so the status can never come less than
   * 1s after the payload was sent (the lower bound is asserted); the upper bound is only the
   * generous wait for the event, not a timing assertion.
   */
  @Test
  void attack12_challengeNeverAnswered_closedAtTimeoutWithDeadlineExceeded() throws Exception {
    try (PluginHarness shortTimeout = new PluginHarness(agent, "challenge_timeout = \"1s\"")) {
      Conversation c = shortTimeout.open();
      long t0 = System.nanoTime();
      c.sendPayload(agent.payload());
      assertThat(((AttestResponse) c.next(60)).hasChallenge()).isTrue();
      Status s = (Status) c.next(120);
      long waited = System.nanoTime() - t0;
      assertThat(s.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(s.getDescription())
          .contains("no challenge response received within the challenge timeout");
      assertThat(Duration.ofNanos(waited)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      long t1 = System.nanoTime();
      Conversation idle = shortTimeout.open(); // nothing sent at all
      Status s2 = (Status) idle.next(120);
      assertThat(s2.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(s2.getDescription())
          .contains("no attestation payload received within the challenge timeout");
      assertThat(Duration.ofNanos(System.nanoTime() - t1))
          .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }
  }

  @Test
  void attack12_messagesAfterResult_ignored() throws Exception {
    Conversation c = harness.open();
    c.sendPayload(agent.payload());
    byte[] ch = ((AttestResponse) c.next()).getChallenge().toByteArray();
    c.sendResponse(agent.respond(ch));
    assertThat(((AttestResponse) c.next()).hasAgentAttributes()).isTrue();
    assertThat(c.next()).isEqualTo(Conversation.COMPLETED);
    c.sendResponse(agent.respond(ch));
    c.sendPayload(agent.payload());
    assertThat(c.poll(1)).isNull();
    assertThat(harness.attest(agent).ok()).isTrue(); // the server carries on
  }

  @Test
  void attack12_cancelledMidway_serverCarriesOn() throws Exception {
    for (int i = 0; i < 20; i++) {
      Conversation c = harness.open();
      c.sendPayload(agent.payload());
      assertThat(((AttestResponse) c.next()).hasChallenge()).isTrue();
      c.cancel();
    }
    assertThat(harness.attest(agent).ok()).isTrue();
  }

  @Test
  void notConfigured_failedPrecondition() throws Exception {
    try (PluginHarness h = new PluginHarness(null, null)) {
      Outcome o = h.attest(agent);
      assertRejected(o, Status.Code.FAILED_PRECONDITION, "not configured");
    }
  }

  @Test
  void unexpectedRuntimeException_becomesInternalWithoutDetails() throws Exception {
    java.security.SecureRandom broken =
        new java.security.SecureRandom() {
          @Override
          public void nextBytes(byte[] bytes) {
            throw new IllegalStateException("boom: secret detail");
          }
        };
    List<Object> events = new ArrayList<>();
    io.grpc.stub.StreamObserver<AttestResponse> out =
        new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(AttestResponse v) {
            events.add(v);
          }

          @Override
          public void onError(Throwable t) {
            events.add(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            events.add("completed");
          }
        };
    AttestStream s =
        new AttestStream(
            out,
            harness.configs.current().withRandom(broken),
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor());
    s.onNext(
        dev.tpmdevid.proto.spire.server.nodeattestor.v1.AttestRequest.newBuilder()
            .setPayload(com.google.protobuf.ByteString.copyFrom(agent.payload()))
            .build());
    assertThat(events).hasSize(1);
    Status st = (Status) events.get(0);
    assertThat(st.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(st.getDescription()).isEqualTo("internal error");
  }
}
