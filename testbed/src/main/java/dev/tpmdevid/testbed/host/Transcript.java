package dev.tpmdevid.testbed.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What crossed the hosts during one attestation: each message's bytes and when the relay saw it,
 * relative to the start of the attestation. For narration and tests.
 */
public final class Transcript {

  /** The message kinds of docs/protocol.md#stream-mapping, plus the final result. */
  public enum Kind {
    /** Agent plugin → agent → server → server plugin: AttestationRequest JSON. */
    PAYLOAD,
    /** Server plugin → server → agent → agent plugin: ChallengeRequest JSON. */
    CHALLENGE,
    /** Agent plugin → agent → server → server plugin: ChallengeResponse JSON. */
    CHALLENGE_RESPONSE,
    /** Server plugin → server: AgentAttributes (serialized protobuf). */
    AGENT_ATTRIBUTES,
    /** A plugin ended its stream or failed (bytes = UTF-8 status text). */
    ERROR
  }

  /**
   * One message.
   *
   * @param kind what it is
   * @param from {@code agent plugin} or {@code server plugin}
   * @param bytes exactly the bytes relayed
   * @param at when the relay received it, since the attestation started
   * @param waited how long the relay waited for it (the producing plugin's work plus transport)
   */
  public record Entry(Kind kind, String from, byte[] bytes, Duration at, Duration waited) {
    public Entry {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    public int size() {
      return bytes.length;
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  private final java.time.Instant startedAt = java.time.Instant.now();
  private final long startNanos = System.nanoTime();

  /** Wall-clock time the attestation started (entry {@code at} values are relative to it). */
  public java.time.Instant startedAt() {
    return startedAt;
  }

  synchronized void add(Kind kind, String from, byte[] bytes, long requestedAtNanos) {
    long now = System.nanoTime();
    entries.add(
        new Entry(
            kind,
            from,
            bytes,
            Duration.ofNanos(now - startNanos),
            Duration.ofNanos(now - requestedAtNanos)));
  }

  /** The entries in order. */
  public synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  /** The first entry of {@code kind}, or {@code null}. */
  public synchronized Entry first(Kind kind) {
    return entries.stream().filter(e -> e.kind() == kind).findFirst().orElse(null);
  }
}
