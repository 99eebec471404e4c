package dev.tpmdevid.core.tpm;

import java.util.Arrays;
import java.util.Objects;

/**
 * TPMS_ATTEST with a TPMS_CERTIFY_INFO body, the output of TPM2_Certify (TPM 2.0 Part 2 §10.12.12;
 * docs/protocol.md#tpms-attest). Only {@code TPM_ST_ATTEST_CERTIFY} is supported; {@link #parse}
 * rejects every other attestation type, a magic other than {@code TPM_GENERATED_VALUE} and trailing
 * bytes.
 *
 * <pre>
 * magic u32 | type u16 | qualifiedSigner TPM2B_NAME | extraData TPM2B_DATA |
 * clockInfo{clock u64, resetCount u32, restartCount u32, safe u8} | firmwareVersion u64 |
 * certify{name TPM2B_NAME, qualifiedName TPM2B_NAME}
 * </pre>
 */
public final class TpmsAttest {
  /** TPM_GENERATED_VALUE. */
  public static final long TPM_GENERATED_VALUE = 0xFF544347L;

  public static final int TPM_ST_ATTEST_NV = 0x8014;
  public static final int TPM_ST_ATTEST_COMMAND_AUDIT = 0x8015;
  public static final int TPM_ST_ATTEST_SESSION_AUDIT = 0x8016;
  public static final int TPM_ST_ATTEST_CERTIFY = 0x8017;
  public static final int TPM_ST_ATTEST_QUOTE = 0x8018;
  public static final int TPM_ST_ATTEST_TIME = 0x8019;
  public static final int TPM_ST_ATTEST_CREATION = 0x801A;
  public static final int TPM_ST_ATTEST_NV_DIGEST = 0x801C;

  /** TPM2B_DATA holds at most sizeof(TPMT_HA). */
  static final int MAX_EXTRA_DATA = 2 + 64;

  private final TpmName qualifiedSigner;
  private final byte[] extraData;
  private final long clock;
  private final long resetCount;
  private final long restartCount;
  private final boolean safe;
  private final long firmwareVersion;
  private final TpmName certifiedName;
  private final TpmName certifiedQualifiedName;
  private final byte[] encoded;

  /**
   * A TPM_ST_ATTEST_CERTIFY attestation.
   *
   * @param resetCount u32
   * @param restartCount u32
   * @throws IllegalArgumentException if extraData is longer than 66 bytes or a count is not a u32
   */
  public TpmsAttest(
      TpmName qualifiedSigner,
      byte[] extraData,
      long clock,
      long resetCount,
      long restartCount,
      boolean safe,
      long firmwareVersion,
      TpmName certifiedName,
      TpmName certifiedQualifiedName) {
    this.qualifiedSigner = Objects.requireNonNull(qualifiedSigner, "qualifiedSigner");
    this.extraData = Objects.requireNonNull(extraData, "extraData").clone();
    if (extraData.length > MAX_EXTRA_DATA) {
      throw new IllegalArgumentException("extraData longer than " + MAX_EXTRA_DATA + " bytes");
    }
    if (resetCount < 0
        || resetCount > 0xFFFFFFFFL
        || restartCount < 0
        || restartCount > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("resetCount/restartCount must be u32");
    }
    this.clock = clock;
    this.resetCount = resetCount;
    this.restartCount = restartCount;
    this.safe = safe;
    this.firmwareVersion = firmwareVersion;
    this.certifiedName = Objects.requireNonNull(certifiedName, "certifiedName");
    this.certifiedQualifiedName =
        Objects.requireNonNull(certifiedQualifiedName, "certifiedQualifiedName");
    TpmWriter w = new TpmWriter();
    w.u32(TPM_GENERATED_VALUE).u16(TPM_ST_ATTEST_CERTIFY);
    qualifiedSigner.write(w);
    w.tpm2b(this.extraData);
    w.u64(clock).u32(resetCount).u32(restartCount).u8(safe ? 1 : 0);
    w.u64(firmwareVersion);
    certifiedName.write(w);
    certifiedQualifiedName.write(w);
    this.encoded = w.toByteArray();
  }

