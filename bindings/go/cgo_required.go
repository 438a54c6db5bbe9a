//go:build !cgo

package lfe

// This package calls the lfe C library through cgo, so it cannot be built with CGO_ENABLED=0
// (the default when cross-compiling or when no C compiler is found). Without this file such a
// build fails with puzzling "undefined: ..." errors; with it, the first error names the cause:
// the untyped string below cannot be used as an int, and the compiler quotes it.
var _ int = "package lfe needs cgo: build with CGO_ENABLED=1 and a C compiler (cc) on PATH"
