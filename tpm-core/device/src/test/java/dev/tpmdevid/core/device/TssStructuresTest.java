package dev.tpmdevid.core.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tpmdevid.core.tpm.Templates;
import dev.tpmdevid.core.tpm.TpmtPublic;
import org.junit.jupiter.api.Test;

class TssStructuresTest {

  /**
   * TSS.Java marshals every template back to tpm-core's bytes (what the TPM receives is the one
   * copy).
   */
  @Test
  @SuppressWarnings("deprecation")
  void templatesSurviveTheTssRoundTrip() {
    for (TpmtPublic t :
        new TpmtPublic[] {
          Templates.EK_RSA,
          Templates.EK_ECC,
          Templates.SRK_RSA,
          Templates.SRK_ECC,
          Templates.AK_RSA,
          Templates.AK_ECC,
          Templates.DEVID_RSA,
          Templates.DEVID_ECC
        }) {
      assertThat(TssStructures.publicArea(t).toTpm()).as(t.toString()).isEqualTo(t.encode());
    }
  }

  @Test
  void eachCallIsAFreshCopy() {
    assertThat(TssStructures.publicArea(Templates.EK_RSA))
        .isNotSameAs(TssStructures.publicArea(Templates.EK_RSA));
  }
}
