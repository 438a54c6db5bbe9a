package lfe

/*
#cgo nocallback lfe_abi_version
#cgo noescape lfe_abi_version
#cgo nocallback lfe_version
#cgo noescape lfe_version
#include <lfe.h>
*/
import "C"

import "fmt"

// ABIVersion is the C ABI version this package was compiled against (LFE_ABI_VERSION).
const ABIVersion = C.LFE_ABI_VERSION

// Version returns the version of the linked library, e.g. "0.1.0" (lfe_version).
func Version() string { return C.GoString(C.lfe_version()) }

// LibraryABIVersion returns the ABI version of the linked library (lfe_abi_version). It equals
// ABIVersion unless the package was linked against another build of lfe; the package checks this
// when it is initialised and panics on a mismatch.
func LibraryABIVersion() uint32 { return uint32(C.lfe_abi_version()) }

func init() {
	if got := LibraryABIVersion(); got != ABIVersion {
		panic(fmt.Sprintf("lfe: linked library has ABI %d, package compiled for ABI %d: rebuild", got, ABIVersion))
	}
}

// SelftestPanic makes the library panic inside its ABI guard (lfe_selftest_panic) and returns
// the resulting error, which matches ErrPanic. It checks, on this platform and build, that a
// Rust panic comes back as an error instead of aborting the Go program. The library prints the
// panic message to stderr.
func SelftestPanic() error { return statusError(C.lfe_selftest_panic()) }

// abiCall is the cheapest possible cgo call (lfe_abi_version); benchmarks use it to measure the
// cgo transition cost.
func abiCall() uint32 { return uint32(C.lfe_abi_version()) }
