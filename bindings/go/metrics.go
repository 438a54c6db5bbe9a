package lfe

/*
#include <stdlib.h>
#include <lfe.h>
*/
import "C"

import (
	"errors"
	"net/http"
	"runtime"
	"unsafe"
)

// Metered is a structure whose counters Metrics exports: *LogStore, *Queue, *Bus,
// *Subscription, *RequestLog and *Lockdep.
type Metered interface {
	metricsSource() (kind C.uint32_t, h *handle)
}

func (s *LogStore) metricsSource() (C.uint32_t, *handle)     { return C.LFE_METRICS_LOG, s.h }
func (q *Queue) metricsSource() (C.uint32_t, *handle)        { return C.LFE_METRICS_QUEUE, q.h }
func (b *Bus) metricsSource() (C.uint32_t, *handle)          { return C.LFE_METRICS_BUS, b.h }
func (s *Subscription) metricsSource() (C.uint32_t, *handle) { return C.LFE_METRICS_SUB, s.h }
func (l *RequestLog) metricsSource() (C.uint32_t, *handle)   { return C.LFE_METRICS_REQUESTS, l.h }
func (v *Lockdep) metricsSource() (C.uint32_t, *handle)      { return C.LFE_METRICS_LOCKDEP, v.h }

// MetricsSource names one structure for Metrics: Name becomes its `name` label.
type MetricsSource struct {
	Name      string
	Structure Metered
}

// OpenMetricsContentType is the Content-Type of what MetricsHandler serves.
const OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

// Metrics renders the counters of sources as OpenMetrics text (lfe_metrics_render, the core's
// one renderer): every family once with # TYPE and # HELP, names under lfe_ (lfe_log_enrich_lag,
// lfe_queue_depth, lfe_sub_lagged_total, ...), one sample per structure labelled name="<Name>",
// ending with "# EOF". Errors: ErrInvalid for an empty name or two structures of one kind with
// one name, ErrClosed if a structure is closed, ErrNull for a nil Structure.
func Metrics(sources ...MetricsSource) ([]byte, error) {
	nameBytes := 0
	for _, s := range sources {
		nameBytes += len(s.Name)
	}
	// The sources and their names live in C memory: the array holds pointers, so it may not be
	// Go memory (cgo pointer rules).
	size := unsafe.Sizeof(C.lfe_metrics_source{})
	a := newCArena(arenaSize(size*uintptr(len(sources)), uintptr(nameBytes), len(sources)))
	defer a.free()
	var arr *C.lfe_metrics_source
	if len(sources) > 0 {
		arr = (*C.lfe_metrics_source)(a.alloc(size * uintptr(len(sources))))
	}
	list := unsafe.Slice(arr, len(sources))
	hs := make([]*handle, len(sources))
	owners := make([]any, len(sources))
	for i, s := range sources {
		if s.Structure == nil {
			return nil, ErrNull
		}
		list[i].kind, hs[i] = s.Structure.metricsSource()
		owners[i] = s.Structure
		list[i].name = a.bytes(s.Name)
	}
	buf := make([]byte, 4096)
	for {
		var n C.size_t
		err := withHandles(hs, owners, func(ps []unsafe.Pointer) C.int32_t {
			for i, p := range ps {
				list[i].handle = p
			}
			var b *C.uint8_t
			if len(buf) > 0 {
				b = (*C.uint8_t)(unsafe.Pointer(&buf[0]))
			}
			return C.lfe_metrics_render(arr, C.size_t(len(list)), b, C.size_t(len(buf)), &n)
		})
		if errors.Is(err, ErrBufferTooSmall) {
			buf = make([]byte, int(n)+int(n)/4) // counters may grow between the two calls
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

// withHandles runs f with the C pointers of every handle and keeps their owners reachable until
// it returns (so no cleanup frees one under f); a closed handle is refused by the C side
// (ErrClosed), as for any call.
func withHandles(hs []*handle, owners []any, f func(ps []unsafe.Pointer) C.int32_t) error {
	ps := make([]unsafe.Pointer, len(hs))
	for i, h := range hs {
		ps[i] = h.ptr
	}
	rc := f(ps)
	runtime.KeepAlive(owners)
	return statusError(rc)
}

// MetricsHandler serves Metrics(sources...) over HTTP (for a Prometheus scrape), rendered anew
// on every request; an error (a closed structure) is a 500 with the error's text.
func MetricsHandler(sources ...MetricsSource) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		text, err := Metrics(sources...)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", OpenMetricsContentType)
		_, _ = w.Write(text)
	})
}
