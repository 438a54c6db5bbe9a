//! Log store benches: lfe against the mutex baselines (fair: detection in a worker outside the
//! lock; naive: detection inside the lock) in the same run.
//!
//! Run short: `cargo bench --bench log -- --warm-up-time 1 --measurement-time 3`.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lfe::log::{Config, LogStore, Query, Stream};
use lfe_baselines::log::{LogStore as BStore, Mode};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

const LINES: [&[u8]; 4] = [
    b"[vite] ready in 312 ms, server running at http://localhost:5173/",
    b"GET /api/users 200 12.3ms",
    b"WARN deprecated option `foo` used in config.js",
    b"TypeError: Cannot read properties of undefined (reading 'map')",
];

/// Both stores, through the API they share.
use lfe_baselines::api::LogStoreApi as Store;

/// What a burst pool's threads are told to do.
struct Job {
    /// Bumped for every sample; threads wait for a change.
    sample: u64,
    /// Rounds numbered `first + 1 ..= first + rounds` make up this sample.
    first: u64,
    rounds: u64,
    stop: bool,
}

struct Ctl {
    job: Mutex<Job>,
    cv: Condvar,
    /// The last round started (threads wait for it to reach their round).
    start: AtomicU64,
    /// Appender finishes, over all rounds so far.
    done: AtomicU64,
    /// Each appender's (first append, last append) in the current round.
    spans: Mutex<Vec<(Instant, Instant)>>,
    coordinator: Mutex<Option<Thread>>,
}

/// Long-lived appender threads for bursts of `burst` appends (split over the threads); between
/// bursts, untimed, enrichment catches up (`sync`). This is append cost when enrichment keeps up
/// on average — log output comes in bursts — for every store alike.
///
/// The threads live as long as the pool, across criterion's samples, as a host's pipe readers
/// live as long as their child processes: spawning them per sample measured start-up state
/// (empty thread-local caches) on every sample.
///
/// A burst is timed from the first appender's first append to the last appender's last
/// append. Between bursts of one sample the appenders wait by yielding, not sleeping: woken
/// from a sleep (a barrier), they were all placed on the coordinator's core and ran one after
/// the other (the window was the sum of the threads' busy times), so the bench measured no
/// concurrency at all. The coordinator itself sleeps during a burst (the last appender to
/// finish unparks it), so it takes no core from the appenders. Between samples the threads
/// sleep on a condition variable.
struct Pool<S: Store> {
    s: Arc<S>,
    ctl: Arc<Ctl>,
    threads: usize,
    per: u64,
    next_round: u64,
    hs: Vec<JoinHandle<()>>,
}

impl<S: Store> Pool<S> {
    fn new(s: Arc<S>, threads: usize, burst: u64) -> Pool<S> {
        let per = (burst / threads as u64).max(1);
        let ctl = Arc::new(Ctl {
            job: Mutex::new(Job {
                sample: 0,
                first: 0,
                rounds: 0,
                stop: false,
            }),
            cv: Condvar::new(),
            start: AtomicU64::new(0),
            done: AtomicU64::new(0),
            spans: Mutex::new(Vec::with_capacity(threads)),
            coordinator: Mutex::new(None),
        });
        let hs = (0..threads)
            .map(|t| {
                let (s, ctl) = (s.clone(), ctl.clone());
                std::thread::spawn(move || appender(&*s, &ctl, t, threads as u64, per))
            })
            .collect();
        Pool {
            s,
            ctl,
            threads,
            per,
            next_round: 0,
            hs,
        }
    }

