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
	return subWait(ctx, s, func(t C.uint64_t) (Event, error) { return popOne(s.h, s, fromSub, true, t) })
}

// PopBatch waits until at least one event is there (or ctx is done), then pops up to limit.
// The wait is one blocking C call (lfe_sub_pop_batch_timeout; the goroutine's thread sleeps in
// C and a publish wakes it, no polling); cancelling ctx interrupts it (lfe_sub_interrupt).
func (s *Subscription) PopBatch(ctx context.Context, limit int) ([]Event, error) {
	if limit < 1 {
		return nil, ErrInvalid
	}
	return subWait(ctx, s, func(t C.uint64_t) ([]Event, error) { return popBatch(s.h, s, fromSub, limit, true, t) })
}

// subWait runs pop (a blocking C pop with the given C timeout) until it returns something
// other than ErrTimeout (an interrupt for another consumer, or ctx's deadline), or ctx is done.
// What pop returned is never dropped: events popped as ctx ends are returned.
func subWait[T any](ctx context.Context, s *Subscription, pop func(timeout C.uint64_t) (T, error)) (T, error) {
	for {
		if err := ctx.Err(); err != nil {
			var none T
			return none, err
		}
		var v T
		err := waitInC(ctx, func(t C.uint64_t) (err error) {
			v, err = pop(t)
			return err
		}, s.interrupt)
		if !errors.Is(err, ErrTimeout) {
			return v, err
		}
	}
}

// interrupt wakes the pops blocked on the subscription (lfe_sub_interrupt).
func (s *Subscription) interrupt() {
	_ = s.h.call(s, func(p unsafe.Pointer) C.int32_t { return C.lfe_sub_interrupt((*C.lfe_sub)(p)) })
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
