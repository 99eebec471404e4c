package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.swtpm.Swtpm;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Provisions a fresh swtpm (TCP data port) with <b>tpm2-tools and openssl alone</b>
 * (docs/protocol.md#tpm2-tools-peer, docs/tpm-access.md#ek-provisioning, #devid-provisioning): the
 * CAs, EK certificates and DevID certificate come from {@code openssl}, every TPM object from
 * {@code tpm2_*}. Java only moves bytes: it strips the TPM2B size of the {@code tpm2_create}
 * outputs ({@code tail -c +3}) and appends the optional NV padding. This gives the agent DevIDs, EK
 * certificates and CAs that our own Java code did not make.
 *
 * <p>swtpm has no resource manager and 3 object slots, so {@code tpm2_flushcontext -t} runs after
 * every TPM tool. The intermediate files stay in {@code <outDir>/tools}.
 */
public final class ToolsProvisioner {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String EK_NV_ATTRIBUTES =
      "ppwrite|writedefine|ppread|ownerread|authread|no_da|platformcreate";
  private static final String SRK_ATTRIBUTES =
      "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda|restricted|decrypt";
  private static final String DEVID_ATTRIBUTES =
      "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign";

  private final ToolRunner tpmTools;
  private final ToolRunner openssl;
  private final Path work;
  private final ProvisionOptions options;

  private ToolsProvisioner(Path work, int tcpPort, ProvisionOptions options) {
    this.work = work;
    this.options = options;
    Set<String> secrets =
        new HashSet<>(
            List.of(
                options.devIdPassword(), options.ownerPassword(), options.endorsementPassword()));
    secrets.remove("");
    this.tpmTools =
        new ToolRunner(
            work, Map.of("TPM2TOOLS_TCTI", "swtpm:host=127.0.0.1,port=" + tcpPort), secrets);
    this.openssl = new ToolRunner(work, Map.of(), secrets);
  }

  /**
   * Provisions a fresh swtpm started with {@link Swtpm.Transport#TCP} (tpm2-tss's swtpm TCTI speaks
   * TCP only); files go to {@code outDir}. The swtpm stays the caller's.
   */
  public static ProvisionedTpm provision(Swtpm swtpm, ProvisionOptions options, Path outDir) {
    swtpm.connect().close(); // the data channel listens (see Swtpm.connect)
    return provision(swtpm.port(), swtpm.devicePath(), swtpm, options, outDir);
  }

  /**
   * Provisions the fresh swtpm listening on {@code 127.0.0.1:tcpPort} (raw TPM commands; nobody
   * else connected) as {@link Provisioner} does, with tools.
   *
   * @param tpmDevicePath what the agent's {@code tpm_device_path} must say to reach this TPM
   * @throws IllegalArgumentException if {@code options.devIdValidity()} ends in the past or starts
   *     in the future (OpenSSL 3.0's {@code x509 -new} only knows {@code -days}; issue such
   *     certificates with {@link ProvisionedTpm#pki()})
   */
  public static ProvisionedTpm provision(
      int tcpPort, String tpmDevicePath, ProvisionOptions options, Path outDir) {
    return provision(tcpPort, tpmDevicePath, null, options, outDir);
  }

  private static ProvisionedTpm provision(
      int tcpPort, String tpmDevicePath, Swtpm swtpm, ProvisionOptions options, Path outDir) {
    Path work = outDir.resolve("tools");
    try {
      Files.createDirectories(work);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new ToolsProvisioner(work, tcpPort, options).run(tpmDevicePath, swtpm, outDir);
  }

  private ProvisionedTpm run(String tpmDevicePath, Swtpm swtpm, Path outDir) {
    int days = devIdDays();
    TestPki pki = makeCas();
    Map<KeyType, X509Certificate> ekCerts = new EnumMap<>(KeyType.class);
    if (options.rsaEk()) {
      ekCerts.put(KeyType.RSA, provisionEk(KeyType.RSA));
    }
    if (options.eccEk()) {
      ekCerts.put(KeyType.ECC, provisionEk(KeyType.ECC));
    }

    boolean rsa = options.devIdKeyType() == KeyType.RSA;
    tpm(
        "tpm2_createprimary",
        "-C",
        "o",
        "-g",
        "sha256",
        "-G",
        rsa ? "rsa2048:aes128cfb" : "ecc256:aes128cfb",
        "-a",
        SRK_ATTRIBUTES,
        "-c",
        "srk.ctx");
    List<String> create =
        new ArrayList<>(
            List.of(
                "tpm2_create",
                "-C",
                "srk.ctx",
                "-g",
                "sha256",
                "-G",
                rsa ? "rsa2048:rsassa-sha256:null" : "ecc256:ecdsa-sha256:null",
                "-a",
                DEVID_ATTRIBUTES + (options.devIdRestricted() ? "|restricted" : ""),
                "-u",
                "devid.pub",
                "-r",
                "devid.priv"));
    if (!options.devIdPassword().isEmpty()) {
      create.addAll(List.of("-p", "str:" + options.devIdPassword()));
    }
    tpm(create.toArray(new String[0]));
    tpm("tpm2_load", "-C", "srk.ctx", "-u", "devid.pub", "-r", "devid.priv", "-c", "devid.ctx");
    tpm("tpm2_readpublic", "-c", "devid.ctx", "-f", "pem", "-o", "devid_pub.pem");

    writeString(
        "devid.ext",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            + "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
    String ca = options.devIdIntermediate() ? "devid-int" : "devid-root";
    openssl(
        "openssl",
        "x509",
        "-new",
        "-subj",
        "/CN=" + options.devIdCommonName(),
        "-force_pubkey",
        "devid_pub.pem",
        "-CA",
        ca + ".pem",
        "-CAkey",
        ca + ".key",
        "-set_serial",
        serial(),
        "-days",
        Integer.toString(days),
        "-sha256",
        "-extfile",
        "devid.ext",
        "-out",
        "devid.pem");
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(readCertificate("devid.pem"));
    if (options.devIdIntermediate()) {
      chain.add(pki.devIdIntermediate().certificate());
    }

    if (!options.ownerPassword().isEmpty()) {
      tpm("tpm2_changeauth", "-c", "o", "str:" + options.ownerPassword());
    }
    if (!options.endorsementPassword().isEmpty()) {
      tpm("tpm2_changeauth", "-c", "e", "str:" + options.endorsementPassword());
    }

    byte[] pub = stripTpm2bSize(readBytes("devid.pub"));
    byte[] priv = stripTpm2bSize(readBytes("devid.priv"));
    ProvisionedTpm result =
        new ProvisionedTpm(
            options, pki, outDir, tpmDevicePath, chain, ekCerts, pub, priv, swtpm, null);
    result.writeFiles();
    return result;
  }

  /**
   * The EK from {@code tpm2_createek}, certified by openssl, written to NV with
   * tpm2_nvdefine/nvwrite.
   */
  private X509Certificate provisionEk(KeyType type) {
    String name = type == KeyType.RSA ? "ek-rsa" : "ek-ecc";
    tpm(
        "tpm2_createek",
        "-c",
        name + ".ctx",
        "-G",
        type == KeyType.RSA ? "rsa" : "ecc",
        "-f",
        "pem",
        "-u",
        name + ".pem");
    String keyUsage = type == KeyType.RSA ? "keyEncipherment" : "keyAgreement";
    TpmIdentity id = TpmIdentity.SWTPM;
    // OpenSSL drops everything up to the first '.' of a field name, hence the "x." prefixes
    writeString(
        name + ".ext",
        "[ek_ext]\n"
            + "keyUsage = critical, "
            + keyUsage
            + "\n"
            + "basicConstraints = critical, CA:FALSE\n"
            + "extendedKeyUsage = 2.23.133.8.1\n"
            + "subjectAltName = critical, dirName:tpm_dn\n"
            + "authorityKeyIdentifier = keyid\n"
            + "[tpm_dn]\n"
            + "x.2.23.133.2.1 = "
            + id.manufacturer()
            + "\n"
            + "x.2.23.133.2.2 = "
            + id.model()
            + "\n"
            + "x.2.23.133.2.3 = "
            + id.version()
            + "\n");
    openssl(
        "openssl",
        "x509",
        "-new",
        "-subj",
        "/",
        "-force_pubkey",
        name + ".pem",
        "-CA",
        "ek-int.pem",
        "-CAkey",
        "ek-int.key",
        "-set_serial",
        serial(),
        "-days",
        "36500",
        "-sha256",
        "-extfile",
        name + ".ext",
        "-extensions",
        "ek_ext",
        "-outform",
        "DER",
        "-out",
        name + ".der");
    byte[] der = readBytes(name + ".der");
    byte[] nv = Arrays.copyOf(der, der.length + options.ekNvPadding());
    Arrays.fill(nv, der.length, nv.length, (byte) 0xFF);
    writeBytes(name + ".nv", nv);
    String index = String.format("0x%08x", Templates.ekCertNvIndex(type));
    tpm(
        "tpm2_nvdefine",
        index,
        "-C",
        "p",
        "-s",
        Integer.toString(nv.length),
        "-a",
        EK_NV_ATTRIBUTES);
    tpm("tpm2_nvwrite", index, "-C", "p", "-i", name + ".nv");
    return parseCertificate(der);
  }

  /** Root and intermediate for the manufacturer and for DevIDs, all made by openssl. */
  private TestPki makeCas() {
    KeyType kt = options.caKeyType();
    TestCa ekRoot = opensslRoot("ek-root", "Test TPM Manufacturer Root CA", kt, 36500);
    TestCa ekInt =
        opensslIntermediate("ek-int", "Test TPM Manufacturer EK CA", ekRoot, "ek-root", kt, 36500);
    TestCa devIdRoot = opensslRoot("devid-root", "Test DevID Root CA", kt, 3650);
    TestCa devIdInt =
        opensslIntermediate(
            "devid-int", "Test DevID Intermediate CA", devIdRoot, "devid-root", kt, 3650);
    return TestPki.of(kt, ekRoot, ekInt, devIdRoot, devIdInt);
  }

  private TestCa opensslRoot(String file, String cn, KeyType kt, int days) {
    genKey(file + ".key", kt);
    openssl(
        "openssl",
        "req",
        "-x509",
        "-new",
        "-key",
        file + ".key",
        "-subj",
        "/CN=" + cn,
        "-days",
        Integer.toString(days),
        "-sha256",
        "-set_serial",
        serial(),
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-out",
        file + ".pem");
    X509Certificate cert = readCertificate(file + ".pem");
    return TestCa.of(
        kt, new KeyPair(cert.getPublicKey(), readPrivateKey(file + ".key")), cert, null);
  }

  private TestCa opensslIntermediate(
      String file, String cn, TestCa issuer, String issuerFile, KeyType kt, int days) {
    genKey(file + ".key", kt);
    openssl(
        "openssl",
        "req",
        "-new",
        "-key",
        file + ".key",
        "-subj",
        "/CN=" + cn,
        "-out",
        file + ".csr");
    writeString(
        file + ".ext",
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
            + "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
    openssl(
        "openssl",
        "x509",
        "-req",
        "-in",
        file + ".csr",
        "-CA",
        issuerFile + ".pem",
        "-CAkey",
        issuerFile + ".key",
        "-set_serial",
        serial(),
        "-days",
        Integer.toString(days),
        "-sha256",
        "-extfile",
        file + ".ext",
        "-out",
        file + ".pem");
    X509Certificate cert = readCertificate(file + ".pem");
    return TestCa.of(
        kt, new KeyPair(cert.getPublicKey(), readPrivateKey(file + ".key")), cert, issuer);
  }

  private void genKey(String file, KeyType kt) {
    if (kt == KeyType.RSA) {
      openssl(
          "openssl",
          "genpkey",
          "-algorithm",
          "RSA",
          "-pkeyopt",
          "rsa_keygen_bits:2048",
          "-out",
          file);
    } else {
      openssl(
          "openssl",
          "genpkey",
          "-algorithm",
          "EC",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-out",
          file);
    }
  }

  private int devIdDays() {
    Validity v = options.devIdValidity();
    if (v == null) {
      return (int) TestPki.DEFAULT_DEVID_LIFETIME.toDays();
    }
    Instant now = Instant.now();
    if (v.notAfter().isBefore(now) || v.notBefore().isAfter(now.plus(Duration.ofMinutes(1)))) {
      throw new IllegalArgumentException(
          "openssl x509 -new can only issue certificates valid from now for N days;"
              + " issue an expired or future DevID certificate with ProvisionedTpm.pki()");
    }
    return (int) Math.max(1, Duration.between(now, v.notAfter()).toDays());
  }

  /**
   * tpm2-tools writes TPM2B_PUBLIC/TPM2B_PRIVATE with a u16 size; SPIRE wants the bodies ({@code
   * tail -c +3}).
   */
  static byte[] stripTpm2bSize(byte[] tpm2b) {
    int size = ((tpm2b[0] & 0xFF) << 8) | (tpm2b[1] & 0xFF);
    if (size != tpm2b.length - 2) {
      throw new IllegalArgumentException(
          "not a TPM2B: size field " + size + ", " + (tpm2b.length - 2) + " bytes follow");
    }
    return Arrays.copyOfRange(tpm2b, 2, tpm2b.length);
  }

  /**
   * Runs a TPM tool, then flushes the transient objects it left; after a failure also its sessions.
   */
  private void tpm(String... command) {
    try {
      tpmTools.run(List.of(command));
    } catch (ToolRunner.ToolException e) {
      try {
        tpmTools.run(List.of("tpm2_flushcontext", "-t"));
        tpmTools.run(List.of("tpm2_flushcontext", "-s"));
      } catch (ToolRunner.ToolException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    tpmTools.run(List.of("tpm2_flushcontext", "-t"));
  }

  private void openssl(String... command) {
    openssl.run(List.of(command));
  }

  private static String serial() {
    return "0x" + new BigInteger(127, RANDOM).setBit(126).toString(16);
  }

  private byte[] readBytes(String file) {
    try {
      return Files.readAllBytes(work.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeBytes(String file, byte[] content) {
    try {
      Files.write(work.resolve(file), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeString(String file, String content) {
    writeBytes(file, content.getBytes(StandardCharsets.UTF_8));
  }

  private X509Certificate readCertificate(String file) {
    return parseCertificate(readBytes(file));
  }

  private static X509Certificate parseCertificate(byte[] derOrPem) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(derOrPem));
    } catch (CertificateException e) {
      throw new IllegalStateException("openssl wrote an unreadable certificate", e);
    }
  }

  /** An {@code openssl genpkey} key (PKCS#8 PEM). */
  private PrivateKey readPrivateKey(String file) {
    try (Reader r = Files.newBufferedReader(work.resolve(file), StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(r)) {
      return new JcaPEMKeyConverter()
          .getPrivateKey(PrivateKeyInfo.getInstance(parser.readObject()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
