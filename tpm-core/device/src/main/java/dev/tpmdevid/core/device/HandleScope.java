package dev.tpmdevid.core.device;

import java.lang.System.Logger.Level;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import tss.Tpm;
import tss.tpm.CreatePrimaryResponse;
import tss.tpm.StartAuthSessionResponse;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPMS_ID_OBJECT;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_SE;

/**
 * Owns the transient objects and sessions created through it and flushes every one of them when it
 * closes, on every path: a failing command inside the scope does not leak a handle. Flush failures
 * are only logged (through {@link System.Logger}, never stdout), so {@link #close()} never hides
 * the exception that ended the scope.
 *
 * <p>Necessary because swtpm has no resource manager, only 3 object and 3 session slots, and
 * objects and sessions outlive the client connection; TSS.Java always sets {@code continueSession}
 * (docs/tpm-access.md#tss-java-pitfalls items 5, 6).
 *
 * <pre>{@code
 * try (HandleScope scope = connection.scope()) {
 *     TpmObject srk = scope.createPrimary(Hierarchy.OWNER.withPassword(ownerPw), srkTemplate, srkPwd);
 *     TpmObject devId = scope.load(srk, devIdPriv, devIdPub, devIdPassword);
 *     scope.flush(srk);                       // early, to free a slot
 *     ...
 * }                                           // devId flushed here, also on exceptions
 * }</pre>
 */
