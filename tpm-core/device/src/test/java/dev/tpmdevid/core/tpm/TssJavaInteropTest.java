package dev.tpmdevid.core.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;
import tss.tpm.TPMS_ATTEST;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SIGNATURE;

/** Our marshalling against TSS.Java's own ({@code fromTpm(...).toTpm()}). */
// TSS.Java deprecates fromTpm(byte[])/toTpm() in favour of its TpmBuffer variants
@SuppressWarnings("deprecation")
class TssJavaInteropTest {

  @Test
  void publicAreasMatchTssJava() throws Exception {
    for (String f : Fixtures.PUBLIC_TPMT) {
      byte[] b = Fixtures.swtpm(f);
      assertThat(TPMT_PUBLIC.fromTpm(b).toTpm()).as(f).isEqualTo(TpmtPublic.parse(b).encode());
    }
    for (String f : Fixtures.PUBLIC_TPM2B) {
      byte[] b = Fixtures.swtpmStripped(f);
      assertThat(TPMT_PUBLIC.fromTpm(b).toTpm()).as(f).isEqualTo(TpmtPublic.parse(b).encode());
    }
  }

  @Test
  void builtPublicAreasMatchTssJava() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(3072);
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp384r1"));
    ObjectAttributes attrs = ObjectAttributes.fromBits(0x00040072);
    TpmtPublic[] built = {
      TpmtPublic.fromPublicKey(rsa.generateKeyPair().getPublic(), attrs),
      TpmtPublic.fromPublicKey(
          ec.generateKeyPair().getPublic(), TpmAlg.SHA384, attrs, TpmtPublic.Scheme.ECDSA_SHA384),
      TpmtPublic.parse(Fixtures.hex(TpmtPublicTest.EK_L1)),
      TpmtPublic.parse(Fixtures.hex(TpmtPublicTest.SRK_H2)),
    };
    for (TpmtPublic p : built) {
      byte[] ours = p.encode();
      assertThat(TPMT_PUBLIC.fromTpm(ours).toTpm()).isEqualTo(ours);
      if (p.nameAlg() == TpmAlg.SHA256 || p.nameAlg() == TpmAlg.SHA384) {
        assertThat(TPMT_PUBLIC.fromTpm(ours).getName()).isEqualTo(p.nameBytes());
      }
    }
  }

  @Test
  void attestationsAndSignaturesMatchTssJava() throws Exception {
    for (String f : Fixtures.ATTEST) {
      byte[] b = Fixtures.swtpm(f);
      assertThat(TPMS_ATTEST.fromTpm(b).toTpm()).as(f).isEqualTo(TpmsAttest.parse(b).encode());
    }
    for (String f : Fixtures.SIGNATURE) {
      byte[] b = Fixtures.swtpm(f);
      assertThat(TPMT_SIGNATURE.fromTpm(b).toTpm())
          .as(f)
          .isEqualTo(TpmtSignature.parse(b).encode());
    }
  }
}
