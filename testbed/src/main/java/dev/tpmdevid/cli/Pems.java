package dev.tpmdevid.cli;

import dev.tpmdevid.core.pem.Pem;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEM files for {@code tpm-devid inspect}: each block decoded by its label, read with the project's
 * one PEM codec ({@link Pem}, Go's rules: a block that is not valid PEM is skipped, as SPIRE skips
 * it).
 */
final class Pems {

  /** A PEM block: its label and DER. */
  record Block(String label, byte[] der) {}

  private Pems() {}

  static boolean looksLikePem(byte[] data) {
    String head =
        new String(data, 0, Math.min(data.length, 64 * 1024), StandardCharsets.ISO_8859_1);
    return head.contains("-----BEGIN ");
  }

  static List<Block> blocks(byte[] data) {
    List<Block> out = new ArrayList<>();
    for (Pem.Block b : Pem.decodeAll(data)) {
      out.add(new Block(b.type(), b.bytes()));
    }
    return out;
  }

  static Inspector.Result inspect(byte[] data) throws Inspector.Unknown {
    List<Block> blocks = blocks(data);
    if (blocks.isEmpty()) {
      throw new Inspector.Unknown("PEM-looking text without a complete BEGIN/END block");
    }
    List<Object> items = new ArrayList<>();
    int certs = 0;
    for (Block b : blocks) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("label", b.label());
      if (b.der() == null) {
        m.put("error", "invalid base64");
      } else if (b.label().equals("CERTIFICATE")) {
        certs++;
        m.putAll(X509Describer.describe(b.der()));
      } else if (b.label().equals("CERTIFICATE REQUEST")
          || b.label().equals("NEW CERTIFICATE REQUEST")) {
        Inspector.Result r = X509Describer.inspectDer(b.der());
        m.putAll(r == null ? Map.of("error", "not a PKCS#10 request") : r.fields());
      } else {
        m.put("size", b.der().length);
        m.put("note", b.label().contains("PRIVATE") ? "a private key: not shown" : "not decoded");
      }
      items.add(m);
    }
    String type;
    if (blocks.size() == 1) {
      type = "PEM " + blocks.get(0).label();
      Map<String, Object> only = new LinkedHashMap<>();
      only.putAll(castMap(items.get(0)));
      only.remove("label");
      return new Inspector.Result(type, only);
    }
    type =
        "PEM bundle: "
            + blocks.size()
            + " blocks, "
            + certs
            + " certificates (as devid_cert_path: leaf first;"
            + " as a CA bundle: every certificate is a trust anchor)";
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < items.size(); i++) {
      m.put("[" + i + "]", items.get(i));
    }
    return new Inspector.Result(type, m);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }
}
