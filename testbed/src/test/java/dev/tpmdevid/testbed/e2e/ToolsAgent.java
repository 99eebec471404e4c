package dev.tpmdevid.testbed.e2e;

import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.core.wire.ChallengeResponse;
import dev.tpmdevid.core.wire.WireFormatException;
import dev.tpmdevid.labpki.KeyType;
import dev.tpmdevid.testbed.host.AgentSide;
import dev.tpmdevid.testbed.provision.ProvisionedTpm;
import io.grpc.Status;
import io.grpc.StatusException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The agent half of tpm_devid done with tpm2-tools commands alone
 * (docs/protocol.md#tpm2-tools-peer), for an RSA DevID provisioned without passwords: {@code
 * tpm2_createek}, {@code tpm2_nvread}, the H-1 SRK with {@code tpm2_createprimary}, the AK with
 * {@code tpm2_create} (SPIRE's AK template), {@code tpm2_certify}; then {@code tpm2_sign} for the
 * nonce and {@code tpm2_startauthsession --policy-session} + {@code tpm2_policysecret -c e} +
 * {@code tpm2_activatecredential} for the credential. Only the JSON is built in Java.
 */
final class ToolsAgent implements AgentSide {
  private final Tpm2Tools tools;
  private final ProvisionedTpm tpm;
  private final KeyType ekType;

  ToolsAgent(Tpm2Tools tools, ProvisionedTpm tpm, KeyType ekType) {
    this.tools = tools;
    this.tpm = tpm;
    this.ekType = ekType;
  }

  @Override
  public byte[] payload() throws StatusException {
    try {
      tools.runAndFlush(
          "tpm2_createek",
          "-c",
          "ek.ctx",
          "-G",
          ekType == KeyType.RSA ? "rsa" : "ecc",
          "-u",
          "ek.pub");
      String nvIndex = ekType == KeyType.RSA ? "0x1c00002" : "0x1c0000a";
      tools.run("tpm2_nvread", nvIndex, "-C", nvIndex, "-o", "ekcert.nv");
      tools.runAndFlush(
          "tpm2_createprimary",
          "-C",
          "o",
          "-g",
          "sha256",
          "-G",
          "rsa2048:aes128cfb",
          "-a",
          "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt|noda",
          "-c",
          "srk.ctx");
      tools.runAndFlush(
          "tpm2_create",
          "-C",
          "srk.ctx",
          "-G",
          "rsa2048:rsassa-sha256:null",
          "-g",
          "sha256",
          "-a",
          "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign",
          "-u",
          "ak.pub",
          "-r",
          "ak.priv");
      tools.runAndFlush(
          "tpm2_load", "-C", "srk.ctx", "-u", "ak.pub", "-r", "ak.priv", "-c", "ak.ctx");
      // SPIRE's blob files are TPM2B contents without the size; tpm2-tools wants the TPM2B.
      Files.write(tools.file("devid.pub"), tpm2b(tpm.devIdPublic()));
      Files.write(tools.file("devid.priv"), tpm2b(tpm.devIdPrivate()));
      tools.runAndFlush(
          "tpm2_load", "-C", "srk.ctx", "-u", "devid.pub", "-r", "devid.priv", "-c", "devid.ctx");
      tools.runAndFlush(
          "tpm2_certify",
          "-c",
          "devid.ctx",
          "-C",
          "ak.ctx",
          "-g",
          "sha256",
          "-o",
          "certify.attest",
          "-s",
          "certify.sig");

      List<byte[]> certs = new ArrayList<>();
      for (X509Certificate c : tpm.devIdChain()) {
        certs.add(c.getEncoded());
      }
      return new AttestationRequest(
              certs,
              tpm.devIdPublic(),
              firstDer(Files.readAllBytes(tools.file("ekcert.nv"))),
              untpm2b(Files.readAllBytes(tools.file("ek.pub"))),
              untpm2b(Files.readAllBytes(tools.file("ak.pub"))),
              Files.readAllBytes(tools.file("certify.attest")),
              Files.readAllBytes(tools.file("certify.sig")))
          .toJson();
    } catch (IOException | CertificateEncodingException e) {
      throw Status.INTERNAL.withDescription("tpm2-tools agent: " + e.getMessage()).asException();
    }
  }

  @Override
  public byte[] answer(byte[] challenge) throws StatusException {
    try {
      ChallengeRequest c = ChallengeRequest.fromJson(challenge);
      Files.write(tools.file("nonce.bin"), c.devId());
      tools.runAndFlush(
          "tpm2_sign",
          "-c",
          "devid.ctx",
          "-g",
          "sha256",
          "-f",
          "plain",
          "-o",
          "pop.sig",
          "nonce.bin");
      // tpm2-tools credential file: u32 0xBADCC0DE | u32 1 | TPM2B(credential) | TPM2B(secret)
      ByteBuffer blob =
          ByteBuffer.allocate(
              8
                  + 2
                  + c.credActivation().credential().length
                  + 2
                  + c.credActivation().secret().length);
      blob.putInt(0xBADCC0DE)
          .putInt(1)
          .put(tpm2b(c.credActivation().credential()))
          .put(tpm2b(c.credActivation().secret()));
      Files.write(tools.file("cred.bin"), blob.array());
      tools.run("tpm2_startauthsession", "--policy-session", "-S", "session.ctx");
      tools.run("tpm2_policysecret", "-S", "session.ctx", "-c", "e");
      tools.runAndFlush(
          "tpm2_activatecredential",
          "-c",
          "ak.ctx",
          "-C",
          "ek.ctx",
          "-i",
          "cred.bin",
          "-o",
          "certinfo.bin",
          "-P",
          "session:session.ctx");
      tools.run("tpm2_flushcontext", "session.ctx");
      return new ChallengeResponse(
              Files.readAllBytes(tools.file("pop.sig")),
              Files.readAllBytes(tools.file("certinfo.bin")))
          .toJson();
    } catch (IOException | WireFormatException e) {
      throw Status.INTERNAL.withDescription("tpm2-tools agent: " + e.getMessage()).asException();
    }
  }

  @Override
  public void close() {
    // the swtpm is stopped by the test
  }

  static byte[] tpm2b(byte[] body) {
    return ByteBuffer.allocate(2 + body.length).putShort((short) body.length).put(body).array();
  }

  static byte[] untpm2b(byte[] tpm2b) {
    int len = ((tpm2b[0] & 0xFF) << 8) | (tpm2b[1] & 0xFF);
    if (len != tpm2b.length - 2) {
      throw new IllegalArgumentException(
          "TPM2B size " + len + " but " + (tpm2b.length - 2) + " bytes follow");
    }
    return Arrays.copyOfRange(tpm2b, 2, tpm2b.length);
  }

  /**
   * The first DER TLV of NV contents (the certificate without NV padding,
   * docs/protocol.md#ek-certificate).
   */
  static byte[] firstDer(byte[] nv) {
    int lenByte = nv[1] & 0xFF;
    int header = 2;
    int length = lenByte;
    if (lenByte >= 0x80) {
      int n = lenByte & 0x7F;
      length = 0;
      for (int i = 0; i < n; i++) {
        length = (length << 8) | (nv[2 + i] & 0xFF);
      }
      header += n;
    }
    return Arrays.copyOf(nv, header + length);
  }
}
