package dev.tpmdevid.agent;

import dev.tpmdevid.core.tpm.TpmtSignature;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

import tss.Tpm;
import tss.TpmException;
import tss.tpm.CertifyResponse;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.CreateResponse;
import tss.tpm.HashResponse;
import tss.tpm.NV_ReadPublicResponse;
import tss.tpm.StartAuthSessionResponse;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPMA_NV;
import tss.tpm.TPMS_CONTEXT;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_NULL_SIG_SCHEME;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMS_SIGNATURE_ECC;
import tss.tpm.TPMS_SIGNATURE_RSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SIGNATURE;
import tss.tpm.TPMT_SYM_DEF;
import tss.tpm.TPMT_TK_HASHCHECK;
import tss.tpm.TPMU_SIGNATURE;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;
import tss.tpm.TPM_SE;

/**
 * One tpm_devid attestation on the agent side (docs/protocol.md#agent-tpm-sequence, with fewer TPM commands): the DevID, the AK
 * and the EK are loaded when the session starts and stay loaded until {@link #close()}, which flushes
 * every transient object and session on every path.
 *
 * <p>First attestation of a process (at most 3 transient objects): CreatePrimary(SRK) · Load(DevID) ·
 * Create(AK) · Load(AK) · FlushContext(SRK) · NV_ReadPublic · CreatePrimary(EK) · NV_Read… · Certify —
 * payload — Sign · StartAuthSession · PolicySecret · ActivateCredential (closes the session) —
 * FlushContext(DevID, AK, EK); plus ContextSave of SRK, DevID, AK and EK. Later attestations of the process
 * ContextLoad DevID, AK and EK instead (12 commands in all, no key derivation). See docs/agent.md.
 *
 * <p>Not thread-safe; one session uses the TPM at a time (see {@link DevIdAttestor#begin()}).
 */
public final class AgentSession implements AutoCloseable {

    private static final SecureRandom RNG = new SecureRandom();

    private final DevIdAttestor attestor;
    private final TpmLink link;
    private final Tpm tpm;
    private final Runnable release;
    private final long started = System.nanoTime();

    private TPM_HANDLE srk;          // transient SRK (null once flushed, or when persistent)
    private TPM_HANDLE devId;
    private TPM_HANDLE ak;
    private TPM_HANDLE ek;
    private TPM_HANDLE policySession;
    private AkBlob akBlob;
    private byte[] srkContext;
    private byte[] srkAuthValue;
    private TPMT_PUBLIC ekArea;
    private byte[] ekPub;
    private AgentConfig.EkType ekType;
    private byte[] payload;
    private final Map<Integer, NV_ReadPublicResponse> nvPublicSeen = new HashMap<>();
    private boolean solved;
    private boolean closed;
    private long finalCount;
    private java.util.Map<String, Long> finalCounts = java.util.Map.of();

    AgentSession(DevIdAttestor attestor, TpmLink link, Runnable release) {
        this.attestor = attestor;
        this.link = link;
        this.tpm = link.tpm();
        this.release = release;
    }

    /** Loads the DevID, loads or creates the AK ({@code resumeAk} first if given) and creates the EK. */
    void start(AkBlob resumeAk) throws AgentException {
        AgentConfig cfg = attestor.config();
        DevIdMaterial devIdFiles = attestor.material();
        AkBlob.Parent parentKind = cfg.srkHandle() != null ? AkBlob.Parent.PERSISTENT
                : devIdFiles.isEcc() ? AkBlob.Parent.SRK_ECC : AkBlob.Parent.SRK_RSA;
        if (resumeAk != null && (resumeAk.parent() != parentKind
                || (parentKind == AkBlob.Parent.PERSISTENT && resumeAk.srkHandle() != cfg.srkHandle()))) {
            throw new AgentException(AgentException.Kind.CONFIG, "the saved AK was created under " + resumeAk
                    + " but this configuration uses parent " + parentKind);
        }
        SavedContexts saved = cfg.reuseContexts() ? attestor.savedContexts() : null;
        if (saved != null) {
            try {
                startFromContexts(saved, resumeAk, parentKind);
                return;
            } catch (AgentException e) {
                // e.g. the TPM was reset since the contexts were saved: start over from the templates
                attestor.forgetContexts();
                flushLoaded();
                Log.debug("saved TPM contexts not usable, recreating the keys", "error", e.getMessage());
            }
        }
        startFromTemplates(resumeAk, parentKind);
        if (cfg.reuseContexts()) {
            saveContexts();
        }
    }

