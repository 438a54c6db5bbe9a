package lfe

// Benchmarks of the binding itself (issue 20), each with its reference in the same run:
//
//	go test -tags lfe_repo -run '^$' -bench 'HandleCall|ReadProcess' -benchtime 1s
//	go test -tags lfe_repo -run '^$' -bench 'Producers' -benchtime 200000x
//
// BenchmarkHandleCall: a method on a handle whose C body does almost nothing
// (Subscription.FD, lfe_sub_fd) against a bare cgo call (lfe_abi_version).
// BenchmarkProducers: the CPU a line costs (cpu-ns/line, getrusage over the whole process)
// with 1, 2 and 4 goroutines appending to one store (no enrichment worker). Run it with
// -benchtime 200000x: the store holds 2^18 lines, so no append has to help enrich (that is
// the manual mode's cost once a ring behind, not the producers').
// BenchmarkReadProcess: one process's whole history (2,500 lines) read into Go, lfe's
// ReadProcess against a Brummer-like store (RWMutex + a slice per process, copied out).

import (
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"
)

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
	b.Run("cgo", func(b *testing.B) {
		var s uint32
		for b.Loop() {
			s += abiCall()
		}
		_ = s
	})
	b.Run("handle", func(b *testing.B) {
		var s int
		for b.Loop() {
			fd, err := sub.FD()
			if err != nil {
				b.Fatal(err)
			}
			s += fd
		}
		_ = s
	})
}

func cpuNs() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func BenchmarkProducers(b *testing.B) {
	for _, g := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("g%d", g), func(b *testing.B) {
			s, err := NewLogStore(LogStoreOptions{Capacity: 1 << 18, Manual: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			per := b.N/g + 1
			var wg sync.WaitGroup
			start := make(chan struct{})
			for w := range g {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					for i := range per {
						if _, err := s.AppendString(uint64(w), Stdout, sampleLines[i%len(sampleLines)]); err != nil {
							panic(err)
						}
					}
				}()
			}
			b.ResetTimer()
			c0 := cpuNs()
			close(start)
			wg.Wait()
			b.ReportMetric(float64(cpuNs()-c0)/float64(per*g), "cpu-ns/line")
		})
	}
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
