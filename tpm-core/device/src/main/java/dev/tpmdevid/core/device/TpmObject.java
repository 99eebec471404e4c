package dev.tpmdevid.core.device;

import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPM_HANDLE;

/**
 * A transient object loaded by a {@link HandleScope}: its handle (with the object's auth value
 * already set, so password sessions for it just work), its public area and its Name.
 */
public final class TpmObject {

  private final TPM_HANDLE handle;
  private final TPMT_PUBLIC outPublic;
  private final byte[] name;

  TpmObject(TPM_HANDLE handle, TPMT_PUBLIC outPublic, byte[] name) {
    this.handle = handle;
    this.outPublic = outPublic;
    this.name = name.clone();
  }

  /** The TSS.Java handle to pass to commands; its {@code AuthValue} is the object's password. */
  public TPM_HANDLE handle() {
    return handle;
  }

  /** The handle value, e.g. 0x80000000. */
  public int handleValue() {
    return handle.handle;
  }

  /** The object's public area as the TPM returned it. */
  public TPMT_PUBLIC outPublic() {
    return outPublic;
  }

  /** The object's Name (nameAlg ‖ H(TPMT_PUBLIC)). */
  public byte[] name() {
    return name.clone();
  }

  @Override
  public String toString() {
    return String.format("TpmObject[0x%08X]", handle.handle);
  }
}
