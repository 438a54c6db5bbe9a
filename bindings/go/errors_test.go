package lfe

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// Every LFE_E_* code in the header has an error value with the same name and code, distinct
// text, and errors.Is works on it (also when wrapped).
func TestEveryStatusCodeHasAnError(t *testing.T) {
	hdr, err := os.ReadFile("../../include/lfe.h")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^#define (LFE_E_[A-Z_]+) (-?[0-9]+)`)
	ms := re.FindAllSubmatch(hdr, -1)
	if len(ms) < 14 {
		t.Fatalf("found only %d LFE_E_* codes in the header", len(ms))
	}
	texts := map[string]string{}
	for _, m := range ms {
		name := string(m[1])
		code, _ := strconv.Atoi(string(m[2]))
		e, ok := errorsByCode[int32(code)]
		if !ok {
			t.Errorf("%s (%d) has no error value in the Go binding", name, code)
			continue
		}
		if e.Name() != name || e.Code() != int32(code) {
			t.Errorf("%s (%d): binding has %s (%d)", name, code, e.Name(), e.Code())
		}
		if prev, dup := texts[e.Error()]; dup {
			t.Errorf("%s and %s share the text %q", name, prev, e.Error())
		}
		texts[e.Error()] = name
		got := StatusError(int32(code))
		if got != e || !errors.Is(got, e) || !errors.Is(fmt.Errorf("op: %w", got), e) {
			t.Errorf("%s: StatusError/errors.Is do not give the sentinel", name)
		}
	}
	if len(errorsByCode) != len(ms) {
		t.Errorf("binding has %d codes, header %d", len(errorsByCode), len(ms))
	}
	if StatusError(0) != nil {
		t.Error("LFE_OK must be nil")
	}
	unk := StatusError(-1000)
	var le *Error
	if !errors.As(unk, &le) || le.Code() != -1000 || errors.Is(unk, ErrFull) {
		t.Errorf("unknown code: %v", unk)
	}
	if !errors.Is(unk, StatusError(-1000)) {
		t.Error("unknown codes must compare by code")
	}
}

func TestSelftestPanicIsErrPanic(t *testing.T) {
	err := SelftestPanic()
	if !errors.Is(err, ErrPanic) {
		t.Fatalf("lfe_selftest_panic gave %v, want ErrPanic", err)
	}
	// The library is still usable after a caught panic.
	if LibraryABIVersion() != ABIVersion {
		t.Fatal("ABI version changed")
	}
}

func TestVersion(t *testing.T) {
	if ok, _ := regexp.MatchString(`^\d+\.\d+\.\d+`, Version()); !ok {
		t.Fatalf("version %q", Version())
	}
	if LibraryABIVersion() != ABIVersion {
		t.Fatalf("abi %d vs %d", LibraryABIVersion(), ABIVersion)
	}
}

// The handle call's table gives the same error as StatusError for every code, and an unknown
// code unwraps to StatusError's *Error.
func TestHandleCallErrorTable(t *testing.T) {
	for i := range codeErrors {
		if codeErrors[i] != StatusError(int32(-i)) {
			t.Fatalf("code %d: table %v, StatusError %v", -i, codeErrors[i], StatusError(int32(-i)))
		}
	}
	var e *Error
	u := error(unknownStatus(-999))
	if !errors.As(u, &e) || e.Error() != u.Error() {
		t.Fatalf("unknown code: %v", u)
	}
}
