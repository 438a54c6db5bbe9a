//! Table workloads: `table_read` (process table) and `route_lookup` (route table).
//!
//! Implementations:
//! * `lfe` — `lfe::table::{ProcTable, RouteTable}` (RCU snapshot, wait-free reads);
//! * `mutex` — `lfe_baselines::table` (the same table code over a `RwLock` around the snapshot);
//! * `rwlock` — a bare `std::sync::RwLock<HashMap>` as a host would write it (records updated in
//!   place, no name index, no generation, no bounds checks);
//! * `arc_swap_raw` — a bare `ArcSwap<HashMap>` whose writer clones the whole map per write;
//! * `matchit` (routes only) — an `ArcSwap` of a host map of `matchit::Router`s (the radix-tree
//!   router axum uses): each prefix `P` is registered as `P`, `P/` and `P/{*rest}` (`P` and
//!   `P{*rest}` when `P` ends with `/`), the path is cut at `?`/`#` before matching, the
//!   wildcard host's router answers when the host's has no match. The writer rebuilds the
//!   routers. Every implementation's answer for every request is checked against lfe's when the
//!   workload is built.
//!
//! Every implementation does the same work per operation: one lookup by key that reads a field of
//! the record (`pid` for processes, `proxy_port` for routes), keys drawn from the same sequence.

use super::harness::{paced, timed_threads, Variant, Workload};
use arc_swap::ArcSwap;
use lfe::table::process::{Process, ProcessSpec};
use lfe::table::route::{lowercase_host, prefix_matches, Route, RouteSpec};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

/// Processes in the table (a dev session runs tens of processes; 200 leaves room for history).
const PROCS: u64 = 200;
/// Lookups are timed every this many operations.
const SAMPLE: u64 = 32;

/// A cheap deterministic key sequence (xorshift), the same for every implementation.
#[inline]
fn next_key(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

pub fn proc_spec(i: u64) -> ProcessSpec {
    let mut s = ProcessSpec::new(
        format!("proc-{i}").into_bytes(),
        format!("npm run dev --port {}", 3000 + i).into_bytes(),
    );
    s.cwd = format!("/home/dev/project/service-{i}").into_bytes();
    s.labels = vec![(b"group".to_vec(), b"web".to_vec())];
    s
}

/// The operations `table_read` needs from a process table.
trait Procs: Send + Sync + 'static {
    fn read_pid(&self, id: u64) -> Option<u32>;
    fn write_pid(&self, id: u64, pid: u32);
}

impl<S: lfe::table::Store<lfe::table::process::ProcSnap> + 'static> Procs
    for lfe::table::process::ProcTableIn<S>
{
    #[inline]
    fn read_pid(&self, id: u64) -> Option<u32> {
        self.get_with(id, |p| p.pid).ok()
    }
    fn write_pid(&self, id: u64, pid: u32) {
        self.set_pid(id, pid).expect("set_pid");
    }
}

/// Peer: `RwLock<HashMap<id, Process>>`, records updated in place.
struct RwProcs(RwLock<HashMap<u64, Process>>);

impl Procs for RwProcs {
    #[inline]
    fn read_pid(&self, id: u64) -> Option<u32> {
        self.0.read().unwrap().get(&id).map(|p| p.pid)
    }
    fn write_pid(&self, id: u64, pid: u32) {
        if let Some(p) = self.0.write().unwrap().get_mut(&id) {
            p.pid = pid;
        }
    }
}

/// Peer: `ArcSwap<HashMap<id, Arc<Process>>>`, the map cloned per write.
struct SwapProcs(ArcSwap<HashMap<u64, Arc<Process>>>);

impl Procs for SwapProcs {
    #[inline]
    fn read_pid(&self, id: u64) -> Option<u32> {
        self.0.load().get(&id).map(|p| p.pid)
    }
    fn write_pid(&self, id: u64, pid: u32) {
        self.0.rcu(|m| {
            let mut n = HashMap::clone(m);
            if let Some(p) = n.get_mut(&id) {
                let mut rec = Process::clone(p);
                rec.pid = pid;
                *p = Arc::new(rec);
            }
            n
        });
    }
}