  /** Parses a TPMS_ATTEST (the TPM2B_ATTEST contents, no size prefix). */
  public static TpmsAttest parse(byte[] bytes) throws TpmFormatException {
    Objects.requireNonNull(bytes, "bytes");
    TpmReader r = new TpmReader(bytes);
    String s = "TPMS_ATTEST";
    int off = r.offset();
    long magic = r.u32(s + ".magic");
    if (magic != TPM_GENERATED_VALUE) {
      throw TpmFormatException.at(
          s + ".magic",
          String.format("0x%08X is not TPM_GENERATED_VALUE (0xFF544347)", magic),
          off);
    }
    off = r.offset();
    int type = r.u16(s + ".type");
    if (type != TPM_ST_ATTEST_CERTIFY) {
      throw TpmFormatException.at(
          s + ".type",
          "attestation type "
              + stName(type)
              + " is not supported, only "
              + stName(TPM_ST_ATTEST_CERTIFY),
          off);
    }
    TpmName signer = TpmName.read(r, s + ".qualifiedSigner");
    byte[] extra = r.tpm2b(s + ".extraData", MAX_EXTRA_DATA);
    long clock = r.u64(s + ".clockInfo.clock");
    long reset = r.u32(s + ".clockInfo.resetCount");
    long restart = r.u32(s + ".clockInfo.restartCount");
    off = r.offset();
    int safe = r.u8(s + ".clockInfo.safe");
    if (safe > 1) {
      throw TpmFormatException.at(s + ".clockInfo.safe", "value " + safe + " is not YES/NO", off);
    }
    long fw = r.u64(s + ".firmwareVersion");
    TpmName name = TpmName.read(r, s + ".attested.certify.name");
    TpmName qname = TpmName.read(r, s + ".attested.certify.qualifiedName");
    r.expectEnd(s);
    return new TpmsAttest(signer, extra, clock, reset, restart, safe == 1, fw, name, qname);
  }

  /** {@code 0x8018 (TPM_ST_ATTEST_QUOTE)}; for messages. */
  public static String stName(int type) {
    String n;
    switch (type) {
      case TPM_ST_ATTEST_NV:
        n = "TPM_ST_ATTEST_NV";
        break;
      case TPM_ST_ATTEST_COMMAND_AUDIT:
        n = "TPM_ST_ATTEST_COMMAND_AUDIT";
        break;
      case TPM_ST_ATTEST_SESSION_AUDIT:
        n = "TPM_ST_ATTEST_SESSION_AUDIT";
        break;
      case TPM_ST_ATTEST_CERTIFY:
        n = "TPM_ST_ATTEST_CERTIFY";
        break;
      case TPM_ST_ATTEST_QUOTE:
        n = "TPM_ST_ATTEST_QUOTE";
        break;
      case TPM_ST_ATTEST_TIME:
        n = "TPM_ST_ATTEST_TIME";
        break;
      case TPM_ST_ATTEST_CREATION:
        n = "TPM_ST_ATTEST_CREATION";
        break;
      case TPM_ST_ATTEST_NV_DIGEST:
        n = "TPM_ST_ATTEST_NV_DIGEST";
        break;
      default:
        n = "unknown";
    }
    return TpmAlg.hex(type) + " (" + n + ")";
  }

  /** The canonical marshalling; equals the parsed input. This is what the AK signed. */
  public byte[] encode() {
    return encoded.clone();
  }

  /** Always {@link #TPM_ST_ATTEST_CERTIFY}. */
  public int type() {
    return TPM_ST_ATTEST_CERTIFY;
  }

  public TpmName qualifiedSigner() {
    return qualifiedSigner;
  }

  public byte[] extraData() {
    return extraData.clone();
  }

  public long clock() {
    return clock;
  }

  public long resetCount() {
    return resetCount;
  }

  public long restartCount() {
    return restartCount;
  }

  public boolean safe() {
    return safe;
  }

  public long firmwareVersion() {
    return firmwareVersion;
  }

  /** TPMS_CERTIFY_INFO.name: the Name of the certified object. */
  public TpmName certifiedName() {
    return certifiedName;
  }

  /** TPMS_CERTIFY_INFO.qualifiedName. */
  public TpmName certifiedQualifiedName() {
    return certifiedQualifiedName;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TpmsAttest && Arrays.equals(encoded, ((TpmsAttest) o).encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "TpmsAttest{type="
        + stName(TPM_ST_ATTEST_CERTIFY)
        + ", qualifiedSigner="
        + qualifiedSigner
        + ", extraData="
        + Hex.encode(extraData)
        + ", clock="
        + clock
        + ", resetCount="
        + resetCount
        + ", restartCount="
        + restartCount
        + ", safe="
        + safe
        + ", firmwareVersion="
        + Long.toHexString(firmwareVersion)
        + ", certifiedName="
        + certifiedName
        + ", certifiedQualifiedName="
        + certifiedQualifiedName
        + "}";
  }
}
