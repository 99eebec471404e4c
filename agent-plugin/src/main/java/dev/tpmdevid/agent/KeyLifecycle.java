package dev.tpmdevid.agent;

import dev.tpmdevid.core.device.HandleScope;
import dev.tpmdevid.core.device.TpmObject;
import dev.tpmdevid.core.device.TssStructures;
import dev.tpmdevid.core.tpm.Templates;
import dev.tpmdevid.core.tpm.TpmtPublic;
import java.security.SecureRandom;
import tss.Tpm;
import tss.tpm.CreateResponse;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPMS_CONTEXT;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RH;

/**
 * The keys of one attestation: the DevID (from its {@link DevIdSource}), the AK (created, or loaded
 * from a cached or resumed {@link AkBlob}) under the SRK, and the EK. Every transient object is
 * tracked by the session's {@link HandleScope}, so closing the scope flushes whatever is loaded, on
 * every path.
 *
 * <p>First attestation: CreatePrimary(SRK) · [ContextSave(SRK)] · Load(DevID) · Create(AK) ·
 * Load(AK) · FlushContext(SRK) · [NV_ReadPublic] · CreatePrimary(EK) · [ContextSave of DevID, AK,
 * EK]. With {@code reuse_contexts}, later attestations ContextLoad DevID, AK and EK instead ({@link
 * #startFromContexts}).
 */
final class KeyLifecycle implements DevIdSource.LoadContext {

  private static final SecureRandom RNG = new SecureRandom();

  private final Tpm tpm;
  private final HandleScope scope;
  private final AgentConfig config;
  private final DevIdSource source;
  private final ProcessCache cache;
  private final AkBlob.Parent parentKind;

  private TPM_HANDLE
      srk; // parent for this session (transient SRK until flushed, or the persistent one)
  private byte[] srkContext;
  private byte[] srkAuthValue;
  private TPM_HANDLE devId;
  private TPM_HANDLE ak;
  private TPM_HANDLE ek;
  private AkBlob akBlob;
  private byte[] ekPub;
  private AgentConfig.EkType ekType;

  KeyLifecycle(
      Tpm tpm, HandleScope scope, AgentConfig config, DevIdSource source, ProcessCache cache) {
    this.tpm = tpm;
    this.scope = scope;
    this.config = config;
    this.source = source;
    this.cache = cache;
    this.parentKind =
        config.srkHandle() != null
            ? AkBlob.Parent.PERSISTENT
            : source.publicArea().isEcc() ? AkBlob.Parent.SRK_ECC : AkBlob.Parent.SRK_RSA;
  }

  /** Refuses an AK blob made under another parent than this configuration's. */
  void checkResumable(AkBlob resumeAk) throws AgentException {
    if (resumeAk != null
        && (resumeAk.parent() != parentKind
            || (parentKind == AkBlob.Parent.PERSISTENT
                && resumeAk.srkHandle() != config.srkHandle()))) {
      throw new AgentException(
          AgentException.Kind.CONFIG,
          "the saved AK was created under "
              + resumeAk
              + " but this configuration uses parent "
              + parentKind);
    }
  }

  // --- DevIdSource.LoadContext
  // ---------------------------------------------------------------------------------

  @Override
  public Tpm tpm() {
    return tpm;
  }

  @Override
  public HandleScope scope() {
    return scope;
  }

  @Override
  public TPM_HANDLE storageRoot() throws AgentException {
    if (srk == null) {
      srk = openSrk();
      if (isTransient(srk) && config.reuseContexts()) {
        srkContext = contextSave(srk);
      }
    }
    return srk;
  }

  @Override
  public byte[] devIdPassword() {
    return config.devIdPassword();
  }

  // --- from the templates
  // ---------------------------------------------------------------------------------------

  /** Loads the DevID and loads or creates the AK; the SRK is flushed once both are loaded. */
  void loadDevIdAndAk(AkBlob resumeAk) throws AgentException {
    devId = source.load(this);
    loadOrCreateAk(storageRoot(), resumeAk);
    releaseSrk();
  }

