package lfe

/*
#cgo nocallback lfe_batch_free
#cgo noescape lfe_batch_free
#cgo nocallback lfe_procs_count
#cgo noescape lfe_procs_count
#cgo nocallback lfe_procs_find
#cgo noescape lfe_procs_find
#cgo nocallback lfe_procs_free
#cgo noescape lfe_procs_free
#cgo nocallback lfe_procs_generation
#cgo noescape lfe_procs_generation
#cgo nocallback lfe_procs_get
#cgo noescape lfe_procs_get
#cgo nocallback lfe_procs_insert
#cgo noescape lfe_procs_insert
#cgo nocallback lfe_procs_list
#cgo noescape lfe_procs_list
#cgo nocallback lfe_procs_new
#cgo noescape lfe_procs_new
#cgo nocallback lfe_procs_remove
#cgo noescape lfe_procs_remove
#cgo nocallback lfe_procs_set_pid
#cgo noescape lfe_procs_set_pid
#cgo nocallback lfe_procs_transition
#cgo noescape lfe_procs_transition
#include <lfe.h>
*/
import "C"

import (
	"encoding/binary"
	"runtime"
	"time"
	"unsafe"
)

// ProcState is the state of a process record (LFE_PROC_*).
type ProcState uint32

// Process states. Legal transitions: Pending -> Starting|Stopped; Starting ->
// Running|Stopping|Exited|Failed; Running -> Stopping|Exited|Failed; Stopping ->
// Stopped|Exited|Failed; Stopped|Exited|Failed -> Starting (a restart).
const (
	ProcPending  ProcState = C.LFE_PROC_PENDING
	ProcStarting ProcState = C.LFE_PROC_STARTING
	ProcRunning  ProcState = C.LFE_PROC_RUNNING
	ProcStopping ProcState = C.LFE_PROC_STOPPING
	ProcStopped  ProcState = C.LFE_PROC_STOPPED
	ProcExited   ProcState = C.LFE_PROC_EXITED
	ProcFailed   ProcState = C.LFE_PROC_FAILED
)

var procStateNames = [...]string{"pending", "starting", "running", "stopping", "stopped", "exited", "failed"}

func (s ProcState) String() string { return enumName(procStateNames[:], uint32(s), "ProcState") }

// Label is one key/value label of a process.
type Label struct {
	Key, Value string
}

// ProcessSpec describes a process to register.
type ProcessSpec struct {
	Name    string // required, unique in the table
	Command string
	Cwd     string
	Labels  []Label
}

// Process is a copy of a process record.
type Process struct {
	ID       uint64
	Name     string
	Command  string
	Cwd      string
	Labels   []Label
	State    ProcState
	ExitCode int32
	PID      uint32
	Restarts uint32
	Started  time.Time // zero before the first start
	Ended    time.Time // zero while live
}

// ProcTableOptions bounds a ProcTable; zero fields take the library defaults.
type ProcTableOptions struct {
	MaxProcs  int // most records at once (default 4096)
	MaxLabels int // most labels per record (default 16)
	MaxField  int // longest name, command, cwd, label key or value in bytes (default 4096)
}

// ProcTable is a process table: an RCU snapshot map whose reads are wait-free and never see a
// half-made update. All methods are safe for concurrent use.
type ProcTable struct {
	owned
}

// NewProcTable creates a process table (lfe_procs_new).
func NewProcTable(opts ProcTableOptions) (*ProcTable, error) {
	cfg := C.lfe_procs_config{
		size:       C.size_t(unsafe.Sizeof(C.lfe_procs_config{})),
		max_procs:  C.size_t(orDefault(opts.MaxProcs, 4096)),
		max_labels: C.size_t(orDefault(opts.MaxLabels, 16)),
		max_field:  C.size_t(orDefault(opts.MaxField, 4096)),
	}
	t := &ProcTable{}
	return create(t, &t.owned, func(out *unsafe.Pointer) C.int32_t {
		return C.lfe_procs_new(&cfg, (**C.lfe_procs)(unsafe.Pointer(out)))
	}, func(p unsafe.Pointer) { C.lfe_procs_close_handle((*C.lfe_procs)(p)) },
		func(p unsafe.Pointer) { C.lfe_procs_free((*C.lfe_procs)(p)) })
}

// Insert registers a process in state ProcPending and returns its id (ids start at 1 and are
// never reused). Errors: ErrInvalid (empty name), ErrTooLarge, ErrExists (name taken),
// ErrFull.
func (t *ProcTable) Insert(spec ProcessSpec) (uint64, error) {
	strs := uintptr(len(spec.Name) + len(spec.Command) + len(spec.Cwd))
	for _, l := range spec.Labels {
		strs += uintptr(len(l.Key) + len(l.Value))
	}
	a := newCArena(arenaSize(unsafe.Sizeof(C.lfe_proc_spec{})+uintptr(len(spec.Labels))*unsafe.Sizeof(C.lfe_label{}), strs, 2))
	defer a.free()
	cs := (*C.lfe_proc_spec)(a.alloc(unsafe.Sizeof(C.lfe_proc_spec{})))
	cs.name = a.bytes(spec.Name)
	cs.command = a.bytes(spec.Command)
	cs.cwd = a.bytes(spec.Cwd)
	if n := len(spec.Labels); n > 0 {
		ls := unsafe.Slice((*C.lfe_label)(a.alloc(uintptr(n)*unsafe.Sizeof(C.lfe_label{}))), n)
		for i, l := range spec.Labels {
			ls[i].key = a.bytes(l.Key)
			ls[i].value = a.bytes(l.Value)
		}
		cs.labels = &ls[0]
		cs.label_count = C.size_t(n)
	}
	id, err := get(t.h, t, C.uint64_t(0), func(p unsafe.Pointer, id *C.uint64_t) C.int32_t {
		return C.lfe_procs_insert((*C.lfe_procs)(p), cs, id)
	})
	return uint64(id), err
}

