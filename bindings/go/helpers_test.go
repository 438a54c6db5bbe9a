package lfe

import (
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

var nameCounter atomic.Uint64

func randName() uint64 { return nameCounter.Add(1) }

// mustNew creates a structure with newX(opts), failing the test on an error, and closes it when
// the test ends.
func mustNew[O any, C io.Closer](t testing.TB, newX func(O) (C, error), opts O) C {
	t.Helper()
	c, err := newX(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// closeRace runs op from several goroutines while Close is called (twice, concurrently): every
// op either succeeds or fails with a non-panic error, after Close every op returns ErrClosed,
// and nothing crashes (the race detector and the C library check for use-after-free).
func closeRace(t *testing.T, c io.Closer, op func() error) {
	t.Helper()
	const G = 4
	var wg sync.WaitGroup
	start := make(chan struct{})
	var closed atomic.Bool
	for range G {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; ; i++ {
				wasClosed := closed.Load()
				err := op()
				if errors.Is(err, ErrPanic) {
					t.Errorf("op panicked in C: %v", err)
					return
				}
				if wasClosed {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("op after Close: %v, want ErrClosed", err)
					}
					return
				}
				if i > 10000 {
					return
				}
			}
		}()
	}
	close(start)
	var cw sync.WaitGroup
	for range 2 {
		cw.Add(1)
		go func() {
			defer cw.Done()
			if err := c.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
			closed.Store(true)
		}()
	}
	cw.Wait()
	wg.Wait()
	if err := c.Close(); err != nil {
		t.Errorf("third close: %v", err)
	}
	if err := op(); !errors.Is(err, ErrClosed) {
		t.Errorf("op after close: %v", err)
	}
}

// Handles dropped without Close are freed by their cleanup (the backstop); nothing crashes and
// handles still in use are not affected.
func TestCleanupBackstop(t *testing.T) {
	keep := mustNew(t, NewQueue, QueueOptions{Capacity: 4})
	for range 50 {
		q, _ := NewQueue(QueueOptions{Capacity: 4})
		_ = q.TryPush(EventInput{Type: EventLogLine, Payload: []byte("dropped")})
		l, _ := NewLogStore(LogStoreOptions{Capacity: 16})
		_, _ = l.AppendString(1, Stdout, "dropped")
		_, _ = NewRouteTable(RouteTableOptions{})
	}
	for range 3 {
		runtime.GC()
	}
	if err := keep.TryPush(EventInput{Type: EventLogLine}); err != nil {
		t.Fatal(err)
	}
}
