package lfe_test

import (
	"fmt"
	"time"

	lfe "github.com/lfe-engine/lfe/bindings/go"
)

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
