package dev.tpmdevid.agent;

import dev.tpmdevid.core.device.ResponseCode;
import dev.tpmdevid.core.ek.EkCertificates;
import dev.tpmdevid.core.pem.Pem;
import dev.tpmdevid.core.tpm.KeyComparison;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmtPublic;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tss.Tpm;
import tss.TpmHelpers;
import tss.tpm.NV_ReadPublicResponse;
import tss.tpm.TPMA_NV;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_PT;

/**
 * The EK side of one attestation: which EK type to create ({@code ek_type}, the type of {@code
 * ek_cert_path}, or the EK certificate NV index that exists) and the EK certificate for the EK just
 * created (from {@code ek_cert_path} or read from NV), checked to certify exactly that key.
 * NV_ReadPublic answers are kept for the session, the certificate and the NV buffer size for the
 * process ({@link ProcessCache}).
 */
final class Endorsement {

  /** RSA-2048 EK certificate, TCG EK Credential Profile low range. */
  static final int NV_EK_CERT_RSA = EkCertificates.NV_INDEX_RSA_2048;

  /** ECC NIST P-256 EK certificate, TCG EK Credential Profile low range. */
  static final int NV_EK_CERT_ECC = EkCertificates.NV_INDEX_ECC_P256;

  /** {@code ek_cert_path} read and checked at Configure. */
  record CertFile(Path path, byte[] der, AgentConfig.EkType type) {

    /** {@code null} when {@code ek_cert_path} is unset. */
    static CertFile load(AgentConfig config) throws AgentException {
      Path path = config.ekCertPath();
      if (path == null) {
        return null;
      }
      byte[] file = DevIdFiles.read(path, "ek_cert_path");
      List<byte[]> pem = Pem.decode(file, "CERTIFICATE");
      byte[] der = pem.isEmpty() ? file : pem.get(0);
      X509Certificate cert;
      try {
        cert = parse(der);
      } catch (AgentException e) {
        throw new AgentException(
            AgentException.Kind.CONFIG,
            "ek_cert_path " + path + " is not a DER or PEM X.509 certificate");
      }
      AgentConfig.EkType type = ekTypeOf(cert, path);
      if (config.ekType() != AgentConfig.EkType.AUTO && config.ekType() != type) {
        throw new AgentException(
            AgentException.Kind.CONFIG,
            "invalid configuration: ek_type is "
                + config.ekType()
                + " but the certificate in ek_cert_path "
                + path
                + " is for an "
                + type
                + " key");
      }
      return new CertFile(path, der, type);
    }
  }

  private final Tpm tpm;
  private final AgentConfig config;
  private final CertFile certFile;
  private final ProcessCache cache;
  private final Map<Integer, NV_ReadPublicResponse> nvPublicSeen = new HashMap<>();

  Endorsement(Tpm tpm, AgentConfig config, CertFile certFile, ProcessCache cache) {
    this.tpm = tpm;
    this.config = config;
    this.certFile = certFile;
    this.cache = cache;
  }

  /**
   * The EK type to create: from {@code ek_cert_path}, {@code ek_type}, or the EK certificate index
   * present.
   */
  AgentConfig.EkType resolveType() throws AgentException {
    if (certFile != null) {
      return certFile.type();
    }
    if (config.ekType() != AgentConfig.EkType.AUTO) {
      return config.ekType();
    }
    AgentConfig.EkType known = cache.ekType;
    if (known != null) {
      return known;
    }
    AgentConfig.EkType found;
    if (nvReadPublic(NV_EK_CERT_RSA) != null) {
      found = AgentConfig.EkType.RSA;
    } else if (nvReadPublic(NV_EK_CERT_ECC) != null) {
      found = AgentConfig.EkType.ECC;
    } else {
      throw new AgentException(
          AgentException.Kind.TPM,
          String.format(
              "unable to get endorsement certificate:"
                  + " the TPM has no EK certificate in NV index 0x%08X (RSA) or 0x%08X (ECC P-256); provision one"
                  + " or set ek_cert_path to the EK certificate file",
              NV_EK_CERT_RSA, NV_EK_CERT_ECC));
    }
    cache.ekType = found;
    return found;
  }

