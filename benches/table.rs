//! Table lookups with 1 and 2 reader threads while a writer updates the table ~1,000 times per
//! second: lfe (RCU) against the `RwLock` baseline, in the same run. Throughput is reported in
//! lookups per second; compare `lfe` and `baseline` of the same group and thread count.
//!
//! `table/request_record`: 1 and 2 threads recording requests into the request log (as the
//! proxy threads of `compare`'s `devserver` do), lfe against the `Mutex<VecDeque>` baseline in
//! the same run; throughput in records per second.
//!
//! `cargo bench --bench table -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lfe::table::process::{ProcSnap, ProcTableIn, ProcessSpec};
use lfe::table::route::{RouteSnap, RouteSpec, RouteTableIn};
use lfe::table::Store;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const HOSTS: usize = 10;
const PER_HOST: usize = 10;

/// (host, path) pairs to look up.
type Probes = Vec<(Vec<u8>, Vec<u8>)>;

fn routes<S: Store<RouteSnap>>() -> (RouteTableIn<S>, Probes) {
    let t = RouteTableIn::<S>::default();
    let mut probes = Vec::new();
    for h in 0..HOSTS {
        for p in 0..PER_HOST {
            let host = format!("app{h}.local");
            let prefix = format!("/svc{p}");
            let mut s = RouteSpec::new(
                host.clone(),
                prefix.clone(),
                format!("http://localhost:{}", 3000 + h),
            );
            s.process_id = (h * PER_HOST + p) as u64;
            t.add(s).unwrap();
            probes.push((host.into_bytes(), format!("{prefix}/items/42").into_bytes()));
        }
    }
    t.add(RouteSpec::new("*", "/", "http://localhost:9000"))
        .unwrap();
    (t, probes)
}

/// Runs `readers` threads doing `iters` reads each while a writer writes every millisecond;
/// returns the wall time.
fn run(readers: usize, iters: u64, read: Reader, write: Writer) -> Duration {
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, write) = (stop.clone(), write.clone());
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                write(i);
                i += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let took = slowest_thread(
        readers,
        Arc::new(move |r| {
            let mut acc = 0u64;
            for i in 0..iters {
                acc = acc.wrapping_add(read(r * 7919 + i as usize));
            }
            black_box(acc);
        }),
    );
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    took
}

/// A reader (`i` -> a value to keep) and a writer (`i` -> one update) of one table.
type Reader = Arc<dyn Fn(usize) -> u64 + Send + Sync>;
type Writer = Arc<dyn Fn(u64) + Send + Sync>;
/// A benchmark id and how to set its table up.
type Case<'a> = (&'a str, fn() -> (Reader, Writer));

/// One benchmark group: with 1 and 2 readers, each case's reader against its writer (`run`).
fn with_writer_group(c: &mut Criterion, group: &str, cases: &[Case]) {
    let mut g = c.benchmark_group(group);
    for readers in [1usize, 2] {
        g.throughput(Throughput::Elements(readers as u64));
        for &(name, make) in cases {
            let (read, write) = make();
            g.bench_with_input(BenchmarkId::new(name, readers), &readers, |b, &n| {
                b.iter_custom(|iters| run(n, iters, read.clone(), write.clone()))
            });
        }
    }
    g.finish();
}

fn route_case<S: Store<RouteSnap> + Send + Sync + 'static>() -> (Reader, Writer) {
    let (t, probes) = routes::<S>();
    let t = Arc::new(t);
    let read: Reader = {
        let t = t.clone();
        Arc::new(move |i| {
            let (h, p) = &probes[i % probes.len()];
            t.lookup_with(h, p, |r| r.process_id).unwrap_or(0)
        })
    };
    let write: Writer = Arc::new(move |i| {
        let mut s = RouteSpec::new("app0.local", "/svc0", "http://localhost:3000");
        s.process_id = i;
        t.replace(1, s).unwrap();
    });
    (read, write)
}

fn route_lookup(c: &mut Criterion) {
    with_writer_group(
        c,
        "table/route_lookup_with_writer",
        &[
            ("lfe", route_case::<lfe::table::Rcu<RouteSnap>>),
            (
                "baseline",
                route_case::<lfe_baselines::table::Locked<RouteSnap>>,
            ),
        ],
    );
}

