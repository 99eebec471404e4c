package dev.tpmdevid.cli;

import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.tpm.IDevIdTemplates;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.provision.IDevIdProvisioner;
import dev.tpmdevid.testbed.provision.LDevIdProvisioner;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import dev.tpmdevid.testbed.provision.Provisioner;
import dev.tpmdevid.testbed.provision.TestCa;
import dev.tpmdevid.testbed.provision.TestPki;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tpm-devid provision}: an LDevID in a TPM (blobs in SPIRE format + TPM-signed CSR), or a
 * whole lab TPM.
 */
@Command(
    name = "provision",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Create an LDevID in a TPM (SPIRE blob files + TPM-signed CSR), or provision a whole lab TPM.",
      "Creates an LDevID key in a TPM: RSA-2048 (RSASSA-SHA256) or NIST P-256 (ECDSA-SHA256),"
          + " attributes fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|sign, under SPIRE's SRK template"
          + " (H-1/H-2 from the owner hierarchy) or a persistent SRK handle. Writes devid.pub.blob (TPMT_PUBLIC)"
          + " and devid.priv.blob (TPM2B_PRIVATE contents) as SPIRE reads them, devid.csr.pem (PKCS#10 signed by"
          + " the TPM) and, with --ca-cert/--ca-key (labs), devid.crt.pem; prints the agent's HCL.",
      "With --lab, provisions a FRESH TPM (e.g. a new swtpm) completely, as a fleet machine: test"
          + " manufacturer and DevID CAs, EK certificate in NV, LDevID and certificate, optional hierarchy"
          + " passwords, and agent.hcl / server.hcl."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  tpm-devid provision --tpm /dev/tpmrm0 --key ecc --devid-password s3cret --out ./devid",
      "  tpm-devid provision --tpm tcp://127.0.0.1:2321 --srk-handle 0x81000001 --ca-cert ca.pem"
          + " --ca-key ca.key --out ./devid",
      "  tpm-devid provision --lab --tpm tcp://127.0.0.1:2321 --spire-passwords --out ./lab",
      "  tpm-devid provision --lab --tpm tcp://127.0.0.1:2321 --key ecc --idevid template --out ./lab",
      "  tpm-devid provision --lab --tpm tcp://127.0.0.1:2321 --revoke-devid --out ./revoked-lab"
    })
final class ProvisionCommand extends ToolCommand {
  enum Alg {
    rsa,
    ecc
  }

  /** With --idevid: the agent HCL that loads the IDevID instead of the LDevID. */
  static final String IDEVID_AGENT_HCL = "agent-idevid.hcl";

  @Option(
      names = "--tpm",
      required = true,
      paramLabel = "DEVICE",
      description =
          "The TPM: /dev/tpmrm0, a swtpm unix socket path, or tcp://127.0.0.1:PORT (swtpm).")
  String tpm;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Directory for the files.")
  Path outDir;

  @Option(
      names = "--key",
      defaultValue = "rsa",
      paramLabel = "rsa|ecc",
      description = "DevID key type. Default: ${DEFAULT-VALUE}.")
  Alg key;

  @Option(
      names = "--cn",
      defaultValue = "devid-leaf",
      paramLabel = "NAME",
      description = "Subject CN of the CSR / certificate. Default: ${DEFAULT-VALUE}.")
  String commonName;

  @Option(
      names = "--devid-password",
      defaultValue = "",
      paramLabel = "PW",
      description = "authValue of the DevID key (the agent's devid_password). Default: none.")
  String devIdPassword;

  @Option(
      names = "--owner-password",
      defaultValue = "",
      paramLabel = "PW",
      description = "Owner hierarchy password (to re-create the SRK; with --lab: set at the end).")
  String ownerPassword;

  @Option(
      names = "--srk-handle",
      paramLabel = "HANDLE",
      description =
          "Create the DevID under this persistent SRK (e.g. 0x81000001) instead of SPIRE's SRK template.")
  String srkHandle;

  @Option(
      names = "--ca-cert",
      paramLabel = "ca.pem",
      description = "Lab CA certificate to sign the CSR with.")
  Path caCert;

  @Option(
      names = "--ca-key",
      paramLabel = "ca.key",
      description = "Lab CA private key (PEM, PKCS#8 or traditional).")
  Path caKey;

