package dev.tpmdevid.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/**
 * An attestation key as blobs: TPMT_PUBLIC (= AKPub), TPM2B_PRIVATE contents (wrapped by the TPM
 * under the SRK, useless on any other TPM or under another SRK), its random authValue, and which
 * parent it was created under. Used to keep the AK across attestations of one process and to carry
 * it from the CLI's {@code agent request} step to {@code agent solve}.
 *
 * <p>File format (big-endian): {@code "TDAK" | u8 version=1 | u8 parentKind | u32 srkHandle | TPM2B
 * pub | TPM2B priv | TPM2B auth}. The auth value is a secret: files are written with mode 0600.
 */
public final class AkBlob {

  /** Which SRK the AK lives under. */
  public enum Parent {
    /** SRK created from template H-1 (RSA-2048). */
    SRK_RSA,
    /** SRK created from template H-2 (NIST P-256). */
    SRK_ECC,
    /** A persistent SRK handle (see {@link #srkHandle()}). */
    PERSISTENT
  }

  private static final byte[] MAGIC = "TDAK".getBytes(StandardCharsets.US_ASCII);

  private final byte[] pub;
  private final byte[] priv;
  private final byte[] auth;
  private final Parent parent;
  private final int srkHandle;

  AkBlob(byte[] pub, byte[] priv, byte[] auth, Parent parent, int srkHandle) {
    this.pub = pub.clone();
    this.priv = priv.clone();
    this.auth = auth.clone();
    this.parent = parent;
    this.srkHandle = parent == Parent.PERSISTENT ? srkHandle : 0;
  }

  /** TPMT_PUBLIC of the AK (AKPub on the wire). */
  public byte[] pub() {
    return pub.clone();
  }

  byte[] priv() {
    return priv.clone();
  }

  byte[] auth() {
    return auth.clone();
  }

  public Parent parent() {
    return parent;
  }

  /** The persistent SRK handle for {@link Parent#PERSISTENT}, else 0. */
  public int srkHandle() {
    return srkHandle;
  }

  /** Serialised form (contains the AK's authValue: treat as a secret). */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(MAGIC);
    out.write(1);
    out.write(parent.ordinal());
    out.writeBytes(ByteBuffer.allocate(4).putInt(srkHandle).array());
    for (byte[] part : new byte[][] {pub, priv, auth}) {
      out.write(part.length >>> 8);
      out.write(part.length);
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  public static AkBlob decode(byte[] data) throws AgentException {
    try {
      ByteBuffer in = ByteBuffer.wrap(data);
      byte[] magic = new byte[4];
      in.get(magic);
      if (!Arrays.equals(magic, MAGIC) || in.get() != 1) {
        throw new AgentException(
            AgentException.Kind.CONFIG, "not an AK blob file (bad magic or version)");
      }
      int kind = in.get() & 0xFF;
      if (kind >= Parent.values().length) {
        throw new AgentException(
            AgentException.Kind.CONFIG, "AK blob: unknown parent kind " + kind);
      }
      int handle = in.getInt();
      byte[] pub = tpm2b(in);
      byte[] priv = tpm2b(in);
      byte[] auth = tpm2b(in);
      if (in.hasRemaining()) {
        throw new AgentException(AgentException.Kind.CONFIG, "AK blob: trailing bytes");
      }
      return new AkBlob(pub, priv, auth, Parent.values()[kind], handle);
    } catch (BufferUnderflowException e) {
      throw new AgentException(AgentException.Kind.CONFIG, "AK blob: truncated");
    }
  }

  /**
   * Writes {@link #encode()} to {@code file} with owner-only permissions (where the file system has
   * them).
   */
  public void save(Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, ".ak", ".tmp");
    try {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system; the directory's protection applies
      }
      Files.write(tmp, encode());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static AkBlob load(Path file) throws IOException, AgentException {
    return decode(Files.readAllBytes(file));
  }

  private static byte[] tpm2b(ByteBuffer in) {
    int n = in.getShort() & 0xFFFF;
    byte[] b = new byte[n];
    in.get(b);
    return b;
  }

  @Override
  public String toString() {
    return "AkBlob{parent="
        + parent
        + (parent == Parent.PERSISTENT ? String.format(" 0x%08X", srkHandle) : "")
        + ", pub="
        + pub.length
        + " B, priv="
        + priv.length
        + " B}";
  }
}