  /** CreatePrimary of the EK from the TCG template of {@code type}. */
  void createEk(AgentConfig.EkType type) throws AgentException {
    TpmtPublic template = Templates.ek(type == AgentConfig.EkType.ECC);
    TPM_HANDLE endorsement = hierarchy(TPM_RH.ENDORSEMENT, config.endorsementPassword());
    TpmObject r =
        TpmCalls.call(
            "cannot create endorsement key",
            "TPM2_CreatePrimary(endorsement)",
            () ->
                scope.createPrimary(endorsement, TssStructures.publicArea(template), new byte[0]));
    ek = r.handle();
    ekPub = r.outPublic().toTpm();
    ekType = type;
  }

  /**
   * ContextSave of DevID, AK (if it is the cached one) and EK for later attestations; failures only
   * logged.
   */
  void saveContexts() {
    try {
      // a DevID that is not a transient object (IDevID at a persistent handle) is loaded by its
      // source each time
      byte[] devIdCtx = isTransient(devId) ? contextSave(devId) : null;
      byte[] akCtx =
          config.reuseAk() && akBlob != null && akBlob == cache.ak ? contextSave(ak) : null;
      byte[] ekCtx = contextSave(ek);
      cache.contexts =
          new SavedContexts(
              srkContext,
              srkAuthValue,
              devIdCtx,
              akCtx,
              akCtx == null ? null : akBlob,
              ekCtx,
              ekPub.clone(),
              ekType);
    } catch (AgentException e) {
      Log.debug(
          "TPM contexts not saved; later attestations recreate the keys", "error", e.getMessage());
    }
  }

  // --- from saved contexts
  // --------------------------------------------------------------------------------------

