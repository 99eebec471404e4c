package dev.tpmdevid.core.cred;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Minimal JSON tree reader (jackson-core streaming) and test-data lookup for vector files. */
final class TestJson {

  private TestJson() {}

  /** Reads a JSON document into Map / List / String / Long / Double / Boolean / null. */
  static Object read(Path file) {
    try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
      p.nextToken();
      return value(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object value(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT:
        {
          Map<String, Object> m = new LinkedHashMap<>();
          while (p.nextToken() != JsonToken.END_OBJECT) {
            String name = p.currentName();
            p.nextToken();
            m.put(name, value(p));
          }
          return m;
        }
      case START_ARRAY:
        {
          List<Object> l = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            l.add(value(p));
          }
          return l;
        }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IOException("unexpected token " + t);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> obj(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  static byte[] hex(Object o) {
    return HexFormat.of().parseHex((String) o);
  }

  /** A Wycheproof vector file of {@code testdata/wycheproof/} (fails naming it when missing). */
  static Path wycheproof(String file) {
    return dev.tpmdevid.core.TestData.file("wycheproof", file);
  }

  static Path resource(String name) {
    try {
      return Paths.get(TestJson.class.getResource("/cred/" + name).toURI());
    } catch (Exception e) {
      throw new IllegalStateException("missing test resource cred/" + name, e);
    }
  }
}
