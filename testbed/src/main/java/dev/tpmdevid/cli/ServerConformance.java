package dev.tpmdevid.cli;

import dev.tpmdevid.agent.AgentSession;
import dev.tpmdevid.core.tpm.ObjectAttribute;
import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.testbed.provision.TestCa;
import dev.tpmdevid.testbed.provision.TpmIdentity;
import dev.tpmdevid.testbed.provision.Validity;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The server half of the conformance kit: runs attestations against a tpm_devid <em>server</em>
 * plugin (launched through the SPIRE-like host) with evidence from swtpm-backed agents: genuine RSA
 * and ECC DevIDs must be accepted with the right agent ID and selectors; every attack of
 * docs/security.md that can be put on the wire must be refused.
 *
 * <p>Cases are in two categories. <b>protocol</b>: what SPIRE's Go server does too; a failure is a
 * conformance failure. <b>hardening</b>: checks stricter than the Go server
 * (docs/security.md#go-gaps, docs/security.md "What binds to what"); reported apart, so the Go
 * server is not reported as failing the protocol for them.
 */
final class ServerConformance {
  static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);

  /** One case's verdict. */
  record Verdict(String result, String reason) {
    static Verdict pass(String reason) {
      return new Verdict("PASS", reason);
    }

    static Verdict fail(String reason) {
      return new Verdict("FAIL", reason);
    }

    static Verdict skip(String reason) {
      return new Verdict("SKIP", reason);
    }
  }

  /** A named case. */
  record Case(String name, boolean hardening, Body body) {}

  interface Body {
    Verdict run() throws Exception;
  }

  /** The outcome of one attestation attempt. */
  record Attempt(boolean challenged, ServerStream.Reply last) {}

  interface Answer {
    byte[] respond(byte[] challenge) throws Exception;
  }

  private final PluginHost server;
  private final ConformanceLab lab;
  private final String trustDomain;

  ServerConformance(PluginHost server, ConformanceLab lab, String trustDomain) {
    this.server = server;
    this.lab = lab;
    this.trustDomain = trustDomain;
  }

  List<Case> cases() {
    List<Case> c = new ArrayList<>();
    c.add(new Case("valid-rsa-devid", false, () -> valid(lab.rsa)));
    c.add(new Case("valid-ecc-devid", false, () -> valid(lab.ecc)));
    c.add(
        new Case(
            "garbage-json",
            false,
            () ->
                expectRejected(
                    attempt("this is not JSON {".getBytes(StandardCharsets.UTF_8), null))));
    c.add(new Case("oversized-payload", false, this::oversized));
    c.add(
        new Case(
            "no-devid-certificate",
            false,
            () ->
                withGenuine(
                    lab.rsa,
                    (r, s) ->
                        expectRejected(
                            attempt(
                                copy(r, List.of(), null, null, null, null, null).toJson(),
                                null)))));
    c.add(new Case("devid-cert-from-other-ca", false, this::devIdFromOtherCa));
    c.add(new Case("ek-cert-from-untrusted-ca", false, this::ekFromUntrustedCa));
    c.add(new Case("ek-cert-of-another-tpm", false, this::ekCertOfAnotherTpm));
    c.add(new Case("akpub-swapped", false, this::akSwapped));
    c.add(
        new Case(
            "certify-signature-corrupted",
            false,
            () ->
                withGenuine(
                    lab.rsa,
                    (r, s) -> {
                      byte[] sig = r.certificationSignature();
                      sig[sig.length - 1] ^= 0x01;
                      return expectRejected(
                          attempt(copy(r, null, null, null, null, null, sig).toJson(), s::solve));
                    })));
    c.add(new Case("devidpub-not-the-certified-key", false, this::devIdPubNotCertified));
    c.add(
        new Case(
            "wrong-pop-signature",
            false,
            () ->
                withGenuine(
                    lab.rsa,
                    (r, s) ->
                        expectRejected(
                            attempt(
                                r.toJson(),
                                ch ->
                                    tampered(
                                        s.solve(ch),
                                        resp -> {
                                          byte[] sig = resp.devId();
                                          sig[sig.length / 2] ^= 0x01;
                                          return new ChallengeResponse(sig, resp.credActivation());
                                        }))))));
    c.add(
        new Case(
            "wrong-credential-answer",
            false,
            () ->
                withGenuine(
                    lab.rsa,
                    (r, s) ->
                        expectRejected(
                            attempt(
                                r.toJson(),
                                ch ->
                                    tampered(
                                        s.solve(ch),
                                        resp -> {
                                          byte[] secret = resp.credActivation();
                                          secret[0] ^= 0x01;
                                          return new ChallengeResponse(resp.devId(), secret);
                                        }))))));
    c.add(new Case("replayed-response", false, this::replay));
    c.add(new Case("response-before-payload", false, this::responseFirst));
    c.add(new Case("devid-cert-key-differs-from-devidpub", true, this::stolenDevIdKey));
    c.add(new Case("software-ak-not-restricted", true, this::softwareAk));
    c.add(
        new Case(
            "ekpub-attributes-not-an-ek",
            true,
            () ->
                withGenuine(
                    lab.rsa,
                    (r, s) -> {
                      TpmtPublic ek = TpmtPublic.parse(r.ekPub());
                      TpmtPublic forged =
                          ek.toBuilder()
                              .attributes(
                                  ek.objectAttributes()
                                      .with(ObjectAttribute.SIGN)
                                      .without(ObjectAttribute.RESTRICTED))
                              .build();
                      return expectRejectedBeforeChallenge(
                          attempt(
                              copy(r, null, null, null, forged.encode(), null, null).toJson(),
                              s::solve));
                    })));
    c.add(
        new Case(
            "certify-signature-relabelled-rsapss",
            true,
            () ->
                withGenuine(
                    lab.rsa,
                    (r, s) -> {
                      TpmtSignature sig = TpmtSignature.parse(r.certificationSignature());
                      byte[] relabelled =
                          TpmtSignature.rsapss(sig.hashAlg(), sig.rsaSignature()).encode();
                      return expectRejectedBeforeChallenge(
                          attempt(
                              copy(r, null, null, null, null, null, relabelled).toJson(),
                              s::solve));
                    })));
    return c;
  }

  // ------------------------------------------------------------------ cases

  private Verdict valid(ConformanceLab.Machine m) throws Exception {
    return withGenuine(
        m,
        (r, s) -> {
          Attempt a = attempt(r.toJson(), s::solve);
          if (!a.last().isAttributes()) {
            return Verdict.fail("genuine attestation refused: " + a.last().describe());
          }
          List<X509Certificate> chain = m.provisioned.devIdChain();
          String expectedId =
              "spiffe://"
                  + trustDomain
                  + "/spire/agent/tpm_devid/"
                  + Describe.sha1Hex(chain.get(0).getEncoded());
          List<String> expectedSelectors =
              List.of(
                  "subject:cn:" + m.provisioned.options().devIdCommonName(),
                  "issuer:cn:" + cn(chain.get(1)),
                  "ca:fingerprint:" + Describe.sha1Hex(chain.get(1).getEncoded()),
                  "ca:fingerprint:"
                      + Describe.sha1Hex(lab.pki.devIdRoot().certificate().getEncoded()));
          String id = a.last().attributes().getSpiffeId();
          List<String> selectors = a.last().attributes().getSelectorValuesList();
          if (!id.equals(expectedId)) {
            return Verdict.fail("agent ID " + id + ", expected " + expectedId);
          }
          if (!selectors.equals(expectedSelectors)) {
            return Verdict.fail("selectors " + selectors + ", expected " + expectedSelectors);
          }
          if (!a.last().attributes().getCanReattest()) {
            return Verdict.fail("can_reattest is false (SPIRE's server sets it to true)");
          }
          return Verdict.pass(id + " with " + selectors.size() + " selectors");
        });
  }

  private Verdict oversized() throws Exception {
    byte[] filler = new byte[3 * 1024 * 1024];
    Arrays.fill(filler, (byte) 'A');
    String json = "{\"DevIDCert\":[\"" + new String(filler, StandardCharsets.US_ASCII) + "\"]}";
    return expectRejected(attempt(json.getBytes(StandardCharsets.US_ASCII), null));
  }

  private Verdict devIdFromOtherCa() throws Exception {
    return withGenuine(
        lab.rsa,
        (r, s) -> {
          TestCa other =
              TestCa.root("Test DevID Root CA", KeyType.RSA, Validity.fromNow(Duration.ofDays(30)));
          X509Certificate forged =
              other.issueDevIdCertificate(
                  lab.rsa.provisioned.devIdCertificate().getPublicKey(),
                  lab.rsa.provisioned.options().devIdCommonName(),
                  Validity.fromNow(Duration.ofDays(1)));
          return expectRejected(
              attempt(
                  copy(r, List.of(forged.getEncoded()), null, null, null, null, null).toJson(),
                  s::solve));
        });
  }

  private Verdict ekFromUntrustedCa() throws Exception {
    return withGenuine(
        lab.rsa,
        (r, s) -> {
          TestCa other =
              TestCa.root("Test TPM Manufacturer EK CA", KeyType.RSA, Validity.untilForever());
          X509Certificate forged =
              other.issueEkCertificate(
                  TpmtPublic.parse(r.ekPub()).toPublicKey(),
                  TpmIdentity.SWTPM,
                  Validity.untilForever());
          return expectRejected(
              attempt(
                  copy(r, null, null, forged.getEncoded(), null, null, null).toJson(), s::solve));
        });
  }

  private Verdict ekCertOfAnotherTpm() throws Exception {
    byte[] otherEkCert = lab.ecc.provisioned.ekCertificate(KeyType.RSA).orElseThrow().getEncoded();
    return withGenuine(
        lab.rsa,
        (r, s) ->
            expectRejected(
                attempt(copy(r, null, null, otherEkCert, null, null, null).toJson(), s::solve)));
  }

  private Verdict akSwapped() throws Exception {
    byte[] otherAk;
    try (AgentSession other = lab.ecc.agent.begin()) {
      otherAk = AttestationRequest.fromJson(other.payload()).akPub();
    }
    return withGenuine(
        lab.rsa,
        (r, s) ->
            expectRejected(
                attempt(copy(r, null, null, null, null, otherAk, null).toJson(), s::solve)));
  }

  private Verdict devIdPubNotCertified() throws Exception {
    byte[] otherPub = lab.ecc.provisioned.devIdPublic();
    return withGenuine(
        lab.rsa,
        (r, s) ->
            expectRejected(
                attempt(copy(r, null, otherPub, null, null, null, null).toJson(), s::solve)));
  }

  private Verdict replay() throws Exception {
    byte[] recorded;
    byte[] payload;
    try (AgentSession s = lab.rsa.agent.begin()) {
      payload = s.payload();
      byte[][] kept = new byte[1][];
      Attempt first =
          attempt(
              payload,
              ch -> {
                kept[0] = s.solve(ch);
                return kept[0];
              });
      if (!first.last().isAttributes()) {
        return Verdict.skip(
            "the genuine attestation to record was refused: " + first.last().describe());
      }
      recorded = kept[0];
    }
    return expectRejected(attempt(payload, ch -> recorded));
  }

  private Verdict responseFirst() throws Exception {
    try (ServerStream st = new ServerStream(server.channel())) {
      st.sendChallengeResponse(
          "{\"DevID\":\"AAAA\",\"CredActivation\":\"AAAA\"}".getBytes(StandardCharsets.UTF_8));
      ServerStream.Reply r = st.next(REPLY_TIMEOUT);
      return r.isError()
          ? Verdict.pass("refused: " + r.describe())
          : Verdict.fail("answered " + r.describe());
    }
  }

  /**
   * docs/security.md#a2-stolen-devid: a stolen DevID certificate and private key held in software,
   * with any genuine TPM certifying its own unrelated key; the PoP is signed in software. The Go
   * server accepts this.
   */
  private Verdict stolenDevIdKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair stolen = g.generateKeyPair();
    X509Certificate cert =
        lab.pki
            .devIdIntermediate()
            .issueDevIdCertificate(
                stolen.getPublic(), "stolen-devid", Validity.fromNow(Duration.ofDays(1)));
    return withGenuine(
        lab.rsa,
        (r, s) -> {
          List<byte[]> chain =
              List.of(cert.getEncoded(), lab.pki.devIdIntermediate().certificate().getEncoded());
          Attempt a =
              attempt(
                  copy(r, chain, null, null, null, null, null).toJson(),
                  ch -> {
                    ChallengeResponse genuine = ChallengeResponse.fromJson(s.solve(ch));
                    Signature sig = Signature.getInstance("SHA256withRSA");
                    sig.initSign(stolen.getPrivate());
                    sig.update(ChallengeRequest.fromJson(ch).devId());
                    return new ChallengeResponse(sig.sign(), genuine.credActivation()).toJson();
                  });
          return expectRejectedBeforeChallenge(a);
        });
  }

  /**
   * docs/security.md#a1-software-ak: an AK held in software (not restricted, not fixedTPM) signs a
   * copy of the genuine TPMS_ATTEST. The full attack would then load the AK into the TPM with
   * TPM2_LoadExternal to answer the credential; here it suffices that a hardened server refuses
   * before the challenge.
   */
  private Verdict softwareAk() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair ak = g.generateKeyPair();
    TpmtPublic akPub =
        TpmtPublic.fromPublicKey(
            ak.getPublic(),
            ObjectAttributes.of(
                ObjectAttribute.SIGN,
                ObjectAttribute.USER_WITH_AUTH,
                ObjectAttribute.SENSITIVE_DATA_ORIGIN));
    return withGenuine(
        lab.rsa,
        (r, s) -> {
          Signature sig = Signature.getInstance("SHA256withRSA");
          sig.initSign(ak.getPrivate());
          sig.update(r.certifiedDevId());
          byte[] tpmSig = TpmtSignature.rsassa(TpmAlg.SHA256, sig.sign()).encode();
          return expectRejectedBeforeChallenge(
              attempt(copy(r, null, null, null, null, akPub.encode(), tpmSig).toJson(), s::solve));
        });
  }

  // ------------------------------------------------------------------ helpers

  interface WithEvidence {
    Verdict run(AttestationRequest genuine, AgentSession session) throws Exception;
  }

  /**
   * Genuine evidence from {@code m}'s TPM, with the agent session kept open to answer a challenge.
   */
  private static Verdict withGenuine(ConformanceLab.Machine m, WithEvidence body) throws Exception {
    try (AgentSession s = m.agent.begin()) {
      return body.run(AttestationRequest.fromJson(s.payload()), s);
    }
  }

  /**
   * Sends {@code payload}; answers a challenge with {@code answer} (if any); returns the last
   * reply.
   */
  Attempt attempt(byte[] payload, Answer answer) throws Exception {
    try (ServerStream st = new ServerStream(server.channel())) {
      st.sendPayload(payload);
      ServerStream.Reply r = st.next(REPLY_TIMEOUT);
      if (!r.isChallenge()) {
        return new Attempt(false, r);
      }
      if (answer == null) {
        return new Attempt(true, r);
      }
      byte[] response;
      try {
        response = answer.respond(r.challenge());
      } catch (Exception e) {
        // our agent could not answer (e.g. the credential was made for another AK): send junk
        response = "{\"DevID\":null,\"CredActivation\":null}".getBytes(StandardCharsets.UTF_8);
      }
      st.sendChallengeResponse(response);
      ServerStream.Reply last = st.next(REPLY_TIMEOUT);
      if (last.isChallenge()) {
        st.sendChallengeResponse(response);
        last = st.next(REPLY_TIMEOUT);
      }
      return new Attempt(true, last);
    }
  }

  static Verdict expectRejected(Attempt a) {
    ServerStream.Reply r = a.last();
    if (r.isError() && r.error().getCode() != io.grpc.Status.Code.DEADLINE_EXCEEDED) {
      return Verdict.pass(
          "refused " + (a.challenged() ? "after" : "before") + " the challenge: " + r.describe());
    }
    if (r.isChallenge()) {
      return Verdict.fail("a challenge was issued and the case had no answer to give");
    }
    return Verdict.fail(r.isAttributes() ? "ACCEPTED: " + r.describe() : r.describe());
  }

  /**
   * Hardening cases: the Go server would issue the challenge; a hardened one refuses the payload.
   */
  static Verdict expectRejectedBeforeChallenge(Attempt a) {
    if (!a.challenged() && a.last().isError()) {
      return Verdict.pass("refused the payload: " + a.last().describe());
    }
    if (a.last().isAttributes()) {
      return Verdict.fail("ACCEPTED: " + a.last().describe());
    }
    return Verdict.fail(
        "payload not refused (a challenge was issued), as SPIRE's Go server does; then "
            + a.last().describe());
  }

  /** {@code r} with the non-null members replaced. */
  private static AttestationRequest copy(
      AttestationRequest r,
      List<byte[]> devIdCert,
      byte[] devIdPub,
      byte[] ekCert,
      byte[] ekPub,
      byte[] akPub,
      byte[] certifySig) {
    return new AttestationRequest(
        devIdCert != null ? devIdCert : r.devIdCert(),
        devIdPub != null ? devIdPub : r.devIdPub(),
        ekCert != null ? ekCert : r.ekCert(),
        ekPub != null ? ekPub : r.ekPub(),
        akPub != null ? akPub : r.akPub(),
        r.certifiedDevId(),
        certifySig != null ? certifySig : r.certificationSignature());
  }

  private static String cn(X509Certificate c) {
    for (String part : c.getSubjectX500Principal().getName().split(",")) {
      if (part.strip().startsWith("CN=")) {
        return part.strip().substring(3);
      }
    }
    return "";
  }

  /** A genuine challenge response with one part changed by {@code change}, as JSON. */
  private static byte[] tampered(
      byte[] genuineResponseJson, java.util.function.UnaryOperator<ChallengeResponse> change)
      throws Exception {
    return change.apply(ChallengeResponse.fromJson(genuineResponseJson)).toJson();
  }
}
