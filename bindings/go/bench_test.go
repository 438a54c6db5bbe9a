package lfe

// Benchmarks: lfe against pure-Go stores (baseline_test.go) in the same run. Run with
//
//	go test -tags lfe_repo -run '^$' -bench . -benchtime 200ms   (in the repository, after make lib)
//
// BenchmarkCgoCall measures the bare cost of a cgo transition (lfe_abi_version does nothing).

import (
	"testing"
)

func BenchmarkCgoCall(b *testing.B) {
	var s uint32
	for b.Loop() {
		s += abiCall()
	}
	_ = s
}

func BenchmarkGoCall(b *testing.B) {
	var s uint32
	for b.Loop() {
		s += goNop()
	}
	_ = s
}

//go:noinline
func goNop() uint32 { return 1 }
