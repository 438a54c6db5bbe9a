//go:build cgo && !lfe_repo

package lfe

// Default linking: an installed lfe, found through pkg-config (`make install` writes lfe.pc;
// set PKG_CONFIG_PATH when the prefix is not a standard one, e.g.
// PKG_CONFIG_PATH=/opt/lfe/lib/pkgconfig). The installed lfe.pc links the shared library with
// an rpath to its libdir. No build tag is needed; inside the repository `make go-test` builds
// with -tags lfe_repo instead (link_repo.go), and the self-contained copy written by
// `make go-dist` links its bundled static library.

/*
#cgo pkg-config: lfe
*/
import "C"