  /**
   * The EK certificate DER for the EK just created ({@code ekPub}); checked to certify exactly that
   * key.
   */
  byte[] certificate(AgentConfig.EkType type, byte[] ekPub) throws AgentException {
    TpmtPublic ekArea;
    try {
      ekArea = TpmtPublic.parse(ekPub);
    } catch (TpmFormatException e) {
      throw new AgentException(
          AgentException.Kind.TPM,
          "the TPM returned an endorsement key public area that"
              + " does not parse: "
              + e.getMessage());
    }
    String template = type == AgentConfig.EkType.ECC ? "L-2" : "L-1";
    if (certFile != null) {
      if (!KeyComparison.sameKey(ekArea, parse(certFile.der()).getPublicKey())) {
        throw new AgentException(
            AgentException.Kind.CONFIG,
            "the certificate in ek_cert_path "
                + certFile.path()
                + " is not for this TPM's endorsement key (TCG template "
                + template
                + ")");
      }
      return certFile.der().clone();
    }
    byte[] cachedCert = cache.ekCert;
    if (cachedCert != null && Arrays.equals(cache.ekPub, ekPub)) {
      return cachedCert.clone();
    }
    int index = type == AgentConfig.EkType.ECC ? NV_EK_CERT_ECC : NV_EK_CERT_RSA;
    NV_ReadPublicResponse nvPub = nvReadPublic(index);
    if (nvPub == null) {
      throw new AgentException(
          AgentException.Kind.TPM,
          String.format(
              "unable to get endorsement certificate:"
                  + " NV index 0x%08X (%s EK certificate) does not exist; provision the EK certificate or set"
                  + " ek_cert_path",
              index, type));
    }
    byte[] contents = nvReadAll(index, nvPub);
    byte[] der;
    try {
      der = EkCertificates.fromNvContents(contents);
    } catch (TpmFormatException e) {
      throw new AgentException(
          AgentException.Kind.TPM,
          String.format(
              "unable to get endorsement certificate:"
                  + " failed to unmarshall certificate read from %08x: %s",
              index, e.getMessage()));
    }
    X509Certificate cert;
    try {
      cert = parse(der);
    } catch (AgentException e) {
      throw new AgentException(
          AgentException.Kind.TPM,
          String.format(
              "unable to get endorsement certificate:"
                  + " failed to unmarshall certificate read from %08x",
              index));
    }
    if (!KeyComparison.sameKey(ekArea, cert.getPublicKey())) {
      throw new AgentException(
          AgentException.Kind.TPM,
          String.format(
              "unable to get endorsement certificate:"
                  + " the certificate in NV index 0x%08X does not certify the EK created from the TCG %s template;"
                  + " set ek_cert_path to the right certificate",
              index, template));
    }
    cache.ekPub = ekPub.clone();
    cache.ekCert = der.clone();
    return der;
  }

  /**
   * NV_ReadPublic of {@code index} (once per session); {@code null} if the index does not exist.
   */
  private NV_ReadPublicResponse nvReadPublic(int index) throws AgentException {
    if (nvPublicSeen.containsKey(index)) {
      return nvPublicSeen.get(index);
    }
    NV_ReadPublicResponse r;
    try {
      r = tpm.NV_ReadPublic(TPM_HANDLE.NV(index & 0x00FFFFFF));
    } catch (RuntimeException e) {
      int rc = TpmCalls.rc(e);
      if (rc < 0 || ResponseCode.decode(rc).base() != ResponseCode.HANDLE) {
        throw TpmCalls.failure("unable to get endorsement certificate", "TPM2_NV_ReadPublic", e);
      }
      r = null;
    }
    nvPublicSeen.put(index, r);
    return r;
  }

  /** Reads the whole NV index in chunks of the TPM's NV buffer size. */
  private byte[] nvReadAll(int index, NV_ReadPublicResponse pub) throws AgentException {
    int size = pub.nvPublic.dataSize;
    int chunk = nvBufferMax();
    boolean authRead = pub.nvPublic.attributes.hasAttr(TPMA_NV.AUTHREAD);
    TPM_HANDLE auth =
        authRead
            ? TPM_HANDLE.NV(index & 0x00FFFFFF)
            : KeyLifecycle.hierarchy(tss.tpm.TPM_RH.OWNER, config.ownerPassword());
    if (authRead) {
      auth.AuthValue = new byte[0];
    }
    TPM_HANDLE nv = TPM_HANDLE.NV(index & 0x00FFFFFF);
    byte[] out = new byte[size];
    for (int off = 0; off < size; off += chunk) {
      int n = Math.min(chunk, size - off);
      int at = off;
      byte[] part =
          TpmCalls.call(
              "unable to get endorsement certificate: failed to read NV index "
                  + String.format("%08x", index),
              "TPM2_NV_Read",
              () -> tpm.NV_Read(auth, nv, n, at));
      if (part.length != n) {
        throw new AgentException(
            AgentException.Kind.TPM,
            "unable to get endorsement certificate: NV_Read of "
                + n
                + " bytes returned "
                + part.length);
      }
      System.arraycopy(part, 0, out, off, n);
    }
    return out;
  }

  private int nvBufferMax() throws AgentException {
    int n = cache.nvBufferMax;
    if (n == 0) {
      n =
          TpmCalls.call(
              "cannot query the TPM",
              "TPM2_GetCapability(TPM_PT_NV_BUFFER_MAX)",
              () -> TpmHelpers.getTpmProperty(tpm, TPM_PT.NV_BUFFER_MAX));
      if (n <= 0) {
        n = 512;
      }
      cache.nvBufferMax = n;
    }
    return n;
  }

  private static AgentConfig.EkType ekTypeOf(X509Certificate cert, Path path)
      throws AgentException {
    if (cert.getPublicKey() instanceof RSAPublicKey) {
      return AgentConfig.EkType.RSA;
    }
    if (cert.getPublicKey() instanceof ECPublicKey ec
        && ec.getParams().getCurve().getField().getFieldSize() == 256) {
      return AgentConfig.EkType.ECC;
    }
    throw new AgentException(
        AgentException.Kind.CONFIG,
        "ek_cert_path " + path + ": only RSA-2048 and ECC P-256 endorsement keys are supported");
  }

  private static X509Certificate parse(byte[] der) throws AgentException {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | ClassCastException e) {
      throw new AgentException(AgentException.Kind.CONFIG, "not an X.509 certificate");
    }
  }
}
