package lfe

/*
#cgo nocallback lfe_batch_free
#cgo noescape lfe_batch_free
#cgo nocallback lfe_bus_free
#cgo noescape lfe_bus_free
#cgo nocallback lfe_bus_new
#cgo noescape lfe_bus_new
#cgo nocallback lfe_bus_publish_batch
#cgo noescape lfe_bus_publish_batch
#cgo nocallback lfe_bus_subscribe
#cgo noescape lfe_bus_subscribe
#cgo nocallback lfe_sub_fd
#cgo noescape lfe_sub_fd
#cgo nocallback lfe_sub_free
#cgo noescape lfe_sub_free
#cgo nocallback lfe_sub_unsubscribe
#cgo noescape lfe_sub_unsubscribe
#cgo nocallback lfego_bus_publish1
#cgo noescape lfego_bus_publish1
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

// MaskAll selects every event type (Filter.Mask).
const MaskAll uint64 = C.LFE_EVENT_MASK_ALL

// MaskOf returns the mask bit of event type t: bit t for t < 63, bit 63 for every t >= 63.
func MaskOf(t EventType) uint64 { return 1 << min(uint32(t), 63) }

// Filter selects the events a subscription receives: those whose mask bit is set (see MaskOf)
// or whose type is listed. An empty filter is ErrInvalid.
type Filter struct {
	Mask  uint64
	Types []EventType
}

// BusOptions bounds a Bus; zero fields take the library defaults.
type BusOptions struct {
	MaxPayload     int // most payload bytes per event (default 4096)
	MaxSubscribers int // most subscriptions at once (default 1024)
	MaxCapacity    int // largest subscription capacity (default 2^20, at most 2^24)
	MaxSubBytes    int // most payload bytes one subscription holds (default max(16 MiB, MaxPayload); oldest dropped beyond)
}

// BusStats are a bus's counters.
type BusStats struct {
	Published, Subscribers uint64
}

// Bus is a fan-out event bus: Publish never waits on a subscriber; a full subscription drops
// its oldest event and counts it (SubStats.Lagged, Event.LostBefore). All methods are safe for
// concurrent use. Subscriptions outlive Close (they receive nothing more) and must still be
// closed.
type Bus struct {
	owned
}

// NewBus creates an event bus (lfe_bus_new).
func NewBus(opts BusOptions) (*Bus, error) {
	cfg := C.lfe_bus_config{
		size:            C.size_t(unsafe.Sizeof(C.lfe_bus_config{})),
		max_payload:     C.size_t(orDefault(opts.MaxPayload, C.LFE_EVENT_DEFAULT_MAX_PAYLOAD)),
		max_subscribers: C.size_t(orDefault(opts.MaxSubscribers, 1024)),
		max_capacity:    C.size_t(orDefault(opts.MaxCapacity, 1<<20)),
		max_sub_bytes:   C.size_t(max(opts.MaxSubBytes, 0)), // 0: the library's default
	}
	b := &Bus{}
	return create(b, &b.owned, func(out *unsafe.Pointer) C.int32_t {
		return C.lfe_bus_new(&cfg, (**C.lfe_bus)(unsafe.Pointer(out)))
	}, func(p unsafe.Pointer) { C.lfe_bus_close_handle((*C.lfe_bus)(p)) },
		func(p unsafe.Pointer) { C.lfe_bus_free((*C.lfe_bus)(p)) })
}

// Publish publishes one event to every matching subscription without waiting. Errors:
// ErrInvalid (bad type), ErrTooLarge (payload).
func (b *Bus) Publish(ev EventInput) error {
	pp, pl := cBytesPtr(ev.Payload)
	err := b.h.call(b, func(p unsafe.Pointer) C.int32_t {
		return C.lfego_bus_publish1((*C.lfe_bus)(p), C.uint32_t(ev.Type), C.uint64_t(ev.ProcessID), tsOf(ev.Time), pp, pl)
	})
	runtime.KeepAlive(ev.Payload)
	return err
}

// PublishBatch publishes events in order with consecutive sequence numbers, crossing cgo once.
// Every input is checked first: on an error nothing is published.
func (b *Bus) PublishBatch(evs []EventInput) error {
	if len(evs) == 0 {
		return nil
	}
	a, arr := eventInputs(evs)
	defer a.free()
	return b.h.call(b, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_bus_publish_batch((*C.lfe_bus)(p), arr, C.size_t(len(evs)))
	})
}

// Subscribe creates a subscription receiving the matching events published after it returns,
// holding at most capacity events. Errors: ErrInvalid (capacity 0, empty filter), ErrTooLarge
// (over the bus limits).
func (b *Bus) Subscribe(f Filter, capacity int) (*Subscription, error) {
	var tp *C.uint32_t
	var types []uint32
	if len(f.Types) > 0 {
		// Go memory without Go pointers, passed only for the call's duration.
		types = make([]uint32, len(f.Types))
		for i, t := range f.Types {
			types[i] = uint32(t)
		}
		tp = (*C.uint32_t)(unsafe.Pointer(&types[0]))
	}
	if capacity < 0 {
		return nil, ErrInvalid
	}
	var sp *C.lfe_sub
	err := b.h.call(b, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_bus_subscribe((*C.lfe_bus)(p), C.uint64_t(f.Mask), tp, C.size_t(len(types)), C.size_t(capacity), &sp)
	})
	runtime.KeepAlive(types)
	if err != nil {
		return nil, err
	}
	s := &Subscription{popper{from: fromSub}}
	own(s, &s.owned, unsafe.Pointer(sp), func(p unsafe.Pointer) { C.lfe_sub_close_handle((*C.lfe_sub)(p)) },
		func(p unsafe.Pointer) { C.lfe_sub_free((*C.lfe_sub)(p)) })
	return s, nil
}

// SubStats are a subscription's counters.
type SubStats struct {
	Lagged, Delivered, Popped, Depth, Capacity uint64
}

// Subscription is one subscriber's bounded queue on a Bus. Its methods are safe for concurrent
// use (LostBefore is exact with one consumer).
type Subscription struct {
	popper
}

// Unsubscribe leaves the bus: nothing more is delivered, blocked pops wake, queued events can
// still be popped, then pops return ErrClosed.
func (s *Subscription) Unsubscribe() error {
	return s.h.call(s, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_sub_unsubscribe((*C.lfe_sub)(p))
	})
}

// Pop pops one event, waiting until one arrives or ctx is done (then it returns ctx.Err()).
// Waiting is as in PopBatch.
func (s *Subscription) Pop(ctx context.Context) (Event, error) {
	return subWait(ctx, s, s.TryPop, func() (Event, error) {
		return popOne(s.h, s, fromSub, true, sliceFor(ctx))
	})
}

// PopBatch waits until at least one event is there (or ctx is done), then pops up to limit.
// On Linux it parks the goroutine on the subscription's eventfd through Go's netpoller (no OS
// thread blocked in C, cancellation immediate); elsewhere it waits in C in short slices.
func (s *Subscription) PopBatch(ctx context.Context, limit int) ([]Event, error) {
	if limit < 1 {
		return nil, ErrInvalid
	}
	return subWait(ctx, s, func() ([]Event, error) { return s.TryPopBatch(limit) },
		func() ([]Event, error) { return s.popBatchC(ctx, limit) })
}

// subWait returns what try returns unless that is ErrEmpty; then it waits, on the eventfd
// while that works (see PopBatch), else with waitC (one short wait in C; ErrTimeout: try again),
// until try has something or ctx is done.
func subWait[T any](ctx context.Context, s *Subscription, try, waitC func() (T, error)) (T, error) {
	var none T
	useFD := true
	for {
		v, err := try()
		if !errors.Is(err, ErrEmpty) {
			return v, err
		}
		if err := ctx.Err(); err != nil {
			return none, err
		}
		if useFD {
			err := s.waitReadable(ctx, fdWaitMax)
			if err == nil || err == errFDWaitMax {
				continue
			}
			if err != errFDWait {
				return none, err
			}
			useFD = false
		}
		if v, err := waitC(); !errors.Is(err, ErrTimeout) {
			return v, err
		}
	}
}

// fdWaitMax bounds one eventfd wait, so a waiter re-checks the subscription's state even if a
// wake-up were missed.
const fdWaitMax = 250 * time.Millisecond

var (
	// errFDWait: the eventfd cannot be waited on here; wait in C instead.
	errFDWait = errors.New("lfe: eventfd wait unavailable")
	// errFDWaitMax: an eventfd wait reached its bound; look again.
	errFDWaitMax = errors.New("lfe: eventfd wait bound reached")
)

// popBatchC waits in C for at most one slice; ErrTimeout means "nothing yet".
func (s *Subscription) popBatchC(ctx context.Context, limit int) ([]Event, error) {
	evs, err := popBatch(s.h, s, fromSub, limit, true, sliceFor(ctx))
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	return evs, nil
}

// Events yields events as they arrive until ctx is done or the subscription is unsubscribed
// and drained. Other errors are yielded once, then the iteration stops.
func (s *Subscription) Events(ctx context.Context) iter.Seq2[Event, error] {
	return drain(ctx, s.PopBatch)
}

// FD returns the subscription's eventfd (readable while events may be waiting), for hosts that
// multiplex with poll/epoll. The fd belongs to the subscription: do not read, write or close it.
func (s *Subscription) FD() (int, error) {
	var fd C.int32_t
	err := s.h.call(s, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_sub_fd((*C.lfe_sub)(p), &fd)
	})
	if err != nil {
		return -1, err
	}
	return int(fd), nil
}
