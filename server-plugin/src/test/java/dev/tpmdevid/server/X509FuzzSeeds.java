package dev.tpmdevid.server;

import dev.tpmdevid.labpki.TestPki;
import dev.tpmdevid.verifier.testing.Forgeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Instant;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;

/**
 * Writes the fixed test PKI and the seed corpus of {@link X509ParsingFuzzTest} (run from the
 * server-plugin folder: {@code java -cp <test classpath> dev.tpmdevid.server.X509FuzzSeeds}). Keys
 * are fresh on every run, so the PKI and the seeds are always regenerated together. Seeds: genuine
 * certificates in each role, and the structures of docs/hardening.md (re-encoded outer layers, name
 * constraints, RSA-PSS parameter sets, names Go refuses, an EK with a non-critical SAN). Not a
 * test; nothing runs it in the build.
 */
public final class X509FuzzSeeds {
  private static final Instant FROM = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant TO = Instant.parse("2036-01-01T00:00:00Z");

  private X509FuzzSeeds() {}

  public static void main(String[] args) throws Exception {
    Path base = Path.of(args.length > 0 ? args[0] : "src/test/resources/dev/tpmdevid/server");
    Path pki = Files.createDirectories(base.resolve("x509-fuzz-pki"));
    Path seeds = Files.createDirectories(base.resolve("X509ParsingFuzzTestInputs/fuzzCertificate"));

    KeyPair rootKey = TestPki.rsa();
    TestPki.Ca root =
        new TestPki.Ca(
            TestPki.cert("fuzz-devid-root")
                .selfSigned(rootKey)
                .ca(null)
                .keyUsage(KeyUsage.keyCertSign)
                .validity(FROM, TO)
                .build(),
            rootKey.getPrivate());
    KeyPair intKey = TestPki.p256();
    X509Certificate intermediate =
        TestPki.cert("fuzz-devid-intermediate")
            .issuedBy(root)
            .key(intKey.getPublic())
            .ca(null)
            .keyUsage(KeyUsage.keyCertSign)
            .validity(FROM, TO)
            .build();
    TestPki.Ca ica = new TestPki.Ca(intermediate, intKey.getPrivate());
    KeyPair leafKey = TestPki.p256();
    X509Certificate leaf =
        TestPki.cert("fuzz-devid-leaf")
            .issuedBy(ica)
            .key(leafKey.getPublic())
            .validity(FROM, TO)
            .build();
    KeyPair ekRootKey = TestPki.rsa();
    TestPki.Ca ekRoot =
        new TestPki.Ca(
            TestPki.cert("fuzz-ek-root")
                .selfSigned(ekRootKey)
                .ca(null)
                .keyUsage(KeyUsage.keyCertSign)
                .validity(FROM, TO)
                .build(),
            ekRootKey.getPrivate());
    KeyPair ekKey = TestPki.rsa();

    Files.writeString(pki.resolve("devid-root.pem"), TestPki.pem(root.cert()));
    Files.writeString(pki.resolve("ek-root.pem"), TestPki.pem(ekRoot.cert()));
    Files.write(pki.resolve("devid-intermediate.der"), intermediate.getEncoded());
    Files.write(pki.resolve("devid-leaf.der"), leaf.getEncoded());

    // role 0: DevID leaf under the fixed intermediate
    seed(seeds, "leaf-genuine", 0, leaf.getEncoded());
    seed(
        seeds,
        "leaf-dns-san",
        0,
        TestPki.cert("fuzz-devid-leaf")
            .issuedBy(ica)
            .key(leafKey.getPublic())
            .validity(FROM, TO)
            .extension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(
                    new GeneralName[] {
                      new GeneralName(GeneralName.dNSName, "node.example.com"),
                      new GeneralName(
                          GeneralName.uniformResourceIdentifier, "spiffe://example.com/n"),
                      new GeneralName(GeneralName.rfc822Name, "ops@example.com"),
                      new GeneralName(GeneralName.iPAddress, "10.1.2.3")
                    }))
            .build()
            .getEncoded());
    seed(
        seeds,
        "leaf-signature-length-not-minimal",
        0,
        Forgeries.reencode(leaf.getEncoded(), Forgeries.Encoding.SIGNATURE_LENGTH_NOT_MINIMAL));
    seed(
        seeds,
        "leaf-cn-invalid-utf8",
        0,
        TestPki.cert("x")
            .subject(
                name(
                    BCStyle.CN,
                    ASN1Primitive.fromByteArray(new byte[] {0x0C, 0x02, (byte) 0xC3, 0x28})))
            .issuedBy(ica)
            .key(leafKey.getPublic())
            .validity(FROM, TO)
            .build()
            .getEncoded());
    seed(
        seeds,
        "leaf-cn-integer",
        0,
        TestPki.cert("x")
            .subject(name(BCStyle.CN, new ASN1Integer(7)))
            .issuedBy(ica)
            .key(leafKey.getPublic())
            .validity(FROM, TO)
            .build()
            .getEncoded());