    private void startFromTemplates(AkBlob resumeAk, AkBlob.Parent parentKind) throws AgentException {
        AgentConfig cfg = attestor.config();
        DevIdMaterial devIdFiles = attestor.material();
        TPM_HANDLE parent = openSrk(cfg);
        if (srk != null && cfg.reuseContexts()) {
            srkContext = contextSave(srk);
        }

        byte[] devIdAuth = cfg.devIdPassword();
        if (cfg.idevid().keyInTpm()) { // IDevID (issue #17): persistent handle or primary from the template
            devId = TpmResidentDevId.open(this, tpm, cfg);
        } else {
            devId = call("cannot load DevID key on TPM", "TPM2_Load",
                    () -> tpm.Load(parent, new TPM2B_PRIVATE(devIdFiles.priv()), devIdFiles.pubArea()));
        }
        devId.AuthValue = devIdAuth;

        loadOrCreateAk(parent, resumeAk, parentKind);
        if (srk != null) {
            flush(srk);
            srk = null;
        }
        ekType = attestor.resolveEkType(this);
        createEk(ekType);
    }

    /** Later attestations of this process: ContextLoad instead of CreatePrimary/Load (no RSA prime search). */
    private void startFromContexts(SavedContexts saved, AkBlob resumeAk, AkBlob.Parent parentKind)
            throws AgentException {
        AgentConfig cfg = attestor.config();
        devId = saved.devId() != null ? contextLoad(saved.devId()) // IDevID (issue #17): a persistent key has no context
                : TpmResidentDevId.persistent(cfg.idevid().handle());
        devId.AuthValue = cfg.devIdPassword();
        if (resumeAk == null && cfg.reuseAk() && saved.ak() != null) {
            ak = contextLoad(saved.ak());
            akBlob = saved.akBlob();
            ak.AuthValue = akBlob.auth();
        } else {
            TPM_HANDLE parent;
            if (saved.srk() != null) {
                srk = contextLoad(saved.srk());
                srk.AuthValue = saved.srkAuth();
                parent = srk;
            } else {
                parent = openSrk(cfg);
            }
            loadOrCreateAk(parent, resumeAk, parentKind);
            if (srk != null) {
                flush(srk);
                srk = null;
            }
        }
        ek = contextLoad(saved.ek());
        ekPub = saved.ekPub();
        ekArea = TPMT_PUBLIC.fromTpm(ekPub);
        ekType = saved.ekType();
    }

    private void loadOrCreateAk(TPM_HANDLE parent, AkBlob resumeAk, AkBlob.Parent parentKind) throws AgentException {
        AgentConfig cfg = attestor.config();
        AkBlob candidate = resumeAk != null ? resumeAk : (cfg.reuseAk() ? attestor.cachedAk() : null);
        if (candidate != null) {
            try {
                ak = loadAk(parent, candidate);
                akBlob = candidate;
            } catch (AgentException e) {
                if (resumeAk != null) {
                    throw e;
                }
                attestor.forgetAk();
                Log.warn("cached attestation key could not be loaded, creating a new one", "error", e.getMessage());
            }
        }
        if (ak == null) {
            akBlob = createAk(parent, cfg.akType(), parentKind, cfg.srkHandle() == null ? 0 : cfg.srkHandle());
            ak = loadAk(parent, akBlob);
            if (cfg.reuseAk()) {
                attestor.rememberAk(akBlob);
            }
        }
    }

