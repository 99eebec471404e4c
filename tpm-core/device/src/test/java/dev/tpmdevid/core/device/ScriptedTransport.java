package dev.tpmdevid.core.device;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A transport that answers from a script and records what it was sent; the first answer is the open
 * probe's.
 */
class ScriptedTransport implements TpmTransport {

  final List<byte[]> sent = new ArrayList<>();
  private final Deque<byte[]> responses = new ArrayDeque<>();
  private byte[] repeat;
  boolean closed;

  ScriptedTransport() {
    responses.add(manufacturerResponse());
  }

  ScriptedTransport then(byte[] response) {
    responses.add(response);
    return this;
  }

  ScriptedTransport thenRc(int rc) {
    return then(errorResponse(rc));
  }

  /** After the script runs out, answer this forever. */
  ScriptedTransport forever(byte[] response) {
    repeat = response;
    return this;
  }

  @Override
  public byte[] transceive(byte[] command) throws IOException {
    sent.add(command.clone());
    if (!responses.isEmpty()) {
      return responses.poll();
    }
    if (repeat != null) {
      return repeat;
    }
    throw new IOException("script exhausted");
  }

  @Override
  public String description() {
    return "scripted";
  }

  @Override
  public void close() {
    closed = true;
  }

  static byte[] errorResponse(int rc) {
    byte[] r = new byte[10];
    r[0] = (byte) 0x80;
    r[1] = 0x01;
    Frames.putU32(r, 2, 10);
    Frames.putU32(r, 6, rc);
    return r;
  }

  /** GetCapability(TPM_PROPERTIES, TPM_PT_MANUFACTURER) → "IBM ". */
  static byte[] manufacturerResponse() {
    byte[] r = new byte[10 + 1 + 4 + 4 + 8];
    r[0] = (byte) 0x80;
    r[1] = 0x01;
    Frames.putU32(r, 2, r.length);
    Frames.putU32(r, 6, 0);
    r[10] = 0; // moreData
    Frames.putU32(r, 11, 6); // TPM_CAP_TPM_PROPERTIES
    Frames.putU32(r, 15, 1);
    Frames.putU32(r, 19, 0x105); // TPM_PT_MANUFACTURER
    Frames.putU32(r, 23, 0x49424D20);
    return r;
  }

  /** A successful GetRandom response carrying {@code bytes}. */
  static byte[] randomResponse(byte[] bytes) {
    byte[] r = new byte[12 + bytes.length];
    r[0] = (byte) 0x80;
    r[1] = 0x01;
    Frames.putU32(r, 2, r.length);
    r[10] = (byte) (bytes.length >>> 8);
    r[11] = (byte) bytes.length;
    System.arraycopy(bytes, 0, r, 12, bytes.length);
    return r;
  }
}
