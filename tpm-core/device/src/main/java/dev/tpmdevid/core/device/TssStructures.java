package dev.tpmdevid.core.device;

import dev.tpmdevid.core.tpm.TpmtPublic;
import tss.tpm.TPMT_PUBLIC;

/**
 * Hands tpm-core's structures (the one copy of the templates, strictly parsed key areas) to
 * TSS.Java.
 */
public final class TssStructures {

  private TssStructures() {}

  /**
   * A fresh (mutable) TSS.Java copy of {@code area}, e.g. a template from {@code
   * dev.tpmdevid.core.tpm.Templates}.
   */
  public static TPMT_PUBLIC publicArea(TpmtPublic area) {
    return TPMT_PUBLIC.fromTpm(area.encode());
  }
}
