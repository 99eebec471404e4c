package dev.tpmdevid.agent;

import dev.tpmdevid.core.ek.NvCertificateChain;
import dev.tpmdevid.core.tpm.IDevIdTemplates;
import dev.tpmdevid.core.tpm.TpmFormatException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import tss.Tpm;
import tss.TpmException;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.NV_ReadPublicResponse;
import tss.tpm.ReadPublicResponse;
import tss.tpm.StartAuthSessionResponse;
import tss.tpm.TPM2B_DIGEST;
import tss.tpm.TPMT_SYM_DEF;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_CC;
import tss.tpm.TPM_SE;
import tss.tpm.TPMA_NV;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * The DevID when a manufacturer left it inside the TPM (issue #17, docs/idevid.md): the key persisted at
 * {@code devid_handle} or regenerated from {@code devid_template} in the endorsement hierarchy, and/or the
 * certificate chain in {@code devid_cert_nv_index}.
 *
 * <p>{@link #resolve} runs once at Configure: it opens the TPM, reads the key's public area (TPM2_ReadPublic, or
 * TPM2_CreatePrimary then FlushContext), reads the NV chain, checks that the leaf certifies that very key, and
 * closes the TPM. Everything it finds wrong is a configuration error (gRPC INVALID_ARGUMENT) naming the option.
 * {@link #open} runs in every attestation and gives the key's handle: the persistent handle itself (never
 * flushed) or a new transient primary (flushed with the session's other objects).
 */
final class TpmResidentDevId {

    private TpmResidentDevId() {}

    /** Reads what {@code config}'s IDevID options name from the TPM at {@code devicePath}. */
    static DevIdMaterial resolve(AgentConfig config, Function<String, TpmLink> opener, String devicePath)
            throws AgentException {
        IDevIdOptions o = config.idevid();
        byte[] priv = null;
        byte[] filePub = null;
        if (!o.keyInTpm()) {
            filePub = DevIdMaterial.loadPublic(config.devIdPubPath());
            priv = DevIdMaterial.loadPrivate(config.devIdPrivPath());
        }
        List<byte[]> fileChain = o.certInNv() ? null : DevIdMaterial.loadCertificates(config.devIdCertPath());
        TpmLink link;
        try {
            link = opener.apply(devicePath);
        } catch (Connections.OpenFailure e) {
            throw e.toAgentException();
        }
        try {
            Tpm tpm = link.tpm();
            byte[] pub = filePub != null ? filePub : readKeyPublic(tpm, config);
            List<byte[]> chain = fileChain != null ? fileChain : readChain(tpm, config);
            checkAdminPolicy(pub, keyWhere(config));
            return DevIdMaterial.of(chain, pub, priv, o, keyWhere(config), certWhere(config));
        } finally {
            link.close();
        }
    }

    /**
     * The DevID key's handle for one attestation, with its authValue ({@code devid_password}). A persistent
     * handle is returned as is; a template is regenerated with TPM2_CreatePrimary (endorsement hierarchy).
     */
    static TPM_HANDLE open(AgentSession s, Tpm tpm, AgentConfig config) throws AgentException {
        IDevIdOptions o = config.idevid();
        TPM_HANDLE h;
        if (o.handle() != null) {
            h = persistent(o.handle());
        } else {
            TPM_HANDLE endorsement = TPM_HANDLE.from(TPM_RH.ENDORSEMENT);
            endorsement.AuthValue = config.endorsementPassword();
            TPMT_PUBLIC template = TPMT_PUBLIC.fromTpm(o.template().encode());
            // The authValue is ours to pick (it is not part of the key): devid_password, as for the other sources.
            byte[] auth = config.devIdPassword();
            h = s.call("cannot regenerate the DevID key from devid_template " + o.template().configName(),
                    "TPM2_CreatePrimary(endorsement)", () -> tpm.CreatePrimary(endorsement,
                            new TPMS_SENSITIVE_CREATE(auth, new byte[0]), template, new byte[0],
                            new TPMS_PCR_SELECTION[0])).handle;
        }
        h.AuthValue = config.devIdPassword();
        return h;
    }

    /**
     * TPM2_Certify of a DevID key whose ADMIN role takes a policy (adminWithPolicy, the TCG IDevID templates):
     * a policy session gets PolicySecret(TPM_RH_ENDORSEMENT), PolicyCommandCode(TPM2_Certify) and PolicyOR over
     * the four branches of the IDevID policy ({@link IDevIdTemplates#idevidPolicyBranchesSha256()}), then
     * authorizes the DevID in TPM2_Certify with continueSession clear, so the TPM closes it (it is flushed here
     * if the command fails). Returns {certifyInfo (TPMS_ATTEST), signature (TPMT_SIGNATURE)} as the TPM sent them.
     */
    static byte[][] certify(AgentSession s, Tpm tpm, TPM_HANDLE devId, TPM_HANDLE ak, byte[] endorsementAuth)
            throws AgentException {
        String context = "unable to certify DevID key";
        StartAuthSessionResponse started = s.call(context, "TPM2_StartAuthSession", () -> tpm.StartAuthSession(
                TPM_HANDLE.from(TPM_RH.NULL), TPM_HANDLE.from(TPM_RH.NULL), new byte[16], new byte[0], TPM_SE.POLICY,
                new TPMT_SYM_DEF(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL), TPM_ALG_ID.SHA256));
        TPM_HANDLE session = started.handle;
        boolean closed = false;
        try {
            TPM_HANDLE endorsement = TPM_HANDLE.from(TPM_RH.ENDORSEMENT);
            endorsement.AuthValue = endorsementAuth;
            s.call(context + " (IDevID admin policy)", "TPM2_PolicySecret(endorsement)",
                    () -> tpm.PolicySecret(endorsement, session, new byte[0], new byte[0], new byte[0], 0));
            s.call(context + " (IDevID admin policy)", "TPM2_PolicyCommandCode(TPM2_Certify)", () -> {
                tpm.PolicyCommandCode(session, TPM_CC.Certify);
                return null;
            });
            List<byte[]> branches = IDevIdTemplates.idevidPolicyBranchesSha256();
            TPM2B_DIGEST[] list = new TPM2B_DIGEST[branches.size()];
            for (int i = 0; i < list.length; i++) {
                list[i] = new TPM2B_DIGEST(branches.get(i));
            }
            s.call(context + " (IDevID admin policy)", "TPM2_PolicyOR", () -> {
                tpm.PolicyOR(session, list);
                return null;
            });
            byte[][] out = s.call(context, "TPM2_Certify", () -> certifyClosingSession(tpm, devId, ak, session));
            closed = true;
            return out;
        } finally {
            if (!closed) {
                try {
                    tpm.FlushContext(session);
                } catch (RuntimeException e) {
                    Log.warn("unable to flush TPM handle", "handle", String.format("0x%08X", session.handle),
                            "error", String.valueOf(e.getMessage()));
                }
            }
        }
    }

    /**
     * TPM2_Certify (Part 3 §18.2) marshalled here: TSS.Java always sets continueSession, and with it clear the
     * TPM closes the policy session itself. Auth 1: the policy session for the DevID (ADMIN role); auth 2: the
     * AK's password. Sent through the connection's device like {@code AgentSession}'s ActivateCredential.
     */
    private static byte[][] certifyClosingSession(Tpm tpm, TPM_HANDLE devId, TPM_HANDLE ak, TPM_HANDLE session) {
        byte[] akAuth = ak.AuthValue == null ? new byte[0] : ak.AuthValue;
        ByteBuffer auth = ByteBuffer.allocate(9 + 9 + akAuth.length);
        auth.putInt(session.handle).putShort((short) 0).put((byte) 0x00).putShort((short) 0);
        auth.putInt(0x40000009).putShort((short) 0).put((byte) 0x01).putShort((short) akAuth.length).put(akAuth);
        ByteBuffer cmd = ByteBuffer.allocate(10 + 8 + 4 + auth.capacity() + 2 + 2);
        cmd.putShort((short) 0x8002).putInt(cmd.capacity()).putInt(IDevIdTemplates.TPM_CC_CERTIFY);
        cmd.putInt(devId.handle).putInt(ak.handle);
        cmd.putInt(auth.capacity()).put(auth.array());
        cmd.putShort((short) 0);                               // qualifyingData: empty
        cmd.putShort((short) TPM_ALG_ID.NULL.toInt());         // inScheme: the AK's own
        tss.TpmDevice device = tpm._getDevice();
        device.dispatchCommand(cmd.array());
        ByteBuffer r = ByteBuffer.wrap(device.getResponse());
        if (r.remaining() < 16 || r.getInt(6) != 0) {
            throw new TpmException("malformed TPM2_Certify response");
        }
        int paramSize = r.getInt(10);
        int attestSize = r.getShort(14) & 0xFFFF;
        int sigStart = 16 + attestSize;
        int end = 14 + paramSize;
        if (paramSize < 2 || end > r.limit() || sigStart > end) {
            throw new TpmException("malformed TPM2_Certify response");
        }
        byte[] certifyInfo = new byte[attestSize];
        r.get(16, certifyInfo);
        byte[] signature = new byte[end - sigStart];
        r.get(sigStart, signature);
        return new byte[][] {certifyInfo, signature};
    }

    /**
     * A DevID key whose ADMIN role takes a policy must carry the TCG IDevID policy: the only one the agent can
     * satisfy for TPM2_Certify. Anything else is refused at Configure rather than failing every attestation.
     */
    private static void checkAdminPolicy(byte[] pub, String where) throws AgentException {
        TPMT_PUBLIC area = TPMT_PUBLIC.fromTpm(pub);
        if (!area.objectAttributes.hasAttr(tss.tpm.TPMA_OBJECT.adminWithPolicy)) {
            return; // TPM2_Certify authorizes the ADMIN role with devid_password
        }
        if (area.nameAlg.toInt() != TPM_ALG_ID.SHA256.toInt()
                || !java.util.Arrays.equals(area.authPolicy, IDevIdTemplates.IDEVID_AUTH_POLICY_SHA256)) {
            throw DevIdMaterial.config("invalid configuration: " + where + ": the key has adminWithPolicy set and an"
                    + " authPolicy of " + (area.authPolicy == null ? 0 : area.authPolicy.length) + " bytes that is not"
                    + " the TCG IDevID SHA-256 policy; TPM2_Certify needs the key's ADMIN role and the agent can only"
                    + " satisfy that policy (see docs/idevid.md#admin-policy)");
        }
    }

    static boolean isPersistent(TPM_HANDLE h) {
        return h != null && (h.handle >>> 24) == 0x81;
    }

    static TPM_HANDLE persistent(int handle) {
        TPM_HANDLE h = TPM_HANDLE.persistent(handle & 0x00FFFFFF);
        h.handle = handle;
        return h;
    }

    private static byte[] readKeyPublic(Tpm tpm, AgentConfig config) throws AgentException {
        IDevIdOptions o = config.idevid();
        if (o.handle() != null) {
            String where = String.format("devid_handle 0x%08X", o.handle());
            ReadPublicResponse r;
            try {
                r = tpm.ReadPublic(persistent(o.handle()));
            } catch (TpmException e) {
                int rc = AgentSession.rawRc(e);
                if (rc >= 0 && TpmRc.base(rc) == TpmRc.HANDLE) {
                    throw DevIdMaterial.config("invalid configuration: " + where + ": the TPM holds no key at"
                            + " this handle (TPM2_ReadPublic: " + TpmRc.describe(rc) + "); check the handle with"
                            + " tpm2_getcap handles-persistent, or set devid_template to regenerate the IDevID");
                }
                throw failure("cannot read the DevID key at " + where, "TPM2_ReadPublic", e);
            } catch (RuntimeException e) {
                throw failure("cannot read the DevID key at " + where, "TPM2_ReadPublic", e);
            }
            return r.outPublic.toTpm();
        }
        IDevIdTemplates.Template t = o.template();
        TPM_HANDLE endorsement = TPM_HANDLE.from(TPM_RH.ENDORSEMENT);
        endorsement.AuthValue = config.endorsementPassword();
        CreatePrimaryResponse r = run("cannot regenerate the DevID key from devid_template " + t.configName(),
                "TPM2_CreatePrimary(endorsement)", () -> tpm.CreatePrimary(endorsement,
                        new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]), TPMT_PUBLIC.fromTpm(t.encode()),
                        new byte[0], new TPMS_PCR_SELECTION[0]));
        try {
            return r.outPublic.toTpm();
        } finally {
            try {
                tpm.FlushContext(r.handle);
            } catch (RuntimeException e) {
                Log.warn("unable to flush TPM handle", "handle", String.format("0x%08X", r.handle.handle),
                        "error", String.valueOf(e.getMessage()));
            }
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
            int rc = AgentSession.rawRc(e);
            if (rc >= 0 && TpmRc.base(rc) == TpmRc.HANDLE) {
                throw DevIdMaterial.config("invalid configuration: " + where + ": the NV index does not exist"
                        + " (TPM2_NV_ReadPublic: " + TpmRc.describe(rc) + "); check it with tpm2_getcap"
                        + " handles-nv-index, or set devid_cert_path to the DevID certificate file");
            }
            throw failure("cannot read the DevID certificate from " + where, "TPM2_NV_ReadPublic", e);
        } catch (RuntimeException e) {
            throw failure("cannot read the DevID certificate from " + where, "TPM2_NV_ReadPublic", e);
        }
        int size = pub.nvPublic.dataSize;
        boolean authRead = pub.nvPublic.attributes.hasAttr(TPMA_NV.AUTHREAD);
        TPM_HANDLE auth;
        if (authRead) {
            auth = TPM_HANDLE.NV(index & 0x00FFFFFF);
            auth.AuthValue = new byte[0];
        } else {
            auth = TPM_HANDLE.from(TPM_RH.OWNER);
            auth.AuthValue = config.ownerPassword();
        }
        int chunk = run("cannot query the TPM", "TPM2_GetCapability(TPM_PT_NV_BUFFER_MAX)",
                () -> tss.TpmHelpers.getTpmProperty(tpm, tss.tpm.TPM_PT.NV_BUFFER_MAX));
        if (chunk <= 0) {
            chunk = 512;
        }
        byte[] contents = new byte[size];
        for (int off = 0; off < size; off += chunk) {
            int n = Math.min(chunk, size - off);
            int at = off;
            byte[] part = run("cannot read the DevID certificate from " + where, "TPM2_NV_Read",
                    () -> tpm.NV_Read(auth, nv, n, at));
            if (part.length != n) {
                throw new AgentException(AgentException.Kind.TPM, "cannot read the DevID certificate from " + where
                        + ": NV_Read of " + n + " bytes returned " + part.length);
            }
            System.arraycopy(part, 0, contents, off, n);
        }
        try {
            return NvCertificateChain.fromNvContents(contents);
        } catch (TpmFormatException e) {
            throw DevIdMaterial.config("invalid configuration: " + where + " holds no DER certificate chain: "
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
        return nv != null ? String.format("devid_cert_nv_index 0x%08X", nv) : "devid_cert_path " + config.devIdCertPath();
    }

    private static <T> T run(String context, String command, Supplier<T> op) throws AgentException {
        try {
            return op.get();
        } catch (RuntimeException e) {
            throw failure(context, command, e);
        }
    }

    private static AgentException failure(String context, String command, RuntimeException e) {
        int rc = AgentSession.rawRc(e);
        if (rc < 0) {
            return new AgentException(AgentException.Kind.TPM, context + ": " + command
                    + " failed: cannot talk to the TPM (" + e.getMessage() + ")", e);
        }
        String hint = Hints.forFailure(command, rc);
        return new AgentException(AgentException.Kind.TPM, context + ": " + command + " failed: "
                + TpmRc.describe(rc) + (hint.isEmpty() ? "" : "; " + hint), e);
    }
}
