package lfe

/*
#cgo nocallback lfe_batch_free
#cgo noescape lfe_batch_free
#cgo nocallback lfe_queue_close
#cgo noescape lfe_queue_close
#cgo nocallback lfe_queue_free
#cgo noescape lfe_queue_free
#cgo nocallback lfe_queue_new
#cgo noescape lfe_queue_new
#cgo nocallback lfe_queue_pop_batch
#cgo noescape lfe_queue_pop_batch
#cgo nocallback lfe_queue_pop_batch_timeout
#cgo noescape lfe_queue_pop_batch_timeout
#cgo nocallback lfe_queue_push_batch
#cgo noescape lfe_queue_push_batch
#cgo nocallback lfego_queue_pop1
#cgo noescape lfego_queue_pop1
#cgo nocallback lfego_queue_push
#cgo noescape lfego_queue_push
#cgo nocallback lfego_queue_push_timeout
#cgo noescape lfego_queue_push_timeout
#cgo nocallback lfe_sub_pop_batch
#cgo noescape lfe_sub_pop_batch
#cgo nocallback lfe_sub_pop_batch_timeout
#cgo noescape lfe_sub_pop_batch_timeout
#cgo nocallback lfego_sub_pop1
#cgo noescape lfego_sub_pop1
#include "lfego.h"
*/
import "C"

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"time"
	"unsafe"
)

// EventType is the type of an event: one of the EventXxx constants or a host-defined type
// >= EventHostMin. Type 0 and 12..EventHostMin-1 are reserved (ErrInvalid).
type EventType uint32

// Standard event types (LFE_EVENT_*).
const (
	EventProcessStarted EventType = C.LFE_EVENT_PROCESS_STARTED
	EventProcessExited  EventType = C.LFE_EVENT_PROCESS_EXITED
	EventLogLine        EventType = C.LFE_EVENT_LOG_LINE
	EventURLDetected    EventType = C.LFE_EVENT_URL_DETECTED
	EventErrorDetected  EventType = C.LFE_EVENT_ERROR_DETECTED
	EventBuildEvent     EventType = C.LFE_EVENT_BUILD_EVENT
	EventTestFailed     EventType = C.LFE_EVENT_TEST_FAILED
	EventTestPassed     EventType = C.LFE_EVENT_TEST_PASSED
	EventRouteAdded     EventType = C.LFE_EVENT_ROUTE_ADDED
	EventRouteRemoved   EventType = C.LFE_EVENT_ROUTE_REMOVED
	EventProxyRequest   EventType = C.LFE_EVENT_PROXY_REQUEST
	// EventHostMin is the first host-defined type.
	EventHostMin EventType = C.LFE_EVENT_HOST_MIN
)

// EventInput is an event to push or publish.
type EventInput struct {
	Type      EventType
	ProcessID uint64    // the process the event is about (0: none)
	Time      time.Time // zero: now
	Payload   []byte    // copied; at most the structure's MaxPayload bytes
}

// Event is an event popped from a Queue or a Subscription.
type Event struct {
	Seq        uint64 // unique, increasing in publish order
	Time       time.Time
	LostBefore uint64 // Subscription only: events dropped (lagged) just before this one
	ProcessID  uint64
	Type       EventType
	Payload    []byte
}

// waitSlice bounds one wait inside C, so a blocking call checks its context (and lets Close
// proceed) at least this often.
const waitSlice = 20 * time.Millisecond

func tsOf(t time.Time) C.uint64_t {
	if t.IsZero() {
		return 0
	}
	return C.uint64_t(t.UnixNano())
}

// sliceFor is the C timeout of the next wait: waitSlice, or less when ctx's deadline is nearer.
func sliceFor(ctx context.Context) C.uint64_t {
	d := waitSlice
	if dl, ok := ctx.Deadline(); ok {
		if r := time.Until(dl); r < d {
			d = max(r, 0)
		}
	}
	return C.uint64_t(d.Nanoseconds())
}

// ctxErr maps the end of a wait: the context's error if it is done, else err.
func ctxErr(ctx context.Context, err error) error {
	if e := ctx.Err(); e != nil {
		return e
	}
	return err
}