  @Option(
      names = "--days",
      defaultValue = "365",
      paramLabel = "N",
      description = "Validity of the certificate signed with --ca-key. Default: ${DEFAULT-VALUE}.")
  int days;

  @Option(
      names = "--lab",
      description = "Provision a fresh TPM completely (test CAs, EK certificate in NV, LDevID).")
  boolean lab;

  @Option(
      names = "--spire-passwords",
      description =
          "With --lab: SPIRE's test passwords (devid-pass,"
              + " owner-hierarchy-pass, endorsement-hierarchy-pass).")
  boolean spirePasswords;

  /** IDevID (issue #17): how the lab TPM's manufacturer-style IDevID is left for the agent. */
  enum IDevIdMode {
    persistent,
    template
  }

  @Option(
      names = "--idevid",
      paramLabel = "persistent|template",
      description =
          "With --lab: also a"
              + " manufacturer-style IDevID of --key's type (TCG template, endorsement hierarchy), its chain in NV"
              + " 0x01C90200, persisted at 0x81020000 or left to be regenerated from the template; writes"
              + " agent-idevid.hcl (docs/idevid.md).")
  IDevIdMode idevid;

  @Option(
      names = "--crl",
      description =
          "Also write CRLs (the server's devid_crl_path / endorsement_crl_path):"
              + " with --lab, devid-crl.pem (one CRL per DevID CA) and endorsement-crl.pem (one per manufacturer"
              + " CA), added to server.hcl; with --ca-key, devid-crl.pem signed by that CA.")
  boolean crl;

  @Option(
      names = "--revoke",
      paramLabel = "SERIAL",
      description =
          "List this certificate serial (0x-hex or"
              + " decimal) as revoked in the CRL of the CA that issues the DevID certificates (implies --crl;"
              + " repeatable).")
  List<String> revoke = new ArrayList<>();

  @Option(
      names = "--revoke-devid",
      description =
          "List the DevID certificate made by this run as revoked"
              + " (implies --crl): the server then refuses it, naming its serial.")
  boolean revokeDevId;

  @Option(
      names = "--crl-days",
      defaultValue = "7",
      paramLabel = "N",
      description = "CRL nextUpdate, in days from now. Default: ${DEFAULT-VALUE}.")
  int crlDays;

