//go:build cgo && lfe_repo

package lfe

// Linking inside the repository (`-tags lfe_repo`, set by `make go-test`): the static library
// that `make lib` has just built at the repository root, so the package's tests always run
// against the current Rust sources and need no installed lfe. Paths are relative to this
// module (${SRCDIR}), so this only works in a checkout; everywhere else the default is
// link_pkgconfig.go (an installed lfe) or, in the copy `make go-dist` writes, the bundled
// static library.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../build/lib/liblfe.a -lm -ldl -lpthread
*/
import "C"
