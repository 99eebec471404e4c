# Shared by the launchers in bin/: locate the checkout and a runnable jar, build on demand.
# shellcheck shell=bash
TPM_DEVID_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# require_jar <path relative to the checkout> : prints the absolute path or fails with a clear message.
require_jar() {
  local jar="$TPM_DEVID_HOME/$1"
  if [ ! -f "$jar" ]; then
    echo "tpm-devid: $1 is not built; run 'mvn -B -q -DskipTests package' in $TPM_DEVID_HOME first" >&2
    exit 1
  fi
  printf '%s\n' "$jar"
}

java_cmd() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then printf '%s\n' "$JAVA_HOME/bin/java"; else printf '%s\n' java; fi
}

# JVM flags for the plugin processes. Anything the JVM prints on stdout before the go-plugin handshake
# line fails the plugin load ("Unrecognized remote plugin message"), and unified-logging warnings go to
# stdout by default: send all JVM output to stderr. C1-only and SerialGC shorten start-up (proto/README).
PLUGIN_JVM_FLAGS=(-Xlog:disable -Xlog:all=warning:stderr -XX:+DisplayVMOutputToStderr
                  -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto)
