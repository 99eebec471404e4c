package dev.tpmdevid.testbed.host;

import io.grpc.Status;
import java.time.Duration;
import java.util.List;

/**
 * The result of one relayed attestation, as a SPIRE operator would see it.
 *
 * @param spiffeId the agent's SPIFFE ID on success, else {@code null}
 * @param selectors the selectors SPIRE stores, {@code <plugin name>:<value>}, in plugin order
 * @param canReattest the plugin's {@code can_reattest}
 * @param status OK, or the failure's code with the operator-visible message (prefixed {@code
 *     nodeattestor(<name>): }, docs/plugin-protocol.md#status-codes)
 * @param failedSide {@code agent}, {@code server}, or {@code null} on success
 * @param transcript the messages relayed
 * @param elapsed wall time of the whole attestation
 */
public record AttestationOutcome(
    String spiffeId,
    List<String> selectors,
    boolean canReattest,
    Status status,
    String failedSide,
    Transcript transcript,
    Duration elapsed) {

  public AttestationOutcome {
    selectors = List.copyOf(selectors);
  }

  public boolean succeeded() {
    return status.isOk();
  }

  public Status.Code code() {
    return status.getCode();
  }

  /** The message with the {@code nodeattestor(<name>): } prefix, or {@code ""} on success. */
  public String message() {
    return status.getDescription() == null ? "" : status.getDescription();
  }

  /** {@code rpc error: code = … desc = …} as the SPIRE agent would log it; the ID on success. */
  public String operatorView() {
    return succeeded() ? spiffeId : GoStatus.describe(status);
  }
}
