//! `devserver`: a realistic mixed day of a dev-tool host (a process runner with a log view and a
//! reverse proxy), every structure at once.
//!
//! Threads (6, on the 2-core machine: oversubscribed, as a real host is):
//! * 3 **process** threads replay the corpus (`benches/data/`: vite, next, webpack, jest, cargo,
//!   go test, pytest, uvicorn, rails output), each as its own process, in bursts of 96 lines
//!   100 times a second (28,800 lines/s in all: a very busy session, but a rate the detectors
//!   keep up with, as real output is; the sustained flood is `log_append`'s job): every line is
//!   appended to the log store; every 16th line is also published on the event bus (a
//!   `LOG_LINE` event carrying the line's first 120 bytes); every 512th line the process
//!   "restarts" (a process-table write, and a `PROCESS_STARTED` event).
//! * 2 **proxy** threads serve requests as fast as they can (a load test through the dev proxy,
//!   which like any HTTP server handles requests concurrently): route lookup for (host, path),
//!   then a request record (status, duration, bytes) in the request log.
//! * 1 **UI** thread draws 250 frames per second: each frame reads the new log lines (up to
//!   1,024), drains its bus subscription, and every 10th frame runs the error search over the
//!   log, lists the process table and reads the 50 most recent requests.
//!
//! Ops: everything the process and proxy threads do, each counted once (a line appended, an
//! event published, a restart recorded, a request proxied = lookup + record); latency: one such
//! op. Extras: the process threads' p99 and worst append latency in µs (every append timed: what
//! the UI's searches cost the processes printing), the UI's mean lag behind the log (lines) and
//! the frames it managed per second.
//!
//! Implementations: `lfe` (log store, tables, request log, bus) and `mutex` (the
//! `lfe_baselines` version of each; the bench's `MutexBus` for the bus), same config.

use super::corpus;
use super::event::MutexBus;
use super::harness::{paced, timed_threads, Sample, Variant, Workload};
use super::log::{newest_head, PATTERN};
use super::table::{proc_spec, request_pairs, route_specs};
use crossbeam_utils::CachePadded;
use lfe::event::{types, EventInput};
use lfe::log::{Query, Stream};
use lfe::table::process::{ProcSnap, ProcTableIn};
use lfe::table::requests::Request;
use lfe::table::route::{RouteSnap, RouteTableIn};
use lfe::table::Store;
use lfe_baselines::api::{LogStoreApi, RequestLogApi};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const PROCS: usize = 3;
/// Proxy threads (an HTTP server handles requests concurrently).
const PROXIES: usize = 2;
/// Lines per burst of a process's output.
const BURST: usize = 96;
/// Bursts per second per process: 3 processes x 96 x 100 = 28,800 lines/s, a very busy session
/// (a rebuild or a verbose test run on every process at once), well under what the detectors
/// analyse per second, as real output is. A sustained flood above that rate is `log_append`.
const BURSTS_PER_S: f64 = 100.0;

trait Day: Send + Sync {
    fn append(&self, pid: u64, text: &[u8]) -> u64;
    fn publish(&self, kind: u32, pid: u64, payload: &[u8]);
    fn restart(&self, proc_id: u64, os_pid: u32);
    fn request(&self, host: &[u8], path: &[u8], n: u64);
    /// One UI frame; `full` adds the search, the process list and the recent requests.
    /// Returns the new log cursor.
    fn frame(&self, cursor: u64, full: bool) -> u64;
}

fn request(host: &[u8], path: &[u8], n: u64, route: Option<(u64, u64)>) -> Request {
    let (route_id, process_id) = route.unwrap_or((0, 0));
    Request {
        method: if n % 5 == 0 {
            b"POST".to_vec()
        } else {
            b"GET".to_vec()
        },
        host: host.to_vec(),
        path: path.to_vec(),
        status: if n % 23 == 0 { 500 } else { 200 },
        duration_ns: 1_000_000 + (n % 97) * 50_000,
        bytes: 512 + n % 4096,
        process_id,
        route_id,
        ..Default::default()
    }
}