fn proc_tables() -> Vec<(&'static str, Arc<dyn Procs>)> {
    let lfe_t = lfe::table::process::ProcTable::default();
    let mutex_t = lfe_baselines::table::ProcTable::default();
    let mut ids = Vec::new();
    for i in 0..PROCS {
        ids.push(lfe_t.insert(proc_spec(i)).unwrap());
        mutex_t.insert(proc_spec(i)).unwrap();
    }
    let records: HashMap<u64, Process> =
        ids.iter().map(|&id| (id, lfe_t.get(id).unwrap())).collect();
    let rw = RwProcs(RwLock::new(records.clone()));
    let sw = SwapProcs(ArcSwap::from_pointee(
        records.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
    ));
    vec![
        ("lfe", Arc::new(lfe_t) as Arc<dyn Procs>),
        ("mutex", Arc::new(mutex_t)),
        ("rwlock", Arc::new(rw)),
        ("arc_swap_raw", Arc::new(sw)),
    ]
}

/// `table_read`: 2 reader threads look processes up by id while 1 writer updates a pid 1,000
/// times per second. Unit: reads (both readers together); latency: one read.
fn table_read() -> Workload {
    let variants = proc_tables()
        .into_iter()
        .map(|(imp, t)| Variant {
            imp,
            threads: 2,
            run: Box::new(move |dur| {
                let t = t.clone();
                timed_threads(3, dur, SAMPLE, move |i, stop, lat| {
                    if i == 2 {
                        let mut k = 0x9e37_79b9u64;
                        let mut pid = 1000u32;
                        paced(stop, 1000.0, || {
                            pid = pid.wrapping_add(1);
                            t.write_pid(1 + next_key(&mut k) % PROCS, pid);
                        });
                        return 0;
                    }
                    let mut k = 0x2545_f491_4f6c_dd1d ^ (i as u64 + 1);
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..64 {
                            let id = 1 + next_key(&mut k) % PROCS;
                            black_box(lat.run(|| t.read_pid(id)));
                        }
                        n += 64;
                    }
                    n
                })
            }),
        })
        .collect();
    Workload {
        name: "table_read",
        unit: "reads",
        variants,
    }
}

/// The routes of the `route_lookup` workload: 12 hosts with 5 prefixes each and a wildcard host.
pub fn route_specs() -> Vec<RouteSpec> {
    let mut v = Vec::new();
    let prefixes: [&[u8]; 5] = [b"/", b"/api", b"/api/v1", b"/static/", b"/ws"];
    for h in 0..12 {
        for (j, p) in prefixes.iter().enumerate() {
            let mut s = RouteSpec::new(
                format!("app{h}.localhost:8080").into_bytes(),
                p.to_vec(),
                format!("http://localhost:{}", 3000 + h * 10 + j).into_bytes(),
            );
            s.proxy_port = 8080;
            s.label = format!("svc-{h}").into_bytes();
            v.push(s);
        }
    }
    let mut w = RouteSpec::new(*b"*", *b"/", *b"http://localhost:9999");
    w.proxy_port = 9999;
    v.push(w);
    v
}

/// Request (host, path) pairs: a mix of hosts, deep paths and misses that fall to the wildcard.
pub fn request_pairs() -> Vec<(Vec<u8>, Vec<u8>)> {
    let paths: [&str; 8] = [
        "/",
        "/api/v1/users/42?expand=team",
        "/api/health",
        "/static/js/app.3f9c1e.js",
        "/ws",
        "/dashboard/settings",
        "/api/v2/orders",
        "/favicon.ico",
    ];
    let mut v = Vec::new();
    for h in 0..14 {
        // hosts 12 and 13 have no routes: the wildcard answers.
        for p in paths {
            v.push((
                format!("app{h}.localhost:8080").into_bytes(),
                p.as_bytes().to_vec(),
            ));
        }
    }
    v
}

trait Routes: Send + Sync + 'static {
    fn lookup_port(&self, host: &[u8], path: &[u8]) -> Option<u16>;
    /// The id of the route for `(host, path)`: the build-time check that all agree.
    fn lookup_id(&self, host: &[u8], path: &[u8]) -> Option<u64>;
    /// Replaces the route of `(host, prefix)` with a new target (the writer's operation).
    fn retarget(&self, i: usize, target: Vec<u8>);
}

struct LfeRoutes<S> {
    t: lfe::table::route::RouteTableIn<S>,
    ids: Vec<(u64, RouteSpec)>,
}

impl<S: lfe::table::Store<lfe::table::route::RouteSnap> + 'static> Routes for LfeRoutes<S> {
    #[inline]
    fn lookup_port(&self, host: &[u8], path: &[u8]) -> Option<u16> {
        self.t.lookup_with(host, path, |r| r.proxy_port).ok()
    }
    fn lookup_id(&self, host: &[u8], path: &[u8]) -> Option<u64> {
        self.t.lookup_with(host, path, |r| r.id).ok()
    }
    fn retarget(&self, i: usize, target: Vec<u8>) {
        let (id, s) = &self.ids[i % self.ids.len()];
        let mut s = s.clone();
        s.target = target;
        self.t.replace(*id, s).expect("replace");
    }
}

