package lfe

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// goRouteTable: the usual Go host version, an RWMutex around a map of host -> routes, longest
// prefix by a scan under the read lock.
type goRouteTable struct {
	mu     sync.RWMutex
	byHost map[string][]Route
}

func (t *goRouteTable) Lookup(host, path string) (Route, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	best, ok := Route{}, false
	for _, h := range []string{strings.ToLower(host), "*"} {
		for _, r := range t.byHost[h] {
			if strings.HasPrefix(path, r.PathPrefix) && (!ok || len(r.PathPrefix) > len(best.PathPrefix)) {
				best, ok = r, true
			}
		}
		if ok {
			return best, true
		}
	}
	return best, ok
}

// BenchmarkRouteLookup: 64 routes over 8 hosts; lookups on GOMAXPROCS goroutines while one
// goroutine replaces a route every 100 lookups.
func BenchmarkRouteLookup(b *testing.B) {
	lt, _ := NewRouteTable(RouteTableOptions{})
	defer lt.Close()
	gt := &goRouteTable{byHost: map[string][]Route{}}
	for h := range 8 {
		for p := range 8 {
			s := RouteSpec{Host: fmt.Sprintf("app%d.localhost", h), PathPrefix: fmt.Sprintf("/svc%d", p), Target: fmt.Sprintf("http://127.0.0.1:%d", 8000+h*8+p)}
			id, err := lt.Add(s)
			if err != nil {
				b.Fatal(err)
			}
			gt.byHost[s.Host] = append(gt.byHost[s.Host], Route{ID: id, RouteSpec: s})
		}
	}
	b.Run("lfe", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				if _, err := lt.Lookup(fmt.Sprintf("app%d.localhost", i%8), "/svc3/users"); err != nil {
					panic(err)
				}
				if i%100 == 0 {
					_ = lt.Replace(1, RouteSpec{Host: "app0.localhost", PathPrefix: "/svc0", Target: "http://127.0.0.1:9000"})
				}
			}
		})
	})
	b.Run("go-rwmutex-map", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				i++
				if _, ok := gt.Lookup(fmt.Sprintf("app%d.localhost", i%8), "/svc3/users"); !ok {
					panic("miss")
				}
				if i%100 == 0 {
					gt.mu.Lock()
					rs := gt.byHost["app0.localhost"]
					rs[0].Target = "http://127.0.0.1:9000"
					gt.mu.Unlock()
				}
			}
		})
	})
}
