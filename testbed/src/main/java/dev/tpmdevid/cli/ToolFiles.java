package dev.tpmdevid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/** Reading and writing the files the step-by-step commands exchange. */
final class ToolFiles {
  /** Largest file any command reads (a payload is about 5 KB, a CA bundle a few hundred KB). */
  static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

  static final ObjectMapper JSON = new ObjectMapper();

  private ToolFiles() {}

  static byte[] read(Path file) throws IOException, ToolCommand.Failure {
    if (!Files.isRegularFile(file)) {
      throw new ToolCommand.Failure("no such file: " + file);
    }
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new ToolCommand.Failure(
          file + ": file too large (more than " + MAX_FILE_BYTES + " bytes)");
    }
    return Files.readAllBytes(file);
  }

  /** Writes a public file (replacing it). */
  static void write(Path file, byte[] data) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.write(file, data);
  }

  /** Writes a file holding secret material: mode 0600 from creation on, replaced atomically. */
  static void writeSecret(Path file, byte[] data) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp;
    try {
      tmp =
          Files.createTempFile(
              dir,
              ".tpm-devid",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      tmp = Files.createTempFile(dir, ".tpm-devid", ".tmp");
    }
    try {
      Files.write(tmp, data);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** A JSON object file. */
  static ObjectNode readJsonObject(Path file, String what) throws IOException, ToolCommand.Failure {
    JsonNode n;
    try {
      n = JSON.readTree(read(file));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new ToolCommand.Failure(file + " is not a " + what + " (not JSON)");
    }
    if (!(n instanceof ObjectNode)) {
      throw new ToolCommand.Failure(file + " is not a " + what + " (not a JSON object)");
    }
    return (ObjectNode) n;
  }

  /** A base64 (standard, padded) string member of a state file. */
  static byte[] base64Member(ObjectNode o, String member, Path file) throws ToolCommand.Failure {
    JsonNode v = o.get(member);
    if (v == null || !v.isTextual()) {
      throw new ToolCommand.Failure(file + ": member \"" + member + "\" missing or not a string");
    }
    try {
      return Base64.getDecoder().decode(v.asText());
    } catch (IllegalArgumentException e) {
      throw new ToolCommand.Failure(file + ": member \"" + member + "\" is not valid base64");
    }
  }

  static String textMember(ObjectNode o, String member, Path file) throws ToolCommand.Failure {
    JsonNode v = o.get(member);
    if (v == null || !v.isTextual()) {
      throw new ToolCommand.Failure(file + ": member \"" + member + "\" missing or not a string");
    }
    return v.asText();
  }

  static byte[] pretty(JsonNode n) throws IOException {
    return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  static String sha256Hex(byte[] b) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
