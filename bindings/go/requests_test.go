package lfe

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRequestLogBasics(t *testing.T) {
	l := mustNew(t, NewRequestLog, RequestLogOptions{Capacity: 8, MaxField: 64})
	seq, err := l.Record(Request{Method: "GET", Host: "app.localhost", Path: "/api", Status: 200,
		Duration: 3 * time.Millisecond, Bytes: 100, RouteID: 1, ProcessID: 2, TraceID: "t1", Flags: ReqXHR})
	if err != nil || seq != 0 {
		t.Fatalf("record: %d %v", seq, err)
	}
	if _, err := l.Record(Request{Path: strings.Repeat("x", 65)}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	if _, err := l.Record(Request{Flags: 1 << 20}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad flags: %v", err)
	}
	var batch []Request
	for i := range 10 {
		batch = append(batch, Request{Method: "POST", Path: fmt.Sprint("/p", i), Status: 500, RouteID: 1})
	}
	if _, err := l.RecordBatch(batch); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("batch over capacity: %v", err)
	}
	first, err := l.RecordBatch(batch[:5])
	if err != nil || first != 1 {
		t.Fatalf("batch: %d %v", first, err)
	}
	rs, next, missed, err := l.Read(0, 100)
	if err != nil || len(rs) != 6 || next != 6 || missed != 0 {
		t.Fatalf("read: %d %d %d %v", len(rs), next, missed, err)
	}
	r := rs[0]
	if r.Method != "GET" || r.Host != "app.localhost" || r.TraceID != "t1" || r.Flags&ReqXHR == 0 ||
		r.Duration != 3*time.Millisecond || r.Time.IsZero() || rs[5].Path != "/p4" || rs[5].Flags&ReqError == 0 {
		t.Fatalf("fields: %+v %+v", r, rs[5])
	}
	if _, err := l.RecordBatch(batch[5:]); err != nil {
		t.Fatal(err)
	}
	rs, next, missed, _ = l.Read(next, 100)
	if len(rs) != 5 || next != 11 || missed != 0 {
		t.Fatalf("read 2: %d %d %d", len(rs), next, missed)
	}
	rs, _, missed, _ = l.Read(0, 100)
	if len(rs) != 8 || missed != 3 || rs[0].Seq != 3 {
		t.Fatalf("read from 0 after eviction: %d missed %d first %d", len(rs), missed, rs[0].Seq)
	}
	rec, next, _ := l.Recent(2)
	if len(rec) != 2 || rec[1].Seq != 10 || next != 11 {
		t.Fatalf("recent: %+v %d", rec, next)
	}
	st, err := l.RouteStats(1)
	if err != nil || st.Requests != 11 || st.Errors != 10 || st.P99 == 0 {
		t.Fatalf("route stats: %+v %v", st, err)
	}
	if _, err := l.RouteStats(99); !errors.Is(err, ErrNotFound) {
		t.Fatalf("route stats missing: %v", err)
	}
	if g, _ := l.GlobalStats(); g.Requests != 11 || g.Bytes != 100 {
		t.Fatalf("global: %+v", g)
	}
}

// Goroutines record (single and batch) while a reader follows with a cursor: the reader sees
// every request exactly once in sequence order, and each goroutine's requests in its order.
func TestRequestLogConcurrent(t *testing.T) {
	const G, N = 6, 400
	l, _ := NewRequestLog(RequestLogOptions{Capacity: G * N})
	defer l.Close()
	var wg sync.WaitGroup
	for g := range G {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < N; i += 4 {
				var b []Request
				for j := i; j < i+4; j++ {
					b = append(b, Request{Method: "GET", Path: fmt.Sprintf("/%d/%d", g, j), ProcessID: uint64(g)})
				}
				if g%2 == 0 {
					if _, err := l.RecordBatch(b); err != nil {
						t.Error(err)
					}
					continue
				}
				for _, r := range b {
					if _, err := l.Record(r); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	var cursor uint64
	var got []Request
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		rs, next, missed, err := l.Read(cursor, 128)
		if err != nil || missed != 0 {
			t.Fatalf("read: %v missed %d", err, missed)
		}
		got = append(got, rs...)
		cursor = next
		if finished && len(rs) == 0 {
			break
		}
	}
	if len(got) != G*N {
		t.Fatalf("got %d, want %d", len(got), G*N)
	}
	nextIdx := make([]int, G)
	for i, r := range got {
		if r.Seq != uint64(i) {
			t.Fatalf("seq %d at %d", r.Seq, i)
		}
		var g, j int
		fmt.Sscanf(r.Path, "/%d/%d", &g, &j)
		if j != nextIdx[g] {
			t.Fatalf("goroutine %d: %d after %d", g, j, nextIdx[g])
		}
		nextIdx[g]++
	}
	closeRace(t, l, func() error { _, err := l.Record(Request{Method: "GET"}); return err })
}
