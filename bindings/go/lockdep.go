package lfe

/*
#cgo nocallback lfe_batch_free
#cgo noescape lfe_batch_free
#cgo nocallback lfe_lockdep_acquire
#cgo noescape lfe_lockdep_acquire
#cgo nocallback lfe_lockdep_acquire_shared
#cgo noescape lfe_lockdep_acquire_shared
#cgo nocallback lfe_lockdep_disable
#cgo noescape lfe_lockdep_disable
#cgo nocallback lfe_lockdep_enable
#cgo noescape lfe_lockdep_enable
#cgo nocallback lfe_lockdep_free
#cgo noescape lfe_lockdep_free
#cgo nocallback lfe_lockdep_new
#cgo noescape lfe_lockdep_new
#cgo nocallback lfe_lockdep_register
#cgo noescape lfe_lockdep_register
#cgo nocallback lfe_lockdep_release
#cgo noescape lfe_lockdep_release
#cgo nocallback lfe_lockdep_scan
#cgo noescape lfe_lockdep_scan
#cgo nocallback lfe_lockdep_stats
#cgo noescape lfe_lockdep_stats
#cgo nocallback lfe_lockdep_violations
#cgo noescape lfe_lockdep_violations
#include <lfe.h>
*/
import "C"

import (
	"encoding/binary"
	"runtime"
	"time"
	"unsafe"
)

// ViolationKind is the kind of a lock-order report (LFE_LOCKDEP_*).
type ViolationKind uint32

const (
	// Recursive: a lock taken again by its holder (write under write, read under write, write
	// under read).
	Recursive ViolationKind = C.LFE_LOCKDEP_RECURSIVE
	// RecursiveRead: a read lock taken again under itself (Go's RWMutex deadlocks if a writer
	// queues between).
	RecursiveRead ViolationKind = C.LFE_LOCKDEP_RECURSIVE_READ
	// OrderInversion: two locks taken in both orders (AB/BA).
	OrderInversion ViolationKind = C.LFE_LOCKDEP_ORDER_INVERSION
	// Cycle: a lock-order cycle of three or more locks.
	Cycle ViolationKind = C.LFE_LOCKDEP_CYCLE
	// ReleaseUnheld: a release of a lock the token does not hold.
	ReleaseUnheld ViolationKind = C.LFE_LOCKDEP_RELEASE_UNHELD
	// LongHold: a hold longer than LockdepOptions.LongHold.
	LongHold ViolationKind = C.LFE_LOCKDEP_LONG_HOLD
)

var violationNames = [...]string{"", "recursive", "recursive-read", "order-inversion", "cycle", "release-unheld", "long-hold"}

func (k ViolationKind) String() string {
	return enumName(violationNames[:], uint32(k), "ViolationKind")
}

// LockID identifies a registered lock class.
type LockID uint32

// Violation is one report of the validator.
type Violation struct {
	Seq      uint64 // dense from 0; pass Seq+1 as since to read newer reports only
	Kind     ViolationKind
	Lock     LockID // the lock of the call that found it
	LockName string
	Token    uint64        // the token of the call that found it
	Held     time.Duration // LongHold: how long it was held; otherwise 0
	Path     string        // lock names joined by " -> ", e.g. "A -> B -> A"
	PathIDs  []LockID
	Tokens   []uint64 // for a cycle, Tokens[i] first took PathIDs[i+1] while holding PathIDs[i]
}

// LockdepStats are the validator's counters.
type LockdepStats struct {
	Locks, Acquires, Releases, Edges, SlowPaths, Conflicts uint64
	Violations, ViolationsDropped, HoldingTokens           uint64
}

// LockdepOptions configures a Lockdep; zero fields take the library defaults.
type LockdepOptions struct {
	MaxLocks      int           // lock classes (default 1024, at most 8192)
	MaxHeld       int           // locks one token may hold at once (default 64)
	MaxTokens     int           // tokens holding locks at once (default 65536)
	MaxViolations int           // reports kept (default 1024); later ones are counted as dropped
	Shards        int           // shards of the token map (default 64)
	StartDisabled bool          // start disabled (call Enable)
	LongHold      time.Duration // report holds longer than this; 0 turns the check off
}

// Lockdep is a lockdep-style lock-order validator for the host's own locks: report each
// acquisition and release with a token (e.g. one per goroutine or request) and it reports
// recursive locking, order inversions, cycles and long holds by name. All methods are safe for
// concurrent use; one token must be used by one goroutine at a time.
type Lockdep struct {
	owned
}

// NewLockdep creates a validator (lfe_lockdep_new).
func NewLockdep(opts LockdepOptions) (*Lockdep, error) {
	cfg := C.lfe_lockdep_config{
		size:           C.size_t(unsafe.Sizeof(C.lfe_lockdep_config{})),
		max_locks:      C.uint32_t(max(opts.MaxLocks, 0)),
		max_held:       C.uint32_t(max(opts.MaxHeld, 0)),
		max_tokens:     C.uint32_t(max(opts.MaxTokens, 0)),
		max_violations: C.uint32_t(max(opts.MaxViolations, 0)),
		shards:         C.uint32_t(max(opts.Shards, 0)),
		long_hold_ns:   C.uint64_t(max(opts.LongHold, 0)),
	}
	if opts.StartDisabled {
		cfg.start_disabled = 1
	}
	v := &Lockdep{}
	return create(v, &v.owned, func(out *unsafe.Pointer) C.int32_t {
		return C.lfe_lockdep_new(&cfg, (**C.lfe_lockdep)(unsafe.Pointer(out)))
	}, func(p unsafe.Pointer) { C.lfe_lockdep_close_handle((*C.lfe_lockdep)(p)) },
		func(p unsafe.Pointer) { C.lfe_lockdep_free((*C.lfe_lockdep)(p)) })
}