  @Override
  int run() throws Exception {
    KeyType type = key == Alg.rsa ? KeyType.RSA : KeyType.ECC;
    if ((caCert == null) != (caKey == null)) {
      throw new Failure("--ca-cert and --ca-key go together");
    }
    List<BigInteger> serials = parseSerials();
    boolean writeCrl = crl || revokeDevId || !serials.isEmpty();
    if (writeCrl && !lab && caKey == null) {
      throw new Failure("--crl, --revoke and --revoke-devid need --lab or --ca-cert/--ca-key");
    }
    if (crlDays < 1) {
      throw new Failure("--crl-days must be at least 1");
    }
    if (lab) {
      if (srkHandle != null || caCert != null) {
        throw new Failure("--lab makes its own CAs and uses SPIRE's SRK template");
      }
      return lab(type, writeCrl, serials);
    }
    if (spirePasswords) {
      throw new Failure("--spire-passwords applies only with --lab");
    }
    if (idevid != null) {
      throw new Failure("--idevid applies only with --lab");
    }
    Integer handle = parseHandle();
    X509Certificate ca = null;
    PrivateKey caPrivate = null;
    if (caCert != null) {
      ca = readCertificate(caCert);
      caPrivate = readPrivateKey(caKey);
    }
    LDevIdProvisioner.LDevId devId;
    try (TpmConnection c = open()) {
      devId =
          LDevIdProvisioner.create(c.tpm(), type, ownerPassword, devIdPassword, commonName, handle);
    } catch (RuntimeException e) {
      throw new Failure("TPM: " + e.getMessage());
    }
    Files.createDirectories(outDir);
    Path pub = outDir.resolve(ProvisionedTpm.DEVID_PUB);
    Path priv = outDir.resolve(ProvisionedTpm.DEVID_PRIV);
    Path csr = outDir.resolve("devid.csr.pem");
    ToolFiles.write(pub, devId.publicArea());
    ToolFiles.write(priv, devId.privateBlob());
    ToolFiles.write(csr, pem("CERTIFICATE REQUEST", devId.csrDer()));
    out()
        .printf(
            "LDevID (%s) created in %s%s%n",
            type,
            tpm,
            handle == null
                ? " under SPIRE's SRK template"
                : String.format(" under the persistent SRK 0x%08X", handle));
    out().println("  " + pub + "  TPMT_PUBLIC, " + devId.publicArea().length + " bytes");
    out()
        .println(
            "  "
                + priv
                + "  TPM2B_PRIVATE contents, "
                + devId.privateBlob().length
                + " bytes (only this TPM can load it)");
    out().println("  " + csr + "  PKCS#10, signed by the TPM");
    Path cert = outDir.resolve(ProvisionedTpm.DEVID_CERT);
    if (ca != null) {
      X509Certificate leaf = sign(devId.csrDer(), ca, caPrivate, days);
      List<X509Certificate> chain = new ArrayList<>(List.of(leaf));
      if (!ca.getSubjectX500Principal().equals(ca.getIssuerX500Principal())) {
        chain.add(ca);
      }
      StringBuilder sb = new StringBuilder();
      for (X509Certificate x : chain) {
        sb.append(new String(pem("CERTIFICATE", x.getEncoded()), StandardCharsets.US_ASCII));
      }
      ToolFiles.write(cert, sb.toString().getBytes(StandardCharsets.US_ASCII));
      out()
          .println(
              "  "
                  + cert
                  + "  certificate from "
                  + ca.getSubjectX500Principal().getName()
                  + (chain.size() > 1 ? " (+ the CA certificate as intermediate)" : ""));
      if (writeCrl) {
        List<BigInteger> listed = new ArrayList<>(serials);
        if (revokeDevId) {
          listed.add(leaf.getSerialNumber());
        }
        Path crlFile = outDir.resolve(DEVID_CRL);
        Instant now = Instant.now();
        ToolFiles.write(
            crlFile,
            pem(
                "X509 CRL",
                TestCa.crl(
                    ca,
                    caPrivate,
                    now.minus(Duration.ofMinutes(5)),
                    now.plus(Duration.ofDays(crlDays)),
                    listed)));
        out()
            .println(
                "  "
                    + crlFile
                    + "  CRL of "
                    + ca.getSubjectX500Principal().getName()
                    + revokedText(listed));
      }
    } else {
      out()
          .println(
              "Next: have the DevID CA sign devid.csr.pem and save the chain (leaf first) as "
                  + cert);
    }
    out().println("agent plugin_data:");
    out().println("  tpm_device_path = \"" + tpm + "\"");
    out().println("  devid_cert_path = \"" + cert.toAbsolutePath() + "\"");
    out().println("  devid_priv_path = \"" + priv.toAbsolutePath() + "\"");
    out().println("  devid_pub_path = \"" + pub.toAbsolutePath() + "\"");
    if (!devIdPassword.isEmpty()) {
      out().println("  devid_password = \"...\"");
    }
    if (handle != null) {
      out().printf("  srk_handle = \"0x%08X\"%n", handle);
    }
    return 0;
  }