// eventInputs copies inputs into one C allocation (lfe_event_input array + payloads).
func eventInputs(evs []EventInput) (*cArena, *C.lfe_event_input) {
	var pl uintptr
	for i := range evs {
		pl += uintptr(len(evs[i].Payload))
	}
	sz := uintptr(len(evs)) * unsafe.Sizeof(C.lfe_event_input{})
	a := newCArena(arenaSize(sz, pl, 1))
	arr := unsafe.Slice((*C.lfe_event_input)(a.alloc(sz)), len(evs))
	for i := range evs {
		e := &evs[i]
		arr[i]._type = C.uint32_t(e.Type)
		arr[i].process_id = C.uint64_t(e.ProcessID)
		arr[i].ts_ns = tsOf(e.Time)
		arr[i].payload = a.bytes(unsafe.String(unsafe.SliceData(e.Payload), len(e.Payload)))
	}
	if len(evs) == 0 {
		return a, nil
	}
	return a, &arr[0]
}

// eventsOf copies the events of a batch into Go values (one copy of the byte buffer; each
// payload is a capacity-limited sub-slice of it).
func eventsOf(b *C.lfe_batch) ([]Event, error) {
	if b.count > 0 && (b.kind != C.LFE_REC_EVENT || uintptr(b.record_size) != unsafe.Sizeof(C.lfe_event{})) {
		return nil, errors.New("lfe: batch does not hold lfe_event records")
	}
	var buf []byte
	if b.bytes_len > 0 {
		buf = C.GoBytes(unsafe.Pointer(b.bytes), C.int(b.bytes_len))
	}
	base := uintptr(unsafe.Pointer(b.bytes))
	recs := records[C.lfe_event](b)
	out := make([]Event, len(recs))
	for i := range recs {
		r := &recs[i]
		ev := Event{Seq: uint64(r.seq), Time: nsTime(uint64(r.ts_ns)), LostBefore: uint64(r.lost_before),
			ProcessID: uint64(r.process_id), Type: EventType(r._type)}
		if n := uintptr(r.payload.len); n > 0 {
			off := uintptr(unsafe.Pointer(r.payload.ptr)) - base
			ev.Payload = buf[off : off+n : off+n]
		}
		out[i] = ev
	}
	return out, nil
}

// pop1Buf is the payload room of the single-event pop paths (larger payloads take a second
// crossing to free their batch).
const pop1Buf = 512

// event1 converts what lfego_*_pop1 wrote into an Event.
func event1(ev *C.lfe_event, buf []byte, keep *C.lfe_batch) Event {
	e := Event{Seq: uint64(ev.seq), Time: nsTime(uint64(ev.ts_ns)), LostBefore: uint64(ev.lost_before),
		ProcessID: uint64(ev.process_id), Type: EventType(ev._type)}
	if n := int(ev.payload.len); n > 0 {
		if keep != nil {
			e.Payload = C.GoBytes(unsafe.Pointer(ev.payload.ptr), C.int(n))
		} else {
			e.Payload = append([]byte(nil), buf[:n]...)
		}
	}
	if keep != nil {
		C.lfe_batch_free(keep)
	}
	return e
}

// Overflow is what a full Queue does with a push.
type Overflow uint32

const (
	// OverflowReject: the push fails with ErrFull (TryPush) or waits (Push).
	OverflowReject Overflow = C.LFE_OVERFLOW_REJECT
	// OverflowDropOldest: the oldest event is dropped (counted in QueueStats.Dropped).
	OverflowDropOldest Overflow = C.LFE_OVERFLOW_DROP_OLDEST
)

// QueueOptions configures a Queue; zero fields take the library defaults.
type QueueOptions struct {
	Capacity   int // most events held (default 1024; at most 2^30)
	MaxPayload int // most payload bytes per event (default 4096)
	Overflow   Overflow
}

// QueueStats are a queue's counters.
type QueueStats struct {
	Depth, Pushed, Popped, Dropped, Capacity uint64
}

// Queue is a bounded multi-producer multi-consumer event queue. All methods are safe for
// concurrent use.
type Queue struct {
	popper
}

