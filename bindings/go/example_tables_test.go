package lfe_test

import (
	"errors"
	"fmt"

	lfe "github.com/lfe-engine/lfe/bindings/go"
)

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
