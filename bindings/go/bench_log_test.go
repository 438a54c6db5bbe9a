package lfe

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// logBench is what the log benchmarks need from a store.
type logBench interface {
	Append(proc, text string)
	AppendBatch(proc string, lines []string)
	Tail(n int) int // returns how many lines it copied out
	Search(q string, limit int) int
	Settle() // wait until background work (enrichment, a worker's backlog) is done
	Close()
}

// sampleLines: dev-server output, some with URLs, levels and errors.
var sampleLines = func() []string {
	base := []string{
		"  VITE v5.0.0  ready in 312 ms",
		"  ➜  Local:   http://localhost:5173/",
		"[INFO] compiled successfully in 1.2s",
		"GET /api/users 200 12ms",
		"WARN deprecated option 'legacy' used, see https://example.com/docs/migrate#legacy",
		"ERROR TypeError: Cannot read properties of undefined (reading 'map')",
		"    at UserList (src/components/UserList.tsx:42:17)",
		"server listening on http://127.0.0.1:8080 (pid 4242)",
	}
	out := make([]string, 0, 1024)
	for i := 0; len(out) < 1024; i++ {
		out = append(out, fmt.Sprintf("%s #%d", base[i%len(base)], i))
	}
	return out
}()

type mutexBench struct{ s *mutexLogStore }

func (m mutexBench) Append(p, t string)               { m.s.Append(p, t) }
func (m mutexBench) AppendBatch(p string, l []string) { m.s.AppendBatch(p, l) }
func (m mutexBench) Tail(n int) int                   { return len(m.s.Tail(n)) }
func (m mutexBench) Search(q string, l int) int       { return len(m.s.Search(q, l)) }
func (m mutexBench) Settle()                          {}
func (m mutexBench) Close()                           {}

type chanBench struct{ s *chanLogStore }

func (c chanBench) Append(p, t string) { c.s.Append(p, t) }
func (c chanBench) AppendBatch(p string, l []string) {
	for _, t := range l {
		c.s.Append(p, t)
	}
}
func (c chanBench) Tail(n int) int             { return len(c.s.Tail(n)) }
func (c chanBench) Search(q string, l int) int { return len(c.s.Search(q, l)) }
func (c chanBench) Close()                     { c.s.Close() }
func (c chanBench) Settle() {
	for len(c.s.ch) > 0 {
		time.Sleep(time.Millisecond)
	}
}

const benchLogCap = 10000

// logStores lists the stores under test, each made fresh by its constructor.
var logStores = []struct {
	name string
	make func() logBench
}{
	{"lfe", func() logBench { return newLfeBench(false) }},
	// Manual mode: no enrichment worker, so this is the append path alone (lines stay
	// unenriched): what a host pays per line when enrichment is deferred or off.
	{"lfe-noenrich", func() logBench { return newLfeBench(true) }},
	{"go-mutex", func() logBench { return mutexBench{newMutexLogStore(benchLogCap)} }},
	{"go-chan", func() logBench { return chanBench{newChanLogStore(benchLogCap)} }},
}

// BenchmarkLogAppend: one op = one line appended. "1": one goroutine; "par": GOMAXPROCS
// goroutines. The time includes Close, i.e. draining what enrichment (lfe's worker, the channel
// store's worker) still had to do, so every store is charged for the same work. The batch variants append 16 or 256 lines per call.
func BenchmarkLogAppend(b *testing.B) {
	for _, st := range logStores {
		for _, par := range []bool{false, true} {
			for _, batch := range []int{1, 16, 256} {
				name := fmt.Sprintf("%s/batch%d/%s", st.name, batch, map[bool]string{false: "1", true: fmt.Sprintf("par%d", runtime.GOMAXPROCS(0))}[par])
				b.Run(name, func(b *testing.B) {
					s := st.make()
					defer s.Close()
					body := func(next func() bool) {
						i := 0
						for {
							if batch == 1 {
								if !next() {
									return
								}
								s.Append("web", sampleLines[i%len(sampleLines)])
								i++
								continue
							}
							for k := 0; k < batch; k++ {
								if !next() {
									return
								}
							}
							off := (i * batch) % (len(sampleLines) - batch)
							s.AppendBatch("web", sampleLines[off:off+batch])
							i++
						}
					}
					if par {
						b.RunParallel(func(pb *testing.PB) { body(pb.Next) })
					} else {
						n := 0
						body(func() bool { n++; return n <= b.N })
					}
				})
			}
		}
	}
}

func filledStore(b *testing.B, mk func() logBench) logBench {
	s := mk()
	for i := 0; i < benchLogCap; i += 64 {
		off := i % (len(sampleLines) - 64)
		s.AppendBatch("web", sampleLines[off:off+64])
	}
	s.Settle()
	b.ResetTimer()
	return s
}

// BenchmarkLogTail: copy out the newest 100 lines of a full store.
func BenchmarkLogTail(b *testing.B) {
	benchFull(b, "empty tail", func(s logBench) int { return s.Tail(100) })
}

// BenchmarkLogSearch: the newest 50 lines containing "TypeError" in a full store.
func BenchmarkLogSearch(b *testing.B) {
	benchFull(b, "no match", func(s logBench) int { return s.Search("TypeError", 50) })
}

// benchFull runs op in parallel on a full store of each kind; op returns how many lines it
// copied out, and 0 (what names the failure) stops the run.
func benchFull(b *testing.B, what string, op func(s logBench) int) {
	for _, st := range logStores {
		b.Run(st.name, func(b *testing.B) {
			s := filledStore(b, st.make)
			defer s.Close()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if op(s) == 0 {
						panic(what)
					}
				}
			})
		})
	}
}

type lfeBench struct{ s *LogStore }

func newLfeBench(manual bool) lfeBench {
	s, err := NewLogStore(LogStoreOptions{Capacity: benchLogCap, Manual: manual})
	if err != nil {
		panic(err)
	}
	return lfeBench{s}
}

func (l lfeBench) Append(p, t string) {
	if _, err := l.s.AppendString(1, Stdout, t); err != nil {
		panic(err)
	}
}

func (l lfeBench) AppendBatch(p string, ts []string) {
	if _, err := l.s.AppendStrings(1, Stdout, ts); err != nil {
		panic(err)
	}
}

func (l lfeBench) Tail(n int) int {
	ls, err := l.s.Tail(n)
	if err != nil {
		panic(err)
	}
	return len(ls)
}

func (l lfeBench) Search(q string, limit int) int {
	ls, err := l.s.Search(Query{Pattern: q, Literal: true, Limit: limit})
	if err != nil {
		panic(err)
	}
	return len(ls)
}

func (l lfeBench) Close() { l.s.Close() }

func (l lfeBench) Settle() {
	if err := l.s.Sync(); err != nil {
		panic(err)
	}
}