    // role 1: DevID intermediate above the fixed leaf (same key, other encodings and extensions)
    seed(seeds, "intermediate-genuine", 1, intermediate.getEncoded());
    seed(
        seeds,
        "intermediate-outer-ai-without-null",
        1,
        Forgeries.reencode(intermediate.getEncoded(), Forgeries.Encoding.OUTER_AI_WITHOUT_NULL));
    seed(
        seeds,
        "intermediate-name-constraints",
        1,
        TestPki.cert("fuzz-devid-intermediate")
            .issuedBy(root)
            .key(intKey.getPublic())
            .ca(null)
            .keyUsage(KeyUsage.keyCertSign)
            .validity(FROM, TO)
            .extension(
                Extension.nameConstraints,
                true,
                new NameConstraints(
                    new GeneralSubtree[] {
                      new GeneralSubtree(new GeneralName(GeneralName.dNSName, "example.com"))
                    },
                    new GeneralSubtree[] {
                      new GeneralSubtree(
                          new GeneralName(
                              GeneralName.iPAddress,
                              new org.bouncycastle.asn1.DEROctetString(
                                  new byte[] {10, 0, 0, 0, -1, 0, 0, 0})))
                    }))
            .build()
            .getEncoded());
    seed(
        seeds,
        "intermediate-pss-sha256",
        1,
        TestPki.cert("fuzz-devid-intermediate")
            .issuedBy(root)
            .key(intKey.getPublic())
            .ca(null)
            .keyUsage(KeyUsage.keyCertSign)
            .validity(FROM, TO)
            .pss(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1))
            .build()
            .getEncoded());
    seed(
        seeds,
        "intermediate-pss-mgf1-sha1",
        1,
        TestPki.cert("fuzz-devid-intermediate")
            .issuedBy(root)
            .key(intKey.getPublic())
            .ca(null)
            .keyUsage(KeyUsage.keyCertSign)
            .validity(FROM, TO)
            .pss(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA1, 32, 1))
            .build()
            .getEncoded());

    // role 2: EK certificate under the fixed EK root
    X509Certificate ek =
        TestPki.cert("")
            .issuedBy(ekRoot)
            .key(ekKey.getPublic())
            .tcgEkSan()
            .validity(FROM, TO)
            .build();
    seed(seeds, "ek-genuine", 2, ek.getEncoded());
    seed(
        seeds,
        "ek-outer-ai-length-not-minimal",
        2,
        Forgeries.reencode(ek.getEncoded(), Forgeries.Encoding.OUTER_AI_LENGTH_NOT_MINIMAL));
    seed(
        seeds,
        "ek-noncritical-san",
        2,
        TestPki.cert("")
            .issuedBy(ekRoot)
            .key(ekKey.getPublic())
            .validity(FROM, TO)
            .extension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, "ek.example.com")))
            .build()
            .getEncoded());
    seed(
        seeds,
        "ek-pss-salt-20",
        2,
        TestPki.cert("")
            .issuedBy(ekRoot)
            .key(ekKey.getPublic())
            .tcgEkSan()
            .validity(FROM, TO)
            .pss(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 20, 1))
            .build()
            .getEncoded());
  }

  private static void seed(Path dir, String name, int role, byte[] der) throws Exception {
    byte[] out = new byte[der.length + 1];
    out[0] = (byte) role;
    System.arraycopy(der, 0, out, 1, der.length);
    Files.write(dir.resolve("seed-" + name), out);
  }

  private static X500Name name(
      org.bouncycastle.asn1.ASN1ObjectIdentifier type, ASN1Encodable value) {
    return X500Name.getInstance(
        new DERSequence(new DERSet(new DERSequence(new ASN1Encodable[] {type, value}))));
  }
}
