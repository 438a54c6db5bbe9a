package lfe

/*
#cgo nocallback lfe_bus_stats
#cgo noescape lfe_bus_stats
#cgo nocallback lfe_queue_stats
#cgo noescape lfe_queue_stats
#cgo nocallback lfe_sub_stats
#cgo noescape lfe_sub_stats
#include <lfe.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Stats reads the queue's counters.
func (q *Queue) Stats() (QueueStats, error) {
	p, err := q.h.acquire()
	if err != nil {
		return QueueStats{}, err
	}
	var s C.lfe_queue_counters
	s.size = C.size_t(unsafe.Sizeof(s))
	rc := C.lfe_queue_stats((*C.lfe_queue)(p), &s)
	q.h.release()
	runtime.KeepAlive(q)
	return QueueStats{Depth: uint64(s.depth), Pushed: uint64(s.pushed), Popped: uint64(s.popped),
		Dropped: uint64(s.dropped), Capacity: uint64(s.capacity)}, statusError(rc)
}

// Stats reads the bus counters.
func (b *Bus) Stats() (BusStats, error) {
	p, err := b.h.acquire()
	if err != nil {
		return BusStats{}, err
	}
	var s C.lfe_bus_counters
	s.size = C.size_t(unsafe.Sizeof(s))
	rc := C.lfe_bus_stats((*C.lfe_bus)(p), &s)
	b.h.release()
	runtime.KeepAlive(b)
	return BusStats{Published: uint64(s.published), Subscribers: uint64(s.subscribers)}, statusError(rc)
}

// Stats reads the subscription's counters.
func (s *Subscription) Stats() (SubStats, error) {
	p, err := s.h.acquire()
	if err != nil {
		return SubStats{}, err
	}
	var st C.lfe_sub_counters
	st.size = C.size_t(unsafe.Sizeof(st))
	rc := C.lfe_sub_stats((*C.lfe_sub)(p), &st)
	s.h.release()
	runtime.KeepAlive(s)
	return SubStats{Lagged: uint64(st.lagged), Delivered: uint64(st.delivered), Popped: uint64(st.popped),
		Depth: uint64(st.depth), Capacity: uint64(st.capacity)}, statusError(rc)
}