    private void saveContexts() {
        try {
            byte[] devIdCtx = TpmResidentDevId.isPersistent(devId) ? null : contextSave(devId); // IDevID (issue #17)
            byte[] akCtx = attestor.config().reuseAk() && akIsTheCachedOne() ? contextSave(ak) : null;
            byte[] ekCtx = contextSave(ek);
            attestor.rememberContexts(new SavedContexts(srkContext, srkAuthValue,
                    devIdCtx, akCtx, akCtx == null ? null : akBlob, ekCtx, ekPub.clone(), ekType));
        } catch (AgentException e) {
            Log.debug("TPM contexts not saved; later attestations recreate the keys", "error", e.getMessage());
        }
    }

    private boolean akIsTheCachedOne() {
        return akBlob != null && akBlob == attestor.cachedAk();
    }

    private byte[] contextSave(TPM_HANDLE h) throws AgentException {
        return call("cannot save a TPM context", "TPM2_ContextSave", () -> tpm.ContextSave(h)).toTpm();
    }

    private TPM_HANDLE contextLoad(byte[] context) throws AgentException {
        return call("cannot load a saved TPM context", "TPM2_ContextLoad",
                () -> tpm.ContextLoad(TPMS_CONTEXT.fromTpm(context)));
    }

    private void flushLoaded() {
        for (TPM_HANDLE h : new TPM_HANDLE[] {devId, ak, ek, srk}) {
            if (h != null && !TpmResidentDevId.isPersistent(h)) { // IDevID (issue #17): never flush a persistent key
                flush(h);
            }
        }
        devId = ak = ek = srk = null;
        akBlob = null;
    }

    private TPM_HANDLE openSrk(AgentConfig cfg) throws AgentException {
        if (cfg.srkHandle() != null) {
            TPM_HANDLE h = TPM_HANDLE.persistent(cfg.srkHandle() & 0x00FFFFFF);
            h.handle = cfg.srkHandle();
            h.AuthValue = new byte[0];
            return h;
        }
        byte[] srkAuth = random32();
        srkAuthValue = srkAuth;
        TPMT_PUBLIC template = attestor.material().isEcc() ? Templates.srkEcc() : Templates.srkRsa();
        TPM_HANDLE owner = hierarchy(TPM_RH.OWNER, cfg.ownerPassword());
        CreatePrimaryResponse r = call("cannot create storage root key", "TPM2_CreatePrimary(owner)",
                () -> tpm.CreatePrimary(owner, new TPMS_SENSITIVE_CREATE(srkAuth, new byte[0]), template,
                        new byte[0], new TPMS_PCR_SELECTION[0]));
        srk = r.handle;
        srk.AuthValue = srkAuth;
        return srk;
    }

    private AkBlob createAk(TPM_HANDLE parent, AgentConfig.AkType type, AkBlob.Parent kind, int srkHandle)
            throws AgentException {
        byte[] akAuth = random32();
        TPMT_PUBLIC template = type == AgentConfig.AkType.ECC ? Templates.akEcc() : Templates.akRsa();
        CreateResponse r = call("cannot create attestation key", "TPM2_Create(AK)",
                () -> tpm.Create(parent, new TPMS_SENSITIVE_CREATE(akAuth, new byte[0]), template, new byte[0],
                        new TPMS_PCR_SELECTION[0]));
        return new AkBlob(r.outPublic.toTpm(), r.outPrivate.buffer, akAuth, kind, srkHandle);
    }

    private TPM_HANDLE loadAk(TPM_HANDLE parent, AkBlob blob) throws AgentException {
        TPM_HANDLE h = call("cannot load attestation key", "TPM2_Load(AK)",
                () -> tpm.Load(parent, new TPM2B_PRIVATE(blob.priv()), TPMT_PUBLIC.fromTpm(blob.pub())));
        h.AuthValue = blob.auth();
        return h;
    }

    private void createEk(AgentConfig.EkType type) throws AgentException {
        TPMT_PUBLIC template = type == AgentConfig.EkType.ECC ? Templates.ekEcc() : Templates.ekRsa();
        TPM_HANDLE endorsement = hierarchy(TPM_RH.ENDORSEMENT, attestor.config().endorsementPassword());
        CreatePrimaryResponse r = call("cannot create endorsement key", "TPM2_CreatePrimary(endorsement)",
                () -> tpm.CreatePrimary(endorsement, new TPMS_SENSITIVE_CREATE(new byte[0], new byte[0]), template,
                        new byte[0], new TPMS_PCR_SELECTION[0]));
        ek = r.handle;
        ekArea = r.outPublic;
        ekPub = r.outPublic.toTpm();
    }

