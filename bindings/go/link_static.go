//go:build !lfe_pkgconfig

package lfe

// Default linking: the static library built by `make lib` at the repository root, so a Go
// program built from this module needs no LD_LIBRARY_PATH and no installed lfe. Paths are
// relative to this module (${SRCDIR}). Build with -tags lfe_pkgconfig to link an installed lfe
// through pkg-config instead (link_pkgconfig.go).

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../build/lib/liblfe.a -lm -ldl -lpthread
*/
import "C"