fn proc_case<S: Store<ProcSnap> + Send + Sync + 'static>() -> (Reader, Writer) {
    let t = Arc::new(ProcTableIn::<S>::default());
    for i in 0..200 {
        t.insert(ProcessSpec::new(format!("p{i}"), "cmd")).unwrap();
    }
    let read: Reader = {
        let t = t.clone();
        Arc::new(move |i| {
            t.get_with(1 + (i % 200) as u64, |p| p.pid as u64)
                .unwrap_or(0)
        })
    };
    let write: Writer = Arc::new(move |i| {
        t.set_pid(1 + i % 200, i as u32).unwrap();
    });
    (read, write)
}

fn proc_get(c: &mut Criterion) {
    with_writer_group(
        c,
        "table/proc_get_with_writer",
        &[
            ("lfe", proc_case::<lfe::table::Rcu<ProcSnap>>),
            (
                "baseline",
                proc_case::<lfe_baselines::table::Locked<ProcSnap>>,
            ),
        ],
    );
}

/// The request the `record` bench sends: 13 routes' worth of ids, statuses and durations, with
/// the byte fields a proxy has (method, host, path), copied from `hosts` as a proxy copies
/// them from its request (no formatting in the measured loop).
fn request(i: u64, hosts: &[Vec<u8>]) -> lfe::table::requests::Request {
    lfe::table::requests::Request {
        method: if i % 5 == 0 {
            b"POST".to_vec()
        } else {
            b"GET".to_vec()
        },
        host: hosts[(i % 13) as usize].clone(),
        path: b"/api/v1/users/42?expand=team".to_vec(),
        status: if i % 23 == 0 { 500 } else { 200 },
        duration_ns: 1_000_000 + (i % 97) * 50_000,
        bytes: 512 + i % 4096,
        route_id: i % 13,
        ..Default::default()
    }
}

/// `threads` threads each record `iters` requests; returns the slowest thread's time.
fn record_run(threads: usize, iters: u64, rec: Arc<dyn Fn(u64) + Send + Sync>) -> Duration {
    slowest_thread(
        threads,
        Arc::new(move |t| {
            for i in 0..iters {
                rec(i * 7 + t as u64);
            }
        }),
    )
}

/// Runs `body(t)` for `t` in `0..threads`, each on its own thread, all released together;
/// returns the slowest thread's time (from its release to the end of its `body`).
fn slowest_thread(threads: usize, body: Arc<dyn Fn(usize) + Send + Sync>) -> Duration {
    let start = Arc::new(Barrier::new(threads));
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let (start, body) = (start.clone(), body.clone());
            std::thread::spawn(move || {
                start.wait();
                let t0 = Instant::now();
                body(t);
                t0.elapsed()
            })
        })
        .collect();
    hs.into_iter().map(|h| h.join().unwrap()).max().unwrap()
}

fn request_record(c: &mut Criterion) {
    let mut g = c.benchmark_group("table/request_record");
    let hosts: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..13)
            .map(|h| format!("app{h}.localhost:8080").into_bytes())
            .collect(),
    );
    for threads in [1usize, 2] {
        g.throughput(Throughput::Elements(threads as u64));
        let lfe_log = Arc::new(lfe::table::requests::RequestLog::default());
        let hs = hosts.clone();
        let rec: Arc<dyn Fn(u64) + Send + Sync> = Arc::new(move |i| {
            black_box(lfe_log.record(request(i, &hs)).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("lfe", threads), &threads, |b, &n| {
            b.iter_custom(|iters| record_run(n, iters, rec.clone()))
        });
        let base_log = Arc::new(lfe_baselines::table::RequestLog::default());
        let hs = hosts.clone();
        let rec: Arc<dyn Fn(u64) + Send + Sync> = Arc::new(move |i| {
            black_box(base_log.record(request(i, &hs)).unwrap());
        });
        g.bench_with_input(BenchmarkId::new("baseline", threads), &threads, |b, &n| {
            b.iter_custom(|iters| record_run(n, iters, rec.clone()))
        });
    }
    g.finish();
}

criterion_group!(benches, route_lookup, proc_get, request_record);
criterion_main!(benches);
