package lfe

import (
	"sync"
)

// handle guards one C handle against use-after-free.
//
// Every call into C holds the read lock for the duration of the C call (acquire/release);
// close takes the write lock, so it waits for calls in flight, frees the C object exactly once
// and leaves ptr nil, after which acquire returns ErrClosed. Blocking calls wait in short C
// timeouts and release the lock between them, so close is never delayed by more than one slice.
// Nested acquires on the same handle are not allowed (a pending close would deadlock them).
type handle[T any] struct {
	mu   sync.RWMutex
	ptr  *T
	free func(*T)
}

func newHandle[T any](ptr *T, free func(*T)) *handle[T] {
	return &handle[T]{ptr: ptr, free: free}
}

// acquire returns the live C pointer with the read lock held, or ErrClosed.
func (h *handle[T]) acquire() (*T, error) {
	h.mu.RLock()
	if h.ptr == nil {
		h.mu.RUnlock()
		return nil, ErrClosed
	}
	return h.ptr, nil
}

func (h *handle[T]) release() { h.mu.RUnlock() }

// close frees the C object once; later calls are no-ops. before, if not nil, runs under the
// write lock just before the free (e.g. to mark the structure closed in C).
func (h *handle[T]) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ptr == nil {
		return
	}
	p := h.ptr
	h.ptr = nil
	h.free(p)
}
