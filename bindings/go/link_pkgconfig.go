//go:build lfe_pkgconfig

package lfe

// Linking through pkg-config (`go build -tags lfe_pkgconfig`): uses an installed lfe
// (`make install` writes lfe.pc; set PKG_CONFIG_PATH if the prefix is not standard). The
// installed lfe.pc links the shared library with an rpath to its libdir.

/*
#cgo pkg-config: lfe
*/
import "C"
