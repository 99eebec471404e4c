#!/usr/bin/env bash
# Builds SPIRE v1.13.3 (spire-server, spire-agent) and SPIRE's own tpm_devid plugins served as
# external plugin binaries (go-tpm-devid-server-plugin, go-tpm-devid-agent-plugin) into
# testbed/spire/target/bin/. Everything comes from the Go module proxy at the versions pinned in
# go.mod/go.sum; nothing of SPIRE is copied into this repository (see docs/spire.md).
#
# The four binaries are cached per machine under ${TPM_DEVID_CACHE:-$HOME/.cache/tpm-devid}/spire/,
# keyed by the SHA-256 of go.mod, go.sum, the wrappers, this script and `go version`, so a second
# checkout on the same machine (CI's fresh clone) copies them instead of building again.
# Usage: testbed/spire/build.sh [--force]   (prints the directory of the binaries on its last line)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

spire_version=1.13.3
bins=(spire-server spire-agent go-tpm-devid-server-plugin go-tpm-devid-agent-plugin)

command -v go >/dev/null 2>&1 || {
  echo "testbed/spire/build.sh: Go (1.25.3 or newer) is required to build SPIRE; it was not found on PATH" >&2
  exit 1
}
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=1

key=$( { cat go.mod go.sum build.sh; find cmd -name '*.go' | LC_ALL=C sort | xargs cat; go version; } \
  | sha256sum | cut -c1-16)
cache_root=${TPM_DEVID_CACHE:-$HOME/.cache/tpm-devid}/spire
cache=$cache_root/$key
mkdir -p "$cache_root" target/bin

exec 9>"$cache_root/.lock"
flock 9

have_all() { for b in "${bins[@]}"; do [ -x "$1/$b" ] || return 1; done; }

if [ "${1:-}" = --force ] || ! have_all "$cache"; then
  echo "testbed/spire/build.sh: building SPIRE v$spire_version and the Go tpm_devid plugins (first time on this machine: a few minutes)" >&2
  start=$(date +%s)
  tmp=$(mktemp -d "$cache_root/build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  go mod download
  go build -trimpath \
    -ldflags "-X github.com/spiffe/spire/pkg/common/version.gittag=$spire_version" \
    -o "$tmp/" \
    github.com/spiffe/spire/cmd/spire-server github.com/spiffe/spire/cmd/spire-agent ./cmd/...
  have_all "$tmp" || { echo "testbed/spire/build.sh: the build did not produce all of: ${bins[*]}" >&2; exit 1; }
  rm -rf "$cache"
  mv "$tmp" "$cache"
  trap - EXIT
  echo "testbed/spire/build.sh: built in $(( $(date +%s) - start )) s" >&2
fi

for b in "${bins[@]}"; do
  cp -p "$cache/$b" "target/bin/$b.tmp" && mv -f "target/bin/$b.tmp" "target/bin/$b"
done
echo "$PWD/target/bin"
