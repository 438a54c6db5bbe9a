#!/usr/bin/env bash
# The copy `make go-dist` writes, used the way a Go user without a Rust toolchain would: it is
# copied out of the repository (so no path can point back into it), a new module in a temporary
# directory requires it through `replace`, and the round-trip program builds and runs with
# cargo/rustc absent from PATH, no PKG_CONFIG_PATH and no build tag. The binary must not need
# liblfe.so at run time (the static library is linked).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dist=${1:-$top/build/go}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$dist" "$tmp/lfe-go"
nocargo=""
IFS=: read -r -a dirs <<< "$PATH"
for d in "${dirs[@]}"; do
  [ -x "$d/cargo" ] || [ -x "$d/rustc" ] || nocargo="${nocargo:+$nocargo:}$d"
done
go=$(command -v go)
mkdir "$tmp/app"
cp "$top/scripts/go_roundtrip_main.go.txt" "$tmp/app/main.go"
cd "$tmp/app"
export PATH="$nocargo" GOPROXY=off GOFLAGS=-mod=mod GOWORK=off CGO_ENABLED=1
unset PKG_CONFIG_PATH LFE_LIBRARY
! command -v cargo >/dev/null || { echo "cargo still on PATH"; exit 1; }
"$go" mod init example.com/lfe-dist-check >/dev/null 2>&1
"$go" mod edit -require=github.com/lfe-engine/lfe/bindings/go@v0.0.0 \
  -replace=github.com/lfe-engine/lfe/bindings/go="$tmp/lfe-go"
"$go" build -o app .
if ldd ./app | grep -q liblfe; then echo "app links liblfe.so, not the bundled static library"; exit 1; fi
./app
echo "go-dist-check: an outside module built against the go-dist copy without cargo, and ran"
