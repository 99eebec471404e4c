package dev.tpmdevid.agent;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * TPM device autodetection as SPIRE's agent does it (docs/protocol.md#agent-config): in {@code
 * /dev}, names ending in {@code tpmrm<N>} first; exactly one match is used, more than one is an
 * error; if there is none the same with {@code tpm<N>}.
 */
final class DeviceAutodetect {

  private static final Pattern TPMRM = Pattern.compile("tpmrm\\d+$");
  private static final Pattern TPM = Pattern.compile("tpm\\d+$");

  private DeviceAutodetect() {}

  static String detect(Path devDir) throws AgentException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(devDir)) {
      for (Path p : dir) {
        names.add(p.getFileName().toString());
      }
    } catch (IOException e) {
      throw new AgentException(
          AgentException.Kind.CONFIG,
          "tpm autodetection failed: cannot list "
              + devDir
              + ": "
              + e.getMessage()
              + "; set tpm_device_path");
    }
    for (Pattern pattern : List.of(TPMRM, TPM)) {
      List<String> found = new ArrayList<>();
      for (String name : names) {
        if (pattern.matcher(name).find()) {
          found.add(name);
        }
      }
      if (found.size() == 1) {
        return devDir.resolve(found.get(0)).toString();
      }
      if (found.size() > 1) {
        found.sort(null);
        throw new AgentException(
            AgentException.Kind.CONFIG,
            "tpm autodetection failed: more than one possible TPM device was found "
                + found
                + "; set tpm_device_path");
      }
    }
    throw new AgentException(
        AgentException.Kind.CONFIG,
        "tpm autodetection failed: no TPM device (tpmrm<N> or tpm<N>) found in "
            + devDir
            + "; set tpm_device_path (a TPM character device, a swtpm unix socket path or tcp://host:port)");
  }
}
