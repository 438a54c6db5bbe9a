package lfe

// Pure-Go stores written the way Go developer-tool hosts write them today, for the benchmarks
// in bench_test.go: lfe is measured against these in the same run.

import (
	"regexp"
	"strings"
	"sync"
	"time"
)

type goLine struct {
	Seq     uint64
	Process string
	Text    string
	Level   int
	URLs    []string
	Time    time.Time
}

var goURLRe = regexp.MustCompile(`https?://[^\s"'<>()\[\]{}]+`)

func goLevel(s string) int {
	switch {
	case strings.Contains(s, "ERROR") || strings.Contains(s, "error"):
		return 4
	case strings.Contains(s, "WARN") || strings.Contains(s, "warn"):
		return 3
	case strings.Contains(s, "INFO") || strings.Contains(s, "info"):
		return 2
	}
	return 0
}

// mutexLogStore: sync.RWMutex + slice ring, detection (URL regex, level) inside the lock.
type mutexLogStore struct {
	mu    sync.RWMutex
	lines []goLine // ring of cap entries
	cap   int
	next  uint64
}

func newMutexLogStore(capacity int) *mutexLogStore {
	return &mutexLogStore{lines: make([]goLine, 0, capacity), cap: capacity}
}

func (s *mutexLogStore) Append(proc, text string) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appendLocked(proc, text)
}

func (s *mutexLogStore) appendLocked(proc, text string) uint64 {
	l := goLine{Seq: s.next, Process: proc, Text: text, Level: goLevel(text),
		URLs: goURLRe.FindAllString(text, -1), Time: time.Now()}
	if len(s.lines) < s.cap {
		s.lines = append(s.lines, l)
	} else {
		s.lines[s.next%uint64(s.cap)] = l
	}
	s.next++
	return l.Seq
}

func (s *mutexLogStore) AppendBatch(proc string, texts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range texts {
		s.appendLocked(proc, t)
	}
}

// Tail returns the last n lines, oldest first.
func (s *mutexLogStore) Tail(n int) []goLine {
	s.mu.RLock()
	defer s.mu.RUnlock()
	have := len(s.lines)
	if n > have {
		n = have
	}
	out := make([]goLine, 0, n)
	for seq := s.next - uint64(n); seq < s.next; seq++ {
		out = append(out, s.lines[seq%uint64(s.cap)])
	}
	return out
}

// Search returns up to limit lines containing q, newest first.
func (s *mutexLogStore) Search(q string, limit int) []goLine {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []goLine
	for i := 0; i < len(s.lines) && len(out) < limit; i++ {
		seq := s.next - 1 - uint64(i)
		l := s.lines[seq%uint64(s.cap)]
		if strings.Contains(l.Text, q) {
			out = append(out, l)
		}
	}
	return out
}

// chanLogStore: appends go through a buffered channel to one worker goroutine that runs the
// detection and writes the ring under a lock; reads take the read lock.
type chanLogStore struct {
	mutexLogStore
	ch   chan [2]string
	wg   sync.WaitGroup
	done sync.WaitGroup
}

func newChanLogStore(capacity int) *chanLogStore {
	s := &chanLogStore{mutexLogStore: mutexLogStore{lines: make([]goLine, 0, capacity), cap: capacity},
		ch: make(chan [2]string, 1024)}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		for m := range s.ch {
			l := goLine{Process: m[0], Text: m[1], Level: goLevel(m[1]),
				URLs: goURLRe.FindAllString(m[1], -1), Time: time.Now()}
			s.mu.Lock()
			l.Seq = s.next
			if len(s.lines) < s.cap {
				s.lines = append(s.lines, l)
			} else {
				s.lines[s.next%uint64(s.cap)] = l
			}
			s.next++
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *chanLogStore) Append(proc, text string) { s.ch <- [2]string{proc, text} }

func (s *chanLogStore) Close() {
	close(s.ch)
	s.done.Wait()
}