    /** NV_ReadPublic of {@code index} (once per session); {@code null} if the index does not exist. */
    NV_ReadPublicResponse nvReadPublic(int index) throws AgentException {
        if (nvPublicSeen.containsKey(index)) {
            return nvPublicSeen.get(index);
        }
        NV_ReadPublicResponse r = queryNvPublic(index);
        nvPublicSeen.put(index, r);
        return r;
    }

    private NV_ReadPublicResponse queryNvPublic(int index) throws AgentException {
        try {
            return tpm.NV_ReadPublic(TPM_HANDLE.NV(index & 0x00FFFFFF));
        } catch (TpmException e) {
            int rc = rawRc(e);
            if (rc >= 0 && TpmRc.base(rc) == TpmRc.HANDLE) {
                return null;
            }
            throw tpmFailure("unable to get endorsement certificate", "TPM2_NV_ReadPublic", e);
        } catch (RuntimeException e) {
            throw tpmFailure("unable to get endorsement certificate", "TPM2_NV_ReadPublic", e);
        }
    }

    /** Reads the whole NV index in chunks of the TPM's NV buffer size. */
    byte[] nvReadAll(int index, NV_ReadPublicResponse pub) throws AgentException {
        int size = pub.nvPublic.dataSize;
        int chunk = attestor.nvBufferMax(this);
        boolean authRead = pub.nvPublic.attributes.hasAttr(TPMA_NV.AUTHREAD);
        TPM_HANDLE auth = authRead ? TPM_HANDLE.NV(index & 0x00FFFFFF)
                : hierarchy(TPM_RH.OWNER, attestor.config().ownerPassword());
        if (authRead) {
            auth.AuthValue = new byte[0];
        }
        TPM_HANDLE nv = TPM_HANDLE.NV(index & 0x00FFFFFF);
        byte[] out = new byte[size];
        for (int off = 0; off < size; off += chunk) {
            int n = Math.min(chunk, size - off);
            int at = off;
            byte[] part = call("unable to get endorsement certificate: failed to read NV index "
                    + String.format("%08x", index), "TPM2_NV_Read", () -> tpm.NV_Read(auth, nv, n, at));
            if (part.length != n) {
                throw new AgentException(AgentException.Kind.TPM, "unable to get endorsement certificate: NV_Read of "
                        + n + " bytes returned " + part.length);
            }
            System.arraycopy(part, 0, out, off, n);
        }
        return out;
    }

    int readNvBufferMax() throws AgentException {
        return call("cannot query the TPM", "TPM2_GetCapability(TPM_PT_NV_BUFFER_MAX)",
                () -> tss.TpmHelpers.getTpmProperty(tpm, tss.tpm.TPM_PT.NV_BUFFER_MAX));
    }

    /**
     * The attestation payload (JSON of AttestationRequest, byte-identical to the Go agent's encoding).
     * The first call reads the EK certificate and certifies the DevID with the AK.
     */
    public synchronized byte[] payload() throws AgentException {
        ensureOpen();
        if (payload == null) {
            byte[] ekCert = attestor.ekCertificate(this, ekType, ekArea, ekPub);
            byte[] certified;
            byte[] signature;
            if (attestor.material().adminWithPolicy()) { // IDevID (issue #17): ADMIN role through the TCG policy
                byte[][] c = TpmResidentDevId.certify(this, tpm, devId, ak, attestor.config().endorsementPassword());
                certified = c[0];
                signature = c[1];
            } else {
                CertifyResponse c = call("unable to certify DevID key", "TPM2_Certify",
                        () -> tpm.Certify(devId, ak, new byte[0], new TPMS_NULL_SIG_SCHEME()));
                certified = c.certifyInfo.toTpm();
                signature = new TPMT_SIGNATURE(c.signature).toTpm();
            }
            payload = Payloads.attestationRequest(attestor.material().certChain(), attestor.material().pub(),
                    ekCert, ekPub, akBlob.pub(), certified, signature);
        }
        return payload.clone();
    }

