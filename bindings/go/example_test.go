package lfe_test

import (
	"errors"
	"fmt"

	lfe "github.com/lfe-engine/lfe/bindings/go"
)

func ExampleError() {
	err := lfe.SelftestPanic() // lfe returns every failure as a status code; here LFE_E_PANIC
	fmt.Println(errors.Is(err, lfe.ErrPanic), errors.Is(err, lfe.ErrFull))
	var le *lfe.Error
	if errors.As(err, &le) {
		fmt.Println(le.Name(), le.Code())
	}
	// Output:
	// true false
	// LFE_E_PANIC -12
}
