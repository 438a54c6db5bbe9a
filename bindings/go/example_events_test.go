package lfe_test

import (
	"context"
	"fmt"
	"time"

	lfe "github.com/lfe-engine/lfe/bindings/go"
)

func ExampleQueue() {
	q, _ := lfe.NewQueue(lfe.QueueOptions{Capacity: 128}) // fails only on bad options
	defer q.Close()

	// One cgo call for the whole batch.
	n, _ := q.PushBatch([]lfe.EventInput{
		{Type: lfe.EventProcessStarted, ProcessID: 1, Payload: []byte("web")},
		{Type: lfe.EventLogLine, ProcessID: 1, Payload: []byte("listening on :3000")},
	})
	fmt.Println("pushed", n)
	_ = q.Shutdown() // no more pushes: All stops once the queue is drained

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for ev, err := range q.All(ctx) {
		if err != nil {
			panic(err)
		}
		fmt.Println(ev.Type == lfe.EventLogLine, string(ev.Payload))
	}
	// Output:
	// pushed 2
	// false web
	// true listening on :3000
}

func ExampleBus() {
	bus, _ := lfe.NewBus(lfe.BusOptions{}) // fails only on bad options
	defer bus.Close()
	errs, _ := bus.Subscribe(lfe.Filter{Types: []lfe.EventType{lfe.EventErrorDetected}}, 64)
	defer errs.Close()

	_ = bus.Publish(lfe.EventInput{Type: lfe.EventLogLine, Payload: []byte("ok")})
	_ = bus.Publish(lfe.EventInput{Type: lfe.EventErrorDetected, ProcessID: 3, Payload: []byte("TypeError: x is undefined")})

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ev, err := errs.Pop(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.ProcessID, string(ev.Payload))
	// Output:
	// 3 TypeError: x is undefined
}

func ExampleSubscription_Events() {
	bus, _ := lfe.NewBus(lfe.BusOptions{})
	defer bus.Close()
	sub, _ := bus.Subscribe(lfe.Filter{Mask: lfe.MaskAll}, 2) // tiny: it will lag
	defer sub.Close()

	_ = bus.PublishBatch([]lfe.EventInput{
		{Type: lfe.EventLogLine, Payload: []byte("1")},
		{Type: lfe.EventLogLine, Payload: []byte("2")},
		{Type: lfe.EventLogLine, Payload: []byte("3")},
	})
	_ = sub.Unsubscribe() // Events stops once what is queued is drained

	for ev, err := range sub.Events(context.Background()) {
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s lost_before=%d\n", ev.Payload, ev.LostBefore)
	}
	// Output:
	// 2 lost_before=1
	// 3 lost_before=0
}
