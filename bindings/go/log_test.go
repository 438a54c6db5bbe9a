package lfe

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLogStoreBasics(t *testing.T) {
	s := mustNew(t, NewLogStore, LogStoreOptions{Capacity: 64, MaxLineLen: 48})
	seq, err := s.AppendString(1, Stdout, "  ➜  Local:   http://localhost:5173/")
	if err != nil || seq != 0 {
		t.Fatalf("append: %d %v", seq, err)
	}
	if _, err := s.Append(1, Stream(9), []byte("x")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad stream: %v", err)
	}
	first, err := s.AppendBatch([]LogInput{
		{ProcessID: 2, Stream: Stderr, Text: []byte("ERROR TypeError: boom")},
		{ProcessID: 2, Stream: Stderr, Text: []byte("    at f (a.js:1:2)")},
		{ProcessID: 1, Stream: Stdout, Text: []byte("\xff\x00 binary"), Time: time.Unix(100, 0)},
		{ProcessID: 1, Stream: Stdout, Text: []byte(strings.Repeat("y", 60))},
	})
	if err != nil || first != 1 {
		t.Fatalf("batch: %d %v", first, err)
	}
	if _, err := s.AppendBatch([]LogInput{{Text: []byte("ok")}, {Stream: 7}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("batch with a bad stream: %v", err)
	}
	lines, next, missed, err := s.Read(0, 100)
	if err != nil || len(lines) != 5 || next != 5 || missed != 0 {
		t.Fatalf("read: %d %d %d %v", len(lines), next, missed, err)
	}
	if lines[3].Text != "\xff\x00 binary" || !lines[3].Time.Equal(time.Unix(100, 0)) || lines[1].Stream != Stderr ||
		lines[4].Flags&FlagTruncated == 0 || len(lines[4].Text) != 48 {
		t.Fatalf("lines: %+v", lines)
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	tail, err := s.TailProcess(2, 10)
	if err != nil || len(tail) != 2 || tail[0].Seq != 1 || tail[0].Flags&FlagEnriched == 0 {
		t.Fatalf("tail process: %+v %v", tail, err)
	}
	if tail, _ := s.Tail(2); len(tail) != 2 || tail[1].Seq != 4 {
		t.Fatalf("tail: %+v", tail)
	}
	found, err := s.Search(Query{Pattern: `type\w+`, CaseInsensitive: true})
	if err != nil || len(found) != 1 || found[0].Seq != 1 {
		t.Fatalf("search: %+v %v", found, err)
	}
	if found, _ := s.Search(Query{Pattern: "a.js:1", Literal: true}); len(found) != 1 {
		t.Fatalf("literal search: %+v", found)
	}
	if found, _ := s.Search(Query{Pattern: "", HasProcess: true, ProcessID: 1, Limit: 2}); len(found) != 2 || found[1].Seq != 4 {
		t.Fatalf("process search: %+v", found)
	}
	_, err = s.Search(Query{Pattern: "(unclosed"})
	var pe *PatternError
	if !errors.Is(err, ErrBadPattern) || !errors.As(err, &pe) || pe.Msg == "" {
		t.Fatalf("bad pattern: %v", err)
	}
	urls, err := s.URLs()
	if err != nil || len(urls) != 1 || !strings.Contains(urls[0].URL, "localhost:5173") || urls[0].ProcessID != 1 || urls[0].Count != 1 {
		t.Fatalf("urls: %+v %v", urls, err)
	}
	groups, err := s.Errors()
	if err != nil || len(groups) != 1 || groups[0].ProcessID != 2 || groups[0].Seqs[0] != 1 || !strings.Contains(groups[0].FirstLine, "TypeError") {
		t.Fatalf("errors: %+v %v", groups, err)
	}
	st, err := s.Stats()
	if err != nil || st.Appended != 5 || st.Truncated != 1 || st.Capacity != 64 {
		t.Fatalf("stats: %+v %v", st, err)
	}
	if err := s.ClearProcess(2); err != nil {
		t.Fatal(err)
	}
	if tail, _ := s.TailProcess(2, 10); len(tail) != 0 {
		t.Fatalf("after clear process: %+v", tail)
	}
	if err := s.Clear(); err != nil {
		t.Fatal(err)
	}
	if tail, _ := s.Tail(10); len(tail) != 0 {
		t.Fatalf("after clear: %+v", tail)
	}
	if seq, _ := s.AppendString(1, System, "again"); seq != 5 {
		t.Fatalf("seq after clear: %d", seq)
	}
}

func TestLogStoreManualAndEviction(t *testing.T) {
	s := mustNew(t, NewLogStore, LogStoreOptions{Capacity: 8, Manual: true})
	for i := range 20 {
		if _, err := s.AppendString(1, Stdout, fmt.Sprint("line ", i)); err != nil {
			t.Fatal(err)
		}
	}
	lines, next, missed, _ := s.Read(0, 100)
	if missed != 12 || len(lines) != 8 || lines[0].Seq != 12 || next != 20 {
		t.Fatalf("read after eviction: %d lines, first %d, missed %d, next %d", len(lines), lines[0].Seq, missed, next)
	}
	if n, err := s.Enrich(100); err != nil || n == 0 {
		t.Fatalf("enrich: %d %v", n, err)
	}
}

// G goroutines append (single and batch) while a follower reads from cursor 0: nothing lost,
// nothing duplicated, every goroutine's lines in its order, sequences dense.
func TestLogStoreConcurrentAppendFollow(t *testing.T) {
	const G, N = 6, 600
	s := mustNew(t, NewLogStore, LogStoreOptions{Capacity: G * N})
	var wg sync.WaitGroup
	for g := range G {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < N; i += 6 {
				if g%2 == 0 {
					var b []string
					for j := i; j < i+6; j++ {
						b = append(b, fmt.Sprintf("g%d %d", g, j))
					}
					if _, err := s.AppendStrings(uint64(g), Stdout, b); err != nil {
						t.Error(err)
						return
					}
					continue
				}
				for j := i; j < i+6; j++ {
					if _, err := s.AppendString(uint64(g), Stderr, fmt.Sprintf("g%d %d", g, j)); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	next := make([]int, G)
	var want uint64
	for l, err := range s.Follow(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if l.Seq != want {
			t.Fatalf("seq %d, want %d", l.Seq, want)
		}
		want++
		var g, j int
		if _, err := fmt.Sscanf(l.Text, "g%d %d", &g, &j); err != nil || uint64(g) != l.ProcessID {
			t.Fatalf("line %q of %d", l.Text, l.ProcessID)
		}
		if j != next[g] {
			t.Fatalf("goroutine %d: line %d after %d", g, j, next[g]-1)
		}
		next[g]++
		if want == G*N {
			break
		}
	}
	wg.Wait()
	if want != G*N {
		t.Fatalf("followed %d lines, want %d", want, G*N)
	}
}

func TestLogStoreFollowCancelAndClose(t *testing.T) {
	s, _ := NewLogStore(LogStoreOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	n := 0
	for _, err := range s.Follow(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Fatalf("followed %d lines of an empty store", n)
	}
	closeRace(t, s, func() error {
		if _, err := s.AppendString(1, Stdout, "x"); err != nil {
			return err
		}
		_, err := s.Tail(5)
		return err
	})
	for _, err := range s.Follow(context.Background(), 0) {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("follow after close: %v", err)
		}
	}
}

func TestLogStoreLineURLs(t *testing.T) {
	s := mustNew(t, NewLogStore, LogStoreOptions{Capacity: 4, Manual: true})
	a, _ := s.AppendString(1, Stdout, "  \x1b[36mhttp://localhost:\x1b[1m5173\x1b[22m/\x1b[39m and ws://[::1]:24678{x}")
	b, _ := s.AppendString(1, Stdout, "no url")
	if _, err := s.LineURLs(a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before enrichment: %v", err)
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	got, err := s.LineURLs(a)
	if err != nil || fmt.Sprint(got) != "[http://localhost:5173/ ws://[::1]:24678/]" {
		t.Fatalf("line urls: %q %v", got, err)
	}
	if got, err := s.LineURLs(b); err != nil || len(got) != 0 {
		t.Fatalf("no urls: %q %v", got, err)
	}
	if _, err := s.LineURLs(1000); !errors.Is(err, ErrNotFound) {
		t.Fatalf("never appended: %v", err)
	}
	for i := 0; i < 4; i++ {
		if _, err := s.AppendString(1, Stdout, "tick"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Sync(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LineURLs(a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("evicted: %v", err)
	}
	s.Close()
	if _, err := s.LineURLs(a); err == nil {
		t.Fatal("closed store gave no error")
	}
}

// A follower sees every line of 3 writers exactly once, in sequence order, each writer's lines
// in its own order; Close ends the iteration.
func TestFollowEveryLineOnceInOrder(t *testing.T) {
	const writers, per = 3, 3000
	s, err := NewLogStore(LogStoreOptions{Capacity: 1 << 16, Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []LogLine)
	go func() {
		var ls []LogLine
		for l, err := range s.Follow(context.Background(), 0) {
			if err != nil {
				t.Errorf("follow: %v", err)
				break
			}
			ls = append(ls, l)
			if len(ls) == writers*per {
				_ = s.Close() // ends the iteration through ErrClosed
			}
		}
		got <- ls
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				if _, err := s.AppendString(uint64(w), Stdout, strconv.Itoa(i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	ls := <-got
	if len(ls) != writers*per {
		t.Fatalf("followed %d lines, want %d", len(ls), writers*per)
	}
	next := make([]int, writers)
	for i, l := range ls {
		if l.Seq != uint64(i) || l.Text != strconv.Itoa(next[l.ProcessID]) {
			t.Fatalf("line %d: seq %d process %d text %q, want seq %d text %d", i, l.Seq, l.ProcessID, l.Text, i, next[l.ProcessID])
		}
		next[l.ProcessID]++
	}
}

// Cancelling the context ends a Follow blocked in its wait; Close wakes a blocked Wait with
// ErrClosed; after Close every call is ErrClosed, and Close again is harmless.
func TestFollowCancelAndClose(t *testing.T) {
	s, err := NewLogStore(LogStoreOptions{Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		n := 0
		for _, err := range s.Follow(ctx, 0) {
			if err != nil {
				t.Errorf("follow: %v", err)
			}
			n++
		}
		done <- n
	}()
	if _, err := s.AppendString(1, Stdout, "one"); err != nil {
		t.Fatal(err)
	}
	cancel()
	if n := <-done; n > 1 {
		t.Fatalf("followed %d lines, want at most 1", n)
	}
	if err := s.Wait(ctx, 0); err != context.Canceled {
		t.Fatalf("Wait on a cancelled context: %v", err)
	}
	waited := make(chan error)
	go func() { waited <- s.Wait(context.Background(), 1) }()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; !errors.Is(err, ErrClosed) {
		t.Fatalf("Wait across Close: %v, want ErrClosed", err)
	}
	_ = s.Close()
	if _, err := s.AppendString(1, Stdout, "late"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v", err)
	}
	if _, err := s.ReadProcess(1); !errors.Is(err, ErrClosed) {
		t.Fatalf("ReadProcess after Close: %v", err)
	}
}

// ReadProcess returns exactly one process's retained lines, oldest first.
func TestReadProcess(t *testing.T) {
	s, err := NewLogStore(LogStoreOptions{Capacity: 100, Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 150 {
		if _, err := s.AppendString(uint64(i%3), Stdout, strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	ls, err := s.ReadProcess(2)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 50; i < 150; i++ {
		if i%3 == 2 {
			want = append(want, strconv.Itoa(i))
		}
	}
	if len(ls) != len(want) {
		t.Fatalf("%d lines, want %d", len(ls), len(want))
	}
	for i, l := range ls {
		if l.ProcessID != 2 || l.Text != want[i] {
			t.Fatalf("line %d: process %d text %q, want %q", i, l.ProcessID, l.Text, want[i])
		}
	}
}
