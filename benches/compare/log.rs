//! Log-store workloads: `log_append`, `log_append_detect`, `log_tail_read`, `log_search`.
//!
//! Implementations:
//! * `lfe` — `lfe::log::LogStore` with its enrichment worker (default config: 10,000 lines);
//! * `mutex` — `lfe_baselines::log::LogStore`, a `VecDeque` behind one mutex, in **fair** mode
//!   (detection in a worker outside the lock; like lfe it never evicts a line unanalysed: an
//!   append that would do so analyses that line under the lock) except in
//!   `log_append_detect`, which uses the **naive** mode (detection inside the lock on every
//!   append, as Go hosts typically do).
//!
//! Lines come from the dev-server corpus (`benches/data/`), each thread replaying one tool's
//! output as its own process. Same config, same lines, same thread counts for both.

use super::corpus;
use super::harness::{paced, timed_threads, Sample, Variant, Workload};
use crossbeam_utils::CachePadded;
use lfe::log::{Config, Query, Stream};
use lfe_baselines::api::LogStoreApi;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The operations the workloads use, over both stores.
pub trait Store: Send + Sync {
    fn append(&self, pid: u64, text: &[u8]) -> u64;
    /// Reads from `cursor`: (lines read, next cursor, missed).
    fn read(&self, cursor: u64, max: usize) -> (usize, u64, u64);
    /// Runs the query; returns how many lines matched.
    fn search(&self, q: &Query<'_>) -> usize;
    fn sync(&self);
}

/// lfe's store and its baseline, through the API they share.
impl<T: LogStoreApi> Store for T {
    #[inline]
    fn append(&self, pid: u64, text: &[u8]) -> u64 {
        LogStoreApi::append(self, pid, Stream::Stdout, 0, text)
    }
    fn read(&self, cursor: u64, max: usize) -> (usize, u64, u64) {
        let b = LogStoreApi::read(self, cursor, max).expect("cursor from this log");
        (b.lines.len(), b.next, b.missed)
    }
    fn search(&self, q: &Query<'_>) -> usize {
        LogStoreApi::search(self, q).unwrap().len()
    }
    fn sync(&self) {
        LogStoreApi::sync(self)
    }
}

/// A fresh store: `lfe`, or the baseline in fair (`naive == false`) or naive mode.
pub fn new_store(imp: &str, naive: bool) -> Box<dyn Store> {
    let cfg = Config::default();
    if imp == "lfe" {
        Box::new(lfe::log::LogStore::new(cfg).unwrap())
    } else {
        let mode = if naive {
            lfe_baselines::log::Mode::Naive
        } else {
            lfe_baselines::log::Mode::Fair
        };
        Box::new(lfe_baselines::log::LogStore::with_mode(cfg, mode).unwrap())
    }
}

/// This process's CPU time (every thread's, the store's worker included).
fn process_cpu() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// `threads` appenders, each replaying one tool's output as fast as it can. Extra: the CPU
/// time the process spent per line appended (appenders and worker) and the cores it kept
/// busy on average. Lines/s is cores / CPU per line: under a flood both stores are bound by
/// the analysis, which lfe runs on every core that enriches and the fair baseline mostly
/// under its lock, so the lines/s ratio follows the cores the machine leaves free.
fn append_run(imp: &str, naive: bool, threads: usize, dur: std::time::Duration) -> Sample {
    let store = new_store(imp, naive);
    let corpora: Vec<Vec<&'static [u8]>> = (0..threads).map(corpus::lines).collect();
    let cpu0 = process_cpu();
    let mut s = timed_threads(threads, dur, 32, |t, stop, lat| {
        let pid = t as u64 + 1;
        replay(&corpora[t], stop, |l| {
            lat.run(|| store.append(pid, l));
        })
    });
    let cpu = (process_cpu() - cpu0).as_secs_f64();
    s.extra = vec![
        ("cpu_ns_line", cpu * 1e9 / s.ops.max(1) as f64),
        ("cores", cpu / s.elapsed.as_secs_f64().max(1e-9)),
    ];
    s
}

/// Hands `lines` to `append` one at a time, round robin, 64 between looks at `stop`; returns
/// how many it handed over.
fn replay(
    lines: &[&'static [u8]],
    stop: &AtomicBool,
    mut append: impl FnMut(&'static [u8]),
) -> u64 {
    let (mut n, mut i) = (0u64, 0usize);
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..64 {
            append(lines[i]);
            i = (i + 1) % lines.len();
        }
        n += 64;
    }
    n
}

fn log_append() -> Workload {
    let mut variants = Vec::new();
    for threads in [1usize, 2, 4] {
        for imp in ["lfe", "mutex"] {
            variants.push(Variant {
                imp,
                threads,
                run: Box::new(move |dur| append_run(imp, false, threads, dur)),
            });
        }
    }
    Workload {
        name: "log_append",
        unit: "lines",
        variants,
    }
}

fn log_append_detect() -> Workload {
    Workload::of(
        "log_append_detect",
        "lines",
        &["lfe", "mutex"],
        2,
        |imp, dur| append_run(imp, imp != "lfe", 2, dur),
    )
}

/// `log_tail_read`: 2 writers append as fast as they can while 1 reader follows the log with
/// cursor reads of up to 256 lines (yielding when it has caught up). Ops: lines appended.
/// Extra: the reader's mean lag (lines appended but not yet read, sampled after each read) and
/// the lines it missed because they were evicted before it got to them (% of appended).
fn tail_run(imp: &str, dur: std::time::Duration) -> Sample {
    let store = new_store(imp, false);
    let corpora: Vec<Vec<&'static [u8]>> = (0..2).map(|t| corpus::lines(t + 2)).collect();
    let heads: Vec<CachePadded<AtomicU64>> = (0..2).map(|_| CachePadded::default()).collect();
    let reader = Mutex::new((0.0f64, 0u64));
    let mut s = timed_threads(3, dur, 32, |t, stop, lat| {
        if t == 2 {
            let (mut cursor, mut missed, mut lag_sum, mut reads) = (0u64, 0u64, 0u64, 0u64);
            while !stop.load(Ordering::Relaxed) {
                let (n, next, m) = store.read(cursor, 256);
                cursor = next;
                missed += m;
                let head = newest_head(&heads);
                lag_sum += head.saturating_sub(cursor);
                reads += 1;
                if n == 0 {
                    std::thread::yield_now();
                }
            }
            *reader.lock().unwrap() = (lag_sum as f64 / reads.max(1) as f64, missed);
            return 0;
        }
        let pid = t as u64 + 1;
        replay(&corpora[t], stop, |l| {
            let seq = lat.run(|| store.append(pid, l));
            // Relaxed: a progress estimate for the reader.
            heads[t].store(seq + 1, Ordering::Relaxed);
        })
    });
    let (lag, missed) = *reader.lock().unwrap();
    s.extra = vec![
        ("reader_lag_lines", lag),
        (
            "reader_missed_%",
            100.0 * missed as f64 / s.ops.max(1) as f64,
        ),
    ];
    s
}

fn log_tail_read() -> Workload {
    Workload::of("log_tail_read", "lines", &["lfe", "mutex"], 2, tail_run)
}

/// The search of `log_search` (and the devserver UI): error-ish lines.
pub const PATTERN: &[u8] = br"(?i)\b(error|failed|panic|exception)\b";

/// `log_search`: 2 threads run a regex search over a full store (10,000 lines of the mixed
/// corpus) while 1 writer appends 1,000 lines/s. Ops: searches; latency: one search. Extra: the
/// writer's p99 append latency in µs (what the searches cost the writer).
fn search_run(imp: &str, dur: std::time::Duration) -> Sample {
    let store = new_store(imp, false);
    let mixed = corpus::mixed();
    for i in 0..10_000 {
        store.append((i % 9) as u64 + 1, mixed[i % mixed.len()]);
    }
    store.sync();
    let wlat = Mutex::new(Vec::new());
    let mut s = timed_threads(3, dur, 1, |t, stop, lat| {
        if t == 2 {
            let mut v = Vec::new();
            let mut i = 0usize;
            paced(stop, 1000.0, || {
                i += 1;
                let t0 = Instant::now();
                store.append(10, mixed[i % mixed.len()]);
                v.push(t0.elapsed().as_nanos() as u64);
            });
            *wlat.lock().unwrap() = v;
            return 0;
        }
        let q = Query {
            pattern: PATTERN,
            ..Default::default()
        };
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            std::hint::black_box(lat.run(|| store.search(&q)));
            n += 1;
        }
        n
    });
    let mut w = wlat.into_inner().unwrap();
    w.sort_unstable();
    let p99 = w
        .get((w.len() * 99 / 100).min(w.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0);
    s.extra = vec![("writer_p99_us", p99 as f64 / 1000.0)];
    s
}

fn log_search() -> Workload {
    Workload::of("log_search", "searches", &["lfe", "mutex"], 2, search_run)
}

pub fn workloads() -> Vec<Workload> {
    vec![
        log_append(),
        log_append_detect(),
        log_tail_read(),
        log_search(),
    ]
}

/// The newest sequence any producer has published (a reader's lag is measured against it).
pub(super) fn newest_head(heads: &[CachePadded<AtomicU64>]) -> u64 {
    // Relaxed: a progress estimate.
    heads
        .iter()
        .map(|h| h.load(Ordering::Relaxed))
        .max()
        .unwrap_or(0)
}