fn search_query() -> Query<'static> {
    Query {
        pattern: PATTERN,
        limit: 200,
        ..Default::default()
    }
}

/// The bus side of a day: publish, and drain the UI's subscription.
trait DayBus: Send + Sync + 'static {
    fn publish(&self, e: &EventInput<'_>);
    fn drain(&self, out: &mut Vec<lfe::event::Event>);
}

impl DayBus for (lfe::event::EventBus, lfe::event::Subscription) {
    fn publish(&self, e: &EventInput<'_>) {
        self.0.publish(e).unwrap();
    }
    fn drain(&self, out: &mut Vec<lfe::event::Event>) {
        let _ = self.1.try_pop_batch(out, 4096);
    }
}

impl DayBus for MutexBus {
    fn publish(&self, e: &EventInput<'_>) {
        MutexBus::publish(self, e).unwrap();
    }
    fn drain(&self, out: &mut Vec<lfe::event::Event>) {
        self.sub(0).pop_batch(out, 4096, Duration::ZERO);
    }
}

/// A host's structures: lfe's or the baselines (same API, `lfe_baselines::api`; the tables are
/// one generic type over two stores), and a bus.
struct DevDay<L, P, R, Q, B> {
    log: L,
    procs: ProcTableIn<P>,
    routes: RouteTableIn<R>,
    reqs: Q,
    bus: B,
    ids: Vec<u64>,
}

impl<L, P, R, Q, B> Day for DevDay<L, P, R, Q, B>
where
    L: LogStoreApi,
    P: Store<ProcSnap> + Send + Sync,
    R: Store<RouteSnap> + Send + Sync,
    Q: RequestLogApi,
    B: DayBus,
{
    fn append(&self, pid: u64, text: &[u8]) -> u64 {
        self.log.append(pid, Stream::Stdout, 0, text)
    }
    fn publish(&self, kind: u32, pid: u64, payload: &[u8]) {
        let mut e = EventInput::new(kind, payload);
        e.process_id = pid;
        self.bus.publish(&e);
    }
    fn restart(&self, proc_id: u64, os_pid: u32) {
        self.procs
            .set_pid(self.ids[proc_id as usize - 1], os_pid)
            .unwrap();
    }
    fn request(&self, host: &[u8], path: &[u8], n: u64) {
        let route = self
            .routes
            .lookup_with(host, path, |r| (r.id, r.process_id))
            .ok();
        self.reqs.record(request(host, path, n, route)).unwrap();
    }
    fn frame(&self, cursor: u64, full: bool) -> u64 {
        let b = self.log.read(cursor, 1024).expect("cursor from this log");
        let mut evs = Vec::new();
        self.bus.drain(&mut evs);
        if full {
            std::hint::black_box(self.log.search(&search_query()).unwrap().len());
            std::hint::black_box(self.procs.list().procs.len());
            std::hint::black_box(self.reqs.recent(50).len());
        }
        b.next
    }
}

/// A day over the given implementations, with the processes and routes registered.
fn day<L, P, R, Q, B>(bus: B) -> DevDay<L, P, R, Q, B>
where
    L: LogStoreApi,
    P: Store<ProcSnap>,
    R: Store<RouteSnap>,
    Q: RequestLogApi,
{
    let procs = ProcTableIn::<P>::default();
    let ids = (0..PROCS as u64)
        .map(|i| procs.insert(proc_spec(i)).unwrap())
        .collect();
    let routes = RouteTableIn::<R>::default();
    for s in route_specs() {
        routes.add(s).unwrap();
    }
    DevDay {
        log: L::create(Default::default()).unwrap(),
        procs,
        routes,
        reqs: Q::create(Default::default()).unwrap(),
        bus,
        ids,
    }
}

