package lfe

// #include <lfe.h>
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// handle guards one C handle against use-after-free.
//
// Every call into C holds the read lock for the duration of the C call (acquire/release);
// close takes the write lock, so it waits for calls in flight, frees the C object exactly once
// and leaves ptr nil, after which acquire returns ErrClosed. Blocking calls wait in short C
// timeouts and release the lock between them, so close is never delayed by more than one slice.
// Nested acquires on the same handle are not allowed (a pending close would deadlock them).
//
// The pointer is kept as unsafe.Pointer because cgo's opaque handle types are incomplete and
// cannot be type arguments; each wrapper converts it back to its C type.
type handle struct {
	mu   sync.RWMutex
	ptr  unsafe.Pointer
	free func(unsafe.Pointer)
}

func newHandle(ptr unsafe.Pointer, free func(unsafe.Pointer)) *handle {
	return &handle{ptr: ptr, free: free}
}

// acquire returns the live C pointer with the read lock held, or ErrClosed.
func (h *handle) acquire() (unsafe.Pointer, error) {
	h.mu.RLock()
	if h.ptr == nil {
		h.mu.RUnlock()
		return nil, ErrClosed
	}
	return h.ptr, nil
}

func (h *handle) release() { h.mu.RUnlock() }

// close frees the C object once; later calls are no-ops.
func (h *handle) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ptr == nil {
		return
	}
	p := h.ptr
	h.ptr = nil
	h.free(p)
}

// call runs f with the live C pointer, the read lock held for the C call, and returns ErrClosed
// (f not run) or f's status as an error. owner is the wrapper whose cleanup closes h: it is
// kept reachable until f returns, so the cleanup never runs (and waits on the lock) while a
// call is in flight. f's C call should be its only use of the pointer.
func (h *handle) call(owner any, f func(p unsafe.Pointer) C.int32_t) error {
	p, err := h.acquire()
	if err != nil {
		return err
	}
	rc := f(p)
	h.release()
	runtime.KeepAlive(owner)
	return statusError(rc)
}

// owned is what every wrapper embeds: the handle of its C object, and the cleanup that closes
// that handle if the wrapper becomes unreachable without Close.
type owned struct {
	h       *handle
	cleanup runtime.Cleanup
}

// own gives w (whose embedded owned is o) a handle for the C object p, freed with free, and the
// cleanup that closes it once w is unreachable.
func own[W any](w *W, o *owned, p unsafe.Pointer, free func(unsafe.Pointer)) {
	o.h = newHandle(p, free)
	o.cleanup = runtime.AddCleanup(w, func(h *handle) { h.close() }, o.h)
}

// create calls a C constructor that writes its new object to *out and, on success, gives w
// (whose embedded owned is o) that object, freed with free.
func create[W any](w *W, o *owned, newC func(out *unsafe.Pointer) C.int32_t, free func(unsafe.Pointer)) (*W, error) {
	var p unsafe.Pointer
	if err := statusError(newC(&p)); err != nil {
		return nil, err
	}
	own(w, o, p, free)
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

// closeHandle closes the handle (waiting for calls in flight) and drops the cleanup.
func (o *owned) closeHandle() {
	o.h.close()
	o.cleanup.Stop()
}

// Close frees the C object after the calls in flight. Later calls return ErrClosed; calling
// Close twice is harmless. It always returns nil (the error is io.Closer's).
func (o *owned) Close() error {
	o.closeHandle()
	return nil
}