// NewQueue creates an event queue (lfe_queue_new).
func NewQueue(opts QueueOptions) (*Queue, error) {
	cfg := C.lfe_queue_config{
		size:        C.size_t(unsafe.Sizeof(C.lfe_queue_config{})),
		capacity:    C.size_t(orDefault(opts.Capacity, 1024)),
		max_payload: C.size_t(orDefault(opts.MaxPayload, C.LFE_EVENT_DEFAULT_MAX_PAYLOAD)),
		overflow:    C.uint32_t(opts.Overflow),
	}
	q := &Queue{popper{from: fromQueue}}
	return create(q, &q.owned, func(out *unsafe.Pointer) C.int32_t {
		return C.lfe_queue_new(&cfg, (**C.lfe_queue)(unsafe.Pointer(out)))
	}, func(p unsafe.Pointer) { C.lfe_queue_close_handle((*C.lfe_queue)(p)) },
		func(p unsafe.Pointer) { C.lfe_queue_free((*C.lfe_queue)(p)) })
}

// Shutdown closes the queue for pushes (lfe_queue_close): waiters wake, pushes fail with
// ErrClosed, pops return what is left and then ErrClosed. The queue must still be Closed.
func (q *Queue) Shutdown() error {
	return q.h.call(q, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_queue_close((*C.lfe_queue)(p))
	})
}

// TryPush pushes one event without waiting. Errors: ErrFull (OverflowReject), ErrInvalid (bad
// type), ErrTooLarge (payload), ErrClosed.
func (q *Queue) TryPush(ev EventInput) error {
	pp, pl := cBytesPtr(ev.Payload)
	err := q.h.call(q, func(p unsafe.Pointer) C.int32_t {
		return C.lfego_queue_push((*C.lfe_queue)(p), C.uint32_t(ev.Type), C.uint64_t(ev.ProcessID), tsOf(ev.Time), pp, pl)
	})
	runtime.KeepAlive(ev.Payload)
	return err
}

// Push pushes one event, waiting for room until ctx is done (then it returns ctx.Err()).
func (q *Queue) Push(ctx context.Context, ev EventInput) error {
	pp, pl := cBytesPtr(ev.Payload)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := q.h.call(q, func(p unsafe.Pointer) C.int32_t {
			return C.lfego_queue_push_timeout((*C.lfe_queue)(p), C.uint32_t(ev.Type), C.uint64_t(ev.ProcessID),
				tsOf(ev.Time), pp, pl, sliceFor(ctx))
		})
		runtime.KeepAlive(ev.Payload)
		if !errors.Is(err, ErrTimeout) {
			return err
		}
	}
}

// PushBatch pushes events in order without waiting, crossing cgo once, and stops at the first
// that does not fit; it returns how many went in. Every input is checked before anything is
// pushed (ErrInvalid, ErrTooLarge: none pushed). ErrFull means none fitted.
func (q *Queue) PushBatch(evs []EventInput) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	a, arr := eventInputs(evs)
	defer a.free()
	n, err := get(q.h, q, C.size_t(0), func(p unsafe.Pointer, n *C.size_t) C.int32_t {
		return C.lfe_queue_push_batch((*C.lfe_queue)(p), arr, C.size_t(len(evs)), n)
	})
	return int(n), err
}

// Pop pops one event, waiting until one arrives or ctx is done (then it returns ctx.Err()).
// After Shutdown it returns what is left, then ErrClosed.
func (q *Queue) Pop(ctx context.Context) (Event, error) {
	return untilDone(ctx, func() (Event, error) { return popOne(q.h, q, fromQueue, true, sliceFor(ctx)) })
}

// PopBatch waits until at least one event is there (or ctx is done), then pops up to limit.
func (q *Queue) PopBatch(ctx context.Context, limit int) ([]Event, error) {
	if limit < 1 {
		return nil, ErrInvalid
	}
	return untilDone(ctx, func() ([]Event, error) { return popBatch(q.h, q, fromQueue, limit, true, sliceFor(ctx)) })
}

// untilDone repeats waitC (one short wait in C) while it returns ErrTimeout and ctx is not
// done; it returns ctx.Err() once ctx is done.
func untilDone[T any](ctx context.Context, waitC func() (T, error)) (T, error) {
	for {
		if err := ctx.Err(); err != nil {
			var none T
			return none, err
		}
		if v, err := waitC(); !errors.Is(err, ErrTimeout) {
			return v, err
		}
	}
}

