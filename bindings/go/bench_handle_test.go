package lfe

// Benchmarks of the binding itself (issue 20), each with its reference in the same run:
//
//	go test -tags lfe_repo -run '^$' -bench 'HandleCall|ReadProcess' -benchtime 1s
//	go test -tags lfe_repo -run '^$' -bench 'Producers' -benchtime 30x
//
// BenchmarkHandleCall: a method on a handle whose C body does almost nothing
// (Subscription.FD, lfe_sub_fd) against a bare cgo call (lfe_abi_version): interleaved in one
// goroutine (metric "ratio"), and from every goroutine at once (parallel-*).
// BenchmarkProducers: the CPU a line costs (cpu-ns/line, getrusage over the whole process)
// with 1, 2 and 4 goroutines appending to one store (no enrichment worker; the store holds
// every line of a round, so no append has to help enrich).
// BenchmarkReadProcess: one process's whole history (2,500 lines) read into Go, lfe's
// ReadProcess against a Brummer-like store (RWMutex + a slice per process, copied out).

import (
	"fmt"
	"math"
	"sync"
	"syscall"
	"testing"
	"time"
)

// interleaved times a and b in alternating blocks of per calls and returns the fastest block
// of each (ns a call): on a shared, noisy machine the two see the same load, and the fastest
// block is the cost without interference.
func interleaved(blocks, per int, a, b func()) (float64, float64) {
	ma, mb := math.Inf(1), math.Inf(1)
	for range blocks {
		t0 := time.Now()
		for range per {
			a()
		}
		t1 := time.Now()
		for range per {
			b()
		}
		t2 := time.Now()
		ma = min(ma, float64(t1.Sub(t0))/float64(per))
		mb = min(mb, float64(t2.Sub(t1))/float64(per))
	}
	return ma, mb
}

func BenchmarkHandleCall(b *testing.B) {
	bus, err := NewBus(BusOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer bus.Close()
	sub, err := bus.Subscribe(Filter{Mask: ^uint64(0)}, 16)
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	var s int
	cgo := func() { s += int(abiCall()) }
	handle := func() {
		fd, err := sub.FD()
		if err != nil {
			b.Fatal(err)
		}
		s += fd
	}
	// One op = 1000 bare calls and 1000 handle calls, interleaved; the metrics are the
	// fastest block of each and their ratio.
	b.Run("interleaved", func(b *testing.B) {
		mc, mh := math.Inf(1), math.Inf(1)
		for b.Loop() {
			c, h := interleaved(1, 1000, cgo, handle)
			mc, mh = min(mc, c), min(mh, h)
		}
		b.ReportMetric(mc, "cgo-ns")
		b.ReportMetric(mh, "handle-ns")
		b.ReportMetric(mh/mc, "ratio")
	})
	// Every goroutine calling at once (a shared write to enter a call shows here).
	b.Run("parallel-cgo", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				abiCall()
			}
		})
	})
	b.Run("parallel-handle", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := sub.FD(); err != nil {
					panic(err)
				}
			}
		})
	})
	_ = s
}

func cpuNs() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkProducers(b *testing.B) {
	const lines = 5000
	// Closed stores stay reachable until the end: their memory is freed by a cleanup after
	// the GC (Close does not free), and that freeing must not land in another round's time.
	var keep []*LogStore
	defer func() {
		for _, s := range keep {
			_ = s.Close()
		}
	}()
	gs := []int{1, 2, 4}
	best := make([]float64, len(gs))
	for i := range best {
		best[i] = math.Inf(1)
	}
	// One op = one round: for each goroutine count, a fresh store gets the same lines split
	// over the goroutines; the metrics are each count's cheapest round (rounds of different
	// counts alternate, so they see the same load) and the 4-to-1 ratio.
	for b.Loop() {
		for k, g := range gs {
			s, err := NewLogStore(LogStoreOptions{Capacity: lines, Manual: true})
			if err != nil {
				b.Fatal(err)
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for w := range g {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for i := range lines / g {
						if _, err := s.AppendString(uint64(w), Stdout, sampleLines[i%len(sampleLines)]); err != nil {
							panic(err)
						}
					}
				}()
			}
			c0 := cpuNs()
			close(start)
			wg.Wait()
			best[k] = min(best[k], float64(cpuNs()-c0)/float64(lines/g*g))
			keep = append(keep, s)
		}
	}
	for k, g := range gs {
		b.ReportMetric(best[k], fmt.Sprintf("g%d-cpu-ns/line", g))
	}
	b.ReportMetric(best[2]/best[0], "g4/g1")
}

// brummerStore is a Brummer-like log store: an RWMutex, the lines of each process in a slice,
// a process's history copied out under the read lock.
type brummerStore struct {
	mu     sync.RWMutex
	byProc map[string][]goLine
}

func (s *brummerStore) add(proc, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := goLine{Seq: uint64(len(s.byProc[proc])), Process: proc, Text: text, Level: goLevel(text), Time: time.Now()}
	s.byProc[proc] = append(s.byProc[proc], l)
}

func (s *brummerStore) history(proc string) []goLine {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]goLine(nil), s.byProc[proc]...)
}

func BenchmarkReadProcess(b *testing.B) {
	const procs, per = 4, 2500
	lfe, err := NewLogStore(LogStoreOptions{Capacity: procs * per, Manual: true})
	if err != nil {
		b.Fatal(err)
	}
	defer lfe.Close()
	br := &brummerStore{byProc: map[string][]goLine{}}
	names := []string{"web", "api", "db", "worker"}
	for i := range procs * per {
		t := sampleLines[i%len(sampleLines)]
		if _, err := lfe.AppendString(uint64(i%procs), Stdout, t); err != nil {
			b.Fatal(err)
		}
		br.add(names[i%procs], t)
	}
	b.Run("lfe", func(b *testing.B) {
		for b.Loop() {
			ls, err := lfe.ReadProcess(1)
			if err != nil || len(ls) != per {
				b.Fatal(len(ls), err)
			}
		}
	})
	b.Run("brummer-slice", func(b *testing.B) {
		for b.Loop() {
			if ls := br.history("api"); len(ls) != per {
				b.Fatal(len(ls))
			}
		}
	})
}