    /// Runs bursts totalling at least `iters` appends; returns the time scaled to `iters`.
    fn run(&mut self, iters: u64) -> Duration {
        let threads = self.threads as u64;
        let rounds = iters.div_ceil(self.per * threads);
        let first = self.next_round;
        self.next_round += rounds;
        *self.ctl.coordinator.lock().unwrap() = Some(std::thread::current());
        {
            let mut j = self.ctl.job.lock().unwrap();
            j.sample += 1;
            j.first = first;
            j.rounds = rounds;
        }
        self.ctl.cv.notify_all();
        let mut total = Duration::ZERO;
        for r in first + 1..=first + rounds {
            self.s.sync();
            self.ctl.start.store(r, Ordering::Release);
            while self.ctl.done.load(Ordering::Acquire) < r * threads {
                std::thread::park();
            }
            let mut sp = self.ctl.spans.lock().unwrap();
            let a = sp.iter().map(|x| x.0).min().expect("every thread ran");
            let b = sp.iter().map(|x| x.1).max().expect("every thread ran");
            total += b - a;
            sp.clear();
        }
        // Per-element time is computed by criterion from `iters`; scale to the appends made.
        total.mul_f64(iters as f64 / (rounds * self.per * threads) as f64)
    }
}

fn appender<S: Store>(s: &S, ctl: &Ctl, t: usize, threads: u64, per: u64) {
    let mut seen = 0;
    loop {
        let (first, rounds) = {
            let mut j = ctl.job.lock().unwrap();
            while j.sample == seen && !j.stop {
                j = ctl.cv.wait(j).unwrap();
            }
            if j.stop {
                return;
            }
            seen = j.sample;
            (j.first, j.rounds)
        };
        for r in first + 1..=first + rounds {
            while ctl.start.load(Ordering::Acquire) < r {
                std::hint::spin_loop();
                std::thread::yield_now();
            }
            let t0 = Instant::now();
            for i in 0..per {
                s.append(t as u64, Stream::Stdout, 0, LINES[(i % 4) as usize]);
            }
            let t1 = Instant::now();
            ctl.spans.lock().unwrap().push((t0, t1));
            if ctl.done.fetch_add(1, Ordering::AcqRel) + 1 == r * threads {
                if let Some(c) = ctl.coordinator.lock().unwrap().as_ref() {
                    c.unpark();
                }
            }
        }
    }
}

impl<S: Store> Drop for Pool<S> {
    fn drop(&mut self) {
        self.ctl.job.lock().unwrap().stop = true;
        self.ctl.cv.notify_all();
        for h in self.hs.drain(..) {
            h.join().unwrap();
        }
    }
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
                    s.append(t as u64, Stream::Stdout, 0, LINES[(i % 4) as usize]);
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
        let mut lfe = Pool::new(Arc::new(LogStore::new(cfg()).unwrap()), threads, burst);
        g.bench_with_input(BenchmarkId::new("lfe", threads), &threads, |b, _| {
            b.iter_custom(|iters| lfe.run(iters))
        });
        // Manual mode: no worker competing for the CPU during the burst; enrichment is done by
        // `sync` between bursts (untimed), as for the other stores' catch-up.
        drop(lfe);
        let manual = LogStore::new(Config {
            manual: true,
            ..cfg()
        });
        let mut manual = Pool::new(Arc::new(manual.unwrap()), threads, burst);
        g.bench_with_input(BenchmarkId::new("lfe_manual", threads), &threads, |b, _| {
            b.iter_custom(|iters| manual.run(iters))
        });
        drop(manual);
        let fair = BStore::with_mode(cfg(), Mode::Fair).unwrap();
        let mut fair = Pool::new(Arc::new(fair), threads, burst);
        g.bench_with_input(BenchmarkId::new("mutex_fair", threads), &threads, |b, _| {
            b.iter_custom(|iters| fair.run(iters))
        });
        drop(fair);
        let naive = BStore::with_mode(cfg(), Mode::Naive).unwrap();
        let mut naive = Pool::new(Arc::new(naive), threads, burst);
        g.bench_with_input(
            BenchmarkId::new("mutex_naive", threads),
            &threads,
            |b, _| b.iter_custom(|iters| naive.run(iters)),
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
    g.bench_function("lfe", |b| {
        b.iter(|| lfe.read(9_000, 1000).unwrap().lines.len())
    });
    g.bench_function("mutex", |b| {
        b.iter(|| fair.read(9_000, 1000).unwrap().lines.len())
    });
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