// All pops events until ctx is done or the queue is shut down and drained, yielding each
// (errors other than the end are yielded once, then the iteration stops).
func (q *Queue) All(ctx context.Context) iter.Seq2[Event, error] {
	return drain(ctx, q.PopBatch)
}

// drain yields what popBatch returns, 256 at a time, until ctx is done or it returns ErrClosed
// (the end); another error is yielded once, then the iteration stops.
func drain(ctx context.Context, popBatch func(context.Context, int) ([]Event, error)) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			evs, err := popBatch(ctx, 256)
			if err != nil {
				if !errors.Is(err, ErrClosed) {
					yield(Event{}, err)
				}
				return
			}
			for _, e := range evs {
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}

// popper is what Queue and Subscription share: their handle, which pop exports they call, and
// the pops that do not wait. Close (owned's) also shuts the queue down or unsubscribes, waking
// blocked pops with ErrClosed.
type popper struct {
	owned
	from popFrom
}

// TryPop pops the oldest waiting event without waiting. Errors: ErrEmpty, ErrClosed (the queue
// shut down, or the subscription unsubscribed, and drained).
func (p *popper) TryPop() (Event, error) { return popOne(p.h, p, p.from, false, 0) }

// TryPopBatch pops up to limit waiting events without waiting, crossing cgo once. Errors:
// ErrEmpty, ErrClosed, ErrInvalid (limit < 1).
func (p *popper) TryPopBatch(limit int) ([]Event, error) {
	return popBatch(p.h, p, p.from, limit, false, 0)
}

// popFrom says whose pop exports a shared pop calls: a Queue's (lfe_queue_*) or a
// Subscription's (lfe_sub_*), which take the same arguments. The C calls are direct (not
// through a function value) so that cgo's noescape keeps the pop buffers on the stack.
type popFrom bool

const (
	fromQueue popFrom = false
	fromSub   popFrom = true
)

// popOne pops one event (lfego_queue_pop1 / lfego_sub_pop1), waiting up to timeout if wait.
func popOne(h *handle, owner any, from popFrom, wait bool, timeout C.uint64_t) (Event, error) {
	var ev C.lfe_event
	var buf [pop1Buf]byte
	var keep *C.lfe_batch
	w := C.int(0)
	if wait {
		w = 1
	}
	err := h.call(owner, func(p unsafe.Pointer) C.int32_t {
		if from == fromSub {
			return C.lfego_sub_pop1((*C.lfe_sub)(p), w, timeout, &ev, (*C.uint8_t)(&buf[0]), pop1Buf, &keep)
		}
		return C.lfego_queue_pop1((*C.lfe_queue)(p), w, timeout, &ev, (*C.uint8_t)(&buf[0]), pop1Buf, &keep)
	})
	if err != nil {
		if keep != nil {
			C.lfe_batch_free(keep)
		}
		return Event{}, err
	}
	return event1(&ev, buf[:], keep), nil
}

// popBatch pops up to limit events (lfe_*_pop_batch), or with wait the same waiting up to
// timeout (lfe_*_pop_batch_timeout). Errors: ErrInvalid (limit < 1), the pop's.
func popBatch(h *handle, owner any, from popFrom, limit int, wait bool, timeout C.uint64_t) ([]Event, error) {
	if limit < 1 {
		return nil, ErrInvalid
	}
	evs, _, err := fetch(h, owner, func(p unsafe.Pointer, b **C.lfe_batch) C.int32_t {
		switch {
		case from == fromSub && wait:
			return C.lfe_sub_pop_batch_timeout((*C.lfe_sub)(p), C.size_t(limit), timeout, b)
		case from == fromSub:
			return C.lfe_sub_pop_batch((*C.lfe_sub)(p), C.size_t(limit), b)
		case wait:
			return C.lfe_queue_pop_batch_timeout((*C.lfe_queue)(p), C.size_t(limit), timeout, b)
		default:
			return C.lfe_queue_pop_batch((*C.lfe_queue)(p), C.size_t(limit), b)
		}
	}, eventsOf)
	return evs, err
}
