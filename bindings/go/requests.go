package lfe

/*
#cgo nocallback lfe_batch_free
#cgo noescape lfe_batch_free
#cgo nocallback lfe_requests_free
#cgo noescape lfe_requests_free
#cgo nocallback lfe_requests_global_stats
#cgo noescape lfe_requests_global_stats
#cgo nocallback lfe_requests_new
#cgo noescape lfe_requests_new
#cgo nocallback lfe_requests_read
#cgo noescape lfe_requests_read
#cgo nocallback lfe_requests_recent
#cgo noescape lfe_requests_recent
#cgo nocallback lfe_requests_record
#cgo noescape lfe_requests_record
#cgo nocallback lfe_requests_record_batch
#cgo noescape lfe_requests_record_batch
#cgo nocallback lfe_requests_route_stats
#cgo noescape lfe_requests_route_stats
#include <lfe.h>
*/
import "C"

import (
	"time"
	"unsafe"
)

// RequestFlags are flag bits of a recorded request (LFE_REQ_*).
type RequestFlags uint32

const (
	// ReqError is set by lfe: status >= 400 or a transport error.
	ReqError RequestFlags = C.LFE_REQ_ERROR
	// ReqXHR is set by the host: an XHR / fetch request.
	ReqXHR RequestFlags = C.LFE_REQ_XHR
	// ReqTransportError is set by the host: the upstream could not be reached (implies ReqError).
	ReqTransportError RequestFlags = C.LFE_REQ_TRANSPORT_ERROR
)

// Request is a proxied request. Seq is assigned by the log (ignored on input).
type Request struct {
	Seq       uint64
	Time      time.Time // zero on input: now
	Duration  time.Duration
	Bytes     uint64
	ProcessID uint64
	RouteID   uint64 // 0: unrouted
	Status    uint32 // HTTP status (0: no response)
	Flags     RequestFlags
	Method    string
	Host      string
	Path      string
	TraceID   string // optional
}

// RequestStats are the counters and latency percentiles of a route (or of every request).
// Percentiles are log-bucket upper bounds (at most 25% above the true value).
type RequestStats struct {
	Requests, Errors, Bytes uint64
	P50, P90, P99           time.Duration
}

// RequestLogOptions bounds a RequestLog; zero fields take the library defaults.
type RequestLogOptions struct {
	Capacity  int // ring capacity in requests (default 1000)
	MaxRoutes int // most routes with their own stats (default 1024)
	MaxField  int // longest method, host, path or trace id in bytes (default 4096)
	MaxBytes  int // most bytes the ring retains: slots plus long fields (0: library default, 16 MiB)
}

// RequestLog is a bounded lock-free ring of proxied requests with per-route counters. Record
// never blocks. All methods are safe for concurrent use.
type RequestLog struct {
	owned
}

// NewRequestLog creates a request log (lfe_requests_new).
func NewRequestLog(opts RequestLogOptions) (*RequestLog, error) {
	cfg := C.lfe_requests_config{
		size:       C.size_t(unsafe.Sizeof(C.lfe_requests_config{})),
		capacity:   C.size_t(orDefault(opts.Capacity, 1000)),
		max_routes: C.size_t(orDefault(opts.MaxRoutes, 1024)),
		max_field:  C.size_t(orDefault(opts.MaxField, 4096)),
		max_bytes:  C.size_t(opts.MaxBytes), // 0: the library default
	}
	l := &RequestLog{}
	return create(l, &l.owned, func(out *unsafe.Pointer) C.int32_t {
		return C.lfe_requests_new(&cfg, (**C.lfe_requests)(unsafe.Pointer(out)))
	}, func(p unsafe.Pointer) { C.lfe_requests_close_handle((*C.lfe_requests)(p)) },
		func(p unsafe.Pointer) { C.lfe_requests_free((*C.lfe_requests)(p)) })
}

func requestIns(rs []Request) (*cArena, *C.lfe_request_in) {
	var strs uintptr
	for i := range rs {
		strs += uintptr(len(rs[i].Method) + len(rs[i].Host) + len(rs[i].Path) + len(rs[i].TraceID))
	}
	sz := uintptr(len(rs)) * unsafe.Sizeof(C.lfe_request_in{})
	a := newCArena(arenaSize(sz, strs, 1))
	arr := unsafe.Slice((*C.lfe_request_in)(a.alloc(sz)), len(rs))
	for i := range rs {
		r, c := &rs[i], &arr[i]
		c.time_ns = tsOf(r.Time)
		c.duration_ns = C.uint64_t(max(r.Duration, 0))
		c.bytes = C.uint64_t(r.Bytes)
		c.process_id = C.uint64_t(r.ProcessID)
		c.route_id = C.uint64_t(r.RouteID)
		c.status = C.uint32_t(r.Status)
		c.flags = C.uint32_t(r.Flags)
		c.method = a.bytes(r.Method)
		c.host = a.bytes(r.Host)
		c.path = a.bytes(r.Path)
		c.trace_id = a.bytes(r.TraceID)
	}
	if len(rs) == 0 {
		return a, nil
	}
	return a, &arr[0]
}

