package dev.tpmdevid.verifier.x509;

/** A certificate path was refused; the message is Go-style and names the reason only. */
public final class ChainVerificationException extends Exception {
  public ChainVerificationException(String message) {
    super(message);
  }
}