  private int lab(KeyType type, boolean writeCrl, List<BigInteger> serials) throws Exception {
    ProvisionOptions o =
        ProvisionOptions.defaults().withDevIdKeyType(type).withDevIdCommonName(commonName);
    o = spirePasswords ? o.withSpirePasswords() : o.withPasswords(devIdPassword, ownerPassword, "");
    ProvisionedTpm p;
    IDevIdProvisioner.IDevId manufactured = null;
    try (TpmConnection c = open()) {
      p = Provisioner.provision(c.tpm(), tpm, o, outDir);
      if (idevid != null) {
        manufactured =
            IDevIdProvisioner.provision(
                c.tpm(),
                p,
                type,
                idevid == IDevIdMode.persistent
                    ? IDevIdProvisioner.Mode.PERSISTENT
                    : IDevIdProvisioner.Mode.TEMPLATE,
                IDevIdTemplates.IDEVID_CERT_NV_INDEX,
                "idevid-" + key);
      }
    } catch (RuntimeException e) {
      throw new Failure(
          "TPM: "
              + e.getMessage()
              + " (--lab needs a fresh TPM: no EK certificates, empty"
              + " hierarchy passwords)");
    }
    out().println("lab TPM provisioned (" + o + ")");
    for (String f :
        List.of(
            ProvisionedTpm.DEVID_CERT,
            ProvisionedTpm.DEVID_PRIV,
            ProvisionedTpm.DEVID_PUB,
            ProvisionedTpm.DEVID_CA,
            ProvisionedTpm.ENDORSEMENT_CA,
            ProvisionedTpm.AGENT_HCL,
            ProvisionedTpm.SERVER_HCL)) {
      out().println("  " + p.directory().resolve(f));
    }
    out().println("EK certificates in NV 0x01C00002 (RSA) and 0x01C0000A (ECC)");
    if (manufactured != null) {
      Path hcl = p.directory().resolve(IDEVID_AGENT_HCL);
      ToolFiles.write(hcl, manufactured.agentConfig().getBytes(StandardCharsets.UTF_8));
      out()
          .printf(
              "IDevID (%s) %s, chain (%d certificates) in NV 0x%08X%n",
              type,
              manufactured.mode() == IDevIdProvisioner.Mode.PERSISTENT
                  ? String.format("persisted at 0x%08X", IDevIdTemplates.IDEVID_HANDLE)
                  : "regenerated from template " + manufactured.template().configName(),
              manufactured.chain().size(),
              manufactured.nvIndex());
      out().println("  " + p.directory().resolve(IDevIdProvisioner.IDEVID_CERT));
      out().println("  " + hcl + "  (the agent's plugin_data for the IDevID)");
    }
    if (writeCrl) {
      writeLabCrls(p, serials);
    }
    return 0;
  }

  static final String DEVID_CRL = "devid-crl.pem";
  static final String ENDORSEMENT_CRL = "endorsement-crl.pem";

