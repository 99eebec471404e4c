package dev.tpmdevid.core.pem;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one PEM codec of the project (RFC 7468 text), reading exactly what Go's {@code encoding/pem}
 * {@code Decode} loop reads, as SPIRE's {@code util.LoadCertificates} runs it for {@code
 * devid_cert_path}, {@code devid_ca_path} and {@code endorsement_ca_path}:
 *
 * <ul>
 *   <li>a block runs from a {@code -----BEGIN TYPE-----} line (at the start of the text or of a
 *       line; only spaces/tabs after it) to the first following {@code -----END TYPE-----} line of
 *       the same type (only spaces/tabs after it); for each END line the last BEGIN before it is
 *       taken, so a BEGIN without its END is skipped;
 *   <li>{@code Key: value} lines right after BEGIN are headers;
 *   <li>the body is standard base64 with padding; spaces, tabs and line breaks are ignored;
 *   <li>a candidate that breaks any rule (type line, END line, base64) is not a block: it is
 *       skipped and the search goes on after its END line; text between blocks is ignored.
 * </ul>
 *
 * Callers pick blocks by type; certificate bytes are then parsed by their own strict parser.
 */
public final class Pem {
  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "\n-----END ";
  private static final String DASHES = "-----";

  private Pem() {}

  /** One decoded block: its type (e.g. {@code CERTIFICATE}), headers in order, and bytes. */
  public record Block(String type, Map<String, String> headers, byte[] bytes) {
    public Block {
      headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }
  }

  /** Every block of {@code text}, in order (none: an empty list). */
  public static List<Block> decodeAll(byte[] text) {
    // ISO-8859-1 maps each byte to one char, so indexes are byte offsets
    String s = new String(text, StandardCharsets.ISO_8859_1);
    List<Block> out = new ArrayList<>();
    int from = 0;
    while (true) {
      Found f = next(s, from);
      if (f == null) {
        return out;
      }
      out.add(f.block);
      from = f.next;
    }
  }

  /** The bytes of every block of type {@code type}, in order; other blocks are skipped. */
  public static List<byte[]> decode(byte[] text, String type) {
    List<byte[]> out = new ArrayList<>();
    for (Block b : decodeAll(text)) {
      if (b.type().equals(type)) {
        out.add(b.bytes);
      }
    }
    return out;
  }

  /** {@code bytes} as one block of {@code type}: base64 in 64-character lines, LF line ends. */
  public static String encode(String type, byte[] bytes) {
    StringBuilder b = new StringBuilder();
    b.append(BEGIN).append(type).append(DASHES).append('\n');
    String body = Base64.getEncoder().encodeToString(bytes);
    for (int i = 0; i < body.length(); i += 64) {
      b.append(body, i, Math.min(body.length(), i + 64)).append('\n');
    }
    return b.append("-----END ").append(type).append(DASHES).append('\n').toString();
  }

  private record Found(Block block, int next) {}

  /** The first block at or after {@code from}, or null. */
  private static Found next(String s, int from) {
    int pos = from;
    while (true) {
      int end = s.indexOf(END, pos);
      if (end < 0) {
        return null;
      }
      int afterEnd = end + END.length();
      int begin = s.lastIndexOf(BEGIN, end - 1);
      if (begin < pos
          || begin + BEGIN.length() > end + 1
          || (begin > pos && s.charAt(begin - 1) != '\n')) {
        pos = afterEnd;
        continue;
      }
      // the type line
      int typeLineEnd = lineEnd(s, begin);
      String typeLine = trimLine(s, begin + BEGIN.length(), typeLineEnd);
      int cursor = nextLine(s, typeLineEnd);
      if (!typeLine.endsWith(DASHES)) {
        pos = afterEnd;
        continue;
      }
      String type = typeLine.substring(0, typeLine.length() - DASHES.length());
      // headers: "Key: value" lines right after the type line
      Map<String, String> headers = new LinkedHashMap<>();
      boolean stop = false;
      while (true) {
        if (cursor >= s.length()) {
          stop = true; // no line left: nothing more can be decoded
          break;
        }
        int le = lineEnd(s, cursor);
        String line = trimLine(s, cursor, le);
        int colon = line.indexOf(':');
        if (colon < 0) {
          break;
        }
        headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        cursor = nextLine(s, le);
      }
      if (stop) {
        return null;
      }
      if (!headers.isEmpty() && end < cursor) {
        pos = afterEnd;
        continue;
      }
      // the END line: same type, five dashes, then only spaces/tabs
      String trailer = type + DASHES;
      if (!s.startsWith(trailer, afterEnd)) {
        pos = afterEnd;
        continue;
      }
      int endLineEnd = lineEnd(s, afterEnd);
      if (!trimLine(s, afterEnd + trailer.length(), endLineEnd).isEmpty()) {
        pos = afterEnd;
        continue;
      }
      byte[] bytes = new byte[0];
      if (end > cursor) {
        bytes = base64(s.substring(cursor, end));
        if (bytes == null) {
          pos = afterEnd;
          continue;
        }
      }
      return new Found(new Block(type, headers, bytes), nextLine(s, endLineEnd));
    }
  }

  /** Index of the '\n' ending the line at {@code i}, or the text length. */
  private static int lineEnd(String s, int i) {
    int n = s.indexOf('\n', i);
    return n < 0 ? s.length() : n;
  }

  private static int nextLine(String s, int lineEnd) {
    return Math.min(s.length(), lineEnd + 1);
  }

  /** The line {@code [start, lineEnd)} without a final CR and trailing spaces/tabs. */
  private static String trimLine(String s, int start, int lineEnd) {
    int e = lineEnd;
    if (e > start && s.charAt(e - 1) == '\r') {
      e--;
    }
    while (e > start && (s.charAt(e - 1) == ' ' || s.charAt(e - 1) == '\t')) {
      e--;
    }
    return start >= e ? "" : s.substring(start, e);
  }

  /** Standard base64 with padding, whitespace ignored; null when it is not valid. */
  private static byte[] base64(String body) {
    StringBuilder b = new StringBuilder(body.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        b.append(c);
      }
    }
    if (b.length() % 4 != 0) {
      return null; // padding is required
    }
    try {
      return Base64.getDecoder().decode(b.toString());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
