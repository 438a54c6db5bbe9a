package lfe_test

import (
	"errors"
	"fmt"

	lfe "github.com/lfe-engine/lfe/bindings/go"
)

func ExampleLockdep() {
	v, _ := lfe.NewLockdep(lfe.LockdepOptions{}) // fails only on bad options
	defer v.Close()
	procs, _ := v.Register("procs.mu")
	logs, _ := v.Register("logs.mu")

	// Goroutine 1 takes procs then logs; goroutine 2 takes logs then procs.
	_ = v.Acquire(1, procs)
	_ = v.Acquire(1, logs)
	_ = v.Release(1, logs)
	_ = v.Release(1, procs)
	_ = v.Acquire(2, logs)
	err := v.Acquire(2, procs)
	fmt.Println(errors.Is(err, lfe.ErrConflict))

	vs, _, _, _ := v.Violations(0)
	fmt.Println(vs[0].Kind, vs[0].Path)
	// Output:
	// true
	// order-inversion logs.mu -> procs.mu -> logs.mu
}