public final class HandleScope implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(HandleScope.class.getName());
  private static final byte[] NO_BYTES = new byte[0];

  private final TpmConnection connection;
  private final Deque<TPM_HANDLE> owned = new ArrayDeque<>();
  private boolean closed;

  HandleScope(TpmConnection connection) {
    this.connection = connection;
  }

  private Tpm tpm() {
    if (closed) {
      throw new IllegalStateException("HandleScope is closed");
    }
    return connection.tpm();
  }

  /**
   * Registers a transient object or session handle created elsewhere; it is flushed when the scope
   * closes.
   */
  public TPM_HANDLE track(TPM_HANDLE handle) {
    int type = handle.handle >>> 24;
    if (type != 0x80 && type != 0x02 && type != 0x03) {
      throw new IllegalArgumentException(
          String.format("0x%08X is neither a transient object nor a session", handle.handle));
    }
    owned.push(handle);
    return handle;
  }

  /**
   * TPM2_CreatePrimary in {@code hierarchy} (a handle from {@link Hierarchy#withPassword}), with
   * {@code objectAuth} as the new object's userAuth and as the returned handle's auth value.
   */
  public TpmObject createPrimary(TPM_HANDLE hierarchy, TPMT_PUBLIC template, byte[] objectAuth) {
    byte[] auth = objectAuth == null ? NO_BYTES : objectAuth.clone();
    CreatePrimaryResponse r =
        tpm()
            .CreatePrimary(
                hierarchy,
                new TPMS_SENSITIVE_CREATE(auth, NO_BYTES),
                template,
                NO_BYTES,
                new TPMS_PCR_SELECTION[0]);
    track(r.handle);
    r.handle.AuthValue = auth;
    return new TpmObject(r.handle, r.outPublic, r.name);
  }

  /**
   * TPM2_Load under {@code parent} (whose auth value the parent handle already carries); the
   * returned handle carries {@code objectAuth}.
   */
  public TpmObject load(
      TpmObject parent, TPM2B_PRIVATE inPrivate, TPMT_PUBLIC inPublic, byte[] objectAuth) {
    TPM_HANDLE h = tpm().Load(parent.handle(), inPrivate, inPublic);
    track(h);
    h.AuthValue = objectAuth == null ? NO_BYTES : objectAuth.clone();
    return new TpmObject(h, inPublic, nameOf(inPublic));
  }

  /**
   * nameAlg ‖ H_nameAlg(TPMT_PUBLIC), with JCA digests (TSS.Java's would load Bouncy Castle as a
   * provider).
   */
  static byte[] nameOf(TPMT_PUBLIC pub) {
    int alg = pub.nameAlg.toInt();
    String jca =
        switch (alg) {
          case 0x0004 -> "SHA-1";
          case 0x000B -> "SHA-256";
          case 0x000C -> "SHA-384";
          case 0x000D -> "SHA-512";
          default -> null;
        };
    if (jca == null) {
      return pub.getName();
    }
    try {
      byte[] digest = MessageDigest.getInstance(jca).digest(pub.toBytes());
      byte[] name = new byte[2 + digest.length];
      name[0] = (byte) (alg >>> 8);
      name[1] = (byte) alg;
      System.arraycopy(digest, 0, name, 2, digest.length);
      return name;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(jca + " missing from the JRE", e);
    }
  }

  /**
   * TPM2_StartAuthSession for an unsalted, unbound SHA-256 policy session with a 16-byte zero
   * nonceCaller, as SPIRE's agent starts it (docs/protocol.md#agent-tpm-sequence step 18).
   */
  public TPM_HANDLE startPolicySession() {
    StartAuthSessionResponse r =
        tpm()
            .StartAuthSession(
                TPM_HANDLE.NULL,
                TPM_HANDLE.NULL,
                new byte[16],
                NO_BYTES,
                TPM_SE.POLICY,
                new TPMT_SYM_DEF(TPM_ALG_ID.NULL, 0, TPM_ALG_ID.NULL),
                TPM_ALG_ID.SHA256);
    return track(r.handle);
  }

  /**
   * A policy session satisfying the TCG EK policy: {@link #startPolicySession()} then
   * TPM2_PolicySecret(TPM_RH_ENDORSEMENT) with the endorsement hierarchy password
   * (docs/protocol.md#agent-tpm-sequence steps 18–19). If PolicySecret fails, the session is
   * flushed at once.
   */
  public TPM_HANDLE endorsementPolicySession(byte[] endorsementPassword) {
    TPM_HANDLE session = startPolicySession();
    try {
      tpm()
          .PolicySecret(
              Hierarchy.ENDORSEMENT.withPassword(endorsementPassword),
              session,
              NO_BYTES,
              NO_BYTES,
              NO_BYTES,
              0);
    } catch (RuntimeException e) {
      flush(session); // an unsatisfied policy session is of no use to the caller
      throw e;
    }
    return session;
  }

  /**
   * TPM2_ActivateCredential as SPIRE's agent runs it (docs/protocol.md#agent-tpm-sequence steps
   * 18–20): a policy session satisfying the EK's PolicySecret(TPM_RH_ENDORSEMENT) policy authorizes
   * {@code ek}; a password session with {@code activateObject}'s auth value (set by {@link
   * #createPrimary}/{@link #load}) authorizes the object whose Name the credential is bound to. The
   * policy session is flushed before returning, also on failure.
   *
   * @param credential TPM2B_ID_OBJECT body (SPIRE {@code Credential}: TPM2B integrityHMAC ‖
   *     encIdentity)
   * @param encryptedSecret TPM2B_ENCRYPTED_SECRET body (SPIRE {@code Secret})
   * @return the recovered credential value (certInfo)
   */
  public byte[] activateCredential(
      TpmObject activateObject,
      TpmObject ek,
      byte[] credential,
      byte[] encryptedSecret,
      byte[] endorsementPassword) {
    TPMS_ID_OBJECT idObject = idObject(credential);
    TPM_HANDLE session = endorsementPolicySession(endorsementPassword);
    try {
      // TSS.Java takes the password of the RS_PW slot from activateObject.handle().AuthValue, not
      // from here
      return tpm()
          ._withSessions(TPM_HANDLE.pwSession(NO_BYTES), session)
          .ActivateCredential(
              activateObject.handle(), ek.handle(), idObject, encryptedSecret.clone());
    } finally {
      flush(session);
    }
  }

  /**
   * TPM2B_ID_OBJECT body → TSS.Java structure (its own {@code TPMS_ID_OBJECT.fromTpm} fails,
   * docs/tpm-access.md#tss-java-pitfalls item 4).
   */
  static TPMS_ID_OBJECT idObject(byte[] credential) {
    if (credential.length < 2) {
      throw new IllegalArgumentException("credential blob shorter than its integrity size field");
    }
    int n = ((credential[0] & 0xFF) << 8) | (credential[1] & 0xFF);
    if (2 + n > credential.length) {
      throw new IllegalArgumentException(
          "credential blob integrity size "
              + n
              + " exceeds the blob ("
              + credential.length
              + " bytes)");
    }
    return new TPMS_ID_OBJECT(
        Arrays.copyOfRange(credential, 2, 2 + n),
        Arrays.copyOfRange(credential, 2 + n, credential.length));
  }

  /**
   * Flushes one handle of this scope now (e.g. the SRK once its child is loaded); failures only
   * logged.
   */
  public void flush(TpmObject object) {
    flush(object.handle());
  }

  /** Flushes one handle of this scope now; failures only logged. */
  public void flush(TPM_HANDLE handle) {
    if (!owned.removeIf(h -> h.handle == handle.handle)) {
      throw new IllegalArgumentException(
          String.format("0x%08X is not owned by this scope", handle.handle));
    }
    flushQuietly(handle);
  }

  /**
   * Stops tracking a handle without flushing it (e.g. a policy session the TPM closed itself
   * because continueSession was clear).
   */
  public void forget(TPM_HANDLE handle) {
    owned.removeIf(h -> h.handle == handle.handle);
  }

  /** Handles this scope still owns, most recent first. */
  public List<Integer> ownedHandles() {
    List<Integer> out = new ArrayList<>();
    owned.forEach(h -> out.add(h.handle));
    return out;
  }

  private void flushQuietly(TPM_HANDLE handle) {
    try {
      connection.tpm().FlushContext(handle);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "cannot flush TPM handle 0x{0}: {1}",
          Integer.toHexString(handle.handle),
          e.getMessage());
    }
  }

  /** Flushes every handle still owned, most recent first. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    while (!owned.isEmpty()) {
      flushQuietly(owned.pop());
    }
  }
}