fn new_day(imp: &str) -> Box<dyn Day> {
    if imp == "lfe" {
        let bus = lfe::event::EventBus::new(Default::default()).unwrap();
        let sub = bus.subscribe(lfe::event::Filter::all(), 1024).unwrap();
        Box::new(day::<
            lfe::log::LogStore,
            lfe::table::Rcu<ProcSnap>,
            lfe::table::Rcu<RouteSnap>,
            lfe::table::requests::RequestLog,
            _,
        >((bus, sub)))
    } else {
        Box::new(day::<
            lfe_baselines::log::LogStore,
            lfe_baselines::table::Locked<ProcSnap>,
            lfe_baselines::table::Locked<RouteSnap>,
            lfe_baselines::table::RequestLog,
            _,
        >(MutexBus::new(1, 1024)))
    }
}

fn day_run(imp: &str, dur: Duration) -> Sample {
    let day = new_day(imp);
    // Process t replays tools t, t+3 and t+6 in turn.
    let corpora: Vec<Vec<&'static [u8]>> = (0..PROCS)
        .map(|t| (0..3).flat_map(|k| corpus::lines(t + 3 * k)).collect())
        .collect();
    let reqs = request_pairs();
    let heads: Vec<CachePadded<AtomicU64>> = (0..PROCS).map(|_| CachePadded::default()).collect();
    let ui = Mutex::new((0.0f64, 0u64));
    let appends = Mutex::new(Vec::new());
    let mut s = timed_threads(PROCS + PROXIES + 1, dur, 16, |t, stop, lat| {
        if t < PROCS {
            let lines = &corpora[t];
            let pid = t as u64 + 1;
            let (mut n, mut i, mut k) = (0u64, 0usize, 0u64);
            let mut alat = Vec::new();
            // Output comes in bursts (a rebuild, a test file): BURST lines every 1/BURSTS_PER_S.
            paced(stop, BURSTS_PER_S, || {
                for _ in 0..BURST / 16 {
                    for _ in 0..16 {
                        let l = lines[i];
                        i = (i + 1) % lines.len();
                        let t0 = Instant::now();
                        let seq = lat.run(|| day.append(pid, l));
                        alat.push(t0.elapsed().as_nanos() as u64);
                        // Relaxed: a progress estimate for the UI's lag.
                        heads[t].store(seq + 1, Ordering::Relaxed);
                    }
                    k += 1;
                    let l = lines[i];
                    lat.run(|| day.publish(types::LOG_LINE, pid, &l[..l.len().min(120)]));
                    n += 17;
                    if k % 32 == 0 {
                        lat.run(|| day.restart(pid, 10_000 + k as u32));
                        lat.run(|| day.publish(types::PROCESS_STARTED, pid, b"restarted"));
                        n += 2;
                    }
                }
            });
            appends.lock().unwrap().extend(alat);
            n
        } else if t < PROCS + PROXIES {
            let mut n = 0u64;
            let off = (t - PROCS) * 31;
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..16 {
                    let (h, p) = &reqs[(n as usize * 7 + off) % reqs.len()];
                    lat.run(|| day.request(h, p, n));
                    n += 1;
                }
            }
            n
        } else {
            let (mut cursor, mut frames, mut lag) = (0u64, 0u64, 0u64);
            paced(stop, 250.0, || {
                cursor = day.frame(cursor, frames % 10 == 0);
                frames += 1;
                let head = newest_head(&heads);
                lag += head.saturating_sub(cursor);
            });
            *ui.lock().unwrap() = (lag as f64 / frames.max(1) as f64, frames);
            0
        }
    });
    let (lag, frames) = *ui.lock().unwrap();
    let mut a = appends.into_inner().unwrap();
    a.sort_unstable();
    let pct = |p: f64| {
        a.get(((a.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0) as f64
    };
    s.extra = vec![
        ("append_p99_us", pct(0.99) / 1e3),
        ("append_max_us", pct(1.0) / 1e3),
        ("ui_lag_lines", lag),
        ("ui_frames_per_s", frames as f64 / s.elapsed.as_secs_f64()),
    ];
    s
}

pub fn workloads() -> Vec<Workload> {
    let variants = ["lfe", "mutex"]
        .into_iter()
        .map(|imp| Variant {
            imp,
            threads: PROCS + PROXIES + 1,
            run: Box::new(move |dur| day_run(imp, dur)),
        })
        .collect();
    vec![Workload {
        name: "devserver",
        unit: "ops",
        variants,
    }]
}
