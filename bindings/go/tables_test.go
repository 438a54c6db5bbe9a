package lfe

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestProcTableBasics(t *testing.T) {
	pt := mustNew(t, NewProcTable, ProcTableOptions{MaxProcs: 4})
	id, err := pt.Insert(ProcessSpec{Name: "web", Command: "npm run dev", Cwd: "/app",
		Labels: []Label{{"port", "3000"}, {"", "empty-key"}, {"bin", "\xff\x00"}}})
	if err != nil || id != 1 {
		t.Fatalf("insert: %d %v", id, err)
	}
	if _, err := pt.Insert(ProcessSpec{Name: "web"}); !errors.Is(err, ErrExists) {
		t.Fatalf("dup name: %v", err)
	}
	if _, err := pt.Insert(ProcessSpec{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty name: %v", err)
	}
	p, err := pt.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "web" || p.Command != "npm run dev" || p.Cwd != "/app" || p.State != ProcPending ||
		len(p.Labels) != 3 || p.Labels[0] != (Label{"port", "3000"}) || p.Labels[2].Value != "\xff\x00" {
		t.Fatalf("got %+v", p)
	}
	if err := pt.Transition(id, ProcPending, ProcStarting, 0); err != nil {
		t.Fatal(err)
	}
	if err := pt.Transition(id, ProcPending, ProcStarting, 0); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale transition: %v", err)
	}
	if err := pt.Transition(id, ProcStarting, ProcPending, 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("illegal edge: %v", err)
	}
	if err := pt.SetPID(id, 4242); err != nil {
		t.Fatal(err)
	}
	if err := pt.Transition(id, ProcStarting, ProcFailed, 2); err != nil {
		t.Fatal(err)
	}
	p, err = pt.Find("web")
	if err != nil || p.PID != 4242 || p.State != ProcFailed || p.ExitCode != 2 || p.Started.IsZero() {
		t.Fatalf("find: %+v %v", p, err)
	}
	if _, err := pt.Get(99); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	for i := range 3 {
		if _, err := pt.Insert(ProcessSpec{Name: fmt.Sprint("p", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pt.Insert(ProcessSpec{Name: "over"}); !errors.Is(err, ErrFull) {
		t.Fatalf("full: %v", err)
	}
	ps, gen, err := pt.List()
	if err != nil || len(ps) != 4 || gen == 0 {
		t.Fatalf("list: %d %d %v", len(ps), gen, err)
	}
	for i := 1; i < len(ps); i++ {
		if ps[i-1].ID >= ps[i].ID {
			t.Fatal("list not sorted by id")
		}
	}
	if err := pt.Remove(id); err != nil {
		t.Fatal(err)
	}
	if n, _ := pt.Len(); n != 3 {
		t.Fatalf("len %d", n)
	}
	g2, _ := pt.Generation()
	if g2 <= 1 {
		t.Fatalf("generation %d", g2)
	}
}

func TestRouteTableBasics(t *testing.T) {
	rt := mustNew(t, NewRouteTable, RouteTableOptions{})
	api, err := rt.Add(RouteSpec{Host: "App.localhost", PathPrefix: "/api", Target: "http://127.0.0.1:8080", ProcessID: 7, ProxyPort: 3000})
	if err != nil {
		t.Fatal(err)
	}
	root, err := rt.Add(RouteSpec{Host: "app.localhost", PathPrefix: "/", Target: "http://127.0.0.1:5173", Label: "vite"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Add(RouteSpec{Host: "app.localhost", PathPrefix: "/api", Target: "http://x"}); !errors.Is(err, ErrExists) {
		t.Fatalf("dup: %v", err)
	}
	if _, err := rt.Add(RouteSpec{Host: "h", PathPrefix: "nope", Target: "http://x"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad prefix: %v", err)
	}
	r, err := rt.Lookup("app.localhost", "/api/users")
	if err != nil || r.ID != api || r.Host != "app.localhost" || r.ProcessID != 7 || r.ProxyPort != 3000 {
		t.Fatalf("lookup api: %+v %v", r, err)
	}
	r, err = rt.Lookup("APP.localhost", "/index.html")
	if err != nil || r.ID != root || r.Label != "vite" {
		t.Fatalf("lookup root: %+v %v", r, err)
	}
	if _, err := rt.Lookup("other", "/"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("lookup other: %v", err)
	}
	r, err = rt.Attribute("http://127.0.0.1:8080/health")
	if err != nil || r.ProcessID != 7 {
		t.Fatalf("attribute: %+v %v", r, err)
	}
	if err := rt.Replace(root, RouteSpec{Host: "app.localhost", PathPrefix: "/", Target: "http://127.0.0.1:5174"}); err != nil {
		t.Fatal(err)
	}
	if r, _ := rt.Get(root); r.Target != "http://127.0.0.1:5174" {
		t.Fatalf("replace: %+v", r)
	}
	rs, _, err := rt.List()
	if err != nil || len(rs) != 2 {
		t.Fatalf("list %v %v", rs, err)
	}
	if err := rt.Remove(api); err != nil {
		t.Fatal(err)
	}
	if n, _ := rt.Len(); n != 1 {
		t.Fatalf("len %d", n)
	}
}

// Many goroutines insert, transition and list at once: every insert gets a distinct id, every
// listed snapshot is sorted and complete for its generation order, nothing is lost.
func TestProcTableConcurrent(t *testing.T) {
	pt := mustNew(t, NewProcTable, ProcTableOptions{MaxProcs: 10000})
	const G, N = 8, 100
	var wg sync.WaitGroup
	ids := make([][]uint64, G)
	for g := range G {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range N {
				id, err := pt.Insert(ProcessSpec{Name: fmt.Sprintf("g%d-%d", g, i)})
				if err != nil {
					t.Error(err)
					return
				}
				ids[g] = append(ids[g], id)
				if err := pt.Transition(id, ProcPending, ProcStarting, 0); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	stop := make(chan struct{})
	var rg sync.WaitGroup
	rg.Add(1)
	go func() {
		defer rg.Done()
		var lastGen uint64
		lastLen := 0
		for {
			select {
			case <-stop:
				return
			default:
			}
			ps, gen, err := pt.List()
			if err != nil {
				t.Error(err)
				return
			}
			if gen < lastGen || (gen == lastGen && len(ps) != lastLen) || len(ps) < lastLen {
				t.Errorf("snapshot went backwards: gen %d->%d len %d->%d", lastGen, gen, lastLen, len(ps))
			}
			lastGen, lastLen = gen, len(ps)
		}
	}()
	wg.Wait()
	close(stop)
	rg.Wait()
	seen := map[uint64]bool{}
	for g := range G {
		for i := 1; i < len(ids[g]); i++ {
			if ids[g][i] <= ids[g][i-1] {
				t.Fatal("ids of one goroutine not increasing")
			}
		}
		for _, id := range ids[g] {
			if seen[id] {
				t.Fatalf("duplicate id %d", id)
			}
			seen[id] = true
		}
	}
	ps, _, _ := pt.List()
	if len(ps) != G*N {
		t.Fatalf("have %d, want %d", len(ps), G*N)
	}
	for _, p := range ps {
		if p.State != ProcStarting {
			t.Fatalf("%s in state %v", p.Name, p.State)
		}
	}
}

func TestTablesUseAfterClose(t *testing.T) {
	pt, _ := NewProcTable(ProcTableOptions{})
	rt, _ := NewRouteTable(RouteTableOptions{})
	closeRace(t, pt, func() error { _, err := pt.Insert(ProcessSpec{Name: fmt.Sprint(randName())}); return err })
	closeRace(t, rt, func() error { _, err := rt.Lookup("a", "/"); return err })
	if _, _, err := pt.List(); !errors.Is(err, ErrClosed) {
		t.Fatalf("list after close: %v", err)
	}
	if _, err := rt.Add(RouteSpec{Host: "a", PathPrefix: "/", Target: "http://x"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("add after close: %v", err)
	}
}
