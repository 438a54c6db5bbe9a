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

import "unsafe"

// Stats reads the queue's counters.
func (q *Queue) Stats() (QueueStats, error) {
	s, err := get(q.h, q, versioned[C.lfe_queue_counters](), func(p unsafe.Pointer, s *C.lfe_queue_counters) C.int32_t {
		return C.lfe_queue_stats((*C.lfe_queue)(p), s)
	})
	return QueueStats{Depth: uint64(s.depth), Pushed: uint64(s.pushed), Popped: uint64(s.popped),
		Dropped: uint64(s.dropped), Capacity: uint64(s.capacity)}, err
}

// Stats reads the bus counters.
func (b *Bus) Stats() (BusStats, error) {
	s, err := get(b.h, b, versioned[C.lfe_bus_counters](), func(p unsafe.Pointer, s *C.lfe_bus_counters) C.int32_t {
		return C.lfe_bus_stats((*C.lfe_bus)(p), s)
	})
	return BusStats{Published: uint64(s.published), Subscribers: uint64(s.subscribers)}, err
}

// Stats reads the subscription's counters.
func (s *Subscription) Stats() (SubStats, error) {
	st, err := get(s.h, s, versioned[C.lfe_sub_counters](), func(p unsafe.Pointer, st *C.lfe_sub_counters) C.int32_t {
		return C.lfe_sub_stats((*C.lfe_sub)(p), st)
	})
	return SubStats{Lagged: uint64(st.lagged), Delivered: uint64(st.delivered), Popped: uint64(st.popped),
		Depth: uint64(st.depth), Capacity: uint64(st.capacity)}, err
}
