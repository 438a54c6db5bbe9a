#!/usr/bin/env bash
# `make go-dist`: writes a self-contained copy of the Go module to OUT (default build/go/), the
# way wasmtime-go ships: the package sources, include/lfe.h and the static library for this
# platform (lib/<GOOS>_<GOARCH>/liblfe.a), with a link file that links that library by default.
# A Go program can then use the copy (a `replace` to it, or a vendored copy) on a machine with a
# C compiler and no Rust toolchain. -tags lfe_pkgconfig links an installed lfe instead.
#
# usage: scripts/go_dist.sh LIB [OUT]   (LIB: the static library to bundle, see the Makefile)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
lib=$1
out=${2:-$top/build/go}
goos=$(go env GOOS)
goarch=$(go env GOARCH)
plat="${goos}_${goarch}"

rm -rf "$out"
mkdir -p "$out/include" "$out/lib/$plat"
src="$top/bindings/go"
# The package's sources without its tests (they read files of the repository) and without the
# repository's link files (replaced below).
for f in "$src"/*.go "$src"/*.c "$src"/*.h "$src"/go.mod "$src"/README.md; do
  case "$(basename "$f")" in *_test.go|link_*.go) continue;; esac
  cp "$f" "$out/"
done
cp "$top/include/lfe.h" "$out/include/"
# Debug information is not needed to link or run; the symbols are (the linker resolves them).
strip --strip-debug -o "$out/lib/$plat/liblfe.a" "$lib"

cat > "$out/link_bundled.go" <<GO
//go:build cgo && !lfe_pkgconfig

package lfe

// Default linking of this copy (written by \`make go-dist\`): the static library bundled in
// lib/${plat}/, so programs need neither a Rust toolchain nor an installed lfe nor
// LD_LIBRARY_PATH. Build with -tags lfe_pkgconfig to link an installed lfe instead.

/*
#cgo CFLAGS: -I\${SRCDIR}/include
#cgo ${goos},${goarch} LDFLAGS: \${SRCDIR}/lib/${plat}/liblfe.a -lm -ldl -lpthread
*/
import "C"
GO
cat > "$out/link_bundled_other.go" <<GO
//go:build cgo && !lfe_pkgconfig && !(${goos} && ${goarch})

package lfe

// This copy bundles liblfe.a for ${goos}/${goarch} only; on another platform the build stops
// here with a message instead of a link error.
var _ int = "this copy of package lfe bundles liblfe.a for ${goos}/${goarch} only: run make go-dist on the target platform, or build with -tags lfe_pkgconfig against an installed lfe"
GO
cat > "$out/link_pkgconfig.go" <<'GO'
//go:build cgo && lfe_pkgconfig

package lfe

// -tags lfe_pkgconfig: link an installed lfe through pkg-config instead of the bundled library
// (`make install` writes lfe.pc; set PKG_CONFIG_PATH when the prefix is not a standard one).

/*
#cgo pkg-config: lfe
*/
import "C"
GO
gofmt -l "$out" | { if read -r f; then echo "go-dist: $f is not gofmt-clean"; exit 1; fi; }
echo "go-dist: $out ($(du -sh "$out/lib/$plat/liblfe.a" | cut -f1) library for $goos/$goarch)"
