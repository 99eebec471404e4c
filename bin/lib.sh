# Shared by the launchers in bin/: locate the checkout (or the unpacked release) and a runnable jar.
# bin/release copies this file INTO each launcher of a release bundle (replacing the line that sources
# it), so that a launcher is one self-contained file and SPIRE's plugin_checksum over it covers this
# code as well as the SHA-256 pins it carries.
# shellcheck shell=bash
TPM_DEVID_HOME="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"

# require_jar <path relative to the checkout> : prints the absolute path or fails with a clear message.
require_jar() {
  local jar="$TPM_DEVID_HOME/$1"
  if [ ! -f "$jar" ]; then
    echo "tpm-devid: $1 is not built; run 'mvn -B -q -DskipTests package' in $TPM_DEVID_HOME first" >&2
    exit 1
  fi
  printf '%s\n' "$jar"
}

# The bundled runtime of a release (runtime/, made by jlink) first, then JAVA_HOME, then PATH.
java_cmd() {
  if [ -x "$TPM_DEVID_HOME/runtime/bin/java" ]; then printf '%s\n' "$TPM_DEVID_HOME/runtime/bin/java"
  elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then printf '%s\n' "$JAVA_HOME/bin/java"
  else printf '%s\n' java; fi
}

# JVM flags for the plugin processes. Anything the JVM prints on stdout before the go-plugin handshake
# line fails the plugin load ("Unrecognized remote plugin message"), and unified-logging warnings go to
# stdout by default: send all JVM output to stderr. SerialGC and a small initial heap keep start-up and
# the idle footprint low (docs/performance.md has the figures behind each choice).
PLUGIN_JVM_FLAGS=(-Xlog:disable -Xlog:all=warning:stderr -XX:+DisplayVMOutputToStderr
                  -XX:+UseSerialGC -Xshare:auto -Xms8m)
# The agent plugin runs on every node and does little CPU work (the TPM does it): C1 only, one compiler
# thread and a small code cache.
AGENT_PLUGIN_JVM_FLAGS=(-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=32m)
# The server plugin is long-lived and CPU-bound (RSA and ECDSA verification for every attesting node):
# full tiered compilation, because the BigInteger intrinsics that make RSA fast are C2's (C1 only costs
# 2x CPU per attestation); two compiler threads (the minimum with C2), a bounded code cache and heap.
SERVER_PLUGIN_JVM_FLAGS=(-XX:CICompilerCount=2 -XX:ReservedCodeCacheSize=48m -Xmx128m)
# Release only: the bundle's runtime is JDK 25 (bin/release), which JDK 17 of a source checkout is not.
# JDK 24+ print a warning on stderr, which is not a JSON log line, the first time a library uses
# sun.misc.Unsafe's memory access (protobuf, Netty) or calls a restricted native method (Netty's epoll
# transport loads its library): both are allowed here. bin/release dumps the AppCDS archives with the
# same flags (the JVM disables part of an archive whose dump had other module options). Compact object
# headers (-XX:+UseCompactObjectHeaders) were measured and left out: a 1.2 MB larger archive to hash
# at every start and no smaller idle resident set (the idle heap is a few MB).
RELEASE_JVM_FLAGS=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)

# plugin_jvm_flags NAME : PLUGIN_JVM_FLAGS plus the flags of plugin NAME (tpm-devid-{agent,server}-plugin).
plugin_jvm_flags() {
  case "$1" in
    *server*) PLUGIN_JVM_FLAGS+=("${SERVER_PLUGIN_JVM_FLAGS[@]}") ;;
    *) PLUGIN_JVM_FLAGS+=("${AGENT_PLUGIN_JVM_FLAGS[@]}") ;;
  esac
}

# Environment variables through which anyone who can set the plugin's environment could add code or
# flags to the JVM behind the pinned files' back.
unset JAVA_TOOL_OPTIONS JDK_JAVA_OPTIONS _JAVA_OPTIONS CLASSPATH

# sha256_lines FILE... : one "<lower-case hex SHA-256> <file>" line per file, in argument order (one
# process). OpenSSL's digest is several times faster than coreutils' where it is installed (it counts
# in every plugin start-up).
sha256_lines() {
  [ "$#" -gt 0 ] || return 0   # never a digest of stdin
  if command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$@" </dev/null
  else
    sha256sum -- "$@" </dev/null
  fi
}

