package lfe

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// BenchmarkQueue: one op = one event pushed and popped (so batch forms report ns per event).
// lfe single calls, lfe batches of k, and a buffered Go channel, on 1 goroutine and on
// GOMAXPROCS goroutines (RunParallel: each pushes then pops).
func BenchmarkQueue(b *testing.B) {
	payload := make([]byte, 32)
	ev := EventInput{Type: EventLogLine, ProcessID: 1, Payload: payload}
	for _, par := range []bool{false, true} {
		mode := "1"
		if par {
			mode = "par"
		}
		run := func(name string, body func(pb func() bool)) {
			b.Run(name+"/"+mode, func(b *testing.B) {
				if par {
					b.RunParallel(func(pb *testing.PB) { body(pb.Next) })
				} else {
					i := 0
					body(func() bool { i++; return i <= b.N })
				}
			})
		}
		{
			q, _ := NewQueue(QueueOptions{Capacity: 4096})
			run("lfe", func(next func() bool) {
				for next() {
					// A concurrent pop may miss an element whose push is still in flight, so
					// under RunParallel the queue can fill up: drain and retry.
					for err := q.TryPush(ev); err != nil; err = q.TryPush(ev) {
						if !errors.Is(err, ErrFull) {
							panic(err)
						}
						_, _ = q.TryPopBatch(1024)
					}
					if _, err := q.TryPop(); err != nil && !errors.Is(err, ErrEmpty) {
						panic(err)
					}
				}
			})
			q.Close()
		}
		for _, k := range []int{16, 256} {
			q, _ := NewQueue(QueueOptions{Capacity: 1 << 16})
			batch := make([]EventInput, k)
			for i := range batch {
				batch[i] = ev
			}
			run(fmt.Sprintf("lfe-batch%d", k), func(next func() bool) {
				for {
					// k events per round: advance the op counter k times.
					for i := 0; i < k; i++ {
						if !next() {
							return
						}
					}
					for _, err := q.PushBatch(batch); err != nil; _, err = q.PushBatch(batch) {
						if !errors.Is(err, ErrFull) {
							panic(err)
						}
						_, _ = q.TryPopBatch(4096)
					}
					if _, err := q.TryPopBatch(k); err != nil && !errors.Is(err, ErrEmpty) {
						panic(err)
					}
				}
			})
			q.Close()
		}
		{
			type goEvent struct {
				Seq       uint64
				ProcessID uint64
				Type      EventType
				Payload   []byte
			}
			ch := make(chan goEvent, 4096)
			run("chan", func(next func() bool) {
				for next() {
					// Copy the payload, as the queue does.
					ch <- goEvent{ProcessID: 1, Type: EventLogLine, Payload: append([]byte(nil), payload...)}
					<-ch
				}
			})
		}
	}
}

// BenchmarkQueueWait: a blocking consumer on another goroutine (Pop with a context against a
// channel receive): the hand-off cost including waking a parked consumer.
func BenchmarkQueueWait(b *testing.B) {
	payload := make([]byte, 32)
	b.Run("lfe", func(b *testing.B) {
		q, _ := NewQueue(QueueOptions{Capacity: 1024})
		defer q.Close()
		done := make(chan struct{})
		go func() {
			for {
				if _, err := q.PopBatch(context.Background(), 256); err != nil {
					close(done)
					return
				}
			}
		}()
		ctx := context.Background()
		for b.Loop() {
			if err := q.Push(ctx, EventInput{Type: EventLogLine, Payload: payload}); err != nil {
				panic(err)
			}
		}
		_ = q.Shutdown()
		<-done
	})
	b.Run("chan", func(b *testing.B) {
		ch := make(chan []byte, 1024)
		done := make(chan struct{})
		go func() {
			for range ch {
			}
			close(done)
		}()
		for b.Loop() {
			ch <- append([]byte(nil), payload...)
		}
		close(ch)
		<-done
	})
}