// Record records one request and returns its sequence number (0, 1, 2, ...). Errors:
// ErrTooLarge (a field over MaxField), ErrInvalid (unknown flag bits).
func (l *RequestLog) Record(r Request) (uint64, error) {
	a, in := requestIns([]Request{r})
	defer a.free()
	seq, err := get(l.h, l, C.uint64_t(0), func(p unsafe.Pointer, seq *C.uint64_t) C.int32_t {
		return C.lfe_requests_record((*C.lfe_requests)(p), in, seq)
	})
	return uint64(seq), err
}

// RecordBatch records requests in order with consecutive sequence numbers, crossing cgo once,
// and returns the first. All or nothing. Errors: ErrTooLarge (more than the capacity, or a
// field), ErrInvalid.
func (l *RequestLog) RecordBatch(rs []Request) (uint64, error) {
	a, in := requestIns(rs)
	defer a.free()
	first, err := get(l.h, l, C.uint64_t(0), func(p unsafe.Pointer, first *C.uint64_t) C.int32_t {
		return C.lfe_requests_record_batch((*C.lfe_requests)(p), in, C.size_t(len(rs)), first)
	})
	return uint64(first), err
}

// Read returns up to limit requests after cursor (start with 0), oldest first, the cursor for
// the next call, and how many requests after cursor were evicted before this call reached them.
func (l *RequestLog) Read(cursor uint64, limit int) (reqs []Request, next, missed uint64, err error) {
	return readPage(l.h, l, cursor, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_requests_read((*C.lfe_requests)(p), C.uint64_t(cursor), C.size_t(max(limit, 0)), out)
	}, requestsOf)
}

// Recent returns the last n requests still in the ring, oldest first, and the cursor after the
// newest.
func (l *RequestLog) Recent(n int) ([]Request, uint64, error) {
	reqs, c, err := fetch(l.h, l, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_requests_recent((*C.lfe_requests)(p), C.size_t(max(n, 0)), out)
	}, requestsOf)
	return reqs, c.next, err
}

// RouteStats returns the counters of route routeID (0: unrouted). Errors: ErrNotFound (no
// request recorded for it).
func (l *RequestLog) RouteStats(routeID uint64) (RequestStats, error) {
	s, err := get(l.h, l, versioned[C.lfe_request_stats](), func(p unsafe.Pointer, s *C.lfe_request_stats) C.int32_t {
		return C.lfe_requests_route_stats((*C.lfe_requests)(p), C.uint64_t(routeID), s)
	})
	return statsOf(s), err
}

// GlobalStats returns the counters over every request.
func (l *RequestLog) GlobalStats() (RequestStats, error) {
	s, err := get(l.h, l, versioned[C.lfe_request_stats](), func(p unsafe.Pointer, s *C.lfe_request_stats) C.int32_t {
		return C.lfe_requests_global_stats((*C.lfe_requests)(p), s)
	})
	return statsOf(s), err
}

func statsOf(s C.lfe_request_stats) RequestStats {
	return RequestStats{Requests: uint64(s.requests), Errors: uint64(s.errors), Bytes: uint64(s.bytes),
		P50: time.Duration(s.p50_ns), P90: time.Duration(s.p90_ns), P99: time.Duration(s.p99_ns)}
}

func requestsOf(b *C.lfe_batch) ([]Request, error) {
	return decode(b, C.LFE_REC_REQUEST, func(v *batchView, r *C.lfe_request_record) Request {
		return Request{Seq: uint64(r.seq), Time: nsTime(uint64(r.time_ns)), Duration: time.Duration(r.duration_ns),
			Bytes: uint64(r.bytes), ProcessID: uint64(r.process_id), RouteID: uint64(r.route_id),
			Status: uint32(r.status), Flags: RequestFlags(r.flags), Method: v.str(r.method),
			Host: v.str(r.host), Path: v.str(r.path), TraceID: v.str(r.trace_id)}
	})
}
