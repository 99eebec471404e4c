package dev.tpmdevid.core.cred;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;

/**
 * The output of MakeCredential as it travels in SPIRE's {@code CredActivation}: {@link
 * #credential()} is the body of a TPM2B_ID_OBJECT ({@code u16 len(integrity) || integrity ||
 * encIdentity}) and {@link #encryptedSecret()} the body of a TPM2B_ENCRYPTED_SECRET (the RSA-OAEP
 * ciphertext, or {@code TPM2B(x) || TPM2B(y)} of the ephemeral ECC point). Neither carries its own
 * TPM2B size, exactly like the Go {@code Credential}/{@code Secret} members.
 *
 * <p>Immutable; accessors return copies.
 */
public final class CredentialBlob {

  /** Magic and version of the tpm2-tools credential file ({@code tpm2_makecredential -o}). */
  static final int TOOLS_MAGIC = 0xBADCC0DE;

  static final int TOOLS_VERSION = 1;

  /** Largest TPM2B body a TPM accepts (TPM2B sizes are u16; TPM buffers are far smaller). */
  static final int MAX_TPM2B = 0xFFFF;

  private final byte[] credential;
  private final byte[] encryptedSecret;

  /**
   * Wraps the two members as received; their content is checked only when used ({@link
   * SoftwareActivation} rejects malformed blobs with a {@link GeneralSecurityException}).
   *
   * @param credential TPM2B_ID_OBJECT body (without its size)
   * @param encryptedSecret TPM2B_ENCRYPTED_SECRET body (without its size)
   * @throws IllegalArgumentException if a part is longer than a TPM2B can hold (65535 bytes)
   */
  public CredentialBlob(byte[] credential, byte[] encryptedSecret) {
    Objects.requireNonNull(credential, "credential");
    Objects.requireNonNull(encryptedSecret, "encryptedSecret");
    if (credential.length > MAX_TPM2B || encryptedSecret.length > MAX_TPM2B) {
      throw new IllegalArgumentException("credential blob part longer than a TPM2B");
    }
    this.credential = credential.clone();
    this.encryptedSecret = encryptedSecret.clone();
  }

  /** TPM2B_ID_OBJECT body: {@code u16 len(integrity) || integrity || encIdentity}. */
  public byte[] credential() {
    return credential.clone();
  }

  /** TPM2B_ENCRYPTED_SECRET body. */
  public byte[] encryptedSecret() {
    return encryptedSecret.clone();
  }

  /**
   * The tpm2-tools credential file read by {@code tpm2_activatecredential -i}: {@code u32
   * 0xBADCC0DE || u32 1 || TPM2B(credential) || TPM2B(encryptedSecret)}.
   */
  public byte[] toTpm2ToolsFormat() {
    return ByteBuffer.allocate(8 + 2 + credential.length + 2 + encryptedSecret.length)
        .putInt(TOOLS_MAGIC)
        .putInt(TOOLS_VERSION)
        .putShort((short) credential.length)
        .put(credential)
        .putShort((short) encryptedSecret.length)
        .put(encryptedSecret)
        .array();
  }

  /** Parses the tpm2-tools credential file format (strict: no trailing bytes). */
  public static CredentialBlob fromTpm2ToolsFormat(byte[] file) throws GeneralSecurityException {
    Objects.requireNonNull(file, "file");
    ByteBuffer b = ByteBuffer.wrap(file);
    if (b.remaining() < 12 || b.getInt() != TOOLS_MAGIC || b.getInt() != TOOLS_VERSION) {
      throw new GeneralSecurityException("not a tpm2-tools credential file (magic/version)");
    }
    byte[] cred = readTpm2b(b, "credential");
    byte[] secret = readTpm2b(b, "encrypted secret");
    if (b.hasRemaining()) {
      throw new GeneralSecurityException("trailing bytes after tpm2-tools credential file");
    }
    return new CredentialBlob(cred, secret);
  }

  private static byte[] readTpm2b(ByteBuffer b, String what) throws GeneralSecurityException {
    if (b.remaining() < 2) {
      throw new GeneralSecurityException(what + ": truncated size");
    }
    int len = b.getShort() & 0xFFFF;
    if (len == 0 || len > b.remaining()) {
      throw new GeneralSecurityException(what + ": size " + len + " out of range");
    }
    byte[] out = new byte[len];
    b.get(out);
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CredentialBlob
        && Arrays.equals(credential, ((CredentialBlob) o).credential)
        && Arrays.equals(encryptedSecret, ((CredentialBlob) o).encryptedSecret);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(credential) + Arrays.hashCode(encryptedSecret);
  }

  @Override
  public String toString() {
    return "CredentialBlob{credential="
        + credential.length
        + " B, encryptedSecret="
        + encryptedSecret.length
        + " B}";
  }
}
