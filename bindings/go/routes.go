package lfe

/*
#cgo nocallback lfe_batch_free
#cgo noescape lfe_batch_free
#cgo nocallback lfe_routes_add
#cgo noescape lfe_routes_add
#cgo nocallback lfe_routes_attribute
#cgo noescape lfe_routes_attribute
#cgo nocallback lfe_routes_count
#cgo noescape lfe_routes_count
#cgo nocallback lfe_routes_free
#cgo noescape lfe_routes_free
#cgo nocallback lfe_routes_generation
#cgo noescape lfe_routes_generation
#cgo nocallback lfe_routes_get
#cgo noescape lfe_routes_get
#cgo nocallback lfe_routes_list
#cgo noescape lfe_routes_list
#cgo nocallback lfe_routes_lookup
#cgo noescape lfe_routes_lookup
#cgo nocallback lfe_routes_new
#cgo noescape lfe_routes_new
#cgo nocallback lfe_routes_remove
#cgo noescape lfe_routes_remove
#cgo nocallback lfe_routes_replace
#cgo noescape lfe_routes_replace
#include <lfe.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// RouteSpec describes a route of the reverse proxy.
type RouteSpec struct {
	Host       string // "name" or "name:port" (case-insensitive), or "*" for every host
	PathPrefix string // must start with "/"
	Target     string // upstream URL
	Label      string
	ProcessID  uint64 // owning process (0: none)
	ProxyPort  uint16
}

// Route is a copy of a route record.
type Route struct {
	ID uint64
	RouteSpec
}

// RouteTableOptions bounds a RouteTable; zero fields take the library defaults.
type RouteTableOptions struct {
	MaxRoutes int // most routes at once (default 1024)
	MaxField  int // longest host, prefix, target or label in bytes (default 2048)
}

// RouteTable is the proxy's route table: an RCU snapshot whose lookups are wait-free and never
// see a half-made update. All methods are safe for concurrent use.
type RouteTable struct {
	owned
}

// NewRouteTable creates a route table (lfe_routes_new).
func NewRouteTable(opts RouteTableOptions) (*RouteTable, error) {
	cfg := C.lfe_routes_config{
		size:       C.size_t(unsafe.Sizeof(C.lfe_routes_config{})),
		max_routes: C.size_t(orDefault(opts.MaxRoutes, 1024)),
		max_field:  C.size_t(orDefault(opts.MaxField, 2048)),
	}
	t := &RouteTable{}
	return create(t, &t.owned, func(out *unsafe.Pointer) C.int32_t {
		return C.lfe_routes_new(&cfg, (**C.lfe_routes)(unsafe.Pointer(out)))
	}, func(p unsafe.Pointer) { C.lfe_routes_close_handle((*C.lfe_routes)(p)) },
		func(p unsafe.Pointer) { C.lfe_routes_free((*C.lfe_routes)(p)) })
}

func routeSpecArena(s *RouteSpec) (*cArena, *C.lfe_route_spec) {
	a := newCArena(arenaSize(unsafe.Sizeof(C.lfe_route_spec{}),
		uintptr(len(s.Host)+len(s.PathPrefix)+len(s.Target)+len(s.Label)), 1))
	cs := (*C.lfe_route_spec)(a.alloc(unsafe.Sizeof(C.lfe_route_spec{})))
	cs.host = a.bytes(s.Host)
	cs.path_prefix = a.bytes(s.PathPrefix)
	cs.target = a.bytes(s.Target)
	cs.label = a.bytes(s.Label)
	cs.process_id = C.uint64_t(s.ProcessID)
	cs.proxy_port = C.uint32_t(s.ProxyPort)
	return a, cs
}

// Add adds a route and returns its id (ids start at 1 and are never reused). Errors:
// ErrInvalid (empty host, prefix not starting with "/"), ErrTooLarge, ErrExists (same host and
// prefix), ErrFull.
func (t *RouteTable) Add(spec RouteSpec) (uint64, error) {
	a, cs := routeSpecArena(&spec)
	defer a.free()
	id, err := get(t.h, t, C.uint64_t(0), func(p unsafe.Pointer, id *C.uint64_t) C.int32_t {
		return C.lfe_routes_add((*C.lfe_routes)(p), cs, id)
	})
	return uint64(id), err
}

// Replace replaces route id with spec (the id stays). Errors: as Add, and ErrNotFound.
func (t *RouteTable) Replace(id uint64, spec RouteSpec) error {
	a, cs := routeSpecArena(&spec)
	defer a.free()
	return t.h.call(t, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_routes_replace((*C.lfe_routes)(p), C.uint64_t(id), cs)
	})
}

// Remove removes route id. Errors: ErrNotFound.
func (t *RouteTable) Remove(id uint64) error {
	return t.h.call(t, func(p unsafe.Pointer) C.int32_t {
		return C.lfe_routes_remove((*C.lfe_routes)(p), C.uint64_t(id))
	})
}

// Get returns route id. Errors: ErrNotFound.
func (t *RouteTable) Get(id uint64) (Route, error) {
	return only(fetch(t.h, t, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_routes_get((*C.lfe_routes)(p), C.uint64_t(id), out)
	}, routesOf))
}

// Lookup returns the route for a request to (host, path): the longest matching prefix among
// that host's routes, else among the wildcard ("*") routes. Wait-free. Errors: ErrNotFound.
func (t *RouteTable) Lookup(host, path string) (Route, error) {
	hp, hl := cStrPtr(host)
	pp, pl := cStrPtr(path)
	found, c, err := fetch(t.h, t, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_routes_lookup((*C.lfe_routes)(p), hp, hl, pp, pl, out)
	}, routesOf)
	runtime.KeepAlive(host)
	runtime.KeepAlive(path)
	return only(found, c, err)
}

// Attribute returns the route a URL belongs to (and so its ProcessID): the route whose
// normalised target equals the normalised URL, else the lowest-id route whose target has the
// same host:port. Errors: ErrNotFound.
func (t *RouteTable) Attribute(url string) (Route, error) {
	up, ul := cStrPtr(url)
	found, c, err := fetch(t.h, t, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_routes_attribute((*C.lfe_routes)(p), up, ul, out)
	}, routesOf)
	runtime.KeepAlive(url)
	return only(found, c, err)
}

// List returns every route from one consistent snapshot, sorted by id, and the snapshot's
// generation.
func (t *RouteTable) List() ([]Route, uint64, error) {
	found, c, err := fetch(t.h, t, func(p unsafe.Pointer, out **C.lfe_batch) C.int32_t {
		return C.lfe_routes_list((*C.lfe_routes)(p), out)
	}, routesOf)
	return found, c.next, err
}

// Len returns the number of routes.
func (t *RouteTable) Len() (int, error) {
	n, err := get(t.h, t, C.size_t(0), func(p unsafe.Pointer, n *C.size_t) C.int32_t {
		return C.lfe_routes_count((*C.lfe_routes)(p), n)
	})
	return int(n), err
}

// Generation returns the table's generation (starts at 1, changes on every write, never goes
// backwards).
func (t *RouteTable) Generation() (uint64, error) {
	g, err := get(t.h, t, C.uint64_t(0), func(p unsafe.Pointer, g *C.uint64_t) C.int32_t {
		return C.lfe_routes_generation((*C.lfe_routes)(p), g)
	})
	return uint64(g), err
}

func routesOf(b *C.lfe_batch) ([]Route, error) {
	return decode(b, C.LFE_REC_ROUTE, func(v *batchView, r *C.lfe_route_record) Route {
		return Route{ID: uint64(r.id), RouteSpec: RouteSpec{
			Host:       v.str(r.host),
			PathPrefix: v.str(r.path_prefix),
			Target:     v.str(r.target),
			Label:      v.str(r.label),
			ProcessID:  uint64(r.process_id),
			ProxyPort:  uint16(r.proxy_port),
		}}
	})
}