# sha256_list FILE... : one lower-case hex SHA-256 per line, in argument order.
sha256_list() {
  sha256_lines "$@" | cut -d' ' -f1
}

# verify_pins NAME : checks every file of RELEASE_PINS ("sha256  path" lines relative to the release
# root, written by bin/release) and that runtime/ holds no file more or less. On any difference prints
# ONE line naming the file to stderr and exits 1: the plugin then never starts. It runs before every
# plugin start: one openssl process hashes every file, the rest is bash built-ins (no find, sort, cut).
verify_pins() {
  local name=$1 want path i LC_ALL=C
  local -a paths=() wants=() want_rt=() have_rt=() gots=() unset_opts=()
  while read -r want path; do
    paths+=("$path") wants+=("$want")
    [[ $path == runtime/* ]] && want_rt+=("$path")
  done <<<"$RELEASE_PINS"
  # The regular files and symlinks under runtime/ (dot files too), in C order as bin/release pins them:
  # bash sorts a glob's matches (in the C locale here) and ** does not follow symlinked directories.
  for i in globstar dotglob nullglob; do shopt -q "$i" || unset_opts+=("$i"); done
  shopt -s globstar dotglob nullglob
  for path in "$TPM_DEVID_HOME"/runtime/**; do
    if [[ -f $path || -L $path ]]; then have_rt+=("${path#"$TPM_DEVID_HOME"/}"); fi
  done
  [ "${#unset_opts[@]}" = 0 ] || shopt -u "${unset_opts[@]}"
  local IFS=$'\n'
  if [ "${want_rt[*]}" != "${have_rt[*]}" ]; then
    path=$(diff <(printf '%s\n' "${want_rt[@]}") <(printf '%s\n' "${have_rt[@]}") | grep -m1 '^[<>]' || true)
    case "$path" in
      '< '*) echo "$name: refusing to start: ${path#< } of the release is missing (reinstall the release)" >&2 ;;
      *) echo "$name: refusing to start: ${path#> } is not part of the release this launcher pins (reinstall the release)" >&2 ;;
    esac
    exit 1
  fi
  for path in "${paths[@]}"; do
    if [ ! -f "$TPM_DEVID_HOME/$path" ]; then
      echo "$name: refusing to start: $path of the release is missing (reinstall the release)" >&2
      exit 1
    fi
  done
  # Two digest processes, one per core, each over about half of the bytes (largest file first to the
  # group with fewer bytes): on two cores this halves the wall time of the check (docs/install.md).
  local size n bytes_a=0 bytes_b=0
  local -a group_a=() group_b=() got_a=() got_b=()
  local -A index=()
  for i in "${!paths[@]}"; do index[${paths[$i]}]=$i; done
  while IFS=" " read -r size path; do
    if [ "$bytes_a" -le "$bytes_b" ]; then group_a+=("$path") bytes_a=$((bytes_a + size))
    else group_b+=("$path") bytes_b=$((bytes_b + size)); fi
  done < <(cd "$TPM_DEVID_HOME" && stat -c '%s %n' -- "${paths[@]}" 2>/dev/null | sort -rn)
  # Without stat or sort (or if they listed fewer files): one group of every file, one process.
  if [ $((${#group_a[@]} + ${#group_b[@]})) -ne "${#paths[@]}" ]; then
    group_a=("${paths[@]}") group_b=()
  fi
  if [ "${#group_b[@]}" -gt 0 ]; then
    exec {n}< <(cd "$TPM_DEVID_HOME" && sha256_lines "${group_b[@]}")
    mapfile -t got_a < <(cd "$TPM_DEVID_HOME" && sha256_lines "${group_a[@]}")
    mapfile -t -u "$n" got_b
    exec {n}<&-
  else
    mapfile -t got_a < <(cd "$TPM_DEVID_HOME" && sha256_lines "${group_a[@]}")
  fi
  for i in "${!group_a[@]}"; do gots[${index[${group_a[$i]}]}]=${got_a[$i]:-}; done
  for i in "${!group_b[@]}"; do gots[${index[${group_b[$i]}]}]=${got_b[$i]:-}; done
  for i in "${!paths[@]}"; do
    want=${wants[$i]} path=${gots[$i]:-}
    if [ "$want" != "${path%% *}" ]; then
      echo "$name: refusing to start: ${paths[$i]} does not match the SHA-256 pinned in this launcher (pinned $want, found ${path%% *}; reinstall the release)" >&2
      exit 1
    fi
  done
}

# The digest that stands for the whole runtime/ tree: SHA-256 of its "sha256  path" lines, in C order
# (docs/install.md shows the same computation with find, sha256sum and sort).
runtime_digest() {
  printf '%s\n' "$RELEASE_PINS" | grep '  runtime/' | sha256sum | cut -d' ' -f1
}

# print_version NAME [JAR] : version, commit and the SHA-256 of every file this launcher executes.
print_version() {
  local name=$1 self
  self=$(sha256_list "$(readlink -f "$0")")
  if [ -n "${RELEASE_PINS:-}" ]; then
    echo "$name $RELEASE_VERSION"
    echo "commit $RELEASE_COMMIT"
    printf '%s\n' "$RELEASE_PINS" | grep -v '  runtime/' | sed 's/^\([0-9a-f]*\)  \(.*\)$/sha256 \1  \2/'
    echo "sha256 $(runtime_digest)  runtime/ (digest of $(printf '%s\n' "$RELEASE_PINS" | grep -c '  runtime/') files, see docs/install.md)"
    case "$name" in
      *-plugin) echo "sha256 $self  bin/$(basename "$0") (this launcher: SPIRE's plugin_checksum)" ;;
      *) echo "sha256 $self  bin/$(basename "$0") (this launcher)" ;;
    esac
  else
    local commit
    commit=$(git -C "$TPM_DEVID_HOME" rev-parse HEAD 2>/dev/null || echo unknown)
    echo "$name $(sed -n 's:^  <version>\(.*\)</version>$:\1:p' "$TPM_DEVID_HOME/pom.xml" | head -1) (source checkout)"
    echo "commit $commit"
    [ -n "${2:-}" ] && [ -f "$2" ] && echo "sha256 $(sha256_list "$2")  ${2#"$TPM_DEVID_HOME"/}"
    echo "sha256 $self  ${0#"$TPM_DEVID_HOME"/} (this launcher)"
  fi
}

# release_classpath ROOT : RELEASE_CLASSPATH (lib/a.jar:lib/b.jar:..., relative to the release root,
# written by bin/release with the jars in Maven's class-path order) with each entry under ROOT.
release_classpath() {
  local root=$1 cp="" entry
  local -a entries
  IFS=: read -ra entries <<<"$RELEASE_CLASSPATH"
  for entry in "${entries[@]}"; do cp+="${cp:+:}$root/$entry"; done
  printf '%s\n' "$cp"
}

# plugin_main NAME CHECKOUT_JAR ARGS... : runs a plugin. In a release: verify the pins, then exec the
# bundled runtime with the plugin's AppCDS archive. The archive was dumped with the class path
# /proc/self/fd/9/lib/... (release_classpath) and fd 9 open on the release root, so it matches wherever the release
# is unpacked (the JVM compares class paths literally). In a checkout: the jar the build made.
plugin_main() {
  local name=$1 checkout_jar=$2
  shift 2
  plugin_jvm_flags "$name"
  if [ -n "${RELEASE_PINS:-}" ]; then
    if [ "${1:-}" = --version ]; then print_version "$name"; verify_pins "$name"; exit 0; fi
    verify_pins "$name"
    exec 9<"$TPM_DEVID_HOME"
    exec "$TPM_DEVID_HOME/runtime/bin/java" "${RELEASE_JVM_FLAGS[@]}" "${PLUGIN_JVM_FLAGS[@]}" \
      -XX:SharedArchiveFile="$TPM_DEVID_HOME/lib/$name.jsa" -cp "$(release_classpath /proc/self/fd/9)" \
      "$RELEASE_MAIN" "$@"
  fi
  local jar
  jar=$(require_jar "$checkout_jar")
  if [ "${1:-}" = --version ]; then print_version "$name" "$jar"; exit 0; fi
  exec "$(java_cmd)" "${PLUGIN_JVM_FLAGS[@]}" -jar "$jar" "$@"
}