/// host -> its routes, longest prefix first (what the peers store).
type HostMap = HashMap<Vec<u8>, Vec<(Vec<u8>, Arc<Route>)>>;

fn host_map(routes: &[Route]) -> HostMap {
    let mut m: HostMap = HashMap::new();
    for r in routes {
        m.entry(r.host.clone())
            .or_default()
            .push((r.path_prefix.clone(), Arc::new(r.clone())));
    }
    for v in m.values_mut() {
        v.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.1.id.cmp(&b.1.id)));
    }
    m
}

/// The same lookup rule as lfe (case-insensitive host, longest matching prefix, wildcard).
#[inline]
fn map_lookup<'a>(m: &'a HostMap, host: &[u8], path: &[u8]) -> Option<&'a Arc<Route>> {
    let host = lowercase_host(host);
    let host = &host[..];
    let best = |rs: &'a Vec<(Vec<u8>, Arc<Route>)>| {
        rs.iter()
            .find(|(p, _)| prefix_matches(p, path))
            .map(|x| &x.1)
    };
    m.get(host)
        .and_then(best)
        .or_else(|| m.get(&b"*"[..]).and_then(best))
}

fn map_retarget(m: &mut HostMap, routes: &[Route], i: usize, target: Vec<u8>) {
    let r = &routes[i % routes.len()];
    if let Some(v) = m.get_mut(&r.host) {
        for e in v.iter_mut() {
            if e.1.id == r.id {
                let mut n = Route::clone(&e.1);
                n.target = target.clone();
                e.1 = Arc::new(n);
            }
        }
    }
}

struct RwRoutes(RwLock<HostMap>, Vec<Route>);

impl Routes for RwRoutes {
    #[inline]
    fn lookup_port(&self, host: &[u8], path: &[u8]) -> Option<u16> {
        map_lookup(&self.0.read().unwrap(), host, path).map(|r| r.proxy_port)
    }
    fn lookup_id(&self, host: &[u8], path: &[u8]) -> Option<u64> {
        map_lookup(&self.0.read().unwrap(), host, path).map(|r| r.id)
    }
    fn retarget(&self, i: usize, target: Vec<u8>) {
        map_retarget(&mut self.0.write().unwrap(), &self.1, i, target);
    }
}

struct SwapRoutes(ArcSwap<HostMap>, Vec<Route>);

impl Routes for SwapRoutes {
    #[inline]
    fn lookup_port(&self, host: &[u8], path: &[u8]) -> Option<u16> {
        map_lookup(&self.0.load(), host, path).map(|r| r.proxy_port)
    }
    fn lookup_id(&self, host: &[u8], path: &[u8]) -> Option<u64> {
        map_lookup(&self.0.load(), host, path).map(|r| r.id)
    }
    fn retarget(&self, i: usize, target: Vec<u8>) {
        self.0.rcu(|m| {
            let mut n = HostMap::clone(m);
            map_retarget(&mut n, &self.1, i, target.clone());
            n
        });
    }
}

/// host -> its path router (the `matchit` peer).
type Routers = HashMap<Vec<u8>, matchit::Router<Arc<Route>>>;

/// The routers for `routes` (module docs: how a prefix is registered).
fn routers(routes: &[Route]) -> Routers {
    let mut m: Routers = HashMap::new();
    for r in routes {
        let router = m.entry(r.host.clone()).or_default();
        let p = std::str::from_utf8(&r.path_prefix).expect("UTF-8 prefixes in this workload");
        let forms = if p.ends_with('/') {
            vec![p.to_string(), format!("{p}{{*rest}}")]
        } else {
            vec![p.to_string(), format!("{p}/"), format!("{p}/{{*rest}}")]
        };
        for f in forms {
            // A form another route registered exactly keeps that route (its prefix is longer
            // or equal, as lfe's rule wants for these specs).
            let _ = router.insert(f, Arc::new(r.clone()));
        }
    }
    m
}

/// The lookup through the routers: lowercased host, path cut at `?`/`#`, wildcard fallback.
#[inline]
fn routers_lookup<'a>(m: &'a Routers, host: &[u8], path: &[u8]) -> Option<&'a Arc<Route>> {
    let host = lowercase_host(host);
    let end = path
        .iter()
        .position(|&c| c == b'?' || c == b'#')
        .unwrap_or(path.len());
    let path = std::str::from_utf8(&path[..end]).ok()?;
    let at = |r: &'a matchit::Router<Arc<Route>>| r.at(path).ok().map(|m| m.value);
    m.get(&host[..])
        .and_then(at)
        .or_else(|| m.get(&b"*"[..]).and_then(at))
}