// Get returns a copy of process id. Errors: ErrNotFound.
func (t *ProcTable) Get(id uint64) (Process, error) {
	return only(fetch(t.h, t, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_procs_get((*C.lfe_procs)(p), C.uint64_t(id), out)
	}, procsOf))
}

// Find returns a copy of the process named name. Errors: ErrNotFound, ErrTooLarge.
func (t *ProcTable) Find(name string) (Process, error) {
	np, nl := cStrPtr(name)
	found, c, err := fetch(t.h, t, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_procs_find((*C.lfe_procs)(p), np, nl, out)
	}, procsOf)
	runtime.KeepAlive(name)
	return only(found, c, err)
}

// List returns every process from one consistent snapshot, sorted by id, and that snapshot's
// generation.
func (t *ProcTable) List() ([]Process, uint64, error) {
	found, c, err := fetch(t.h, t, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_procs_list((*C.lfe_procs)(p), out)
	}, procsOf)
	return found, c.next, err
}

// Transition moves process id from state from to state to (a compare-and-set). exitCode must
// be 0 for ProcExited and non-zero for ProcFailed; it is recorded for ProcStopped. Errors:
// ErrInvalid (not a legal edge or a wrong exit code), ErrNotFound, ErrConflict (the state is no
// longer from).
func (t *ProcTable) Transition(id uint64, from, to ProcState, exitCode int32) error {
	return t.h.call(t, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_procs_transition((*C.lfe_procs)(p), C.uint64_t(id), C.uint32_t(from), C.uint32_t(to), C.int32_t(exitCode))
	})
}

// SetPID records the OS pid of process id. Errors: ErrNotFound.
func (t *ProcTable) SetPID(id uint64, pid uint32) error {
	return t.h.call(t, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_procs_set_pid((*C.lfe_procs)(p), C.uint64_t(id), C.uint32_t(pid))
	})
}

// Remove removes process id (its id is not reused). Errors: ErrNotFound.
func (t *ProcTable) Remove(id uint64) error {
	return t.h.call(t, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_procs_remove((*C.lfe_procs)(p), C.uint64_t(id))
	})
}

// Len returns the number of processes.
func (t *ProcTable) Len() (int, error) {
	n, err := get(t.h, t, C.size_t(0), func(p unsafe.Pointer, n *C.size_t) C.int32_t {
		return C.lfe_procs_count((*C.lfe_procs)(p), n)
	})
	return int(n), err
}

// Generation returns the table's generation: it changes on every write and never goes
// backwards, so "changed since G?" is one cheap call.
func (t *ProcTable) Generation() (uint64, error) {
	g, err := get(t.h, t, C.uint64_t(0), func(p unsafe.Pointer, g *C.uint64_t) C.int32_t {
		return C.lfe_procs_generation((*C.lfe_procs)(p), g)
	})
	return uint64(g), err
}

func procsOf(b *C.lfe_batch) ([]Process, error) {
	return decode(b, C.LFE_REC_PROC, func(v *batchView, r *C.lfe_proc_record) Process {
		return Process{
			ID:       uint64(r.id),
			Name:     v.str(r.name),
			Command:  v.str(r.command),
			Cwd:      v.str(r.cwd),
			Labels:   decodeLabels(v.str(r.labels), int(r.label_count)),
			State:    ProcState(r.state),
			ExitCode: int32(r.exit_code),
			PID:      uint32(r.pid),
			Restarts: uint32(r.restarts),
			Started:  nsTime(uint64(r.start_ns)),
			Ended:    nsTime(uint64(r.end_ns)),
		}
	})
}

// decodeLabels reads labels encoded as (u32 LE key_len, key, u32 LE value_len, value)*.
func decodeLabels(enc string, n int) []Label {
	if n == 0 {
		return nil
	}
	ls := make([]Label, 0, n)
	next := func() (string, bool) {
		if len(enc) < 4 {
			return "", false
		}
		l := int(binary.LittleEndian.Uint32([]byte(enc[:4])))
		if len(enc) < 4+l {
			return "", false
		}
		s := enc[4 : 4+l]
		enc = enc[4+l:]
		return s, true
	}
	for range n {
		k, ok1 := next()
		v, ok2 := next()
		if !ok1 || !ok2 {
			break
		}
		ls = append(ls, Label{Key: k, Value: v})
	}
	return ls
}
