package dev.tpmdevid.core.wire;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Null-preserving defensive copies and value semantics for {@code byte[]} members. */
final class Bytes {
  private Bytes() {}

  static byte[] copy(byte[] b) {
    return b == null ? null : b.clone();
  }

  /** Deep copy; null list stays null, null elements stay null (Go: {@code [null]}). */
  static List<byte[]> copy(List<byte[]> list) {
    if (list == null) {
      return null;
    }
    List<byte[]> out = new ArrayList<>(list.size());
    for (byte[] b : list) {
      out.add(copy(b));
    }
    return Collections.unmodifiableList(out);
  }

  static boolean equal(List<byte[]> a, List<byte[]> b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!Arrays.equals(a.get(i), b.get(i))) {
        return false;
      }
    }
    return true;
  }

  static int hash(List<byte[]> list) {
    if (list == null) {
      return 0;
    }
    int h = 1;
    for (byte[] b : list) {
      h = 31 * h + Arrays.hashCode(b);
    }
    return h;
  }

  /** Length only: messages may carry nonces and secrets. */
  static String describe(byte[] b) {
    return b == null ? "null" : b.length + " bytes";
  }

  static String describe(List<byte[]> list) {
    if (list == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < list.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(describe(list.get(i)));
    }
    return sb.append(']').toString();
  }
}
