package dev.tpmdevid.testbed.host;

import io.grpc.StatusException;
import java.util.function.UnaryOperator;

/**
 * The agent half of one attestation as spire-agent sees it: first the payload, then one answer per
 * challenge. {@link AgentPluginStream} drives a real agent plugin; tests may script one (for
 * example with tpm2-tools) to drive a server plugin through the same relay.
 *
 * <p>Failures are {@link StatusException}s with the status spire-agent would report, without the
 * {@code nodeattestor(<name>): } prefix (the relay adds it).
 */
public interface AgentSide extends AutoCloseable {
  /** The attestation payload (non-empty). */
  byte[] payload() throws StatusException;

  /** The response to one challenge (non-empty). */
  byte[] answer(byte[] challenge) throws StatusException;

  /** Ends the attestation (spire-agent cancels the plugin stream). */
  @Override
  void close();

  /**
   * A scripted agent (a software stand-in): a fixed payload, and {@code answer} for each challenge.
   */
  static AgentSide scripted(byte[] payload, UnaryOperator<byte[]> answer) {
    return new AgentSide() {
      @Override
      public byte[] payload() {
        return payload;
      }

      @Override
      public byte[] answer(byte[] challenge) {
        return answer.apply(challenge);
      }

      @Override
      public void close() {}
    };
  }
}
