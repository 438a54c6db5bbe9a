package lfe_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	lfe "github.com/lfe-engine/lfe/bindings/go"
)

func ExampleError() {
	err := lfe.SelftestPanic() // lfe returns every failure as a status code; here LFE_E_PANIC
	fmt.Println(errors.Is(err, lfe.ErrPanic), errors.Is(err, lfe.ErrFull))
	var le *lfe.Error
	if errors.As(err, &le) {
		fmt.Println(le.Name(), le.Code())
	}
	// Output:
	// true false
	// LFE_E_PANIC -12
}

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

func ExampleLockdep() {
	v, _ := lfe.NewLockdep(lfe.LockdepOptions{}) // fails only on bad options
	defer v.Close()
	procs, _ := v.Register("procs.mu")
	logs, _ := v.Register("logs.mu")

	// Goroutine 1 takes procs then logs; goroutine 2 takes logs then procs.
	_ = v.Acquire(1, procs)
	_ = v.Acquire(1, logs)
	_ = v.Release(1, logs)
	_ = v.Release(1, procs)
	_ = v.Acquire(2, logs)
	err := v.Acquire(2, procs)
	fmt.Println(errors.Is(err, lfe.ErrConflict))

	vs, _, _, _ := v.Violations(0)
	fmt.Println(vs[0].Kind, vs[0].Path)
	// Output:
	// true
	// order-inversion logs.mu -> procs.mu -> logs.mu
}

func ExampleLogStore() {
	logs, _ := lfe.NewLogStore(lfe.LogStoreOptions{Capacity: 10000}) // fails only on bad options
	defer logs.Close()

	const web = 1
	_, _ = logs.AppendString(web, lfe.Stdout, "server listening on http://localhost:3000")
	// A batch crosses cgo once.
	_, _ = logs.AppendStrings(web, lfe.Stderr, []string{
		"GET /api/users 500",
		"ERROR TypeError: Cannot read properties of undefined",
	})
	_ = logs.Sync() // wait for enrichment (it runs off the append path)

	tail, _ := logs.Tail(2)
	for _, l := range tail {
		fmt.Println(l.Seq, l.Text)
	}
	hits, _ := logs.Search(lfe.Query{Pattern: `TypeError`, Literal: true})
	fmt.Println(len(hits), hits[0].Seq)
	urls, _ := logs.URLs()
	fmt.Println(len(urls))
	// Output:
	// 1 GET /api/users 500
	// 2 ERROR TypeError: Cannot read properties of undefined
	// 1 2
	// 1
}

func ExampleRequestLog() {
	reqs, _ := lfe.NewRequestLog(lfe.RequestLogOptions{Capacity: 1000}) // fails only on bad options
	defer reqs.Close()

	_, _ = reqs.RecordBatch([]lfe.Request{
		{Method: "GET", Host: "app.localhost", Path: "/", Status: 200, Duration: 2 * time.Millisecond, RouteID: 1},
		{Method: "POST", Host: "app.localhost", Path: "/api/login", Status: 500, Duration: 9 * time.Millisecond, RouteID: 1},
	})
	var cursor uint64
	rs, cursor, _, _ := reqs.Read(cursor, 100)
	for _, r := range rs {
		fmt.Println(r.Seq, r.Method, r.Path, r.Status, r.Flags&lfe.ReqError != 0)
	}
	st, _ := reqs.RouteStats(1)
	fmt.Println(st.Requests, st.Errors, cursor)
	// Output:
	// 0 GET / 200 false
	// 1 POST /api/login 500 true
	// 2 1 2
}

func ExampleProcTable() {
	procs, _ := lfe.NewProcTable(lfe.ProcTableOptions{}) // fails only on bad options
	defer procs.Close()

	id, _ := procs.Insert(lfe.ProcessSpec{Name: "web", Command: "npm run dev",
		Labels: []lfe.Label{{Key: "port", Value: "3000"}}})
	_ = procs.Transition(id, lfe.ProcPending, lfe.ProcStarting, 0)
	_ = procs.Transition(id, lfe.ProcStarting, lfe.ProcRunning, 0)
	// A stale compare-and-set loses instead of overwriting.
	err := procs.Transition(id, lfe.ProcStarting, lfe.ProcRunning, 0)
	fmt.Println(errors.Is(err, lfe.ErrConflict))

	p, _ := procs.Find("web")
	fmt.Println(p.ID, p.Name, p.State, p.Labels[0].Value)
	// Output:
	// true
	// 1 web running 3000
}

func ExampleRouteTable() {
	routes, _ := lfe.NewRouteTable(lfe.RouteTableOptions{}) // fails only on bad options
	defer routes.Close()

	_, _ = routes.Add(lfe.RouteSpec{Host: "app.localhost", PathPrefix: "/", Target: "http://127.0.0.1:5173"})
	_, _ = routes.Add(lfe.RouteSpec{Host: "app.localhost", PathPrefix: "/api", Target: "http://127.0.0.1:8080", ProcessID: 2})

	r, _ := routes.Lookup("app.localhost", "/api/users")
	fmt.Println(r.Target, r.ProcessID)
	r, _ = routes.Attribute("http://127.0.0.1:8080/health")
	fmt.Println(r.PathPrefix)
	// Output:
	// http://127.0.0.1:8080 2
	// /api
}
