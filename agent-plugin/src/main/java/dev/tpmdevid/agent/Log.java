package dev.tpmdevid.agent;

import dev.tpmdevid.plugin.PluginLog;

/**
 * The agent's log sink: hclog JSON lines on stderr via {@link PluginLog}. Never give it a secret.
 */
final class Log {

  private static final PluginLog LOG = PluginLog.get("tpm_devid");

  private Log() {}

  static void warn(String message, Object... kv) {
    LOG.warn(message, kv);
  }

  static void info(String message, Object... kv) {
    LOG.info(message, kv);
  }

  static void debug(String message, Object... kv) {
    LOG.debug(message, kv);
  }
}
