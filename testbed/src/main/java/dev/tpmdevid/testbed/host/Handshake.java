package dev.tpmdevid.testbed.host;

import java.util.Set;

/**
 * The go-plugin handshake line a plugin prints first on stdout (docs/plugin-protocol.md#handshake),
 * parsed and checked the way SPIRE's go-plugin client does.
 *
 * @param line the line as received, trimmed
 * @param coreVersion field 1, must be 1
 * @param appVersion field 2, must be one of the host's versions (SPIRE: 1)
 * @param network field 3, {@code tcp} or {@code unix}
 * @param address field 4
 * @param protocol field 5, {@code grpc} (absent means {@code netrpc}, which SPIRE rejects)
 */
public record Handshake(
    String line, int coreVersion, int appVersion, String network, String address, String protocol) {

  static final int CORE_PROTOCOL_VERSION = 1;
  static final Set<Integer> HOST_APP_VERSIONS = Set.of(1);

  /**
   * Parses and validates one handshake line.
   *
   * @throws PluginLoadException with go-plugin's wording when the line is not acceptable
   */
  public static Handshake parse(String rawLine) throws PluginLoadException {
    String line = rawLine.strip();
    String[] parts = line.split("\\|", -1);
    if (parts.length < 4) {
      throw new PluginLoadException(
          "Unrecognized remote plugin message: "
              + line
              + "\nThis usually means the plugin was not compiled for this architecture,"
              + " the plugin is missing dynamic-link libraries necessary to run,"
              + " the plugin is not executable by this process due to file permissions,"
              + " or the plugin failed to negotiate the initial go-plugin protocol handshake");
    }
    int core;
    try {
      core = Integer.parseInt(parts[0]);
    } catch (NumberFormatException e) {
      throw new PluginLoadException("Error parsing core protocol version: " + parts[0]);
    }
    if (core != CORE_PROTOCOL_VERSION) {
      throw new PluginLoadException(
          "Incompatible core API version with plugin. Plugin version: "
              + parts[0]
              + ", Core version: "
              + CORE_PROTOCOL_VERSION);
    }
    int app;
    try {
      app = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new PluginLoadException("Error parsing protocol version: " + parts[1]);
    }
    if (!HOST_APP_VERSIONS.contains(app)) {
      throw new PluginLoadException(
          "Incompatible API version with plugin. Plugin version: "
              + app
              + ", Client versions: "
              + HOST_APP_VERSIONS);
    }
    String network = parts[2];
    if (!network.equals("tcp") && !network.equals("unix")) {
      throw new PluginLoadException("Unknown address type: " + network);
    }
    String address = parts[3];
    String protocol = parts.length > 4 && !parts[4].isEmpty() ? parts[4] : "netrpc";
    if (!protocol.equals("grpc")) {
      throw new PluginLoadException(
          "Unsupported plugin protocol \"" + protocol + "\". Supported: [grpc]");
    }
    if (parts.length > 5 && parts[5].length() > 50) {
      // A server certificate means AutoMTLS, which SPIRE never enables
      // (docs/plugin-protocol.md#handshake field 6).
      throw new PluginLoadException(
          "plugin sent a TLS server certificate, but SPIRE runs without AutoMTLS");
    }
    return new Handshake(line, core, app, network, address, protocol);
  }
}