  /**
   * Later attestations of this process: ContextLoad instead of CreatePrimary/Load (no RSA prime
   * search). Returns false, with nothing left loaded and the saved set discarded, if the contexts
   * are unusable (e.g. the TPM was reset since they were saved).
   */
  boolean startFromContexts(AkBlob resumeAk) {
    SavedContexts saved = cache.contexts;
    if (saved == null) {
      return false;
    }
    try {
      devId =
          saved.devId() != null
              ? contextLoad(saved.devId())
              : source.load(this); // IDevID (issue #17)
      devId.AuthValue = config.devIdPassword();
      if (resumeAk == null && config.reuseAk() && saved.ak() != null) {
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
          parent = storageRoot();
        }
        loadOrCreateAk(parent, resumeAk);
        releaseSrk();
      }
      ek = contextLoad(saved.ek());
      ekPub = saved.ekPub();
      ekType = saved.ekType();
      return true;
    } catch (AgentException e) {
      cache.contexts = null;
      for (TPM_HANDLE h : new TPM_HANDLE[] {devId, ak, ek, srk}) {
        if (h != null && isTransient(h)) {
          scope.flush(h);
        }
      }
      devId = ak = ek = srk = null;
      akBlob = null;
      Log.debug("saved TPM contexts not usable, recreating the keys", "error", e.getMessage());
      return false;
    }
  }

  // --- AK
  // -------------------------------------------------------------------------------------------------------

  private void loadOrCreateAk(TPM_HANDLE parent, AkBlob resumeAk) throws AgentException {
    AkBlob candidate = resumeAk != null ? resumeAk : (config.reuseAk() ? cache.ak : null);
    if (candidate != null) {
      try {
        ak = loadAk(parent, candidate);
        akBlob = candidate;
      } catch (AgentException e) {
        if (resumeAk != null) {
          throw e;
        }
        cache.ak = null;
        Log.warn(
            "cached attestation key could not be loaded, creating a new one",
            "error",
            e.getMessage());
      }
    }
    if (ak == null) {
      akBlob = createAk(parent);
      ak = loadAk(parent, akBlob);
      if (config.reuseAk()) {
        cache.ak = akBlob;
      }
    }
  }

  private AkBlob createAk(TPM_HANDLE parent) throws AgentException {
    byte[] akAuth = random32();
    TPMT_PUBLIC template =
        TssStructures.publicArea(Templates.ak(config.akType() == AgentConfig.AkType.ECC));
    CreateResponse r =
        TpmCalls.call(
            "cannot create attestation key",
            "TPM2_Create(AK)",
            () ->
                tpm.Create(
                    parent,
                    new TPMS_SENSITIVE_CREATE(akAuth, new byte[0]),
                    template,
                    new byte[0],
                    new TPMS_PCR_SELECTION[0]));
    return new AkBlob(
        r.outPublic.toTpm(),
        r.outPrivate.buffer,
        akAuth,
        parentKind,
        config.srkHandle() == null ? 0 : config.srkHandle());
  }

  private TPM_HANDLE loadAk(TPM_HANDLE parent, AkBlob blob) throws AgentException {
    TPM_HANDLE h =
        TpmCalls.call(
            "cannot load attestation key",
            "TPM2_Load(AK)",
            () ->
                tpm.Load(parent, new TPM2B_PRIVATE(blob.priv()), TPMT_PUBLIC.fromTpm(blob.pub())));
    scope.track(h);
    h.AuthValue = blob.auth();
    return h;
  }

  // --- SRK
  // ------------------------------------------------------------------------------------------------------

  private TPM_HANDLE openSrk() throws AgentException {
    if (config.srkHandle() != null) {
      TPM_HANDLE h = TPM_HANDLE.persistent(config.srkHandle() & 0x00FFFFFF);
      h.handle = config.srkHandle();
      h.AuthValue = new byte[0];
      return h;
    }
    byte[] srkAuth = random32();
    srkAuthValue = srkAuth;
    TpmtPublic template = Templates.srk(source.publicArea().isEcc());
    TPM_HANDLE owner = hierarchy(TPM_RH.OWNER, config.ownerPassword());
    return TpmCalls.call(
            "cannot create storage root key",
            "TPM2_CreatePrimary(owner)",
            () -> scope.createPrimary(owner, TssStructures.publicArea(template), srkAuth))
        .handle();
  }

  /** Flushes a transient SRK early, to free its slot (swtpm has 3). */
  private void releaseSrk() {
    if (srk != null && isTransient(srk)) {
      scope.flush(srk);
    }
    srk = null;
  }

  // --- contexts
  // -------------------------------------------------------------------------------------------------

  private byte[] contextSave(TPM_HANDLE h) throws AgentException {
    return TpmCalls.call("cannot save a TPM context", "TPM2_ContextSave", () -> tpm.ContextSave(h))
        .toTpm();
  }

  private TPM_HANDLE contextLoad(byte[] context) throws AgentException {
    TPM_HANDLE h =
        TpmCalls.call(
            "cannot load a saved TPM context",
            "TPM2_ContextLoad",
            () -> tpm.ContextLoad(TPMS_CONTEXT.fromTpm(context)));
    return scope.track(h);
  }

  // --- results
  // --------------------------------------------------------------------------------------------------

  TPM_HANDLE devId() {
    return devId;
  }

  TPM_HANDLE ak() {
    return ak;
  }

  TPM_HANDLE ek() {
    return ek;
  }

  AkBlob akBlob() {
    return akBlob;
  }

  byte[] ekPub() {
    return ekPub.clone();
  }

  AgentConfig.EkType ekType() {
    return ekType;
  }

  static boolean isTransient(TPM_HANDLE h) {
    return (h.handle >>> 24) == 0x80;
  }

  static TPM_HANDLE hierarchy(TPM_RH rh, byte[] password) {
    TPM_HANDLE h = TPM_HANDLE.from(rh);
    h.AuthValue = password;
    return h;
  }

  private static byte[] random32() {
    byte[] b = new byte[32];
    RNG.nextBytes(b);
    return b;
  }
}
