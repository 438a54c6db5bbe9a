//! Log store benches: lfe against the mutex baselines (fair: detection in a worker outside the
//! lock; naive: detection inside the lock) in the same run.
//!
//! Run short: `cargo bench --bench log -- --warm-up-time 1 --measurement-time 3`.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lfe::baseline::log::{LogStore as BStore, Mode};
use lfe::log::{Config, LogStore, Query, Stream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const LINES: [&[u8]; 4] = [
    b"[vite] ready in 312 ms, server running at http://localhost:5173/",
    b"GET /api/users 200 12.3ms",
    b"WARN deprecated option `foo` used in config.js",
    b"TypeError: Cannot read properties of undefined (reading 'map')",
];

trait Store: Send + Sync + 'static {
    fn app(&self, p: u64, t: &[u8]);
    fn catch_up(&self);
}
impl Store for LogStore {
    fn app(&self, p: u64, t: &[u8]) {
        self.append(p, Stream::Stdout, 0, t);
    }
    fn catch_up(&self) {
        self.sync();
    }
}
impl Store for BStore {
    fn app(&self, p: u64, t: &[u8]) {
        self.append(p, Stream::Stdout, 0, t);
    }
    fn catch_up(&self) {
        self.sync();
    }
}

/// Bursts of `burst` appends (split over `threads` persistent threads); between bursts,
/// untimed, enrichment catches up (`sync`). This is append cost when enrichment keeps up on
/// average — log output comes in bursts — for every store alike.
///
/// A burst is timed from the first appender's first append to the last appender's last
/// append. Between bursts the appenders wait by yielding, not sleeping: woken from a sleep
/// (a barrier), they were all placed on the coordinator's core and ran one after the other
/// (the window was the sum of the threads' busy times), so the bench measured no
/// concurrency at all. The coordinator itself sleeps during a burst (the last appender to
/// finish unparks it), so it takes no core from the appenders.
fn run_burst<S: Store>(s: &Arc<S>, threads: usize, iters: u64, burst: u64) -> Duration {
    let per = (burst / threads as u64).max(1);
    let rounds = iters.div_ceil(per * threads as u64);
    let start = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let spans = Arc::new(std::sync::Mutex::new(Vec::with_capacity(threads)));
    let wait_until = |a: &AtomicU64, v: u64| {
        while a.load(Ordering::Acquire) < v {
            std::hint::spin_loop();
            std::thread::yield_now();
        }
    };
    let coordinator = std::thread::current();
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let (s, start, done, spans) = (s.clone(), start.clone(), done.clone(), spans.clone());
            let coordinator = coordinator.clone();
            std::thread::spawn(move || {
                for r in 1..=rounds {
                    wait_until(&start, r);
                    let t0 = Instant::now();
                    for i in 0..per {
                        s.app(t as u64, LINES[(i % 4) as usize]);
                    }
                    let t1 = Instant::now();
                    spans.lock().unwrap().push((t0, t1));
                    if done.fetch_add(1, Ordering::AcqRel) + 1 == r * threads as u64 {
                        coordinator.unpark();
                    }
                }
            })
        })
        .collect();
    let mut total = Duration::ZERO;
    for r in 1..=rounds {
        s.catch_up();
        start.store(r, Ordering::Release);
        while done.load(Ordering::Acquire) < r * threads as u64 {
            std::thread::park();
        }
        let mut sp = spans.lock().unwrap();
        let first = sp.iter().map(|x| x.0).min().expect("every thread ran");
        let last = sp.iter().map(|x| x.1).max().expect("every thread ran");
        total += last - first;
        sp.clear();
    }
    for h in hs {
        h.join().unwrap();
    }
    // Per-element time is computed by criterion from `iters`; scale to the appends made.
    total.mul_f64(iters as f64 / (rounds * per * threads as u64) as f64)
}

/// `iters` appends split over `threads` threads; returns the wall time.
fn run_append<S: Store>(s: &Arc<S>, threads: usize, iters: u64) -> Duration {
    let per = iters.div_ceil(threads as u64);
    let start = Arc::new(Barrier::new(threads + 1));
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let (s, start) = (s.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                for i in 0..per {
                    s.app(t as u64, LINES[(i % 4) as usize]);
                }
            })
        })
        .collect();
    start.wait();
    let t0 = Instant::now();
    for h in hs {
        h.join().unwrap();
    }
    t0.elapsed()
}

