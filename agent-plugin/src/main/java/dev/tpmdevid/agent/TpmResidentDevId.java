package dev.tpmdevid.agent;

import dev.tpmdevid.core.blob.KeyBlobs;
import dev.tpmdevid.core.device.HandleScope;
import dev.tpmdevid.core.device.TpmConnection;
import dev.tpmdevid.core.device.TssStructures;
import dev.tpmdevid.core.ek.NvCertificateChain;
import dev.tpmdevid.core.tpm.IDevIdTemplates;
import dev.tpmdevid.core.tpm.KeyComparison;
import dev.tpmdevid.core.tpm.ObjectAttribute;
import dev.tpmdevid.core.tpm.TpmAlg;
import dev.tpmdevid.core.tpm.TpmCommands;
import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmtPublic;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import tss.Tpm;
import tss.TpmException;
import tss.tpm.NV_ReadPublicResponse;
import tss.tpm.ReadPublicResponse;
import tss.tpm.TPM2B_DIGEST;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPMA_NV;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPM_CC;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * A {@link DevIdSource} for a DevID a manufacturer left inside the TPM (issue #17, docs/idevid.md):
 * the key persisted at {@code devid_handle} or regenerated from {@code devid_template} in the
 * endorsement hierarchy, and/or the certificate chain in {@code devid_cert_nv_index} (the key may
 * then also come from SPIRE's blob files).
 *
 * <p>{@link #resolve} runs once at Configure: it opens the TPM, reads the key's public area
 * (TPM2_ReadPublic, or TPM2_CreatePrimary then FlushContext), reads the NV chain, checks that the
 * leaf certifies that very key, and closes the TPM. Everything it finds wrong is a configuration
 * error (gRPC INVALID_ARGUMENT) naming the option. {@link #load} runs in every attestation and
 * gives the key's handle: the persistent handle itself (never flushed) or a transient primary
 * tracked by the session's scope.
 */
final class TpmResidentDevId implements DevIdSource {

  private final List<byte[]> certChain;
  private final TpmtPublic publicArea;
  private final KeyBlobs blobs; // key blobs with an NV chain; null when the key is in the TPM
  private final IDevIdOptions options;
  private final byte[] endorsementPassword; // for devid_template's CreatePrimary

  private TpmResidentDevId(
      List<byte[]> certChain, TpmtPublic publicArea, KeyBlobs blobs, AgentConfig config) {
    this.certChain = List.copyOf(certChain);
    this.publicArea = publicArea;
    this.blobs = blobs;
    this.options = config.idevid();
    this.endorsementPassword = config.endorsementPassword();
  }

  /** Reads what {@code config}'s IDevID options name from the TPM at {@code devicePath}. */
  static TpmResidentDevId resolve(
      AgentConfig config, Function<String, TpmConnection> opener, String devicePath)
      throws AgentException {
    IDevIdOptions o = config.idevid();
    KeyBlobs blobs = o.keyInTpm() ? null : readBlobs(config);
    List<byte[]> fileChain =
        o.certInNv() ? null : DevIdFiles.loadCertificates(config.devIdCertPath());
    TpmConnection connection;
    try {
      connection = opener.apply(devicePath);
    } catch (Connections.OpenFailure e) {
      throw e.toAgentException();
    }
    try {
      Tpm tpm = connection.tpm();
      TpmtPublic area = blobs != null ? blobs.publicKey() : readKeyPublic(tpm, config);
      List<byte[]> chain = fileChain != null ? fileChain : readChain(tpm, config);
      String where = keyWhere(config);
      checkSigningKey(area, where);
      checkAdminPolicy(area, where);
      X509Certificate leaf = parse(chain.get(0), certWhere(config));
      if (!KeyComparison.sameKey(area, leaf.getPublicKey())) {
        throw config(
            "the key of "
                + where
                + " differs from the key of the first certificate in "
                + certWhere(config)
                + " (the DevID certificate must be issued for this TPM key"
                + (o.template() != null
                    ? "; a manufacturer that used another template or unique"
                        + " makes another key, see docs/idevid.md"
                    : "")
                + ")");
      }
      return new TpmResidentDevId(chain, area, blobs, config);
    } finally {
      connection.close();
    }
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
    return publicArea;
  }

  /**
   * The DevID key's handle for one attestation, with its authValue ({@code devid_password}): the
   * persistent handle as is; a primary regenerated from the template (endorsement hierarchy; its
   * authValue is ours to pick, it is not part of the key); or the blobs loaded under the SRK.
   */
  @Override
  public TPM_HANDLE load(LoadContext ctx) throws AgentException {
    TPM_HANDLE h;
    if (options.handle() != null) {
      h = persistent(options.handle());
    } else if (options.template() != null) {
      TPM_HANDLE endorsement =
          KeyLifecycle.hierarchy(TPM_RH.ENDORSEMENT, endorsementPassword.clone());
      TPMT_PUBLIC template = TPMT_PUBLIC.fromTpm(options.template().encode());
      h =
          TpmCalls.call(
                  "cannot regenerate the DevID key from devid_template "
                      + options.template().configName(),
                  "TPM2_CreatePrimary(endorsement)",
                  () -> ctx.scope().createPrimary(endorsement, template, ctx.devIdPassword()))
              .handle();
    } else {
      TPM_HANDLE parent = ctx.storageRoot();
      h =
          TpmCalls.call(
              "cannot load DevID key on TPM",
              "TPM2_Load",
              () ->
                  ctx.tpm()
                      .Load(
                          parent,
                          new TPM2B_PRIVATE(blobs.privateBlob()),
                          TssStructures.publicArea(blobs.publicKey())));
      ctx.scope().track(h);
    }
    h.AuthValue = ctx.devIdPassword();
    return h;
  }

  /** True if TPM2_Certify needs the DevID's ADMIN role through a policy ({@link #certify}). */
  static boolean certifyNeedsPolicy(TpmtPublic devId) {
    return devId.objectAttributes().contains(ObjectAttribute.ADMIN_WITH_POLICY);
  }

  /**
   * TPM2_Certify of a DevID key whose ADMIN role takes a policy (adminWithPolicy, the TCG IDevID
   * templates): a policy session gets PolicySecret(TPM_RH_ENDORSEMENT),
   * PolicyCommandCode(TPM2_Certify) and PolicyOR over the four branches of the IDevID policy
   * ({@link IDevIdTemplates#idevidPolicyBranchesSha256()}), then authorizes the DevID in
   * TPM2_Certify with continueSession clear, so the TPM closes it (on failure the scope flushes
   * it). Returns {certifyInfo (TPMS_ATTEST), signature (TPMT_SIGNATURE)} as the TPM sent them.
   */
  static byte[][] certify(
      TpmConnection connection,
      HandleScope scope,
      TPM_HANDLE devId,
      TPM_HANDLE ak,
      byte[] endorsementPassword)
      throws AgentException {
    String context = "unable to certify DevID key (IDevID admin policy)";
    Tpm tpm = connection.tpm();
    TPM_HANDLE session =
        TpmCalls.call(
            context,
            "TPM2_PolicySecret(endorsement)",
            () -> scope.endorsementPolicySession(endorsementPassword));
    TpmCalls.call(
        context,
        "TPM2_PolicyCommandCode(TPM2_Certify)",
        () -> {
          tpm.PolicyCommandCode(session, TPM_CC.Certify);
          return null;
        });
    List<byte[]> branches = IDevIdTemplates.idevidPolicyBranchesSha256();
    TPM2B_DIGEST[] list = new TPM2B_DIGEST[branches.size()];
    for (int i = 0; i < list.length; i++) {
      list[i] = new TPM2B_DIGEST(branches.get(i));
    }
    TpmCalls.call(
        context,
        "TPM2_PolicyOR",
        () -> {
          tpm.PolicyOR(session, list);
          return null;
        });
    byte[] akAuth = ak.AuthValue == null ? new byte[0] : ak.AuthValue;
    byte[] params = {
      0, 0, (byte) (TpmAlg.NULL >>> 8), (byte) TpmAlg.NULL
    }; // qualifyingData: empty; inScheme: NULL
    byte[] command =
        TpmCommands.withSessions(
            IDevIdTemplates.TPM_CC_CERTIFY,
            new int[] {devId.handle, ak.handle},
            List.of(
                TpmCommands.AuthCommand.policy(session.handle, false),
                TpmCommands.AuthCommand.password(akAuth)),
            params);
    byte[] response =
        TpmCalls.call(
            "unable to certify DevID key", "TPM2_Certify", () -> connection.transact(command));
    scope.forget(session); // continueSession was clear: the TPM closed the session
    return certifyResponse(response);
  }

  /**
   * certifyInfo (TPM2B_ATTEST contents) and signature (TPMT_SIGNATURE) of a successful TPM2_Certify
   * response.
   */
  private static byte[][] certifyResponse(byte[] response) throws AgentException {
    ByteBuffer r = ByteBuffer.wrap(response);
    if (r.remaining() < 16) {
      throw malformed();
    }
    int paramSize = r.getInt(10);
    int attestSize = r.getShort(14) & 0xFFFF;
    int sigStart = 16 + attestSize;
    long end = 14L + Integer.toUnsignedLong(paramSize);
    if (paramSize < 2 || end > r.limit() || sigStart > end) {
      throw malformed();
    }
    return new byte[][] {
      Arrays.copyOfRange(response, 16, sigStart), Arrays.copyOfRange(response, sigStart, (int) end)
    };
  }

  private static AgentException malformed() {
    return new AgentException(
        AgentException.Kind.TPM, "unable to certify DevID key: malformed TPM2_Certify response");
  }

  static TPM_HANDLE persistent(int handle) {
    TPM_HANDLE h = TPM_HANDLE.persistent(handle & 0x00FFFFFF);
    h.handle = handle;
    return h;
  }

  private static KeyBlobs readBlobs(AgentConfig config) throws AgentException {
    String pubName = "devid_pub_path " + config.devIdPubPath();
    String privName = "devid_priv_path " + config.devIdPrivPath();
    try {
      return KeyBlobs.fromBytes(
          DevIdFiles.read(config.devIdPubPath(), "devid_pub_path"),
          pubName,
          DevIdFiles.read(config.devIdPrivPath(), "devid_priv_path"),
          privName);
    } catch (TpmFormatException e) {
      throw config("unable to load DevID files: " + e.getMessage());
    }
  }

  private static TpmtPublic readKeyPublic(Tpm tpm, AgentConfig config) throws AgentException {
    IDevIdOptions o = config.idevid();
    byte[] pub;
    if (o.handle() != null) {
      String where = String.format("devid_handle 0x%08X", o.handle());
      ReadPublicResponse r;
      try {
        r = tpm.ReadPublic(persistent(o.handle()));
      } catch (TpmException e) {
        int rc = TpmCalls.rc(e);
        if (rc >= 0 && TpmRc.base(rc) == TpmRc.HANDLE) {
          throw config(
              "invalid configuration: "
                  + where
                  + ": the TPM holds no key at this handle"
                  + " (TPM2_ReadPublic: "
                  + TpmRc.describe(rc)
                  + "); check the handle with tpm2_getcap"
                  + " handles-persistent, or set devid_template to regenerate the IDevID");
        }
        throw TpmCalls.failure("cannot read the DevID key at " + where, "TPM2_ReadPublic", e);
      } catch (RuntimeException e) {
        throw TpmCalls.failure("cannot read the DevID key at " + where, "TPM2_ReadPublic", e);
      }
      pub = r.outPublic.toTpm();
    } else {
      IDevIdTemplates.Template t = o.template();
      TPM_HANDLE endorsement =
          KeyLifecycle.hierarchy(TPM_RH.ENDORSEMENT, config.endorsementPassword());
      tss.tpm.CreatePrimaryResponse r =
          TpmCalls.call(
              "cannot regenerate the DevID key from devid_template " + t.configName(),
              "TPM2_CreatePrimary(endorsement)",
              () ->
                  tpm.CreatePrimary(
                      endorsement,
                      new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]),
                      TPMT_PUBLIC.fromTpm(t.encode()),
                      new byte[0],
                      new TPMS_PCR_SELECTION[0]));
      try {
        pub = r.outPublic.toTpm();
      } finally {
        try {
          tpm.FlushContext(r.handle);
        } catch (RuntimeException e) {
          Log.warn(
              "unable to flush TPM handle",
              "handle",
              String.format("0x%08X", r.handle.handle),
              "error",
              String.valueOf(e.getMessage()));
        }
      }
    }
    try {
      return TpmtPublic.parse(pub);
    } catch (TpmFormatException e) {
      throw config(
          "invalid configuration: "
              + keyWhere(config)
              + ": the key's public area is not one the"
              + " server accepts: "
              + e.getMessage());
    }
  }

  private static List<byte[]> readChain(Tpm tpm, AgentConfig config) throws AgentException {
    int index = config.idevid().certNvIndex();
    String where = String.format("devid_cert_nv_index 0x%08X", index);
    TPM_HANDLE nv = TPM_HANDLE.NV(index & 0x00FFFFFF);
    NV_ReadPublicResponse pub;
    try {
      pub = tpm.NV_ReadPublic(nv);
    } catch (TpmException e) {
      int rc = TpmCalls.rc(e);
      if (rc >= 0 && TpmRc.base(rc) == TpmRc.HANDLE) {
        throw config(
            "invalid configuration: "
                + where
                + ": the NV index does not exist"
                + " (TPM2_NV_ReadPublic: "
                + TpmRc.describe(rc)
                + "); check it with tpm2_getcap"
                + " handles-nv-index, or set devid_cert_path to the DevID certificate file");
      }
      throw TpmCalls.failure(
          "cannot read the DevID certificate from " + where, "TPM2_NV_ReadPublic", e);
    } catch (RuntimeException e) {
      throw TpmCalls.failure(
          "cannot read the DevID certificate from " + where, "TPM2_NV_ReadPublic", e);
    }
    int size = pub.nvPublic.dataSize;
    TPM_HANDLE auth;
    if (pub.nvPublic.attributes.hasAttr(TPMA_NV.AUTHREAD)) {
      auth = TPM_HANDLE.NV(index & 0x00FFFFFF);
      auth.AuthValue = new byte[0];
    } else {
      auth = KeyLifecycle.hierarchy(TPM_RH.OWNER, config.ownerPassword());
    }
    int max =
        TpmCalls.call(
            "cannot query the TPM",
            "TPM2_GetCapability(TPM_PT_NV_BUFFER_MAX)",
            () -> tss.TpmHelpers.getTpmProperty(tpm, tss.tpm.TPM_PT.NV_BUFFER_MAX));
    int chunk = max > 0 ? max : 512;
    byte[] contents = new byte[size];
    for (int off = 0; off < size; off += chunk) {
      int n = Math.min(chunk, size - off);
      int at = off;
      byte[] part =
          TpmCalls.call(
              "cannot read the DevID certificate from " + where,
              "TPM2_NV_Read",
              () -> tpm.NV_Read(auth, nv, n, at));
      if (part.length != n) {
        throw new AgentException(
            AgentException.Kind.TPM,
            "cannot read the DevID certificate from "
                + where
                + ": NV_Read of "
                + n
                + " bytes returned "
                + part.length);
      }
      System.arraycopy(part, 0, contents, off, n);
    }
    List<byte[]> chain;
    try {
      chain = NvCertificateChain.fromNvContents(contents);
    } catch (TpmFormatException e) {
      throw config(
          "invalid configuration: " + where + " holds no DER certificate chain: " + e.getMessage());
    }
    for (byte[] der : chain) {
      parse(der, where);
    }
    return chain;
  }

  /**
   * A DevID from the TPM must be a signing key whose signatures the server verifies: RSASSA or
   * ECDSA over SHA-256/384/512, or no scheme at all (the IDevID RSA template; the agent then names
   * RSASSA-SHA256 in TPM2_Sign).
   */
  private static void checkSigningKey(TpmtPublic area, String where) throws AgentException {
    if (!area.objectAttributes().contains(ObjectAttribute.SIGN)) {
      throw config(
          "invalid configuration: " + where + " is not a signing key (sign attribute clear)");
    }
    int scheme = area.scheme().algorithm();
    if (scheme == TpmAlg.NULL) {
      return;
    }
    if (scheme != (area.isRsa() ? TpmAlg.RSASSA : TpmAlg.ECDSA)) {
      throw config(
          "invalid configuration: "
              + where
              + ": the DevID key's scheme is "
              + TpmAlg.name(scheme)
              + "; the server verifies "
              + (area.isRsa() ? "RSASSA (PKCS#1 v1.5)" : "ECDSA")
              + " signatures only");
    }
    int h = area.scheme().hashAlg();
    if (h != TpmAlg.SHA256 && h != TpmAlg.SHA384 && h != TpmAlg.SHA512) {
      throw config(
          "invalid configuration: " + where + ": unsupported signature hash " + TpmAlg.name(h));
    }
  }

  /**
   * A DevID key whose ADMIN role takes a policy must carry the TCG IDevID policy: the only one the
   * agent can satisfy for TPM2_Certify. Anything else is refused at Configure rather than failing
   * every attestation.
   */
  private static void checkAdminPolicy(TpmtPublic area, String where) throws AgentException {
    if (!certifyNeedsPolicy(area)) {
      return; // TPM2_Certify authorizes the ADMIN role with devid_password
    }
    if (area.nameAlg() != TpmAlg.SHA256
        || !Arrays.equals(area.authPolicy(), IDevIdTemplates.IDEVID_AUTH_POLICY_SHA256)) {
      throw config(
          "invalid configuration: "
              + where
              + ": the key has adminWithPolicy set and an authPolicy of "
              + area.authPolicy().length
              + " bytes that is not the TCG IDevID SHA-256 policy; TPM2_Certify needs"
              + " the key's ADMIN role and the agent can only satisfy that policy (see docs/idevid.md#admin-policy)");
    }
  }

  private static X509Certificate parse(byte[] der, String where) throws AgentException {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | ClassCastException e) {
      throw config(
          "invalid configuration: a certificate in "
              + where
              + " cannot be parsed: "
              + e.getMessage());
    }
  }

  private static String keyWhere(AgentConfig config) {
    IDevIdOptions o = config.idevid();
    if (o.handle() != null) {
      return String.format("devid_handle 0x%08X", o.handle());
    }
    if (o.template() != null) {
      return "devid_template " + o.template().configName();
    }
    return "devid_pub_path " + config.devIdPubPath();
  }

  private static String certWhere(AgentConfig config) {
    Integer nv = config.idevid().certNvIndex();
    return nv != null
        ? String.format("devid_cert_nv_index 0x%08X", nv)
        : "devid_cert_path " + config.devIdCertPath();
  }

  private static AgentException config(String message) {
    return new AgentException(AgentException.Kind.CONFIG, message);
  }
}