    /**
     * Answers the server's challenge (JSON of ChallengeRequest): signs the nonce with the DevID key and
     * activates the credential with the AK and EK. Returns the JSON of ChallengeResponse. One challenge per
     * session.
     */
    public synchronized byte[] solve(byte[] challengeJson) throws AgentException {
        ensureOpen();
        if (solved) {
            throw new AgentException(AgentException.Kind.CHALLENGE, "a second challenge on the same attestation");
        }
        solved = true;
        Payloads.Challenge challenge = Payloads.challenge(challengeJson);
        byte[] popSignature = signNonce(challenge.nonce());
        byte[] secret = activateCredential(challenge.credential(), challenge.secret());
        return Payloads.challengeResponse(popSignature, secret);
    }

    private byte[] signNonce(byte[] nonce) throws AgentException {
        DevIdMaterial m = attestor.material();
        TPM_ALG_ID hashAlg = m.signHash();
        byte[] digest;
        TPMT_TK_HASHCHECK ticket;
        if (m.isRestricted()) {
            // A restricted signing key only signs digests the TPM hashed itself (ticket proves it).
            if (nonce.length > 1024) {
                throw new AgentException(AgentException.Kind.CHALLENGE, "unable to solve proof of possession "
                        + "challenge: nonce of " + nonce.length + " bytes is too long for TPM2_Hash");
            }
            HashResponse h = call("unable to solve proof of possession challenge: failed to sign nonce",
                    "TPM2_Hash", () -> tpm.Hash(nonce, hashAlg, TPM_HANDLE.from(TPM_RH.OWNER)));
            digest = h.outHash;
            ticket = h.validation;
        } else {
            // Unrestricted key: the TPM checks no ticket, so hashing in software saves a command.
            digest = softwareHash(hashAlg, nonce);
            ticket = new TPMT_TK_HASHCHECK(TPM_HANDLE.from(TPM_RH.NULL), new byte[0]);
        }
        TPMU_SIGNATURE sig = call("unable to solve proof of possession challenge: failed to sign nonce",
                "TPM2_Sign", () -> tpm.Sign(devId, digest, m.signScheme(), ticket)); // IDevID (issue #17): explicit scheme for a NULL-scheme key
        if (sig instanceof TPMS_SIGNATURE_RSA) {
            return ((TPMS_SIGNATURE_RSA) sig).sig;
        }
        if (sig instanceof TPMS_SIGNATURE_ECC) {
            TPMS_SIGNATURE_ECC e = (TPMS_SIGNATURE_ECC) sig;
            return TpmtSignature.ecdsa(hashAlg.toInt(), e.signatureR, e.signatureS).toDerEcdsa();
        }
        throw new AgentException(AgentException.Kind.INTERNAL, "unexpected DevID signature type "
                + sig.GetUnionSelector());
    }

