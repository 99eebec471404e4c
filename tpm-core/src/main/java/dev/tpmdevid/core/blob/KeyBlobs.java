package dev.tpmdevid.core.blob;

import dev.tpmdevid.core.tpm.TpmFormatException;
import dev.tpmdevid.core.tpm.TpmtPublic;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A DevID key's public and private blobs, loaded from files in either format
 * (docs/tpm-access.md#key-files):
 *
 * <ul>
 *   <li>{@link Format#SPIRE_RAW}: SPIRE's {@code devid_pub_path} / {@code devid_priv_path} — a
 *       TPMT_PUBLIC (starts with type 0x0001 RSA or 0x0023 ECC) and the TPM2B_PRIVATE contents
 *       (starts with the u16 size of the integrity HMAC, 0x0020 for SHA-256);
 *   <li>{@link Format#TPM2_TOOLS_TPM2B}: {@code tpm2_create -u/-r} output — the same bytes with a
 *       u16 size prefix equal to the file length minus 2.
 * </ul>
 *
 * Detection is unambiguous: the public file is tried both ways with the strict {@link
 * TpmtPublic#parse} (at most one can succeed); the private file is raw if it starts with a digest
 * size (20/32/48/64) followed by more data, prefixed if its u16 equals length − 2 and the next u16
 * is a digest size; both cannot hold at once.
 *
 * <p>{@link #publicArea()} is what the agent sends as {@code DevIDPub}: the file bytes verbatim in
 * SPIRE format, the bytes after the 2-byte size for tpm2-tools files (the Name the TPM certifies is
 * over those bytes, so both give the same Name).
 */
public final class KeyBlobs {
  /** Larger files are rejected before reading (TPM2B contents are at most 65535 bytes). */
  public static final int MAX_FILE_SIZE = 2 + 0xFFFF;

  /** On-disk format of a blob file. */
  public enum Format {
    /** No size prefix (SPIRE {@code devid_pub_path}/{@code devid_priv_path}). */
    SPIRE_RAW,
    /** tpm2-tools TPM2B: u16 size || contents. */
    TPM2_TOOLS_TPM2B
  }

  private final byte[] publicArea;
  private final TpmtPublic publicKey;
  private final Format publicFormat;
  private final byte[] privateBlob;
  private final Format privateFormat;

  private KeyBlobs(
      byte[] publicArea,
      TpmtPublic publicKey,
      Format publicFormat,
      byte[] privateBlob,
      Format privateFormat) {
    this.publicArea = publicArea;
    this.publicKey = publicKey;
    this.publicFormat = publicFormat;
    this.privateBlob = privateBlob;
    this.privateFormat = privateFormat;
  }

  /**
   * Reads and validates both files.
   *
   * @throws IOException if a file cannot be read (the exception names the file)
   * @throws TpmFormatException if a file is in neither format; the message names the file
   */
  public static KeyBlobs load(Path pub, Path priv) throws IOException, TpmFormatException {
    return fromBytes(read(pub), pub.toString(), read(priv), priv.toString());
  }

  /** As {@link #load}, for bytes already in memory; the names are used in messages. */
  public static KeyBlobs fromBytes(byte[] pub, String pubName, byte[] priv, String privName)
      throws TpmFormatException {
    Objects.requireNonNull(pub, "pub");
    Objects.requireNonNull(priv, "priv");
    byte[] area;
    TpmtPublic key;
    Format pubFormat;
    TpmtPublic raw = tryParse(pub);
    TpmtPublic prefixed = null;
    if (hasOuterSize(pub)) {
      prefixed = tryParse(Arrays.copyOfRange(pub, 2, pub.length));
    }
    if (raw != null) {
      area = pub.clone();
      key = raw;
      pubFormat = Format.SPIRE_RAW;
    } else if (prefixed != null) {
      area = Arrays.copyOfRange(pub, 2, pub.length);
      key = prefixed;
      pubFormat = Format.TPM2_TOOLS_TPM2B;
    } else {
      throw new TpmFormatException(pubName + ": " + publicProblem(pub));
    }

    byte[] body;
    Format privFormat;
    if (isRawPrivate(priv, 0)) {
      body = priv.clone();
      privFormat = Format.SPIRE_RAW;
    } else if (hasOuterSize(priv) && isRawPrivate(priv, 2)) {
      body = Arrays.copyOfRange(priv, 2, priv.length);
      privFormat = Format.TPM2_TOOLS_TPM2B;
    } else {
      throw new TpmFormatException(
          privName
              + ": neither a TPM2B_PRIVATE body (u16 integrity HMAC size 20/32/48/64 then"
              + " data) nor a tpm2-tools TPM2B_PRIVATE (u16 size = file length - 2); "
              + priv.length
              + " bytes");
    }
    return new KeyBlobs(area, key, pubFormat, body, privFormat);
  }

  private static byte[] read(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_FILE_SIZE) {
      throw new IOException(file + ": " + size + " bytes, larger than any TPM key blob");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] b = in.readNBytes(MAX_FILE_SIZE + 1);
      if (b.length > MAX_FILE_SIZE) {
        throw new IOException(file + ": larger than any TPM key blob");
      }
      return b;
    }
  }

  private static TpmtPublic tryParse(byte[] b) {
    try {
      return TpmtPublic.parse(b);
    } catch (TpmFormatException e) {
      return null;
    }
  }

  private static String publicProblem(byte[] pub) {
    try {
      if (hasOuterSize(pub)) {
        TpmtPublic.parse(Arrays.copyOfRange(pub, 2, pub.length));
      } else {
        TpmtPublic.parse(pub);
      }
      return "unreadable public blob"; // not reached: the callers saw both parses fail
    } catch (TpmFormatException e) {
      String shape =
          hasOuterSize(pub)
              ? "tpm2-tools TPM2B_PUBLIC (u16 size = file length - 2) with an invalid TPMT_PUBLIC: "
              : startsWithType(pub)
                  ? "invalid TPMT_PUBLIC: "
                  : "neither a TPMT_PUBLIC (starts with 0x0001 or 0x0023) nor a tpm2-tools"
                      + " TPM2B_PUBLIC (u16 size = file length - 2): ";
      return shape + e.getMessage();
    }
  }

  private static boolean hasOuterSize(byte[] b) {
    return b.length >= 2 && u16(b, 0) == b.length - 2;
  }

  private static boolean startsWithType(byte[] b) {
    return b.length >= 2 && (u16(b, 0) == 0x0001 || u16(b, 0) == 0x0023);
  }

  private static boolean isRawPrivate(byte[] b, int off) {
    if (b.length - off < 2) {
      return false;
    }
    int hmac = u16(b, off);
    boolean digestSize = hmac == 20 || hmac == 32 || hmac == 48 || hmac == 64;
    return digestSize && off + 2 + hmac < b.length;
  }

  private static int u16(byte[] b, int off) {
    return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
  }

  /** The TPMT_PUBLIC bytes (no size prefix) — what the agent sends as {@code DevIDPub}. */
  public byte[] publicArea() {
    return publicArea.clone();
  }

  /** {@link #publicArea()} parsed. */
  public TpmtPublic publicKey() {
    return publicKey;
  }

  /** The TPM2B_PRIVATE contents (no size prefix), for TPM2_Load. */
  public byte[] privateBlob() {
    return privateBlob.clone();
  }

  public Format publicFormat() {
    return publicFormat;
  }

  public Format privateFormat() {
    return privateFormat;
  }

  @Override
  public String toString() {
    return "KeyBlobs{public="
        + publicArea.length
        + " bytes "
        + publicFormat
        + ", private="
        + privateBlob.length
        + " bytes "
        + privateFormat
        + "}";
  }
}
