package dev.tpmdevid.verifier.testing;

import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.labpki.TestPki;
import java.io.ByteArrayOutputStream;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;

/**
 * The payloads of the verifier defects of docs/hardening.md, built from a {@link SoftwareAgent}'s
 * keys with fresh certificates made in the test. Each {@link Case} names the trust bundles to
 * configure, the payload an attacker (or an honest agent, for the false-reject cases) sends, and
 * what the server must answer: refusal at the payload with a Go-like message, or acceptance.
 * Certificates are signed for real; where a structure no CA would produce is needed (re-encoded
 * outer layers, invalid string bytes in a Name) the case says "forged" in its name.
 */
public final class Forgeries {
  private Forgeries() {}

  /** One payload and its expected outcome; {@code expectedError == null} means accepted. */
  public record Case(
      String name,
      String devIdBundlePem,
      String ekBundlePem,
      byte[] payload,
      byte[] devIdLeaf,
      String expectedError) {
    public boolean accepted() {
      return expectedError == null;
    }

    /** The agent ID an accepted case must get: the SHA-1 of the DevID leaf as sent. */
    public String expectedSpiffeId(String trustDomain) {
      try {
        return "spiffe://"
            + trustDomain
            + "/spire/agent/tpm_devid/"
            + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(devIdLeaf));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Ways to re-encode a certificate's outer layer without touching the signed TBSCertificate. */
  public enum Encoding {
    /** Outer signatureAlgorithm without its NULL parameter (differs from the TBS copy). */
    OUTER_AI_WITHOUT_NULL,
    /** The signature BIT STRING's length in a longer form than needed. */
    SIGNATURE_LENGTH_NOT_MINIMAL,
    /** The outer signatureAlgorithm SEQUENCE's length in a longer form than needed. */
    OUTER_AI_LENGTH_NOT_MINIMAL
  }

  static final String DEVID_PARSE = "unable to parse DevID certificate: ";
  static final String EK_PARSE = "cannot parse endorsement certificate: ";
  static final String EK_CHAIN =
      "cannot verify EK signature: endorsement certificate verification failed: ";
  static final String DEVID_CHAIN = "unable to verify DevID signature: verification failed: ";
  static final String NAME_NOT_AUTHORIZED =
      "x509: a root or intermediate certificate is not authorized to sign for this name: ";

  // ------------------------------------------------------------------ defect 1

  /** Defect 1: the same certificates re-encoded (DevID leaf, DevID intermediate, EK). */
  public static List<Case> nonCanonicalEncodings(SoftwareAgent a) throws Exception {
    TestPki.Ca devIdRoot = TestPki.rsaRootCa("devid-rsa-root");
    X509Certificate leaf = devIdLeaf(a, devIdRoot, TestPki.cert("devid-leaf"));
    TestPki.Ca ekRoot = TestPki.rsaRootCa("ek-rsa-root");
    X509Certificate ek =
        TestPki.cert("").issuedBy(ekRoot).key(a.ekKey.getPublic()).tcgEkSan().build();
    String devPem = TestPki.pem(devIdRoot.cert());
    String ekPem = TestPki.pem(ekRoot.cert());
    List<Case> out = new ArrayList<>();
    out.add(
        accepted(
            "canonical RSA-signed DevID leaf and EK (control)",
            a,
            devPem,
            ekPem,
            List.of(leaf.getEncoded()),
            ek.getEncoded()));
    String[] goMessage = {
      "x509: inner and outer signature algorithm identifiers don't match",
      "x509: malformed signature",
      "x509: malformed algorithm identifier"
    };
    for (Encoding e : Encoding.values()) {
      String m = goMessage[e.ordinal()];
      out.add(
          rejected(
              "forged DevID leaf re-encoded: " + e,
              a,
              devPem,
              ekPem,
              List.of(reencode(leaf.getEncoded(), e)),
              ek.getEncoded(),
              DEVID_PARSE + m));
      out.add(
          rejected(
              "forged EK certificate re-encoded: " + e,
              a,
              devPem,
              ekPem,
              List.of(leaf.getEncoded()),
              reencode(ek.getEncoded(), e),
              EK_PARSE + m));
    }
    // the agent's own chain (ECDSA intermediate: no NULL parameter to drop)
    List<byte[]> chain = new ArrayList<>(a.devIdCertChain());
    chain.set(1, reencode(chain.get(1), Encoding.SIGNATURE_LENGTH_NOT_MINIMAL));
    out.add(
        rejected(
            "forged DevID intermediate re-encoded: SIGNATURE_LENGTH_NOT_MINIMAL",
            a,
            a.devIdBundlePem(),
            a.ekBundlePem(),
            chain,
            a.ekCert.getEncoded(),
            "unable to parse DevID intermediate certificate 0: x509: malformed signature"));
    return out;
  }

  /**
   * Rewrites the outer layer of a DER certificate (SEQUENCE { tbs, signatureAlgorithm, signature })
   * without changing the signed TBSCertificate, so the signature still verifies.
   */
  public static byte[] reencode(byte[] der, Encoding how) {
    int p = headerLength(der, 0);
    byte[] tbs = element(der, p);
    byte[] ai = element(der, p + tbs.length);
    byte[] sig = element(der, p + tbs.length + ai.length);
    switch (how) {
      case OUTER_AI_WITHOUT_NULL:
        {
          int h = headerLength(ai, 0);
          if (ai[ai.length - 2] != 0x05 || ai[ai.length - 1] != 0x00) {
            throw new IllegalArgumentException("signatureAlgorithm has no NULL parameter");
          }
          ai = tlv(0x30, Arrays.copyOfRange(ai, h, ai.length - 2), false);
          break;
        }
      case SIGNATURE_LENGTH_NOT_MINIMAL:
        sig = tlv(0x03, Arrays.copyOfRange(sig, headerLength(sig, 0), sig.length), true);
        break;
      case OUTER_AI_LENGTH_NOT_MINIMAL:
        ai = tlv(0x30, Arrays.copyOfRange(ai, headerLength(ai, 0), ai.length), true);
        break;
      default:
        throw new IllegalArgumentException(how.name());
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(tbs);
    body.writeBytes(ai);
    body.writeBytes(sig);
    return tlv(0x30, body.toByteArray(), false);
  }

  // ------------------------------------------------------------------ defect 2

  /** Defect 2: name constraints of a root, of an intermediate used as anchor, of the EK CA. */
  public static List<Case> nameConstraints(SoftwareAgent a) throws Exception {
    List<Case> out = new ArrayList<>();
    String ekPem = a.ekBundlePem();
    byte[] ek = a.ekCert.getEncoded();

    TestPki.Ca permitsDns =
        constrainedRoot(
            "devid-root-permits-example-com",
            new NameConstraints(
                subtrees(new GeneralName(GeneralName.dNSName, "example.com")), null));
    String pem = TestPki.pem(permitsDns.cert());
    out.add(
        rejected(
            "DevID leaf with a DNS SAN outside the root's permitted subtree",
            a,
            pem,
            ekPem,
            List.of(
                devIdLeaf(
                        a,
                        permitsDns,
                        TestPki.cert("devid-leaf")
                            .extension(
                                Extension.subjectAlternativeName,
                                false,
                                new GeneralNames(
                                    new GeneralName(GeneralName.dNSName, "node.evil.org"))))
                    .getEncoded()),
            ek,
            DEVID_CHAIN
                + NAME_NOT_AUTHORIZED
                + "DNS name \"node.evil.org\" is not permitted by any constraint"));
    out.add(
        accepted(
            "DevID leaf with a DNS SAN inside the root's permitted subtree (control)",
            a,
            pem,
            ekPem,
            List.of(
                devIdLeaf(
                        a,
                        permitsDns,
                        TestPki.cert("devid-leaf")
                            .extension(
                                Extension.subjectAlternativeName,
                                false,
                                new GeneralNames(
                                    new GeneralName(GeneralName.dNSName, "node.Example.COM"))))
                    .getEncoded()),
            ek));
    out.add(
        accepted(
            "DevID leaf without a SAN under a constrained root (Go checks SANs only)",
            a,
            pem,
            ekPem,
            List.of(devIdLeaf(a, permitsDns, TestPki.cert("node.evil.org")).getEncoded()),
            ek));

    TestPki.Ca permitsIp =
        constrainedRoot(
            "devid-root-permits-10/8",
            new NameConstraints(
                subtrees(
                    new GeneralName(
                        GeneralName.iPAddress,
                        new DEROctetString(new byte[] {10, 0, 0, 0, (byte) 255, 0, 0, 0}))),
                null));
    out.add(
        rejected(
            "DevID leaf with an IP SAN outside the root's permitted range",
            a,
            TestPki.pem(permitsIp.cert()),
            ekPem,
            List.of(
                devIdLeaf(
                        a,
                        permitsIp,
                        TestPki.cert("devid-leaf")
                            .extension(
                                Extension.subjectAlternativeName,
                                false,
                                new GeneralNames(
                                    new GeneralName(GeneralName.iPAddress, "192.168.1.1"))))
                    .getEncoded()),
            ek,
            DEVID_CHAIN
                + NAME_NOT_AUTHORIZED
                + "IP address \"192.168.1.1\" is not permitted by any constraint"));

    TestPki.Ca permitsEmail =
        constrainedRoot(
            "devid-root-permits-mail",
            new NameConstraints(
                subtrees(new GeneralName(GeneralName.rfc822Name, "example.com")), null));
    out.add(
        rejected(
            "DevID leaf with an email SAN outside the root's permitted domain",
            a,
            TestPki.pem(permitsEmail.cert()),
            ekPem,
            List.of(
                devIdLeaf(
                        a,
                        permitsEmail,
                        TestPki.cert("devid-leaf")
                            .extension(
                                Extension.subjectAlternativeName,
                                false,
                                new GeneralNames(
                                    new GeneralName(GeneralName.rfc822Name, "ops@evil.org"))))
                    .getEncoded()),
            ek,
            DEVID_CHAIN
                + NAME_NOT_AUTHORIZED
                + "email address \"ops@evil.org\" is not permitted by any constraint"));

    TestPki.Ca excludesUri =
        constrainedRoot(
            "devid-root-excludes-uri",
            new NameConstraints(
                null,
                subtrees(new GeneralName(GeneralName.uniformResourceIdentifier, "evil.org"))));
    out.add(
        rejected(
            "DevID leaf with a URI SAN in the root's excluded subtree",
            a,
            TestPki.pem(excludesUri.cert()),
            ekPem,
            List.of(
                devIdLeaf(
                        a,
                        excludesUri,
                        TestPki.cert("devid-leaf")
                            .extension(
                                Extension.subjectAlternativeName,
                                false,
                                new GeneralNames(
                                    new GeneralName(
                                        GeneralName.uniformResourceIdentifier,
                                        "spiffe://evil.org/node"))))
                    .getEncoded()),
            ek,
            DEVID_CHAIN
                + NAME_NOT_AUTHORIZED
                + "URI \"spiffe://evil.org/node\" is excluded by constraint \"evil.org\""));

    // an intermediate (not self-signed) configured as the anchor, with an excluded DNS subtree
    KeyPair ik = TestPki.p256();
    X509Certificate constrainedIntermediate =
        TestPki.cert("devid-constrained-intermediate")
            .issuedBy(TestPki.rootCa("untrusted-root"))
            .key(ik.getPublic())
            .ca(null)
            .keyUsage(KeyUsage.keyCertSign)
            .extension(
                Extension.nameConstraints,
                true,
                new NameConstraints(
                    null, subtrees(new GeneralName(GeneralName.dNSName, ".evil.org"))))
            .build();
    TestPki.Ca anchor = new TestPki.Ca(constrainedIntermediate, ik.getPrivate());
    out.add(
        rejected(
            "DevID leaf with a DNS SAN excluded by an intermediate used as anchor",
            a,
            TestPki.pem(constrainedIntermediate),
            ekPem,
            List.of(
                devIdLeaf(
                        a,
                        anchor,
                        TestPki.cert("devid-leaf")
                            .extension(
                                Extension.subjectAlternativeName,
                                false,
                                new GeneralNames(
                                    new GeneralName(GeneralName.dNSName, "a.evil.org"))))
                    .getEncoded()),
            ek,
            DEVID_CHAIN
                + NAME_NOT_AUTHORIZED
                + "DNS name \"a.evil.org\" is excluded by constraint \".evil.org\""));

    // an intermediate inside the path (the anchor is an unconstrained root)
    TestPki.Ca plainRoot = TestPki.rootCa("devid-root-for-constrained-intermediate");
    TestPki.Ca inPath = permittingIntermediate(plainRoot, "example.com");
    out.add(
        rejected(
            "DevID leaf with a DNS SAN outside the permitted subtree of an intermediate in"
                + " the path",
            a,
            TestPki.pem(plainRoot.cert()),
            ekPem,
            List.of(
                devIdLeaf(
                        a,
                        inPath,
                        TestPki.cert("devid-leaf")
                            .extension(
                                Extension.subjectAlternativeName,
                                false,
                                new GeneralNames(
                                    new GeneralName(GeneralName.dNSName, "node.evil.org"))))
                    .getEncoded(),
                inPath.cert().getEncoded()),
            ek,
            DEVID_CHAIN
                + NAME_NOT_AUTHORIZED
                + "DNS name \"node.evil.org\" is not permitted by any constraint"));

    // the EK chain: an EK CA permitting only example.com, an EK whose SAN also names evil.org
    TestPki.Ca ekCa =
        constrainedRoot(
            "ek-root-permits-example-com",
            new NameConstraints(
                subtrees(new GeneralName(GeneralName.dNSName, "example.com")), null));
    X509Certificate badEk =
        TestPki.cert("")
            .issuedBy(ekCa)
            .key(a.ekKey.getPublic())
            .extension(
                Extension.subjectAlternativeName,
                true,
                new GeneralNames(
                    new GeneralName[] {
                      new GeneralName(GeneralName.directoryName, tcgDirectoryName()),
                      new GeneralName(GeneralName.dNSName, "ek.evil.org")
                    }))
            .build();
    out.add(
        rejected(
            "EK certificate with a DNS SAN outside the EK CA's permitted subtree",
            a,
            a.devIdBundlePem(),
            TestPki.pem(ekCa.cert()),
            a.devIdCertChain(),
            badEk.getEncoded(),
            EK_CHAIN
                + NAME_NOT_AUTHORIZED
                + "DNS name \"ek.evil.org\" is not permitted by any constraint"));
    return out;
  }

  // ------------------------------------------------------------------ defect 3

  /** Defect 3: RSA-PSS parameter sets Go refuses, in both chains, and the one it accepts. */
  public static List<Case> pssParameters(SoftwareAgent a) throws Exception {
    TestPki.Ca root = TestPki.rsaRootCa("devid-rsa-root");
    String pem = TestPki.pem(root.cert());
    List<Case> out = new ArrayList<>();
    Object[][] refused = {
      {"PSS over SHA-1", new PSSParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1, 20, 1)},
      {
        "PSS-SHA256 with MGF1-SHA1",
        new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA1, 32, 1)
      },
      {
        "PSS-SHA256 with salt length 20",
        new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 20, 1)
      },
      {
        "PSS-SHA384 with salt length 32",
        new PSSParameterSpec("SHA-384", "MGF1", MGF1ParameterSpec.SHA384, 32, 1)
      }
    };
    for (Object[] r : refused) {
      out.add(
          rejected(
              "DevID leaf signed with " + r[0],
              a,
              pem,
              a.ekBundlePem(),
              List.of(
                  devIdLeaf(a, root, TestPki.cert("devid-leaf").pss((PSSParameterSpec) r[1]))
                      .getEncoded()),
              a.ekCert.getEncoded(),
              DEVID_CHAIN
                  + "x509: certificate signed by unknown authority (possibly because of"
                  + " \"x509: cannot verify signature: algorithm unimplemented\""));
    }
    out.add(
        accepted(
            "DevID leaf signed with PSS-SHA256, MGF1-SHA256, salt 32 (control)",
            a,
            pem,
            a.ekBundlePem(),
            List.of(
                devIdLeaf(
                        a,
                        root,
                        TestPki.cert("devid-leaf")
                            .pss(
                                new PSSParameterSpec(
                                    "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1)))
                    .getEncoded()),
            a.ekCert.getEncoded()));
    TestPki.Ca ekRoot = TestPki.rsaRootCa("ek-rsa-root");
    X509Certificate ek =
        TestPki.cert("")
            .issuedBy(ekRoot)
            .key(a.ekKey.getPublic())
            .tcgEkSan()
            .pss(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA1, 32, 1))
            .build();
    out.add(
        rejected(
            "EK certificate signed with PSS-SHA256 with MGF1-SHA1",
            a,
            a.devIdBundlePem(),
            TestPki.pem(ekRoot.cert()),
            a.devIdCertChain(),
            ek.getEncoded(),
            EK_CHAIN
                + "x509: certificate signed by unknown authority (possibly because of"
                + " \"x509: cannot verify signature: algorithm unimplemented\""));
    return out;
  }

  // ------------------------------------------------------------------ defect 4

  /** Defect 4: Names Go's parser refuses, in a trusted, correctly signed DevID leaf and EK. */
  public static List<Case> badNames(SoftwareAgent a) throws Exception {
    List<Case> out = new ArrayList<>();
    Object[][] cns = {
      {
        "forged DevID leaf: subject CN UTF8String with invalid UTF-8",
        ASN1Primitive.fromByteArray(new byte[] {0x0C, 0x03, 'a', (byte) 0xC3, 0x28}),
        "invalid UTF-8 string"
      },
      {
        "forged DevID leaf: subject CN PrintableString with a control byte",
        ASN1Primitive.fromByteArray(new byte[] {0x13, 0x03, 'a', 0x01, 'b'}),
        "invalid PrintableString"
      },
      {
        "DevID leaf: subject CN that is an INTEGER",
        new ASN1Integer(7),
        "unsupported string type: 2"
      }
    };
    for (Object[] c : cns) {
      X509Certificate leaf =
          TestPki.cert("x")
              .subject(name(BCStyle.CN, (ASN1Encodable) c[1]))
              .issuedBy(a.devIdIntermediate)
              .key(a.devIdKey.getPublic())
              .build();
      List<byte[]> chain = new ArrayList<>(a.devIdCertChain());
      chain.set(0, leaf.getEncoded());
      out.add(
          rejected(
              (String) c[0],
              a,
              a.devIdBundlePem(),
              a.ekBundlePem(),
              chain,
              a.ekCert.getEncoded(),
              DEVID_PARSE + "x509: invalid RDNSequence: invalid attribute value: " + c[2]));
    }
    X509Certificate ek =
        TestPki.cert("")
            .subject(
                name(
                    BCStyle.O,
                    ASN1Primitive.fromByteArray(new byte[] {0x0C, 0x02, (byte) 0xFF, (byte) 0xFE})))
            .issuedBy(a.ekCa)
            .key(a.ekKey.getPublic())
            .tcgEkSan()
            .build();
    out.add(
        rejected(
            "forged EK certificate: subject O UTF8String with invalid UTF-8",
            a,
            a.devIdBundlePem(),
            a.ekBundlePem(),
            a.devIdCertChain(),
            ek.getEncoded(),
            EK_PARSE + "x509: invalid RDNSequence: invalid attribute value: invalid UTF-8 string"));
    return out;
  }

  // ------------------------------------------------------------------ defect 6

  /** Defect 6: chains Go accepts that the verifier used to refuse. */
  public static List<Case> goAccepts(SoftwareAgent a) throws Exception {
    List<Case> out = new ArrayList<>();
    X509Certificate ek =
        TestPki.cert("")
            .issuedBy(a.ekCa)
            .key(a.ekKey.getPublic())
            .extension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(new GeneralName(GeneralName.directoryName, tcgDirectoryName())))
            .build();
    out.add(
        accepted(
            "EK certificate with an empty subject and a non-critical SAN",
            a,
            a.devIdBundlePem(),
            a.ekBundlePem(),
            a.devIdCertChain(),
            ek.getEncoded()));

    X500Name intermediateName =
        X500Name.getInstance(a.devIdIntermediate.cert().getSubjectX500Principal().getEncoded());
    List<byte[]> chain = new ArrayList<>();
    chain.add(a.devIdCert.getEncoded());
    for (int i = 0; i < 9; i++) { // self-issued junk with the real intermediate's name
      KeyPair k = TestPki.p256();
      chain.add(
          TestPki.cert("x")
              .subject(intermediateName)
              .selfSigned(k)
              .ca(null)
              .keyUsage(KeyUsage.keyCertSign)
              .build()
              .getEncoded());
    }
    chain.add(a.devIdIntermediate.cert().getEncoded());
    out.add(
        accepted(
            "nine junk same-subject intermediates before the real one",
            a,
            a.devIdBundlePem(),
            a.ekBundlePem(),
            chain,
            a.ekCert.getEncoded()));

    // an intermediate inside the path permitting only example.com; the leaf has no SAN and a CN
    // that looks like a host name (the JDK's PKIX took it for a DNS name, Go never does)
    TestPki.Ca root = TestPki.rootCa("devid-root-for-constrained-intermediate");
    TestPki.Ca inter = permittingIntermediate(root, "example.com");
    out.add(
        accepted(
            "DevID leaf without a SAN (CN node-1) below an intermediate permitting only"
                + " example.com",
            a,
            TestPki.pem(root.cert()),
            a.ekBundlePem(),
            List.of(
                devIdLeaf(a, inter, TestPki.cert("node-1")).getEncoded(),
                inter.cert().getEncoded()),
            a.ekCert.getEncoded()));
    return out;
  }

  // ------------------------------------------------------------------ helpers

  private static Case accepted(
      String name,
      SoftwareAgent a,
      String devPem,
      String ekPem,
      List<byte[]> devIdCerts,
      byte[] ek) {
    return new Case(name, devPem, ekPem, payload(a, devIdCerts, ek), devIdCerts.get(0), null);
  }

  private static Case rejected(
      String name,
      SoftwareAgent a,
      String devPem,
      String ekPem,
      List<byte[]> devIdCerts,
      byte[] ek,
      String error) {
    return new Case(name, devPem, ekPem, payload(a, devIdCerts, ek), devIdCerts.get(0), error);
  }

  /** The agent's genuine payload with other DevID certificates and EK certificate. */
  public static byte[] payload(SoftwareAgent a, List<byte[]> devIdCerts, byte[] ekCert) {
    AttestationRequest r = a.attestationRequest();
    return new AttestationRequest(
            devIdCerts,
            r.devIdPub(),
            ekCert,
            r.ekPub(),
            r.akPub(),
            r.certifiedDevId(),
            r.certificationSignature())
        .toJson();
  }

  private static X509Certificate devIdLeaf(
      SoftwareAgent a, TestPki.Ca issuer, TestPki.CertSpec spec) {
    return spec.issuedBy(issuer).key(a.devIdKey.getPublic()).build();
  }

  private static TestPki.Ca constrainedRoot(String cn, NameConstraints nc) {
    KeyPair kp = TestPki.p256();
    return new TestPki.Ca(
        TestPki.cert(cn)
            .selfSigned(kp)
            .ca(null)
            .keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
            .extension(Extension.nameConstraints, true, nc)
            .build(),
        kp.getPrivate());
  }

  /** A CA below {@code root} whose nameConstraints permit only the DNS subtree {@code dns}. */
  private static TestPki.Ca permittingIntermediate(TestPki.Ca root, String dns) {
    KeyPair kp = TestPki.p256();
    return new TestPki.Ca(
        TestPki.cert("devid-constrained-intermediate")
            .issuedBy(root)
            .key(kp.getPublic())
            .ca(null)
            .keyUsage(KeyUsage.keyCertSign)
            .extension(
                Extension.nameConstraints,
                true,
                new NameConstraints(subtrees(new GeneralName(GeneralName.dNSName, dns)), null))
            .build(),
        kp.getPrivate());
  }

  private static GeneralSubtree[] subtrees(GeneralName... names) {
    GeneralSubtree[] out = new GeneralSubtree[names.length];
    for (int i = 0; i < names.length; i++) {
      out[i] = new GeneralSubtree(names[i]);
    }
    return out;
  }

  private static X500Name tcgDirectoryName() {
    return new X500NameBuilder()
        .addRDN(TestPki.TPM_MANUFACTURER, new DERUTF8String("id:53574D20"))
        .addRDN(TestPki.TPM_MODEL, new DERUTF8String("swtpm"))
        .addRDN(TestPki.TPM_VERSION, new DERUTF8String("id:20170619"))
        .build();
  }

  /** A Name of one attribute whose value is taken as given (no string validation). */
  private static X500Name name(
      org.bouncycastle.asn1.ASN1ObjectIdentifier type, ASN1Encodable value) {
    return X500Name.getInstance(
        new DERSequence(new DERSet(new DERSequence(new ASN1Encodable[] {type, value}))));
  }

  private static int headerLength(byte[] b, int off) {
    int first = b[off + 1] & 0xFF;
    return first < 0x80 ? 2 : 2 + (first & 0x7F);
  }

  private static byte[] element(byte[] b, int off) {
    int first = b[off + 1] & 0xFF;
    int len;
    if (first < 0x80) {
      len = first;
    } else {
      len = 0;
      for (int i = 0; i < (first & 0x7F); i++) {
        len = (len << 8) | (b[off + 2 + i] & 0xFF);
      }
    }
    return Arrays.copyOfRange(b, off, off + headerLength(b, off) + len);
  }

  /** Tag, length (minimal, or one byte longer than needed), contents. */
  private static byte[] tlv(int tag, byte[] content, boolean nonMinimalLength) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = content.length;
    int n = len < 0x80 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : 3;
    if (nonMinimalLength && n == 0) {
      out.write(0x81); // a short length written in the long form
      out.write(len);
    } else if (nonMinimalLength) {
      out.write(0x80 | (n + 1)); // a leading zero byte in the long form
      out.write(0);
      for (int i = n - 1; i >= 0; i--) {
        out.write(len >> (8 * i));
      }
    } else if (n == 0) {
      out.write(len);
    } else {
      out.write(0x80 | n);
      for (int i = n - 1; i >= 0; i--) {
        out.write(len >> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
