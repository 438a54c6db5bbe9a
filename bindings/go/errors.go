package lfe

/*
#cgo nocallback lfe_status_str
#cgo noescape lfe_status_str
#include <lfe.h>
*/
import "C"

import "strconv"

// Error is a status code returned by the C library. The package's ErrXxx values are the only
// *Error values for known codes, so errors.Is(err, lfe.ErrFull) works, and so does a
// comparison with ==.
type Error struct {
	code int32
	name string
	text string
}

// Code returns the LFE_E_* status code.
func (e *Error) Code() int32 { return e.code }

// Name returns the C name of the code, e.g. "LFE_E_FULL".
func (e *Error) Name() string { return e.name }

// Error returns the library's text for the code (lfe_status_str), prefixed with "lfe: ".
func (e *Error) Error() string { return "lfe: " + e.text }

// Is reports whether target is an *Error with the same code, so that errors made for codes
// unknown to this binding still compare by code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.code == e.code
}

// One error value per LFE_E_* status code (include/lfe.h). TestEveryStatusCodeHasAnError checks
// that the header defines no code missing here.
var (
	ErrNull           = newError(C.LFE_E_NULL, "LFE_E_NULL")
	ErrInvalid        = newError(C.LFE_E_INVALID, "LFE_E_INVALID")
	ErrFull           = newError(C.LFE_E_FULL, "LFE_E_FULL")
	ErrEmpty          = newError(C.LFE_E_EMPTY, "LFE_E_EMPTY")
	ErrTimeout        = newError(C.LFE_E_TIMEOUT, "LFE_E_TIMEOUT")
	ErrNotFound       = newError(C.LFE_E_NOT_FOUND, "LFE_E_NOT_FOUND")
	ErrBufferTooSmall = newError(C.LFE_E_BUFFER_TOO_SMALL, "LFE_E_BUFFER_TOO_SMALL")
	ErrConflict       = newError(C.LFE_E_CONFLICT, "LFE_E_CONFLICT")
	ErrClosed         = newError(C.LFE_E_CLOSED, "LFE_E_CLOSED")
	ErrBadPattern     = newError(C.LFE_E_BAD_PATTERN, "LFE_E_BAD_PATTERN")
	ErrTooLarge       = newError(C.LFE_E_TOO_LARGE, "LFE_E_TOO_LARGE")
	ErrPanic          = newError(C.LFE_E_PANIC, "LFE_E_PANIC")
	ErrExists         = newError(C.LFE_E_EXISTS, "LFE_E_EXISTS")
	ErrUnsupported    = newError(C.LFE_E_UNSUPPORTED, "LFE_E_UNSUPPORTED")
	ErrNoMem          = newError(C.LFE_E_NOMEM, "LFE_E_NOMEM")
)

var errorsByCode = map[int32]*Error{}

func newError(code C.int, name string) *Error {
	e := &Error{code: int32(code), name: name, text: C.GoString(C.lfe_status_str(C.int32_t(code)))}
	errorsByCode[e.code] = e
	return e
}

// statusError maps a C status to nil (LFE_OK) or its error value. It does not allocate for
// known codes.
// codeErrors[-rc] is the error of each status code the binding knows (nil for LFE_OK), for
// the inlined handle call; ErrPanic and the others are filled in by init.
var codeErrors [16]error

func init() {
	for code, e := range errorsByCode {
		if i := -int(code); i > 0 && i < len(codeErrors) {
			codeErrors[i] = e
		}
	}
}

// unknownStatus is a status code this binding does not know (a newer library), as the handle
// call returns it without making an *Error inline; it unwraps to StatusError's *Error.
type unknownStatus C.int32_t

func (u unknownStatus) Error() string { return statusError(C.int32_t(u)).Error() }

// Unwrap returns the *Error of the code.
func (u unknownStatus) Unwrap() error { return statusError(C.int32_t(u)) }

func statusError(rc C.int32_t) error {
	if rc == C.LFE_OK {
		return nil
	}
	if e, ok := errorsByCode[int32(rc)]; ok {
		return e
	}
	return &Error{code: int32(rc), name: "LFE_E(" + strconv.Itoa(int(rc)) + ")",
		text: C.GoString(C.lfe_status_str(rc))}
}

// StatusError returns the error value for a raw status code (nil for LFE_OK). It is exported
// for tests and for hosts that log raw codes.
func StatusError(code int32) error { return statusError(C.int32_t(code)) }
