package dev.tpmdevid.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import dev.tpmdevid.core.tpm.ObjectAttribute;
import dev.tpmdevid.core.tpm.ObjectAttributes;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmsAttest;
import dev.tpmdevid.core.tpm.TpmtPublic;
import dev.tpmdevid.core.tpm.TpmtSignature;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.plugin.BlockingBidiStream;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.Challenge;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.NodeAttestorGrpc;
import dev.tpmdevid.proto.spire.agent.nodeattestor.v1.PayloadOrChallengeResponse;
import dev.tpmdevid.server.ServerPluginConfig;
import dev.tpmdevid.testbed.host.PluginHost;
import dev.tpmdevid.verifier.AttestationFailure;
import dev.tpmdevid.verifier.AttestedNode;
import dev.tpmdevid.verifier.TpmDevIdVerifier;
import io.grpc.Status;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agent half of the conformance kit: drives a tpm_devid <em>agent</em> plugin on a provisioned
 * swtpm, checks its payload field by field against docs/protocol.md#messages and #tpm-structures,
 * then sends it a challenge from this project's server verifier and checks the answer.
 */
final class AgentConformance {
  static final List<String> GO_MEMBER_ORDER =
      List.of(
          "DevIDCert",
          "DevIDPub",
          "EKCert",
          "EKPub",
          "AKPub",
          "CertifiedDevID",
          "CertificationSignature");
  private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);

  private AgentConformance() {}

  /**
   * Runs every check on one machine with the plugin in {@code agent} (already configured for it).
   * Returns check name → verdict, in order.
   */
  static Map<String, ServerConformance.Verdict> run(
      PluginHost agent, ConformanceLab.Machine m, String serverHcl, String trustDomain)
      throws Exception {
    Map<String, ServerConformance.Verdict> v = new LinkedHashMap<>();
    BlockingBidiStream<Challenge, PayloadOrChallengeResponse> stream =
        BlockingBidiStream.open(agent.channel(), NodeAttestorGrpc.getAidAttestationMethod());
    try {
      Object first = stream.poll(REPLY_TIMEOUT);
      if (!(first instanceof PayloadOrChallengeResponse p) || p.getPayload().isEmpty()) {
        v.put("payload", ServerConformance.Verdict.fail("no payload: " + describe(first)));
        return v;
      }
      byte[] payload = p.getPayload().toByteArray();
      AttestationRequest req = payloadChecks(payload, m, v);
      if (req == null) {
        return v;
      }
      TpmDevIdVerifier.Challenge challenge;
      try {
        TpmDevIdVerifier verifier =
            ServerPluginConfig.verifier(trustDomain, serverHcl, Clock.systemUTC());
        challenge = verifier.begin(payload);
        v.put(
            "payload-passes-server-checks",
            ServerConformance.Verdict.pass(
                "docs/protocol.md#server-checks steps 2-14 and"
                    + " the docs/security.md hardening"));
      } catch (AttestationFailure | IllegalArgumentException e) {
        v.put("payload-passes-server-checks", ServerConformance.Verdict.fail(e.getMessage()));
        return v;
      }
      stream.send(
          Challenge.newBuilder()
              .setChallenge(ByteString.copyFrom(challenge.challengeJson()))
              .build());
      Object second = stream.poll(REPLY_TIMEOUT);
      if (!(second instanceof PayloadOrChallengeResponse r) || r.getChallengeResponse().isEmpty()) {
        v.put(
            "answers-challenge",
            ServerConformance.Verdict.fail("no challenge response: " + describe(second)));
        return v;
      }
      byte[] response = r.getChallengeResponse().toByteArray();
      responseFormat(response, req, m, v);
      try {
        AttestedNode result = challenge.complete(response);
        v.put(
            "answers-challenge",
            ServerConformance.Verdict.pass("attested as " + result.agentId(trustDomain)));
      } catch (AttestationFailure e) {
        v.put("answers-challenge", ServerConformance.Verdict.fail(e.getMessage()));
      }
      return v;
    } finally {
      stream.cancel("conformance finished");
    }
  }

  private static String describe(Object o) {
    if (o == null) {
      return "nothing within " + REPLY_TIMEOUT.toSeconds() + " s";
    }
    if (o instanceof Status s) {
      return s.getCode() + ": " + s.getDescription();
    }
    return o.toString().strip();
  }

  /**
   * docs/protocol.md#attestation-request, #tpm-structures, field by field; null when the payload
   * does not decode at all.
   */
  static AttestationRequest payloadChecks(
      byte[] payload, ConformanceLab.Machine m, Map<String, ServerConformance.Verdict> v)
      throws Exception {
    AttestationRequest req;
    try {
      req = AttestationRequest.fromJson(payload);
    } catch (dev.tpmdevid.core.wire.WireFormatException e) {
      v.put(
          "json-decodes",
          ServerConformance.Verdict.fail("Go's decoder would refuse it: " + e.getMessage()));
      return null;
    }
    List<String> order = memberOrder(payload);
    if (!order.equals(GO_MEMBER_ORDER)) {
      v.put(
          "json-shape-and-order",
          ServerConformance.Verdict.fail("members " + order + ", Go emits " + GO_MEMBER_ORDER));
    } else if (!Arrays.equals(req.toJson(), payload)) {
      v.put(
          "json-shape-and-order",
          ServerConformance.Verdict.fail(
              "not byte-identical to Go's encoding"
                  + " (whitespace, base64 form or null handling)"));
    } else {
      v.put(
          "json-shape-and-order",
          ServerConformance.Verdict.pass("byte-identical to Go's encoding/json"));
    }
    List<X509Certificate> chain = m.provisioned.devIdChain();
    List<byte[]> sent = req.devIdCert() == null ? List.of() : req.devIdCert();
    boolean sameChain = sent.size() == chain.size();
    for (int i = 0; sameChain && i < chain.size(); i++) {
      sameChain = Arrays.equals(sent.get(i), chain.get(i).getEncoded());
    }
    v.put(
        "devidcert-is-the-pem-file",
        sameChain
            ? ServerConformance.Verdict.pass(
                sent.size() + " DER certificates, leaf first, file order")
            : ServerConformance.Verdict.fail(
                sent.size()
                    + " certificates sent, devid_cert_path holds "
                    + chain.size()
                    + " (or different bytes)"));
    v.put(
        "devidpub-is-the-file",
        Arrays.equals(req.devIdPub(), m.provisioned.devIdPublic())
            ? ServerConformance.Verdict.pass("byte-for-byte devid_pub_path")
            : ServerConformance.Verdict.fail("DevIDPub differs from the devid_pub_path file"));
    byte[] ekCert = req.ekCert() == null ? new byte[0] : req.ekCert();
    byte[] nvCert = m.provisioned.ekCertificate(KeyType.RSA).orElseThrow().getEncoded();
    if (X509Describer.derLength(ekCert) != ekCert.length) {
      v.put(
          "ekcert-one-der-matching-nv",
          ServerConformance.Verdict.fail("not exactly one DER TLV (" + ekCert.length + " bytes)"));
    } else {
      v.put(
          "ekcert-one-der-matching-nv",
          Arrays.equals(ekCert, nvCert)
              ? ServerConformance.Verdict.pass(
                  "one DER certificate, " + ekCert.length + " bytes, = NV 0x01C00002")
              : ServerConformance.Verdict.fail(
                  "one DER certificate, but not the one in NV 0x01C00002"));
    }
    TpmtPublic ek = null;
    try {
      ek = TpmtPublic.parse(req.ekPub());
      Object same = Inspector.sameKey(X509Describer.publicKey(ekCert), ek);
      boolean template =
          ek.objectAttributes().bits() == 0x000300B2
              && ek.isRsa()
              && ek.rsaKeyBits() == 2048
              && ek.symmetric().equals(TpmtPublic.Symmetric.AES_128_CFB);
      if (!Boolean.TRUE.equals(same)) {
        v.put(
            "ekpub-matches-cert",
            ServerConformance.Verdict.fail("EKPub key differs from the EK certificate"));
      } else {
        v.put(
            "ekpub-matches-cert",
            template
                ? ServerConformance.Verdict.pass(
                    "RSA-2048 from the TCG L-1 template, same n/e as the cert")
                : ServerConformance.Verdict.fail(
                    "same key as the cert, but not the TCG L-1 template area"));
      }
    } catch (Exception e) {
      v.put(
          "ekpub-matches-cert",
          ServerConformance.Verdict.fail("EKPub is not a TPMT_PUBLIC: " + e.getMessage()));
    }
    TpmtPublic ak = null;
    try {
      ak = TpmtPublic.parse(req.akPub());
      ObjectAttributes need =
          ObjectAttributes.of(
              ObjectAttribute.FIXED_TPM,
              ObjectAttribute.FIXED_PARENT,
              ObjectAttribute.SENSITIVE_DATA_ORIGIN,
              ObjectAttribute.RESTRICTED,
              ObjectAttribute.SIGN);
      List<String> problems = new ArrayList<>();
      if (!ak.objectAttributes().containsAll(need)
          || ak.objectAttributes().contains(ObjectAttribute.DECRYPT)) {
        problems.add(
            "attributes "
                + ak.objectAttributes()
                + " are not a restricted non-exportable signing key");
      }
      if (ak.nameAlg() != TpmAlg.SHA256) {
        problems.add(
            "nameAlg is not SHA-256 (a Go server then builds an undecryptable credential)");
      }
      if (!ak.isRsa()) {
        problems.add("not RSA (SPIRE's Go server only supports RSA AKs)");
      } else if (ak.scheme().algorithm() != TpmAlg.RSASSA
          || ak.scheme().hashAlg() != TpmAlg.SHA256) {
        problems.add("scheme is not RSASSA-SHA256");
      }
      v.put(
          "akpub-restricted-signing-sha256",
          problems.isEmpty()
              ? ServerConformance.Verdict.pass(
                  "RSA-" + ak.rsaKeyBits() + ", " + ak.objectAttributes())
              : ServerConformance.Verdict.fail(String.join("; ", problems)));
    } catch (Exception e) {
      v.put(
          "akpub-restricted-signing-sha256",
          ServerConformance.Verdict.fail("AKPub is not a TPMT_PUBLIC: " + e.getMessage()));
    }
    try {
      TpmsAttest a = TpmsAttest.parse(req.certifiedDevId());
      TpmtPublic devId = TpmtPublic.parse(req.devIdPub());
      if (a.type() != TpmsAttest.TPM_ST_ATTEST_CERTIFY) {
        v.put(
            "certifieddevid-names-devidpub", ServerConformance.Verdict.fail("type is not CERTIFY"));
      } else if (!a.certifiedName().equals(devId.name())) {
        v.put(
            "certifieddevid-names-devidpub",
            ServerConformance.Verdict.fail("certified name is not" + " Name(DevIDPub)"));
      } else {
        v.put(
            "certifieddevid-names-devidpub",
            ServerConformance.Verdict.pass(
                "TPMS_ATTEST CERTIFY of"
                    + " Name(DevIDPub), extraData "
                    + (a.extraData().length == 0
                        ? "empty (as Go)"
                        : a.extraData().length + " bytes (Go sends none; servers ignore it)")));
      }
    } catch (Exception e) {
      v.put(
          "certifieddevid-names-devidpub",
          ServerConformance.Verdict.fail("not a TPMS_ATTEST: " + e.getMessage()));
    }
    try {
      TpmtSignature sig = TpmtSignature.parse(req.certificationSignature());
      if (ak == null) {
        v.put(
            "certification-signature",
            ServerConformance.Verdict.fail("no AKPub to verify it with"));
      } else if (sig.sigAlg() != ak.scheme().algorithm()
          || sig.hashAlg() != ak.scheme().hashAlg()) {
        v.put(
            "certification-signature",
            ServerConformance.Verdict.fail("signature scheme differs from the" + " AK scheme"));
      } else if (!sig.verify(ak.toPublicKey(), req.certifiedDevId())) {
        v.put(
            "certification-signature",
            ServerConformance.Verdict.fail("does not verify with AKPub"));
      } else {
        v.put(
            "certification-signature",
            ServerConformance.Verdict.pass(
                "TPMT_SIGNATURE "
                    + Inspector.alg(sig.sigAlg())
                    + "/"
                    + Inspector.alg(sig.hashAlg())
                    + ", "
                    + sig.encode().length
                    + " bytes, verifies with AKPub"));
      }
    } catch (Exception e) {
      v.put(
          "certification-signature",
          ServerConformance.Verdict.fail("not a TPMT_SIGNATURE: " + e.getMessage()));
    }
    return req;
  }

  /**
   * docs/protocol.md#challenge-response: Go JSON, RSA raw signature of modulus length or ECDSA DER,
   * 32-byte certInfo.
   */
  private static void responseFormat(
      byte[] response,
      AttestationRequest req,
      ConformanceLab.Machine m,
      Map<String, ServerConformance.Verdict> v) {
    try {
      ChallengeResponse r = ChallengeResponse.fromJson(response);
      List<String> problems = new ArrayList<>();
      if (!Arrays.equals(r.toJson(), response)) {
        problems.add("not byte-identical to Go's encoding");
      }
      byte[] sig = r.devId() == null ? new byte[0] : r.devId();
      if (m.provisioned.devIdCertificate().getPublicKey() instanceof RSAPublicKey rsa) {
        int size = (rsa.getModulus().bitLength() + 7) / 8;
        if (sig.length != size) {
          problems.add("RSA signature of " + sig.length + " bytes, modulus is " + size);
        }
      } else if (X509Describer.derLength(sig) != sig.length
          || sig.length == 0
          || (sig[0] & 0xFF) != 0x30) {
        problems.add("ECDSA signature is not a DER SEQUENCE");
      }
      if (r.credActivation() == null || r.credActivation().length != 32) {
        problems.add("CredActivation is not the 32-byte secret");
      }
      v.put(
          "challenge-response-format",
          problems.isEmpty()
              ? ServerConformance.Verdict.pass(
                  "Go JSON, " + sig.length + "-byte DevID signature, 32-byte" + " certInfo")
              : ServerConformance.Verdict.fail(String.join("; ", problems)));
    } catch (Exception e) {
      v.put(
          "challenge-response-format",
          ServerConformance.Verdict.fail("not a ChallengeResponse: " + e.getMessage()));
    }
  }

  /** Top-level member names in document order. */
  static List<String> memberOrder(byte[] json) throws IOException {
    List<String> names = new ArrayList<>();
    try (JsonParser p = ToolFiles.JSON.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return names;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        names.add(p.currentName());
        p.nextToken();
        p.skipChildren();
      }
    }
    return names;
  }
}
