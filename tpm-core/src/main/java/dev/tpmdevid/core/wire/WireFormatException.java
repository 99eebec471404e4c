package dev.tpmdevid.core.wire;

/**
 * A tpm_devid JSON message that Go's {@code encoding/json} would not decode into the message struct
 * (or that this library rejects more strictly, see {@link GoJson}). The only exception the {@code
 * fromJson} methods throw. Messages name the member and never contain decoded values.
 */
public final class WireFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  public WireFormatException(String message) {
    super(message);
  }

  public WireFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