// Register registers a lock class by name; the same name gives the same id. Errors:
// ErrTooLarge, ErrFull (MaxLocks names).
func (v *Lockdep) Register(name string) (LockID, error) {
	np, nl := cStrPtr(name)
	var id C.uint32_t
	err := v.h.call(v, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_lockdep_register((*C.lfe_lockdep)(p), np, nl, &id)
	})
	runtime.KeepAlive(name)
	return LockID(id), err
}

// Acquire reports that token is about to take lock id exclusively. ErrConflict means a
// violation was found (read it with Violations; the hold is recorded anyway); ErrNotFound an
// unregistered id; ErrFull that the hold is not tracked (MaxHeld or MaxTokens).
func (v *Lockdep) Acquire(token uint64, id LockID) error {
	return v.h.call(v, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_lockdep_acquire((*C.lfe_lockdep)(p), C.uint64_t(token), C.uint32_t(id), 0)
	})
}

// AcquireShared reports that token is about to take lock id shared (a read lock). Errors as
// Acquire.
func (v *Lockdep) AcquireShared(token uint64, id LockID) error {
	return v.h.call(v, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_lockdep_acquire_shared((*C.lfe_lockdep)(p), C.uint64_t(token), C.uint32_t(id), 0)
	})
}

// Release reports that token released lock id. ErrConflict: it did not hold it, or held it
// longer than LongHold (reported).
func (v *Lockdep) Release(token uint64, id LockID) error {
	return v.h.call(v, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_lockdep_release((*C.lfe_lockdep)(p), C.uint64_t(token), C.uint32_t(id), 0)
	})
}

// Scan reports holds still open longer than LongHold and returns how many there are.
func (v *Lockdep) Scan() (int, error) {
	n, err := get(v.h, v, C.size_t(0), func(p unsafe.Pointer, n *C.size_t) C.int32_t {
		return C.lfe_lockdep_scan((*C.lfe_lockdep)(p), 0, n)
	})
	return int(n), err
}

// Violations returns the kept reports with Seq >= since, oldest first, the since for the next
// call, and how many reports were dropped so far (MaxViolations reached).
func (v *Lockdep) Violations(since uint64) (vs []Violation, next, dropped uint64, err error) {
	return readPage(v.h, v, since, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_lockdep_violations((*C.lfe_lockdep)(p), C.uint64_t(since), out)
	}, func(b *C.lfe_batch) ([]Violation, error) {
		return decode(b, C.LFE_REC_LOCKDEP_VIOLATION, func(bv *batchView, r *C.lfe_rec_lockdep_violation) Violation {
			x := Violation{Seq: uint64(r.seq), Kind: ViolationKind(r.kind), Lock: LockID(r.lock_id),
				LockName: bv.str(r.lock_name), Token: uint64(r.token), Held: time.Duration(r.held_ns),
				Path: bv.str(r.path), Tokens: uint64s(bv.str(r.tokens), int(r.token_count))}
			ids := bv.str(r.path_ids)
			for j := 0; j+4 <= len(ids) && len(x.PathIDs) < int(r.path_len); j += 4 {
				x.PathIDs = append(x.PathIDs, LockID(binary.NativeEndian.Uint32([]byte(ids[j:j+4]))))
			}
			return x
		})
	})
}

// Enable turns checking on (toggle at quiet points).
func (v *Lockdep) Enable() error { return v.toggle(true) }

// Disable turns checking off: every call then records nothing.
func (v *Lockdep) Disable() error { return v.toggle(false) }

func (v *Lockdep) toggle(on bool) error {
	return v.h.call(v, func(p unsafe.Pointer) C.int32_t {
		if on {
			return C.lfe_lockdep_enable((*C.lfe_lockdep)(p))
		}
		return C.lfe_lockdep_disable((*C.lfe_lockdep)(p))
	})
}

// Stats reads the validator's counters.
func (v *Lockdep) Stats() (LockdepStats, error) {
	c, err := get(v.h, v, versioned[C.lfe_lockdep_counters](), func(p unsafe.Pointer, c *C.lfe_lockdep_counters) C.int32_t {
		return C.lfe_lockdep_stats((*C.lfe_lockdep)(p), c)
	})
	return LockdepStats{Locks: uint64(c.locks), Acquires: uint64(c.acquires), Releases: uint64(c.releases),
		Edges: uint64(c.edges), SlowPaths: uint64(c.slow_paths), Conflicts: uint64(c.conflicts),
		Violations: uint64(c.violations), ViolationsDropped: uint64(c.violations_dropped),
		HoldingTokens: uint64(c.holding_tokens)}, err
}
