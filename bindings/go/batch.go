package lfe

/*
#cgo nocallback lfe_batch_free
#cgo noescape lfe_batch_free
#include <lfe.h>
*/
import "C"

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// batchView is a Go view of one lfe_batch while it is alive. The records are read in place;
// every byte field is copied out through the batch's single byte buffer: the whole buffer is
// copied once into one Go string, and each field is a substring of it (no copy per field).
type batchView struct {
	b    *C.lfe_batch
	base uintptr
	buf  string
}

// openBatch checks the batch's record kind and size and copies its byte buffer.
func openBatch(b *C.lfe_batch, kind C.uint32_t, size uintptr) (*batchView, error) {
	if b.count > 0 && (b.kind != kind || uintptr(b.record_size) != size) {
		return nil, fmt.Errorf("lfe: batch holds record kind %d size %d, binding expects kind %d size %d",
			b.kind, b.record_size, kind, size)
	}
	v := &batchView{b: b, base: uintptr(unsafe.Pointer(b.bytes))}
	if b.bytes_len > 0 {
		v.buf = C.GoStringN((*C.char)(unsafe.Pointer(b.bytes)), C.int(b.bytes_len))
	}
	return v, nil
}

// str returns the Go copy of an lfe_bytes field of a record of this batch.
func (v *batchView) str(f C.lfe_bytes) string {
	if f.len == 0 {
		return ""
	}
	off := uintptr(unsafe.Pointer(f.ptr)) - v.base
	return v.buf[off : off+uintptr(f.len)]
}

// records returns the batch's records as a slice of R (valid until lfe_batch_free).
func records[R any](b *C.lfe_batch) []R {
	if b.count == 0 || b.records == nil {
		return nil
	}
	return unsafe.Slice((*R)(b.records), int(b.count))
}

// decode checks that b holds records of kind (one R each) and converts each with dec.
func decode[R, T any](b *C.lfe_batch, kind C.uint32_t, dec func(v *batchView, r *R) T) ([]T, error) {
	v, err := openBatch(b, kind, unsafe.Sizeof(*new(R)))
	if err != nil {
		return nil, err
	}
	recs := records[R](b)
	out := make([]T, len(recs))
	for i := range recs {
		out[i] = dec(v, &recs[i])
	}
	return out, nil
}

// uint64s decodes up to n native-endian uint64s from a byte field (nil when n is 0).
func uint64s(s string, n int) []uint64 {
	if n <= 0 {
		return nil
	}
	out := make([]uint64, 0, n)
	for j := 0; j+8 <= len(s) && len(out) < n; j += 8 {
		out = append(out, binary.NativeEndian.Uint64([]byte(s[j:j+8])))
	}
	return out
}

// cursors are the next and missed fields of a batch a read returned.
type cursors struct{ next, missed uint64 }

// fetch makes one call through h that returns an lfe_batch, converts the batch with dec and
// frees it.
func fetch[T any](h *handle, owner any, call func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t,
	dec func(*C.lfe_batch) ([]T, error)) ([]T, cursors, error) {
	var b *C.lfe_batch
	if err := h.call(owner, func(p unsafe.Pointer) C.int32_t { return call(p, &b) }); err != nil {
		return nil, cursors{}, err
	}
	defer C.lfe_batch_free(b)
	items, err := dec(b)
	return items, cursors{next: uint64(b.next), missed: uint64(b.missed)}, err
}

// readPage is fetch for a cursor read: the items, the cursor for the next call and how many
// records were missed; on an error, the cursor the caller passed (a retry resumes there).
func readPage[T any](h *handle, owner any, cursor uint64, call func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t,
	dec func(*C.lfe_batch) ([]T, error)) ([]T, uint64, uint64, error) {
	items, c, err := fetch(h, owner, call, dec)
	if err != nil {
		return nil, cursor, 0, err
	}
	return items, c.next, c.missed, nil
}

// only returns the one item of a lookup's batch: ErrNotFound when it holds none.
func only[T any](items []T, _ cursors, err error) (T, error) {
	if err != nil || len(items) != 1 {
		var zero T
		return zero, errOr(err, ErrNotFound)
	}
	return items[0], nil
}

// cBytes is the lfe_bytes view of a Go byte slice or string for the duration of one cgo call
// (the cgo rules allow passing Go memory without Go pointers in it; C does not keep it).
func cBytesPtr(p []byte) (*C.uint8_t, C.size_t) {
	if len(p) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p))
}

// cStrPtr is cBytesPtr for a string (C never writes through it).
func cStrPtr(s string) (*C.uint8_t, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// cArena is one C allocation that input structs and the bytes they point to are laid out in,
// for one cgo call: C reads only C memory, so no Go pointer is ever stored where C can see it
// (cgo pointer rules). The caller sizes it with arenaSize and frees it after the call.
type cArena struct {
	base unsafe.Pointer
	off  uintptr
	size uintptr
}

// arenaSize is the room needed for structs of the given total size plus byte strings of the
// given total length (with alignment slack for each of n structs).
func arenaSize(structBytes, strBytes uintptr, n int) uintptr {
	return structBytes + strBytes + uintptr(n+1)*16
}

func newCArena(size uintptr) *cArena {
	if size == 0 {
		size = 16
	}
	mem := C.malloc(C.size_t(size))
	if mem == nil {
		panic("lfe: out of C memory")
	}
	return &cArena{base: mem, size: size}
}

// alloc returns n zeroed bytes aligned to 16.
func (a *cArena) alloc(n uintptr) unsafe.Pointer {
	a.off = (a.off + 15) &^ 15
	if a.off+n > a.size {
		panic("lfe: internal error: C arena too small")
	}
	p := unsafe.Add(a.base, a.off)
	clear(unsafe.Slice((*byte)(p), n))
	a.off += n
	return p
}

// bytes copies s into the arena and returns its lfe_bytes (NULL pointer when empty).
func (a *cArena) bytes(s string) C.lfe_bytes {
	if len(s) == 0 {
		return C.lfe_bytes{}
	}
	if a.off+uintptr(len(s)) > a.size {
		panic("lfe: internal error: C arena too small")
	}
	p := unsafe.Add(a.base, a.off)
	copy(unsafe.Slice((*byte)(p), len(s)), s)
	a.off += uintptr(len(s))
	return C.lfe_bytes{ptr: (*C.uint8_t)(p), len: C.size_t(len(s))}
}

func (a *cArena) free() { C.free(a.base) }
