package dev.tpmdevid.core.tpm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HexFormat;

/** Test fixtures produced by swtpm + tpm2-tools (see resources .../swtpm/README.md). */
final class Fixtures {
  private Fixtures() {}

  static byte[] swtpm(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("swtpm/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A tpm2-tools TPM2B file without its 2-byte size. */
  static byte[] swtpmStripped(String name) {
    byte[] b = swtpm(name);
    return Arrays.copyOfRange(b, 2, b.length);
  }

  static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replaceAll("[\\s/]", ""));
  }

  static final String[] PUBLIC_TPMT = {
    "srk-rsa.tpmt",
    "srk-ecc.tpmt",
    "ek-rsa.tpmt",
    "ek-ecc.tpmt",
    "certify-rsa-rsa.devid.tpmt",
    "certify-rsa-ecc.devid.tpmt",
    "certify-ecc-rsa.devid.tpmt",
    "sign-rsapss.tpmt"
  };
  static final String[] PUBLIC_TPM2B = {
    "devid-rsa.pub", "devid-ecc.pub", "devid-ecc384.pub", "ak-rsa.pub", "ak-ecc.pub"
  };
  static final String[] ATTEST = {
    "certify-rsa-rsa.attest", "certify-rsa-ecc.attest", "certify-ecc-rsa.attest"
  };
  static final String[] SIGNATURE = {
    "certify-rsa-rsa.sig", "certify-rsa-ecc.sig", "certify-ecc-rsa.sig", "sign-rsapss.sig"
  };
}
