package dev.tpmdevid.core.tpm;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Command frames the agent marshals itself rather than through a TSS (TPM 2.0 Part 1 §18, Part 3):
 * {@code tag | commandSize | commandCode | handles | authorizationSize | TPMS_AUTH_COMMAND… |
 * parameters}, and the matching response parsing.
 *
 * <p>Today that is TPM2_ActivateCredential with {@code continueSession} clear on the EK's policy
 * session, as go-tpm sends it (a TSS that always sets continueSession would leave a session to
 * flush).
 */
public final class TpmCommands {

  /** TPM_ST_NO_SESSIONS. */
  public static final int ST_NO_SESSIONS = 0x8001;

  /** TPM_ST_SESSIONS: the command carries an authorization area. */
  public static final int ST_SESSIONS = 0x8002;

  /** TPM_CC_ActivateCredential. */
  public static final int CC_ACTIVATE_CREDENTIAL = 0x00000147;

  /** TPM_RS_PW: the password authorization pseudo-session. */
  public static final int RS_PW = 0x40000009;

  /** TPMA_SESSION continueSession. */
  public static final int SESSION_CONTINUE = 0x01;

  private static final int HEADER = 10;

  private TpmCommands() {}

  /**
   * TPMS_AUTH_COMMAND: session handle, nonceCaller, session attributes, hmac (for a password
   * session: the password). {@link #toString()} never shows the hmac.
   */
  public record AuthCommand(int sessionHandle, byte[] nonceCaller, int attributes, byte[] hmac) {
    public AuthCommand {
      nonceCaller = nonceCaller.clone();
      hmac = hmac.clone();
    }

    /** TPM_RS_PW with {@code password} (null = empty), continueSession set. */
    public static AuthCommand password(byte[] password) {
      return new AuthCommand(
          RS_PW, new byte[0], SESSION_CONTINUE, password == null ? new byte[0] : password);
    }

    /** An already satisfied policy session; no nonce, no hmac (unsalted, unbound). */
    public static AuthCommand policy(int sessionHandle, boolean continueSession) {
      return new AuthCommand(
          sessionHandle, new byte[0], continueSession ? SESSION_CONTINUE : 0, new byte[0]);
    }

    @Override
    public byte[] nonceCaller() {
      return nonceCaller.clone();
    }

    @Override
    public byte[] hmac() {
      return hmac.clone();
    }

    void writeTo(TpmWriter w) {
      w.u32(Integer.toUnsignedLong(sessionHandle)).tpm2b(nonceCaller).u8(attributes).tpm2b(hmac);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof AuthCommand a
          && a.sessionHandle == sessionHandle
          && a.attributes == attributes
          && Arrays.equals(a.nonceCaller, nonceCaller)
          && Arrays.equals(a.hmac, hmac);
    }

    @Override
    public int hashCode() {
      return Objects.hash(sessionHandle, attributes, Arrays.hashCode(nonceCaller));
    }

    @Override
    public String toString() {
      return String.format(
          "AuthCommand[0x%08X, attributes 0x%02X, hmac %d bytes]",
          sessionHandle, attributes, hmac.length);
    }
  }

  /**
   * A command with an authorization area (tag {@link #ST_SESSIONS}).
   *
   * @param parameters the marshalled parameter area
   */
  public static byte[] withSessions(
      int commandCode, int[] handles, List<AuthCommand> sessions, byte[] parameters) {
    if (sessions.isEmpty()) {
      throw new IllegalArgumentException("a TPM_ST_SESSIONS command needs at least one session");
    }
    TpmWriter auth = new TpmWriter();
    for (AuthCommand s : sessions) {
      s.writeTo(auth);
    }
    byte[] authArea = auth.toByteArray();
    TpmWriter w = new TpmWriter();
    w.u16(ST_SESSIONS).u32(0).u32(Integer.toUnsignedLong(commandCode));
    for (int h : handles) {
      w.u32(Integer.toUnsignedLong(h));
    }
    w.u32(authArea.length).bytes(authArea).bytes(parameters);
    byte[] out = w.toByteArray();
    putU32(out, 2, out.length);
    return out;
  }

  /**
   * TPM2_ActivateCredential (Part 3 §12.5).
   *
   * @param activateHandle the object the credential is bound to (the AK); authorized by {@code
   *     activateAuth} (ADMIN role: a password session)
   * @param keyHandle the EK; authorized by {@code keyAuth} (a policy session satisfying its policy)
   * @param credential TPM2B_ID_OBJECT contents (SPIRE {@code Credential})
   * @param encryptedSecret TPM2B_ENCRYPTED_SECRET contents (SPIRE {@code Secret})
   */
  public static byte[] activateCredential(
      int activateHandle,
      int keyHandle,
      AuthCommand activateAuth,
      AuthCommand keyAuth,
      byte[] credential,
      byte[] encryptedSecret) {
    checkTpm2b("credential", credential);
    checkTpm2b("encryptedSecret", encryptedSecret);
    byte[] params = new TpmWriter().tpm2b(credential).tpm2b(encryptedSecret).toByteArray();
    return withSessions(
        CC_ACTIVATE_CREDENTIAL,
        new int[] {activateHandle, keyHandle},
        List.of(activateAuth, keyAuth),
        params);
  }

  /**
   * The certInfo of a successful TPM2_ActivateCredential response: {@code header | parameterSize |
   * TPM2B_DIGEST certInfo | TPMS_AUTH_RESPONSE…}.
   *
   * @throws TpmFormatException if the response is not a well-formed success response
   */
  public static byte[] activateCredentialResponse(byte[] response) throws TpmFormatException {
    TpmReader r = new TpmReader(response);
    int tag = r.u16("tag");
    long size = r.u32("responseSize");
    long rc = r.u32("responseCode");
    if (size != response.length) {
      throw new TpmFormatException(
          "TPM2_ActivateCredential response: size field "
              + size
              + " but "
              + response.length
              + " bytes");
    }
    if (rc != 0) {
      throw new TpmFormatException(
          String.format("TPM2_ActivateCredential response: response code 0x%03X", rc));
    }
    if (tag != ST_SESSIONS) {
      throw new TpmFormatException(
          String.format("TPM2_ActivateCredential response: tag 0x%04X, expected 0x8002", tag));
    }
    long paramSize = r.u32("parameterSize");
    if (paramSize > response.length - HEADER - 4) {
      throw new TpmFormatException(
          "TPM2_ActivateCredential response: parameterSize " + paramSize + " exceeds the response");
    }
    byte[] certInfo = r.tpm2b("certInfo", MAX_DIGEST_OR_SECRET);
    if (2 + certInfo.length > paramSize) {
      throw new TpmFormatException(
          "TPM2_ActivateCredential response: certInfo exceeds parameterSize");
    }
    return certInfo;
  }

  /** certInfo is a TPM2B_DIGEST: at most the largest digest. */
  private static final int MAX_DIGEST_OR_SECRET = TpmtPublic.MAX_DIGEST;

  private static void checkTpm2b(String what, byte[] b) {
    Objects.requireNonNull(b, what);
    if (b.length > 0xFFFF) {
      throw new IllegalArgumentException(
          what + ": " + b.length + " bytes, more than a TPM2B holds");
    }
  }

  private static void putU32(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
