#!/usr/bin/env bash
# A Go user outside the repository (issue 18): `make install` into a temporary prefix, then a
# new module in a temporary directory (`go mod init`, `replace` to bindings/go) builds with no
# build tag through pkg-config (PKG_CONFIG_PATH to the prefix) and runs a log store and queue
# round trip. The module needs nothing from the network (GOPROXY=off, GOFLAGS=-mod=mod).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$top" install PREFIX="$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" GOPROXY=off GOFLAGS=-mod=mod GOWORK=off \
  CGO_ENABLED=1 GOCACHE="${GOCACHE:-$(go env GOCACHE)}"
mkdir "$tmp/app"
cp "$top/scripts/go_roundtrip_main.go.txt" "$tmp/app/main.go"
cd "$tmp/app"
go mod init example.com/lfe-install-check >/dev/null 2>&1
go mod edit -require=github.com/lfe-engine/lfe/bindings/go@v0.0.0 \
  -replace=github.com/lfe-engine/lfe/bindings/go="$top/bindings/go"
go build -o app .
# The installed shared library is the one linked (rpath from lfe.pc), not a static copy.
ldd ./app | grep -q "$tmp/prefix/lib/liblfe.so" || { echo "app does not use the installed liblfe.so"; ldd ./app; exit 1; }
./app
echo "go-install-check: an outside module built with pkg-config, no build tag, and ran"