  /**
   * One CRL per lab CA, so that every certificate of both chains is covered ({@code crl_mode =
   * "strict"} works): the DevID CA that issued the lab's DevID certificate lists {@code --revoke}
   * serials and, with {@code --revoke-devid}, that certificate; the other CRLs list nothing.
   */
  private void writeLabCrls(ProvisionedTpm p, List<BigInteger> serials) throws IOException {
    TestPki pki = p.pki();
    X509Certificate devId = p.devIdCertificate();
    List<BigInteger> listed = new ArrayList<>(serials);
    if (revokeDevId) {
      listed.add(devId.getSerialNumber());
    }
    Instant now = Instant.now();
    Instant thisUpdate = now.minus(Duration.ofMinutes(5));
    Instant nextUpdate = now.plus(Duration.ofDays(crlDays));
    StringBuilder devIdCrls = new StringBuilder();
    for (TestCa ca : List.of(pki.devIdRoot(), pki.devIdIntermediate())) {
      boolean issuerOfLeaf =
          ca.certificate().getSubjectX500Principal().equals(devId.getIssuerX500Principal());
      devIdCrls.append(
          new String(
              pem("X509 CRL", ca.crl(thisUpdate, nextUpdate, issuerOfLeaf ? listed : List.of())),
              StandardCharsets.US_ASCII));
    }
    StringBuilder ekCrls = new StringBuilder();
    for (TestCa ca : List.of(pki.manufacturerRoot(), pki.manufacturerIntermediate())) {
      ekCrls.append(
          new String(
              pem("X509 CRL", ca.crl(thisUpdate, nextUpdate, List.of())),
              StandardCharsets.US_ASCII));
    }
    Path devIdFile = p.directory().resolve(DEVID_CRL);
    Path ekFile = p.directory().resolve(ENDORSEMENT_CRL);
    ToolFiles.write(devIdFile, devIdCrls.toString().getBytes(StandardCharsets.US_ASCII));
    ToolFiles.write(ekFile, ekCrls.toString().getBytes(StandardCharsets.US_ASCII));
    Files.writeString(
        p.serverHclPath(),
        "devid_crl_path = \""
            + devIdFile.toAbsolutePath()
            + "\"\n"
            + "endorsement_crl_path = \""
            + ekFile.toAbsolutePath()
            + "\"\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    out()
        .println(
            "  "
                + devIdFile
                + "  CRLs of the DevID root and intermediate CA"
                + revokedText(listed));
    out().println("  " + ekFile + "  CRLs of the manufacturer root and EK CA (nothing revoked)");
  }

  private static String revokedText(List<BigInteger> listed) {
    if (listed.isEmpty()) {
      return " (nothing revoked)";
    }
    List<String> hex = new ArrayList<>();
    for (BigInteger s : listed) {
      hex.add("0x" + s.toString(16));
    }
    return " revoking serial " + String.join(", ", hex);
  }

  private List<BigInteger> parseSerials() throws Failure {
    List<BigInteger> out = new ArrayList<>();
    for (String r : revoke) {
      try {
        String v = r.strip();
        BigInteger b =
            v.toLowerCase().startsWith("0x")
                ? new BigInteger(v.substring(2), 16)
                : new BigInteger(v);
        if (b.signum() <= 0) {
          throw new NumberFormatException();
        }
        out.add(b);
      } catch (NumberFormatException e) {
        throw new Failure("--revoke: not a positive serial number (0x-hex or decimal): " + r);
      }
    }
    return out;
  }

  private TpmConnection open() throws Failure {
    try {
      return TpmConnection.open(tpm);
    } catch (RuntimeException e) {
      throw new Failure("cannot open the TPM " + tpm + ": " + e.getMessage());
    }
  }

  private Integer parseHandle() throws Failure {
    if (srkHandle == null) {
      return null;
    }
    try {
      String h = srkHandle.toLowerCase().startsWith("0x") ? srkHandle.substring(2) : srkHandle;
      long v = Long.parseLong(h, 16);
      if ((v >>> 24) != 0x81) {
        throw new NumberFormatException();
      }
      return (int) v;
    } catch (NumberFormatException e) {
      throw new Failure("--srk-handle: not a persistent handle 0x81xxxxxx: " + srkHandle);
    }
  }

  static X509Certificate readCertificate(Path file) throws Exception {
    byte[] data = ToolFiles.read(file);
    for (Pems.Block b : Pems.blocks(data)) {
      if (b.label().equals("CERTIFICATE") && b.der() != null) {
        return new JcaX509CertificateConverter().getCertificate(new X509CertificateHolder(b.der()));
      }
    }
    throw new Failure(file + ": no PEM certificate");
  }

  static PrivateKey readPrivateKey(Path file) throws Exception {
    String text = new String(ToolFiles.read(file), StandardCharsets.US_ASCII);
    try (PEMParser p = new PEMParser(new StringReader(text))) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair kp) {
        return conv.getKeyPair(kp).getPrivate();
      }
      if (o instanceof PrivateKeyInfo info) {
        return conv.getPrivateKey(info);
      }
    } catch (IOException e) {
      throw new Failure(file + ": not a PEM private key");
    }
    throw new Failure(file + ": not an unencrypted PEM private key");
  }

  /**
   * Signs the TPM's CSR as an LDevID certificate (CA:false, digitalSignature), checking the CSR
   * first.
   */
  static X509Certificate sign(byte[] csrDer, X509Certificate ca, PrivateKey caKey, int days)
      throws Exception {
    PKCS10CertificationRequest csr = new PKCS10CertificationRequest(csrDer);
    if (!csr.isSignatureValid(
        new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder()
            .build(new JcaPEMKeyConverter().getPublicKey(csr.getSubjectPublicKeyInfo())))) {
      throw new Failure("the CSR signature does not verify");
    }
    Instant now = Instant.now();
    X509v3CertificateBuilder b =
        new X509v3CertificateBuilder(
            X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
            new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
            Date.from(now.minus(Duration.ofMinutes(5))),
            Date.from(now.plus(Duration.ofDays(days))),
            csr.getSubject(),
            csr.getSubjectPublicKeyInfo());
    JcaX509ExtensionUtils u = new JcaX509ExtensionUtils();
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(
        Extension.subjectKeyIdentifier,
        false,
        u.createSubjectKeyIdentifier(csr.getSubjectPublicKeyInfo()));
    b.addExtension(Extension.authorityKeyIdentifier, false, u.createAuthorityKeyIdentifier(ca));
    String alg = caKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(caKey)));
  }

  static byte[] pem(String label, byte[] der) {
    return dev.tpmdevid.core.pem.Pem.encode(label, der).getBytes(StandardCharsets.US_ASCII);
  }
}
