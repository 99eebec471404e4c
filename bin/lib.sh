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