fn cfg() -> Config {
    Config {
        capacity: 10_000,
        ..Config::default()
    }
}

fn append_burst(c: &mut Criterion) {
    let mut g = c.benchmark_group("log_append_burst");
    g.throughput(Throughput::Elements(1));
    let burst = cfg().capacity as u64 / 2;
    for threads in [1usize, 2, 4] {
        let lfe = Arc::new(LogStore::new(cfg()).unwrap());
        g.bench_with_input(BenchmarkId::new("lfe", threads), &threads, |b, &n| {
            b.iter_custom(|iters| run_burst(&lfe, n, iters, burst))
        });
        // Manual mode: no worker competing for the CPU during the burst; enrichment is done by
        // `sync` between bursts (untimed), as for the other stores' catch-up.
        let manual = Arc::new(
            LogStore::new(Config {
                manual: true,
                ..cfg()
            })
            .unwrap(),
        );
        g.bench_with_input(
            BenchmarkId::new("lfe_manual", threads),
            &threads,
            |b, &n| b.iter_custom(|iters| run_burst(&manual, n, iters, burst)),
        );
        let fair = Arc::new(BStore::with_mode(cfg(), Mode::Fair).unwrap());
        g.bench_with_input(
            BenchmarkId::new("mutex_fair", threads),
            &threads,
            |b, &n| b.iter_custom(|iters| run_burst(&fair, n, iters, burst)),
        );
        let naive = Arc::new(BStore::with_mode(cfg(), Mode::Naive).unwrap());
        g.bench_with_input(
            BenchmarkId::new("mutex_naive", threads),
            &threads,
            |b, &n| b.iter_custom(|iters| run_burst(&naive, n, iters, burst)),
        );
    }
    g.finish();
}

/// Sustained overload: appends as fast as possible for the whole measurement, far beyond what
/// the detectors can follow (~2 µs a line). Both stores keep the no-miss guarantee (no line
/// evicted unanalysed), so both run at detector speed: this measures how well each spreads the
/// analysis over the cores (lfe: worker and helping appenders analyse different lines in
/// parallel; fair baseline: its worker outside the lock, appenders under it).
fn append(c: &mut Criterion) {
    let mut g = c.benchmark_group("log_append_sustained");
    g.throughput(Throughput::Elements(1));
    for threads in [1usize, 2, 4] {
        let lfe = Arc::new(LogStore::new(cfg()).unwrap());
        g.bench_with_input(BenchmarkId::new("lfe", threads), &threads, |b, &n| {
            b.iter_custom(|iters| run_append(&lfe, n, iters))
        });
        let fair = Arc::new(BStore::with_mode(cfg(), Mode::Fair).unwrap());
        g.bench_with_input(
            BenchmarkId::new("mutex_fair", threads),
            &threads,
            |b, &n| b.iter_custom(|iters| run_append(&fair, n, iters)),
        );
        let naive = Arc::new(BStore::with_mode(cfg(), Mode::Naive).unwrap());
        g.bench_with_input(
            BenchmarkId::new("mutex_naive", threads),
            &threads,
            |b, &n| b.iter_custom(|iters| run_append(&naive, n, iters)),
        );
    }
    g.finish();
}

fn reads(c: &mut Criterion) {
    let lfe = LogStore::new(cfg()).unwrap();
    let fair = BStore::with_mode(cfg(), Mode::Fair).unwrap();
    for i in 0..10_000u64 {
        lfe.append(i % 4, Stream::Stdout, 0, LINES[(i % 4) as usize]);
        fair.append(i % 4, Stream::Stdout, 0, LINES[(i % 4) as usize]);
    }
    lfe.sync();
    fair.sync();
    let mut g = c.benchmark_group("log_read_cursor_1000");
    g.bench_function("lfe", |b| b.iter(|| lfe.read(9_000, 1000).lines.len()));
    g.bench_function("mutex", |b| b.iter(|| fair.read(9_000, 1000).lines.len()));
    g.finish();
    let q = Query {
        pattern: b"users \\d+",
        ..Query::default()
    };
    let mut g = c.benchmark_group("log_search_10k");
    g.bench_function("lfe", |b| b.iter(|| lfe.search(&q).unwrap().len()));
    g.bench_function("mutex", |b| b.iter(|| fair.search(&q).unwrap().len()));
    g.finish();
}

criterion_group!(benches, append_burst, append, reads);
criterion_main!(benches);
