package lfe

import (
	"context"
	"encoding/binary"
	"errors"
	"sync"
	"testing"
	"time"
)

func payloadOf(i uint64) []byte { return binary.LittleEndian.AppendUint64(nil, i) }
func indexOf(p []byte) uint64   { return binary.LittleEndian.Uint64(p) }

func TestQueueBasics(t *testing.T) {
	q := mustNew(t, NewQueue, QueueOptions{Capacity: 4, MaxPayload: 16})
	if _, err := q.TryPop(); !errors.Is(err, ErrEmpty) {
		t.Fatalf("pop empty: %v", err)
	}
	if err := q.TryPush(EventInput{Type: 0}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("type 0: %v", err)
	}
	if err := q.TryPush(EventInput{Type: EventLogLine, Payload: make([]byte, 17)}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	ts := time.Unix(1700000000, 5)
	if err := q.TryPush(EventInput{Type: EventLogLine, ProcessID: 7, Time: ts, Payload: []byte("hello")}); err != nil {
		t.Fatal(err)
	}
	n, err := q.PushBatch([]EventInput{{Type: EventHostMin + 1}, {Type: EventURLDetected, Payload: []byte("\xff\x00")}, {Type: EventTestPassed}, {Type: EventTestFailed}})
	if n != 3 || err != nil {
		t.Fatalf("push batch into 3 free slots: %d %v", n, err)
	}
	if err := q.TryPush(EventInput{Type: EventLogLine}); !errors.Is(err, ErrFull) {
		t.Fatalf("full: %v", err)
	}
	ev, err := q.TryPop()
	if err != nil || ev.Type != EventLogLine || ev.ProcessID != 7 || string(ev.Payload) != "hello" || !ev.Time.Equal(ts) {
		t.Fatalf("pop: %+v %v", ev, err)
	}
	evs, err := q.TryPopBatch(10)
	if err != nil || len(evs) != 3 || evs[0].Type != EventHostMin+1 || string(evs[1].Payload) != "\xff\x00" || evs[0].Seq >= evs[1].Seq {
		t.Fatalf("pop batch: %+v %v", evs, err)
	}
	// Payloads of one batch must not alias each other.
	evs[1].Payload = append(evs[1].Payload, 'x')
	if evs[2].Payload != nil {
		t.Fatal("empty payload should be nil")
	}
	if err := q.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := q.TryPush(EventInput{Type: EventLogLine}); !errors.Is(err, ErrClosed) {
		t.Fatalf("push after shutdown: %v", err)
	}
	if _, err := q.Pop(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("pop after shutdown: %v", err)
	}
}

func TestQueueDropOldest(t *testing.T) {
	q := mustNew(t, NewQueue, QueueOptions{Capacity: 2, Overflow: OverflowDropOldest})
	for i := range 5 {
		if err := q.TryPush(EventInput{Type: EventLogLine, Payload: payloadOf(uint64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	evs, _ := q.TryPopBatch(10)
	st, _ := q.Stats()
	if len(evs) != 2 || indexOf(evs[0].Payload) != 3 || st.Dropped != 3 || st.Pushed != 5 {
		t.Fatalf("%v %+v", evs, st)
	}
}

// Producers push (single and batch) while consumers pop: nothing lost, nothing duplicated, and
// every consumer sees each producer's events in the order they were pushed.
func TestQueueConcurrentProducersConsumers(t *testing.T) {
	const P, C, N = 4, 3, 2000
	q := mustNew(t, NewQueue, QueueOptions{Capacity: 64})
	ctx := context.Background()
	var pw sync.WaitGroup
	for p := range P {
		pw.Add(1)
		go func() {
			defer pw.Done()
			for i := 0; i < N; {
				if p%2 == 0 || i%10 != 0 {
					if err := q.Push(ctx, EventInput{Type: EventLogLine, ProcessID: uint64(p), Payload: payloadOf(uint64(i))}); err != nil {
						t.Error(err)
						return
					}
					i++
					continue
				}
				batch := make([]EventInput, 0, 8)
				for j := i; j < min(i+8, N); j++ {
					batch = append(batch, EventInput{Type: EventLogLine, ProcessID: uint64(p), Payload: payloadOf(uint64(j))})
				}
				n, err := q.PushBatch(batch)
				if err != nil && !errors.Is(err, ErrFull) {
					t.Error(err)
					return
				}
				i += n
			}
		}()
	}
	got := make([][]Event, C)
	var cw sync.WaitGroup
	for c := range C {
		cw.Add(1)
		go func() {
			defer cw.Done()
			for ev, err := range q.All(ctx) {
				if err != nil {
					t.Error(err)
					return
				}
				got[c] = append(got[c], ev)
			}
		}()
	}
	pw.Wait()
	if err := q.Shutdown(); err != nil {
		t.Fatal(err)
	}
	cw.Wait()
	seen := make([][]bool, P)
	for p := range seen {
		seen[p] = make([]bool, N)
	}
	total := 0
	for c := range C {
		last := make([]int64, P)
		for p := range last {
			last[p] = -1
		}
		for _, ev := range got[c] {
			p, i := ev.ProcessID, int64(indexOf(ev.Payload))
			if seen[p][i] {
				t.Fatalf("duplicate %d/%d", p, i)
			}
			seen[p][i] = true
			if i <= last[p] {
				t.Fatalf("consumer %d saw producer %d out of order: %d after %d", c, p, i, last[p])
			}
			last[p] = i
			total++
		}
	}
	if total != P*N {
		t.Fatalf("got %d events, want %d", total, P*N)
	}
}

func TestQueueContextAndClose(t *testing.T) {
	q, _ := NewQueue(QueueOptions{Capacity: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := q.Pop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("pop with deadline: %v", err)
	}
	_ = q.TryPush(EventInput{Type: EventLogLine})
	ctx2, cancel2 := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- q.Push(ctx2, EventInput{Type: EventLogLine}) }()
	cancel2()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("push cancelled: %v", err)
	}
	// A Pop blocked on an empty queue wakes with ErrClosed when the queue is closed.
	_, _ = q.TryPop()
	go func() { _, err := q.Pop(context.Background()); done <- err }()
	time.Sleep(10 * time.Millisecond)
	q.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("blocked pop at close: %v", err)
	}
}

func mustQueue(t *testing.T) *Queue {
	return mustNew(t, NewQueue, QueueOptions{Capacity: 8, Overflow: OverflowDropOldest})
}

func TestQueueUseAfterClose(t *testing.T) {
	q := mustQueue(t)
	closeRace(t, q, func() error {
		if err := q.TryPush(EventInput{Type: EventLogLine, Payload: []byte("x")}); err != nil {
			return err
		}
		_, err := q.PopBatch(context.Background(), 4)
		return err
	})
	if _, err := q.PushBatch([]EventInput{{Type: EventLogLine}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("push batch after close: %v", err)
	}
	if _, err := q.Stats(); !errors.Is(err, ErrClosed) {
		t.Fatalf("stats after close: %v", err)
	}
}

func TestBusFanOut(t *testing.T) {
	bus := mustNew(t, NewBus, BusOptions{})
	if _, err := bus.Subscribe(Filter{}, 8); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty filter: %v", err)
	}
	all, _ := bus.Subscribe(Filter{Mask: MaskAll}, 1<<14)
	logs, _ := bus.Subscribe(Filter{Types: []EventType{EventLogLine}}, 1<<14)
	host, _ := bus.Subscribe(Filter{Mask: MaskOf(EventHostMin)}, 1<<14)
	small, _ := bus.Subscribe(Filter{Mask: MaskAll}, 4)
	defer all.Close()
	defer logs.Close()
	defer host.Close()
	defer small.Close()
	const P, N = 4, 500
	var wg sync.WaitGroup
	for p := range P {
		wg.Add(1)
		go func() {
			defer wg.Done()
			typ := EventLogLine
			if p%2 == 1 {
				typ = EventHostMin + EventType(p)
			}
			for i := 0; i < N; i += 5 {
				if p < 2 {
					for j := i; j < i+5; j++ {
						if err := bus.Publish(EventInput{Type: typ, ProcessID: uint64(p), Payload: payloadOf(uint64(j))}); err != nil {
							t.Error(err)
						}
					}
					continue
				}
				var b []EventInput
				for j := i; j < i+5; j++ {
					b = append(b, EventInput{Type: typ, ProcessID: uint64(p), Payload: payloadOf(uint64(j))})
				}
				if err := bus.PublishBatch(b); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	check := func(name string, s *Subscription, want func(p int) bool) {
		_ = s.Unsubscribe()
		next := map[uint64]uint64{}
		n := 0
		for ev, err := range s.Events(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			if ev.LostBefore != 0 {
				t.Fatalf("%s lost events", name)
			}
			if !want(int(ev.ProcessID)) {
				t.Fatalf("%s got an event of publisher %d", name, ev.ProcessID)
			}
			if i := indexOf(ev.Payload); i != next[ev.ProcessID] {
				t.Fatalf("%s: publisher %d event %d, want %d", name, ev.ProcessID, i, next[ev.ProcessID])
			}
			next[ev.ProcessID]++
			n++
		}
		wantN := 0
		for p := range P {
			if want(p) {
				wantN += N
			}
		}
		if n != wantN {
			t.Fatalf("%s got %d, want %d", name, n, wantN)
		}
	}
	check("all", all, func(int) bool { return true })
	check("logs", logs, func(p int) bool { return p%2 == 0 })
	check("host", host, func(p int) bool { return p%2 == 1 })
	// The small subscription lagged: what it got plus what it lost is everything.
	_ = small.Unsubscribe()
	var got, lost uint64
	for ev, err := range small.Events(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		got++
		lost += ev.LostBefore
	}
	st, _ := small.Stats()
	if got != 4 || got+st.Lagged != P*N {
		t.Fatalf("small: got %d lost %d lagged %d", got, lost, st.Lagged)
	}
	bs, _ := bus.Stats()
	if bs.Published != P*N {
		t.Fatalf("published %d", bs.Published)
	}
}

func TestSubscriptionContextAndClose(t *testing.T) {
	bus, _ := NewBus(BusOptions{})
	sub, _ := bus.Subscribe(Filter{Mask: MaskAll}, 16)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := sub.Pop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("pop with deadline: %v", err)
	}
	if fd, err := sub.FD(); err != nil || fd < 0 {
		t.Fatalf("fd: %d %v", fd, err)
	}
	done := make(chan error)
	go func() { _, err := sub.Pop(context.Background()); done <- err }()
	time.Sleep(10 * time.Millisecond)
	if err := bus.Publish(EventInput{Type: EventBuildEvent}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("blocked pop: %v", err)
	}
	go func() { _, err := sub.Pop(context.Background()); done <- err }()
	time.Sleep(10 * time.Millisecond)
	sub.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("blocked pop at close: %v", err)
	}
	// Bus closed first: subscriptions stay valid, receive nothing more.
	sub2, _ := bus.Subscribe(Filter{Mask: MaskAll}, 16)
	bus.Close()
	if err := bus.Publish(EventInput{Type: EventBuildEvent}); !errors.Is(err, ErrClosed) {
		t.Fatalf("publish after close: %v", err)
	}
	if _, err := sub2.TryPop(); !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrClosed) {
		t.Fatalf("pop after bus close: %v", err)
	}
	sub2.Close()
	b2, _ := NewBus(BusOptions{})
	s2, _ := b2.Subscribe(Filter{Mask: MaskAll}, 4)
	closeRace(t, s2, func() error {
		_ = b2.Publish(EventInput{Type: EventLogLine})
		_, err := s2.TryPopBatch(4)
		if errors.Is(err, ErrEmpty) {
			return nil
		}
		return err
	})
	closeRace(t, b2, func() error { return b2.Publish(EventInput{Type: EventLogLine}) })
}

// A blocked Pop wakes for a publish, returns ctx.Err() when its context is cancelled, and
// ErrClosed at Unsubscribe (once drained) and at Close.
func TestSubscriptionBlockingPop(t *testing.T) {
	bus, _ := NewBus(BusOptions{})
	defer bus.Close()
	sub, _ := bus.Subscribe(Filter{Mask: MaskAll}, 16)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	if _, err := sub.Pop(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("empty wait: %v", err)
	}
	go func() { _ = bus.Publish(EventInput{Type: EventLogLine}) }()
	if ev, err := sub.Pop(context.Background()); err != nil || ev.Type != EventLogLine {
		t.Fatalf("wait for publish: %v %v", ev, err)
	}
	done := make(chan error)
	go func() { _, err := sub.PopBatch(context.Background(), 4); done <- err }()
	time.Sleep(5 * time.Millisecond)
	_ = sub.Unsubscribe()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("wait at unsubscribe: %v", err)
	}
	sub2, _ := bus.Subscribe(Filter{Mask: MaskAll}, 16)
	go func() { _, err := sub2.Pop(context.Background()); done <- err }()
	time.Sleep(5 * time.Millisecond)
	_ = sub2.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("wait at close: %v", err)
	}
}
