package lfe

// #include <lfe.h>
import "C"

import (
	"runtime"
	"unsafe"
)

// handle is one C handle: its pointer, which never changes, and the two C calls that end it.
//
// No Go lock guards it, and entering a call writes nothing shared (the lock every call used to
// take was one counter written by every goroutine). Safety against Close comes from the C
// side (README, "C API conventions": closing and freeing are two steps): Close runs the
// handle's lfe_*_close_handle, which may race any call (that call then returns LFE_E_CLOSED,
// i.e. ErrClosed, or completes as if it ran first), and blocked calls wake with ErrClosed.
// The memory is freed by lfe_*_free from the wrapper's cleanup (runtime.AddCleanup), which
// runs only once the wrapper is unreachable: every method keeps its wrapper reachable until
// its C call returned (runtime.KeepAlive in call), so no call can be in flight then.
//
// The pointer is kept as unsafe.Pointer because cgo's opaque handle types are incomplete and
// cannot be type arguments; each wrapper converts it back to its C type.
type handle struct {
	ptr   unsafe.Pointer
	close func(unsafe.Pointer) // lfe_*_close_handle: idempotent, safe against any call
	free  func(unsafe.Pointer) // lfe_*_free: only from the cleanup
}

// call runs f with the C pointer and returns f's status as an error (LFE_E_CLOSED after
// Close: ErrClosed). owner is the wrapper whose cleanup frees h: it is kept reachable until f
// returns, so the memory is never freed while a call is in flight.
//
// It is small enough for the compiler to inline (the error is made out of line), so that f's
// C call is made directly from the method: a handle call costs about a bare cgo call.
func (h *handle) call(owner any, f func(p unsafe.Pointer) C.int32_t) error {
	rc := f(h.ptr)
	runtime.KeepAlive(owner)
	if i := -int(rc); uint(i) < uint(len(codeErrors)) {
		return codeErrors[i]
	}
	return unknownStatus(rc)
}

// owned is what every wrapper embeds: the handle of its C object, freed by a cleanup once the
// wrapper is unreachable.
type owned struct {
	h *handle
}

// own gives w (whose embedded owned is o) a handle for the C object p, closed by closeC and
// freed with free by the cleanup that runs once w is unreachable.
func own[W any](w *W, o *owned, p unsafe.Pointer, closeC, free func(unsafe.Pointer)) {
	o.h = &handle{ptr: p, close: closeC, free: free}
	runtime.AddCleanup(w, func(h *handle) { h.free(h.ptr) }, o.h)
}

// create calls a C constructor that writes its new object to *out and, on success, gives w
// (whose embedded owned is o) that object, closed by closeC and freed with free.
func create[W any](w *W, o *owned, newC func(out *unsafe.Pointer) C.int32_t, closeC, free func(unsafe.Pointer)) (*W, error) {
	var p unsafe.Pointer
	if err := statusError(newC(&p)); err != nil {
		return nil, err
	}
	own(w, o, p, closeC, free)
	return w, nil
}

// get makes one call through h that writes a T, starting from v, and returns what it wrote.
func get[T any](h *handle, owner any, v T, f func(p unsafe.Pointer, out *T) C.int32_t) (T, error) {
	err := h.call(owner, func(p unsafe.Pointer) C.int32_t { return f(p, &v) })
	return v, err
}

// versioned returns a zero T with its leading size field set to sizeof(T): every versioned
// struct of the ABI (configs, counters, stats) starts with a size_t size (README, "ABI notes").
func versioned[T any]() T {
	var v T
	*(*C.size_t)(unsafe.Pointer(&v)) = C.size_t(unsafe.Sizeof(v))
	return v
}

// Close closes the C object at once, without waiting for the calls in flight: they and every
// later call return ErrClosed (or, racing it, complete as if they ran first), and blocked calls
// wake with ErrClosed. Its memory is freed when the wrapper is garbage-collected. Calling Close
// twice is harmless. It always returns nil (the error is io.Closer's).
func (o *owned) Close() error {
	o.h.close(o.h.ptr)
	runtime.KeepAlive(o)
	return nil
}
