package dev.tpmdevid.core.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The subset of Go's {@code encoding/json} needed for the three tpm_devid messages
 * (docs/protocol.md#messages).
 *
 * <p>Encoding: Go field names, struct order, no whitespace, {@code []byte} as standard padded
 * base64, nil as {@code null}.
 *
 * <p>Decoding follows Go's decoder: members matched exactly, else case-insensitively with Go's
 * folding (so {@code "devidpub"} and {@code "CertificationSignature"} with U+017F LONG S both
 * match); unknown members skipped whatever their value; the last duplicate wins; {@code null} sets
 * nil; nested objects decode into an existing struct (merge); base64 is {@code StdEncoding}
 * (padding required, {@code \r}/{@code \n} skipped, non-zero trailing bits allowed); invalid UTF-8
 * inside strings becomes U+FFFD; anything after the top-level value is an error.
 *
 * <p>Intentionally stricter than Go: the document must be an object (Go accepts {@code null}); a
 * {@code []byte} member given as a JSON array of numbers is rejected (Go decodes it element-wise;
 * the Go agent never sends it); nesting deeper than {@value #MAX_DEPTH} is rejected (Go: 10000).
 */
final class GoJson {
  private GoJson() {}

  static final int MAX_DEPTH = 32;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_DEPTH)
                  .maxStringLength(Integer.MAX_VALUE)
                  .maxNumberLength(Integer.MAX_VALUE)
                  .maxNameLength(Integer.MAX_VALUE)
                  .build())
          // no shared symbol table: no hash-collision failure mode, no cross-request state
          .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
          .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
          .build();

  // ---------------------------------------------------------------- encoding

  static void bytes(StringBuilder sb, String name, byte[] value) {
    sb.append('"').append(name).append("\":");
    bytesValue(sb, value);
  }

  static void bytesValue(StringBuilder sb, byte[] value) {
    if (value == null) {
      sb.append("null");
    } else {
      sb.append('"').append(Base64.getEncoder().encodeToString(value)).append('"');
    }
  }

  static byte[] utf8(StringBuilder sb) {
    return sb.toString().getBytes(StandardCharsets.US_ASCII);
  }

  // ---------------------------------------------------------------- decoding

  /** Reads one object member value; {@code p} is positioned on the value's first token. */
  interface MemberReader {
    void read(int fieldIndex, JsonParser p) throws IOException, WireFormatException;
  }

  /** Decodes a whole document that must be one object. */
  static void decodeDocument(byte[] json, String message, String[] fields, MemberReader reader)
      throws WireFormatException {
    if (json == null) {
      throw new WireFormatException(message + ": no JSON document");
    }
    // Go reads UTF-8 only and replaces invalid sequences with U+FFFD; so does this decoder.
    String text = new String(json, StandardCharsets.UTF_8);
    if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
      throw new WireFormatException(message + ": byte order mark before the JSON value");
    }
    try (JsonParser p = FACTORY.createParser(new StringReader(text))) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new WireFormatException(message + ": empty document");
      }
      if (t != JsonToken.START_OBJECT) {
        throw new WireFormatException(
            message + ": document is " + describe(t) + ", not a JSON object");
      }
      readObject(p, message, fields, reader);
      JsonToken after = p.nextToken();
      if (after != null) {
        throw new WireFormatException(
            message + ": data after the top-level object at offset " + offset(p));
      }
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      String detail = String.valueOf(e.getOriginalMessage()).split("\n", 2)[0];
      throw new WireFormatException(
          message
              + ": invalid JSON"
              + (loc == null ? "" : " at offset " + loc.getCharOffset())
              + ": "
              + detail,
          null);
    } catch (IOException e) {
      throw new WireFormatException(message + ": cannot read JSON: " + e.getMessage(), null);
    }
  }

  /** Reads the members of an object; {@code p} is on START_OBJECT, ends on END_OBJECT. */
  static void readObject(JsonParser p, String where, String[] fields, MemberReader reader)
      throws IOException, WireFormatException {
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      int index = match(p.currentName(), fields);
      JsonToken value = p.nextToken();
      if (index < 0) {
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
          p.skipChildren();
        }
      } else {
        reader.read(index, p);
      }
    }
    if (t != JsonToken.END_OBJECT) {
      throw new WireFormatException(where + ": malformed object at offset " + offset(p));
    }
  }

  /** Go's field matching: exact name first, then the folded name. */
  static int match(String name, String[] fields) {
    for (int i = 0; i < fields.length; i++) {
      if (fields[i].equals(name)) {
        return i;
      }
    }
    String folded = fold(name);
    for (int i = 0; i < fields.length; i++) {
      if (fold(fields[i]).equals(folded)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Go's {@code foldName}: ASCII upper-cased; other code points mapped to the smallest member of
   * their simple case-folding orbit. Only U+017F (long s, orbit {S, s, ſ}) and U+212A (Kelvin sign,
   * orbit {K, k, K}) fold onto ASCII letters, and field names here are ASCII, so every other
   * non-ASCII code point is kept as-is (it can never match a field name).
   */
  static String fold(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp >= 'a' && cp <= 'z') {
        cp -= 'a' - 'A';
      } else if (cp == 0x017F) {
        cp = 'S';
      } else if (cp == 0x212A) {
        cp = 'K';
      }
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }

  /** A {@code []byte} value: a base64 string or null. */
  static byte[] readBytes(JsonParser p, String member) throws IOException, WireFormatException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_STRING) {
      throw new WireFormatException(
          member + ": expected a base64 string or null, got " + describe(t));
    }
    return decodeBase64(p.getText(), member);
  }

  /** A {@code [][]byte} value: an array of base64 strings (or nulls), or null. */
  static List<byte[]> readBytesList(JsonParser p, String member)
      throws IOException, WireFormatException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.START_ARRAY) {
      throw new WireFormatException(member + ": expected an array or null, got " + describe(t));
    }
    List<byte[]> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      out.add(readBytes(p, member + "[" + out.size() + "]"));
    }
    return out;
  }

  /**
   * Go's {@code base64.StdEncoding.DecodeString}: standard alphabet, padding required, {@code \r}
   * and {@code \n} ignored anywhere, nothing after the padding.
   */
  static byte[] decodeBase64(String s, String member) throws WireFormatException {
    // Fast path (the JDK's decoder) for the common case: no line breaks, padded length. The JDK
    // accepts exactly what Go does there (standard alphabet, '=' only as final padding, trailing
    // bits ignored); anything it refuses goes to the exact decoder below for Go's error message.
    if (s.length() % 4 == 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      try {
        return java.util.Base64.getDecoder().decode(s);
      } catch (IllegalArgumentException e) {
        // fall through: the loop below reports the position
      }
    }
    char[] c = new char[s.length()];
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch != '\r' && ch != '\n') {
        c[n++] = ch;
      }
    }
    if (n % 4 != 0) {
      throw new WireFormatException(member + ": base64 length is not a multiple of 4 (unpadded?)");
    }
    int pad = 0;
    if (n > 0 && c[n - 1] == '=') {
      pad = c[n - 2] == '=' ? 2 : 1;
    }
    byte[] out = new byte[n / 4 * 3 - pad];
    int o = 0;
    for (int q = 0; q < n; q += 4) {
      int acc = 0;
      for (int j = 0; j < 4; j++) {
        int pos = q + j;
        int v = pos >= n - pad ? 0 : value(c[pos]);
        if (v < 0) {
          char ch = c[pos];
          throw new WireFormatException(
              member
                  + ": illegal base64 data at position "
                  + pos
                  + (ch == '-' || ch == '_' ? " (URL-safe alphabet is not accepted)" : ""));
        }
        acc = (acc << 6) | v;
      }
      for (int k = 0; k < 3 && o < out.length; k++) {
        out[o++] = (byte) (acc >> (16 - 8 * k));
      }
    }
    return out;
  }

  private static int value(char ch) {
    if (ch >= 'A' && ch <= 'Z') {
      return ch - 'A';
    }
    if (ch >= 'a' && ch <= 'z') {
      return ch - 'a' + 26;
    }
    if (ch >= '0' && ch <= '9') {
      return ch - '0' + 52;
    }
    if (ch == '+') {
      return 62;
    }
    if (ch == '/') {
      return 63;
    }
    return -1;
  }

  static String describe(JsonToken t) {
    if (t == null) {
      return "end of input";
    }
    switch (t) {
      case START_OBJECT:
        return "an object";
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return t.toString();
    }
  }

  private static long offset(JsonParser p) {
    return p.currentLocation().getCharOffset();
  }
}