    private byte[] activateCredential(byte[] credential, byte[] secret) throws AgentException {
        if (credential.length < 2) {
            throw new AgentException(AgentException.Kind.CHALLENGE,
                    "unable to unmarshall challenges: CredActivation.Credential is too short");
        }
        int hmacLen = DevIdMaterial.u16(credential, 0);
        if (hmacLen + 2 > credential.length) {
            throw new AgentException(AgentException.Kind.CHALLENGE,
                    "unable to unmarshall challenges: CredActivation.Credential integrity size exceeds the blob");
        }
        StartAuthSessionResponse s = call("unable to solve proof of residency challenge",
                "TPM2_StartAuthSession", () -> tpm.StartAuthSession(TPM_HANDLE.from(TPM_RH.NULL),
                        TPM_HANDLE.from(TPM_RH.NULL), new byte[16], new byte[0], TPM_SE.POLICY,
                        new TPMT_SYM_DEF(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL), TPM_ALG_ID.SHA256));
        policySession = s.handle;
        TPM_HANDLE endorsement = hierarchy(TPM_RH.ENDORSEMENT, attestor.config().endorsementPassword());
        call("unable to solve proof of residency challenge", "TPM2_PolicySecret(endorsement)",
                () -> tpm.PolicySecret(endorsement, policySession, new byte[0], new byte[0], new byte[0], 0));
        byte[] certInfo;
        try {
            certInfo = activateCredentialClosingSession(credential, secret);
        } catch (TpmException e) {
            int rc = rawRc(e);
            if (rc >= 0 && (TpmRc.where(rc).startsWith("parameter") || TpmRc.base(rc) == TpmRc.INTEGRITY)) {
                throw new AgentException(AgentException.Kind.CHALLENGE, "unable to solve proof of residency "
                        + "challenge: failed to activate credential: the TPM rejected the credential ("
                        + TpmRc.describe(rc) + "); it was not made for this TPM's EK and AK", e);
            }
            throw tpmFailure("unable to solve proof of residency challenge: failed to activate credential",
                    "TPM2_ActivateCredential", e);
        } catch (RuntimeException e) {
            throw tpmFailure("unable to solve proof of residency challenge: failed to activate credential",
                    "TPM2_ActivateCredential", e);
        }
        policySession = null; // continueSession was clear: the TPM closed the session
        return certInfo;
    }

    /**
     * TPM2_ActivateCredential (Part 3 §12.5) marshalled here rather than through TSS.Java, because TSS.Java
     * always sets continueSession: with it clear on the policy session (as go-tpm sends it) the TPM closes the
     * session on success and no FlushContext is needed. Sent through the connection's device, so it is counted,
     * RETRY is handled and a failure is a {@link TpmException}.
     */
    private byte[] activateCredentialClosingSession(byte[] credential, byte[] encryptedSecret) {
        byte[] akAuth = ak.AuthValue == null ? new byte[0] : ak.AuthValue;
        java.io.ByteArrayOutputStream auth = new java.io.ByteArrayOutputStream();
        writeU32(auth, 0x40000009);            // TPM_RS_PW for the AK (ADMIN role, authValue)
        writeU16(auth, 0);
        auth.write(0x01);
        writeU16(auth, akAuth.length);
        auth.writeBytes(akAuth);
        writeU32(auth, policySession.handle);  // policy session for the EK, continueSession clear
        writeU16(auth, 0);
        auth.write(0x00);
        writeU16(auth, 0);
        java.io.ByteArrayOutputStream cmd = new java.io.ByteArrayOutputStream();
        writeU16(cmd, 0x8002);
        writeU32(cmd, 0);                      // size, patched below
        writeU32(cmd, 0x00000147);
        writeU32(cmd, ak.handle);
        writeU32(cmd, ek.handle);
        writeU32(cmd, auth.size());
        cmd.writeBytes(auth.toByteArray());
        writeU16(cmd, credential.length);
        cmd.writeBytes(credential);
        writeU16(cmd, encryptedSecret.length);
        cmd.writeBytes(encryptedSecret);
        byte[] bytes = cmd.toByteArray();
        java.nio.ByteBuffer.wrap(bytes).putInt(2, bytes.length);
        tss.TpmDevice device = tpm._getDevice();
        device.dispatchCommand(bytes);
        java.nio.ByteBuffer r = java.nio.ByteBuffer.wrap(device.getResponse());
        if (r.remaining() < 16 || r.getInt(6) != 0) {
            throw new TpmException("malformed TPM2_ActivateCredential response");
        }
        int n = r.getShort(14) & 0xFFFF;
        if (16 + n > r.limit()) {
            throw new TpmException("malformed TPM2_ActivateCredential response");
        }
        byte[] certInfo = new byte[n];
        r.get(16, certInfo);
        return certInfo;
    }

