package dev.tpmdevid.core.wire;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The agent's attestation payload (docs/protocol.md#attestation-request; SPIRE {@code
 * devid.AttestationRequest}).
 *
 * <pre>
 * {"DevIDCert":[b64,...],"DevIDPub":b64,"EKCert":b64,"EKPub":b64,"AKPub":b64,
 *  "CertifiedDevID":b64,"CertificationSignature":b64}
 * </pre>
 *
 * Every member may be null (Go nil); the list may contain null elements. Byte arrays are copied in
 * and out. Equality is by content.
 *
 * @param devIdCert DER certificates, LDevID leaf first
 * @param devIdPub TPMT_PUBLIC of the DevID key
 * @param ekCert EK certificate DER
 * @param ekPub TPMT_PUBLIC of the EK
 * @param akPub TPMT_PUBLIC of the AK
 * @param certifiedDevId TPMS_ATTEST from TPM2_Certify
 * @param certificationSignature TPMT_SIGNATURE from TPM2_Certify
 */
public record AttestationRequest(
    List<byte[]> devIdCert,
    byte[] devIdPub,
    byte[] ekCert,
    byte[] ekPub,
    byte[] akPub,
    byte[] certifiedDevId,
    byte[] certificationSignature) {

  private static final String[] FIELDS = {
    "DevIDCert", "DevIDPub", "EKCert", "EKPub", "AKPub", "CertifiedDevID", "CertificationSignature"
  };

  public AttestationRequest {
    devIdCert = Bytes.copy(devIdCert);
    devIdPub = Bytes.copy(devIdPub);
    ekCert = Bytes.copy(ekCert);
    ekPub = Bytes.copy(ekPub);
    akPub = Bytes.copy(akPub);
    certifiedDevId = Bytes.copy(certifiedDevId);
    certificationSignature = Bytes.copy(certificationSignature);
  }

  /** Deep copy; unmodifiable. */
  @Override
  public List<byte[]> devIdCert() {
    return Bytes.copy(devIdCert);
  }

  @Override
  public byte[] devIdPub() {
    return Bytes.copy(devIdPub);
  }

  @Override
  public byte[] ekCert() {
    return Bytes.copy(ekCert);
  }

  @Override
  public byte[] ekPub() {
    return Bytes.copy(ekPub);
  }

  @Override
  public byte[] akPub() {
    return Bytes.copy(akPub);
  }

  @Override
  public byte[] certifiedDevId() {
    return Bytes.copy(certifiedDevId);
  }

  @Override
  public byte[] certificationSignature() {
    return Bytes.copy(certificationSignature);
  }

  /** The JSON bytes Go's {@code json.Marshal} produces for the same values. */
  public byte[] toJson() {
    StringBuilder sb = new StringBuilder(8192);
    sb.append("{\"DevIDCert\":");
    if (devIdCert == null) {
      sb.append("null");
    } else {
      sb.append('[');
      for (int i = 0; i < devIdCert.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        GoJson.bytesValue(sb, devIdCert.get(i));
      }
      sb.append(']');
    }
    sb.append(',');
    GoJson.bytes(sb, "DevIDPub", devIdPub);
    sb.append(',');
    GoJson.bytes(sb, "EKCert", ekCert);
    sb.append(',');
    GoJson.bytes(sb, "EKPub", ekPub);
    sb.append(',');
    GoJson.bytes(sb, "AKPub", akPub);
    sb.append(',');
    GoJson.bytes(sb, "CertifiedDevID", certifiedDevId);
    sb.append(',');
    GoJson.bytes(sb, "CertificationSignature", certificationSignature);
    sb.append('}');
    return GoJson.utf8(sb);
  }

  /** Decodes with Go {@code json.Unmarshal} semantics (see {@link GoJson}). */
  public static AttestationRequest fromJson(byte[] json) throws WireFormatException {
    Object[] v = new Object[FIELDS.length];
    GoJson.decodeDocument(json, "AttestationRequest", FIELDS, (i, p) -> read(v, i, p));
    @SuppressWarnings("unchecked")
    List<byte[]> certs = (List<byte[]>) v[0];
    return new AttestationRequest(
        certs,
        (byte[]) v[1],
        (byte[]) v[2],
        (byte[]) v[3],
        (byte[]) v[4],
        (byte[]) v[5],
        (byte[]) v[6]);
  }

  private static void read(Object[] v, int i, com.fasterxml.jackson.core.JsonParser p)
      throws IOException, WireFormatException {
    String member = "AttestationRequest." + FIELDS[i];
    v[i] = i == 0 ? GoJson.readBytesList(p, member) : GoJson.readBytes(p, member);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof AttestationRequest)) {
      return false;
    }
    AttestationRequest x = (AttestationRequest) o;
    return Bytes.equal(devIdCert, x.devIdCert)
        && Arrays.equals(devIdPub, x.devIdPub)
        && Arrays.equals(ekCert, x.ekCert)
        && Arrays.equals(ekPub, x.ekPub)
        && Arrays.equals(akPub, x.akPub)
        && Arrays.equals(certifiedDevId, x.certifiedDevId)
        && Arrays.equals(certificationSignature, x.certificationSignature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        Bytes.hash(devIdCert),
        Arrays.hashCode(devIdPub),
        Arrays.hashCode(ekCert),
        Arrays.hashCode(ekPub),
        Arrays.hashCode(akPub),
        Arrays.hashCode(certifiedDevId),
        Arrays.hashCode(certificationSignature));
  }

  /** Sizes only. */
  @Override
  public String toString() {
    return "AttestationRequest{DevIDCert="
        + Bytes.describe(devIdCert)
        + ", DevIDPub="
        + Bytes.describe(devIdPub)
        + ", EKCert="
        + Bytes.describe(ekCert)
        + ", EKPub="
        + Bytes.describe(ekPub)
        + ", AKPub="
        + Bytes.describe(akPub)
        + ", CertifiedDevID="
        + Bytes.describe(certifiedDevId)
        + ", CertificationSignature="
        + Bytes.describe(certificationSignature)
        + "}";
  }
}
