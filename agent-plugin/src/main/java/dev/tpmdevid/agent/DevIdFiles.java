package dev.tpmdevid.agent;

import dev.tpmdevid.core.blob.KeyBlobs;
import dev.tpmdevid.core.device.TssStructures;
import dev.tpmdevid.core.pem.Pem;
import dev.tpmdevid.core.tpm.KeyComparison;
import dev.tpmdevid.core.tpm.ObjectAttribute;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmtPublic;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPM_HANDLE;

/**
 * The DevID as SPIRE's files give it, read once at Configure (docs/protocol.md#agent-config): the
 * certificate chain (leaf first), the public blob (TPMT_PUBLIC, sent verbatim as DevIDPub) and the
 * private blob (TPM2B_PRIVATE contents), loaded under the SRK at each attestation. Both blob
 * formats (SPIRE raw, tpm2-tools with a 2-byte size) are read by tpm-core's {@link KeyBlobs} and
 * the public area by the strict {@link TpmtPublic} parser the server uses, so a DevID the server
 * would refuse is refused here at Configure.
 */
final class DevIdFiles implements DevIdSource {

  private final List<byte[]> certChain;
  private final KeyBlobs blobs;

  private DevIdFiles(List<byte[]> certChain, KeyBlobs blobs) {
    this.certChain = certChain;
    this.blobs = blobs;
  }

  static DevIdFiles load(Path certPath, Path privPath, Path pubPath) throws AgentException {
    List<byte[]> chain = loadCertificates(certPath);
    byte[] pub = read(pubPath, "devid_pub_path");
    byte[] priv = read(privPath, "devid_priv_path");
    String pubName = "devid_pub_path " + pubPath;
    String privName = "devid_priv_path " + privPath;
    KeyBlobs blobs;
    try {
      blobs = KeyBlobs.fromBytes(pub, pubName, priv, privName);
    } catch (TpmFormatException e) {
      String m = e.getMessage();
      if (m.startsWith(privName)) {
        throw config(
            "unable to load DevID files: "
                + privName
                + " is not a TPM2B_PRIVATE (expected the private"
                + " blob of TPM2_Create, e.g. tpm2_create -r output with or without its 2-byte size): "
                + m.substring(privName.length() + 2));
      }
      throw config(
          "unable to load DevID files: "
              + pubName
              + " is not a TPMT_PUBLIC the server accepts"
              + " (expected the public blob of TPM2_Create, e.g. tpm2_create -u output with or without its"
              + " 2-byte size): "
              + (m.startsWith(pubName) ? m.substring(pubName.length() + 2) : m));
    }
    checkSigningKey(blobs.publicKey(), pubPath);
    X509Certificate leaf = parseCertificate(chain.get(0), certPath, 0);
    if (!KeyComparison.sameKey(blobs.publicKey(), leaf.getPublicKey())) {
      throw config(
          "the public key in devid_pub_path "
              + pubPath
              + " differs from the key of the first certificate in devid_cert_path "
              + certPath
              + " (the DevID certificate must be issued for this TPM key)");
    }
    return new DevIdFiles(List.copyOf(chain), blobs);
  }

  @Override
  public List<byte[]> certificateChain() {
    List<byte[]> out = new ArrayList<>(certChain.size());
    for (byte[] c : certChain) {
      out.add(c.clone());
    }
    return out;
  }

  @Override
  public TpmtPublic publicArea() {
    return blobs.publicKey();
  }

  /** The blobs as read (for tests and tools). */
  KeyBlobs blobs() {
    return blobs;
  }

  @Override
  public TPM_HANDLE load(LoadContext tpm) throws AgentException {
    TPM_HANDLE parent = tpm.storageRoot();
    TPM_HANDLE h =
        TpmCalls.call(
            "cannot load DevID key on TPM",
            "TPM2_Load",
            () ->
                tpm.tpm()
                    .Load(
                        parent,
                        new TPM2B_PRIVATE(blobs.privateBlob()),
                        TssStructures.publicArea(blobs.publicKey())));
    tpm.scope().track(h);
    h.AuthValue = tpm.devIdPassword();
    return h;
  }

  static List<byte[]> loadCertificates(Path path) throws AgentException {
    byte[] file = read(path, "devid_cert_path");
    List<byte[]> ders =
        Pem.decode(file, "CERTIFICATE"); // Go's pem.Decode loop, as SPIRE's agent reads it
    if (ders.isEmpty()) {
      throw config(
          "unable to load DevID files: devid_cert_path "
              + path
              + " contains no PEM CERTIFICATE block");
    }
    for (int i = 0; i < ders.size(); i++) {
      parseCertificate(ders.get(i), path, i);
    }
    return ders;
  }

  private static X509Certificate parseCertificate(byte[] der, Path path, int index)
      throws AgentException {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      return (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | ClassCastException e) {
      throw config(
          "unable to load DevID files: certificate "
              + (index + 1)
              + " in devid_cert_path "
              + path
              + " cannot be parsed: "
              + e.getMessage());
    }
  }

  /**
   * The DevID must be a signing key with an RSASSA or ECDSA scheme over SHA-256/384/512 (the scheme
   * the TPM signs the PoP nonce with, and the server verifies).
   */
  static void checkSigningKey(TpmtPublic area, Path path) throws AgentException {
    if (!area.objectAttributes().contains(ObjectAttribute.SIGN)) {
      throw config("devid_pub_path " + path + " is not a signing key (sign attribute clear)");
    }
    int scheme = area.scheme().algorithm();
    if (scheme == TpmAlg.NULL) {
      throw config(
          "devid_pub_path "
              + path
              + ": signature hash algorithm is NULL; the DevID key must carry"
              + " its scheme (RSASSA-SHA256 or ECDSA-SHA256), e.g. tpm2_create -G rsa2048:rsassa-sha256:null");
    }
    if (area.isRsa() && scheme != TpmAlg.RSASSA) {
      throw config(
          "devid_pub_path "
              + path
              + ": the DevID key's scheme is "
              + TpmAlg.name(scheme)
              + "; the server verifies RSASSA (PKCS#1 v1.5) signatures only");
    }
    if (area.isEcc() && scheme != TpmAlg.ECDSA) {
      throw config(
          "devid_pub_path "
              + path
              + ": the DevID key's scheme is "
              + TpmAlg.name(scheme)
              + "; the server verifies ECDSA signatures only");
    }
    int h = area.scheme().hashAlg();
    if (h != TpmAlg.SHA256 && h != TpmAlg.SHA384 && h != TpmAlg.SHA512) {
      throw config(
          "devid_pub_path "
              + path
              + ": unsupported signature hash "
              + TpmAlg.name(h)
              + " (SHA-256 is what the server verifies)");
    }
  }

  static byte[] read(Path path, String key) throws AgentException {
    try {
      long size = Files.size(path);
      if (size > KeyBlobs.MAX_FILE_SIZE
          && !key.equals("devid_cert_path")
          && !key.equals("ek_cert_path")) {
        throw config(
            "cannot read "
                + key
                + " "
                + path
                + ": "
                + size
                + " bytes, larger than any TPM key blob");
      }
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw config(
          "cannot read "
              + key
              + " "
              + path
              + ": "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null || e.getMessage().equals(path.toString())
                  ? ""
                  : " (" + e.getMessage() + ")"));
    }
  }

  private static AgentException config(String message) {
    return new AgentException(AgentException.Kind.CONFIG, message);
  }
}