    private static void writeU16(java.io.ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v);
    }

    private static void writeU32(java.io.ByteArrayOutputStream out, int v) {
        writeU16(out, v >>> 16);
        writeU16(out, v & 0xFFFF);
    }

    /** The attestation key as blobs (to save it for a later {@link DevIdAttestor#resume(AkBlob)}). */
    public AkBlob attestationKey() {
        return akBlob;
    }

    /** TPM commands sent since the TPM was opened for this session (incl. the open probe and, after close, the flushes). */
    public long tpmCommands() {
        return closed ? finalCount : link.commandCount();
    }

    /** Commands per command name (e.g. {@code Sign → 1}) so far. */
    public java.util.Map<String, Long> tpmCommandCounts() {
        return closed ? finalCounts : link.commandCounts();
    }

    /** Wall time since the session started, in milliseconds. */
    public double elapsedMillis() {
        return (System.nanoTime() - started) / 1e6;
    }

    /** Flushes the policy session, DevID, AK, EK and SRK (whichever are loaded) and closes the TPM. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            for (TPM_HANDLE h : new TPM_HANDLE[] {policySession, devId, ak, ek, srk}) {
                if (h != null && !TpmResidentDevId.isPersistent(h)) { // IDevID (issue #17): never flush a persistent key
                    flush(h);
                }
            }
        } finally {
            policySession = devId = ak = ek = srk = null;
            try {
                finalCount = link.commandCount();
                finalCounts = link.commandCounts();
            } catch (RuntimeException e) {
                finalCount = -1;
            }
            try {
                link.close();
            } finally {
                release.run();
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    private void ensureOpen() throws AgentException {
        if (closed) {
            throw new AgentException(AgentException.Kind.INTERNAL, "attestation session already closed");
        }
    }

    private void flush(TPM_HANDLE h) {
        try {
            tpm.FlushContext(h);
        } catch (RuntimeException e) {
            Log.warn("unable to flush TPM handle", "handle", String.format("0x%08X", h.handle),
                    "error", String.valueOf(e.getMessage()));
        }
    }

    private static TPM_HANDLE hierarchy(TPM_RH rh, byte[] password) {
        TPM_HANDLE h = TPM_HANDLE.from(rh);
        h.AuthValue = password;
        return h;
    }

    private static byte[] random32() {
        byte[] b = new byte[32];
        RNG.nextBytes(b);
        return b;
    }

    private static byte[] softwareHash(TPM_ALG_ID alg, byte[] data) throws AgentException {
        String name;
        int a = alg.toInt();
        if (a == TPM_ALG_ID.SHA256.toInt()) {
            name = "SHA-256";
        } else if (a == TPM_ALG_ID.SHA384.toInt()) {
            name = "SHA-384";
        } else if (a == TPM_ALG_ID.SHA512.toInt()) {
            name = "SHA-512";
        } else {
            throw new AgentException(AgentException.Kind.CONFIG, "unsupported DevID signature hash " + alg);
        }
        try {
            return MessageDigest.getInstance(name).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new AgentException(AgentException.Kind.INTERNAL, name + " not available", e);
        }
    }

    /** Runs one TSS.Java command and turns its failure into an {@link AgentException} that says what to fix. */
    <T> T call(String context, String command, Supplier<T> op) throws AgentException {
        try {
            return op.get();
        } catch (RuntimeException e) {
            throw tpmFailure(context, command, e);
        }
    }

    static int rawRc(RuntimeException e) {
        if (e instanceof TpmException) {
            TpmException t = (TpmException) e;
            if (t.EncodedError != 0) {
                return t.EncodedError;
            }
            if (t.ResponseCode != null) {
                return t.ResponseCode.toInt();
            }
        }
        return -1;
    }

    private AgentException tpmFailure(String context, String command, RuntimeException e) {
        int rc = rawRc(e);
        if (rc < 0) {
            return new AgentException(AgentException.Kind.TPM, context + ": " + command
                    + " failed: cannot talk to the TPM (" + describeTransport(e) + ")", e);
        }
        String hint = Hints.forFailure(command, rc);
        return new AgentException(AgentException.Kind.TPM, context + ": " + command + " failed: "
                + TpmRc.describe(rc) + (hint.isEmpty() ? "" : "; " + hint), e);
    }

    private static String describeTransport(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
            if (sb.length() > 0) {
                sb.append(": ");
            }
            sb.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }

    boolean isEccEk() {
        return ekArea != null && ekArea.parameters instanceof TPMS_ECC_PARMS;
    }
}