struct MatchitRoutes(ArcSwap<Routers>, std::sync::Mutex<Vec<Route>>);

impl Routes for MatchitRoutes {
    #[inline]
    fn lookup_port(&self, host: &[u8], path: &[u8]) -> Option<u16> {
        routers_lookup(&self.0.load(), host, path).map(|r| r.proxy_port)
    }
    fn lookup_id(&self, host: &[u8], path: &[u8]) -> Option<u64> {
        routers_lookup(&self.0.load(), host, path).map(|r| r.id)
    }
    fn retarget(&self, i: usize, target: Vec<u8>) {
        let mut routes = self.1.lock().unwrap();
        let n = routes.len();
        routes[i % n].target = target;
        self.0.store(Arc::new(routers(&routes)));
    }
}

fn route_tables() -> Vec<(&'static str, Arc<dyn Routes>)> {
    let lfe_t = lfe::table::route::RouteTable::default();
    let mutex_t = lfe_baselines::table::RouteTable::default();
    let mut lids = Vec::new();
    let mut mids = Vec::new();
    for s in route_specs() {
        lids.push((lfe_t.add(s.clone()).unwrap(), s.clone()));
        mids.push((mutex_t.add(s.clone()).unwrap(), s));
    }
    let routes: Vec<Route> = lfe_t
        .list()
        .routes
        .iter()
        .map(|r| Route::clone(r))
        .collect();
    let rw = RwRoutes(RwLock::new(host_map(&routes)), routes.clone());
    let mr = MatchitRoutes(
        ArcSwap::from_pointee(routers(&routes)),
        std::sync::Mutex::new(routes.clone()),
    );
    let sw = SwapRoutes(ArcSwap::from_pointee(host_map(&routes)), routes);
    let tables = vec![
        (
            "lfe",
            Arc::new(LfeRoutes {
                t: lfe_t,
                ids: lids,
            }) as Arc<dyn Routes>,
        ),
        (
            "mutex",
            Arc::new(LfeRoutes {
                t: mutex_t,
                ids: mids,
            }),
        ),
        ("rwlock", Arc::new(rw)),
        ("arc_swap_raw", Arc::new(sw)),
        ("matchit", Arc::new(mr)),
    ];
    // Same answers everywhere (the mutex table's ids are its own; compare its targets' order
    // through lfe's ids, which were assigned in the same order).
    for (h, p) in request_pairs() {
        let want = tables[0].1.lookup_id(&h, &p);
        assert!(want.is_some(), "every request resolves (wildcard at worst)");
        for (imp, t) in &tables[1..] {
            assert_eq!(t.lookup_id(&h, &p), want, "{imp} disagrees on {h:?} {p:?}");
        }
    }
    tables
}

/// `route_lookup`: the proxy's hot path. 2 threads resolve (host, path) pairs (61 routes over 13
/// hosts; some requests fall through to the wildcard) while 1 writer re-targets a route 100 times
/// per second (processes restarting on new ports). Unit: lookups; latency: one lookup.
fn route_lookup() -> Workload {
    let reqs = Arc::new(request_pairs());
    let variants = route_tables()
        .into_iter()
        .map(|(imp, t)| {
            let reqs = reqs.clone();
            Variant {
                imp,
                threads: 2,
                run: Box::new(move |dur| {
                    let (t, reqs) = (t.clone(), reqs.clone());
                    timed_threads(3, dur, SAMPLE, move |i, stop, lat| {
                        if i == 2 {
                            let mut n = 0usize;
                            paced(stop, 100.0, || {
                                n += 1;
                                t.retarget(
                                    n,
                                    format!("http://localhost:{}", 4000 + n % 1000).into_bytes(),
                                );
                            });
                            return 0;
                        }
                        let mut k = 0x2545_f491_4f6c_dd1d ^ (i as u64 + 7);
                        let mut n = 0u64;
                        while !stop.load(Ordering::Relaxed) {
                            for _ in 0..64 {
                                let (h, p) = &reqs[(next_key(&mut k) % reqs.len() as u64) as usize];
                                black_box(lat.run(|| t.lookup_port(h, p)));
                            }
                            n += 64;
                        }
                        n
                    })
                }),
            }
        })
        .collect();
    Workload {
        name: "route_lookup",
        unit: "lookups",
        variants,
    }
}

pub fn workloads() -> Vec<Workload> {
    vec![table_read(), route_lookup()]
}
