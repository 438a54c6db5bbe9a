//! The runner behind `cargo bench --bench compare`: variants, interleaved rounds, statistics,
//! a progress bar, the terminal table, `results.json` and `compare.svg`.
//!
//! A workload is a list of [`Variant`]s — one per (implementation, thread count) — each a
//! closure that runs the workload once for a given duration and returns a [`Sample`]. Rounds
//! interleave every variant of a workload (lfe, mutex, peers, lfe, mutex, ...), so drift on a
//! noisy machine hits all of them alike; the reported throughput is the median over rounds and
//! the latency percentiles come from all rounds' sampled latencies together.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, Instant};

/// What one run of a variant measured.
#[derive(Debug, Default, Clone)]
pub struct Sample {
    /// Operations completed (the workload says what one operation is).
    pub ops: u64,
    /// Wall time of the measured part.
    pub elapsed: Duration,
    /// Sampled per-operation latencies in ns (every Nth operation, see [`LatencySampler`]).
    pub latencies_ns: Vec<u64>,
    /// Extra named figures (e.g. reader lag), reported beside the row.
    pub extra: Vec<(&'static str, f64)>,
}

/// Records the latency of every `every`-th operation, so timing costs little: an unsampled
/// operation pays one decrement and one well-predicted branch (no division), so the harness
/// stays cheap next to structures that move tens of millions of operations per second.
pub struct LatencySampler {
    every: u64,
    left: u64,
    pub out: Vec<u64>,
}

impl LatencySampler {
    pub fn new(every: u64) -> Self {
        let every = every.max(1);
        LatencySampler {
            every,
            left: every,
            out: Vec::with_capacity(4096),
        }
    }

    /// Runs `op`, timing it when this is a sampled operation.
    #[inline(always)]
    pub fn run<R>(&mut self, op: impl FnOnce() -> R) -> R {
        self.left -= 1;
        if self.left != 0 {
            return op();
        }
        self.sampled(op)
    }

    #[inline(never)]
    fn sampled<R>(&mut self, op: impl FnOnce() -> R) -> R {
        self.left = self.every;
        let t = Instant::now();
        let r = op();
        self.out.push(t.elapsed().as_nanos() as u64);
        r
    }
}

/// One (implementation, thread count) of a workload.
pub struct Variant {
    pub imp: &'static str,
    pub threads: usize,
    pub run: Box<dyn FnMut(Duration) -> Sample>,
}

/// A named workload.
pub struct Workload {
    pub name: &'static str,
    /// What one operation is, for the table ("appends", "lookups", "events", ...).
    pub unit: &'static str,
    pub variants: Vec<Variant>,
}

impl Workload {
    /// A workload whose variants `imps` each run `run(imp, duration)` on `threads` threads.
    pub fn of(
        name: &'static str,
        unit: &'static str,
        imps: &[&'static str],
        threads: usize,
        run: fn(&'static str, Duration) -> Sample,
    ) -> Self {
        let variants = imps
            .iter()
            .map(|&imp| Variant {
                imp,
                threads,
                run: Box::new(move |dur| run(imp, dur)),
            })
            .collect();
        Workload {
            name,
            unit,
            variants,
        }
    }
}

/// The aggregated result of one variant.
#[derive(Debug, Clone)]
pub struct Row {
    pub workload: &'static str,
    pub imp: &'static str,
    pub threads: usize,
    pub ops_per_sec: f64,
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub p999_ns: u64,
    pub extra: Vec<(&'static str, f64)>,
}

pub struct Options {
    pub quick: bool,
    /// Run by `cargo test` (no `--bench` argument): every variant once, briefly, as a check that
    /// each workload runs; nothing is measured or written.
    pub smoke: bool,
    pub only: Option<String>,
    pub rounds: usize,
    pub run_time: Duration,
    pub warmup: Duration,
}

impl Options {
    pub fn from_args() -> Options {
        let mut quick = false;
        let mut smoke = true;
        let mut only = None;
        let mut rounds = None;
        let mut args = std::env::args().skip(1);
        while let Some(a) = args.next() {
            match a.as_str() {
                "--quick" => quick = true,
                "--workload" => only = args.next(),
                "--rounds" => rounds = args.next().and_then(|s| s.parse().ok()),
                "--bench" => smoke = false,
                "--nocapture" => {}
                "--help" | "-h" => {
                    eprintln!(
                        "cargo bench --bench compare -- [--quick] [--workload NAME] [--rounds N]"
                    );
                    std::process::exit(0);
                }
                _ => {}
            }
        }
        let (r, run, warm) = if smoke {
            (1, Duration::from_millis(10), Duration::from_millis(1))
        } else if quick {
            (3, Duration::from_millis(120), Duration::from_millis(40))
        } else {
            (7, Duration::from_millis(300), Duration::from_millis(150))
        };
        Options {
            quick,
            smoke,
            only,
            rounds: rounds.unwrap_or(r),
            run_time: run,
            warmup: warm,
        }
    }
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// The progress bar on stderr; when stderr is not a terminal (piped to a file), one line per
/// workload instead of a redrawn bar.
struct Progress {
    total: usize,
    done: usize,
    start: Instant,
    tty: bool,
    last: String,
}

impl Progress {
    fn tick(&mut self, label: &str) {
        self.done += 1;
        let width = 30;
        let filled = width * self.done / self.total.max(1);
        let eta = if self.done > 0 {
            let per = self.start.elapsed().as_secs_f64() / self.done as f64;
            per * (self.total - self.done) as f64
        } else {
            0.0
        };
        let mut err = std::io::stderr();
        if !self.tty {
            let workload = label.split(' ').next().unwrap_or("").to_string();
            if workload != self.last {
                let _ = writeln!(
                    err,
                    "[{:>3}/{}, ~{:.0}s left] {workload}",
                    self.done, self.total, eta
                );
                self.last = workload;
            }
            return;
        }
        let _ = write!(
            err,
            "\r[{}{}] {:>3}/{} ~{:>3.0}s left  {:<40}",
            "#".repeat(filled),
            ".".repeat(width - filled),
            self.done,
            self.total,
            eta,
            label
        );
        let _ = err.flush();
    }
}

/// Runs the workloads and returns one row per variant.
pub fn run_all(workloads: Vec<Workload>, opts: &Options) -> Vec<Row> {
    let names: Vec<&str> = workloads.iter().map(|w| w.name).collect();
    let names = names.join(", ");
    let mut workloads: Vec<Workload> = workloads
        .into_iter()
        .filter(|w| opts.only.as_deref().is_none_or(|o| o == w.name))
        .collect();
    if workloads.is_empty() {
        eprintln!(
            "no workload named {:?}; the workloads are: {names}",
            opts.only
        );
        std::process::exit(2);
    }
    let total: usize = workloads
        .iter()
        .map(|w| w.variants.len() * (opts.rounds + 1))
        .sum();
    let mut progress = Progress {
        total,
        done: 0,
        start: Instant::now(),
        tty: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        last: String::new(),
    };
    let mut rows = Vec::new();
    for w in workloads.iter_mut() {
        let n = w.variants.len();
        let mut per_round: Vec<Vec<f64>> = vec![Vec::new(); n];
        let mut lats: Vec<Vec<u64>> = vec![Vec::new(); n];
        let mut extras: Vec<Vec<(&'static str, f64)>> = vec![Vec::new(); n];
        // Warm-up: each variant once, results discarded.
        for v in w.variants.iter_mut() {
            progress.tick(&format!("{} {} t={} (warm-up)", w.name, v.imp, v.threads));
            let _ = (v.run)(opts.warmup);
        }
        for round in 0..opts.rounds {
            // Rotate the starting variant each round so no implementation always goes first.
            for k in 0..n {
                let i = (k + round) % n;
                let v = &mut w.variants[i];
                progress.tick(&format!("{} {} t={}", w.name, v.imp, v.threads));
                let s = (v.run)(opts.run_time);
                let secs = s.elapsed.as_secs_f64().max(1e-9);
                per_round[i].push(s.ops as f64 / secs);
                lats[i].extend_from_slice(&s.latencies_ns);
                if extras[i].is_empty() {
                    extras[i] = s.extra.clone();
                } else {
                    for (slot, (_, val)) in extras[i].iter_mut().zip(s.extra.iter()) {
                        slot.1 += val;
                    }
                }
            }
        }
        for (i, v) in w.variants.iter().enumerate() {
            let mut l = std::mem::take(&mut lats[i]);
            l.sort_unstable();
            let extra = extras[i]
                .iter()
                .map(|(k, val)| (*k, val / opts.rounds as f64))
                .collect();
            rows.push(Row {
                workload: w.name,
                imp: v.imp,
                threads: v.threads,
                ops_per_sec: median(&mut per_round[i]),
                p50_ns: percentile(&l, 0.50),
                p99_ns: percentile(&l, 0.99),
                p999_ns: percentile(&l, 0.999),
                extra,
            });
        }
    }
    eprintln!();
    rows
}

fn fmt_rate(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.2}M", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.1}k", r / 1e3)
    } else {
        format!("{r:.0}")
    }
}

/// The lfe row matching `r`'s workload and thread count.
fn lfe_of<'a>(rows: &'a [Row], r: &Row) -> Option<&'a Row> {
    rows.iter()
        .find(|x| x.workload == r.workload && x.threads == r.threads && x.imp == "lfe")
}

/// The terminal table.
pub fn table(rows: &[Row], units: &[(&'static str, &'static str)]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<18} {:<18} {:>3} {:>11} {:>9} {:>9} {:>10} {:>10}  notes",
        "workload", "impl", "thr", "ops/s", "p50 ns", "p99 ns", "p99.9 ns", "lfe/this"
    );
    let _ = writeln!(s, "{}", "-".repeat(104));
    let mut last = "";
    for r in rows {
        if r.workload != last && !last.is_empty() {
            let _ = writeln!(s);
        }
        last = r.workload;
        let ratio = lfe_of(rows, r)
            .filter(|_| r.ops_per_sec > 0.0 && r.imp != "lfe")
            .map(|l| format!("{:.2}x", l.ops_per_sec / r.ops_per_sec))
            .unwrap_or_else(|| "-".into());
        let unit = units
            .iter()
            .find(|(w, _)| *w == r.workload)
            .map(|x| x.1)
            .unwrap_or("ops");
        let notes: Vec<String> = r.extra.iter().map(|(k, v)| format!("{k}={v:.1}")).collect();
        let _ = writeln!(
            s,
            "{:<18} {:<18} {:>3} {:>11} {:>9} {:>9} {:>10} {:>10}  {} {}",
            r.workload,
            r.imp,
            r.threads,
            fmt_rate(r.ops_per_sec),
            r.p50_ns,
            r.p99_ns,
            r.p999_ns,
            ratio,
            unit,
            notes.join(" ")
        );
    }
    s
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Machine facts for the JSON: cores, cpu model, os.
pub fn machine() -> (usize, String, String) {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|x| x.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let os = format!(
        "{} {}",
        std::env::consts::OS,
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
    );
    (cores, cpu, os)
}

/// `results.json`: `{"machine": {...}, "results": [...]}`.
pub fn json(rows: &[Row]) -> String {
    let (cores, cpu, os) = machine();
    let mut s = String::new();
    let _ = writeln!(s, "{{");
    let _ = writeln!(
        s,
        "  \"machine\": {{\"cores\": {cores}, \"cpu_model\": {}, \"os\": {}}},",
        json_str(&cpu),
        json_str(&os)
    );
    let _ = writeln!(s, "  \"results\": [");
    for (i, r) in rows.iter().enumerate() {
        let extra: Vec<String> = r
            .extra
            .iter()
            .map(|(k, v)| format!("{}: {v:.3}", json_str(k)))
            .collect();
        let _ = write!(
            s,
            "    {{\"workload\": {}, \"impl\": {}, \"threads\": {}, \"ops_per_sec\": {:.1}, \"p50_ns\": {}, \"p99_ns\": {}, \"p999_ns\": {}, \"extra\": {{{}}}}}",
            json_str(r.workload),
            json_str(r.imp),
            r.threads,
            r.ops_per_sec,
            r.p50_ns,
            r.p99_ns,
            r.p999_ns,
            extra.join(", ")
        );
        let _ = writeln!(s, "{}", if i + 1 < rows.len() { "," } else { "" });
    }
    let _ = writeln!(s, "  ]");
    let _ = writeln!(s, "}}");
    s
}

/// `compare.svg`: one horizontal bar per non-lfe row, the ratio lfe/that (log scale), a line at
/// 1x. Longer bar to the right of the line: lfe faster.
pub fn svg(rows: &[Row]) -> String {
    let bars: Vec<(String, f64)> = rows
        .iter()
        .filter(|r| r.imp != "lfe")
        .filter_map(|r| {
            let l = lfe_of(rows, r)?;
            (r.ops_per_sec > 0.0).then(|| {
                (
                    format!("{} t={} vs {}", r.workload, r.threads, r.imp),
                    l.ops_per_sec / r.ops_per_sec,
                )
            })
        })
        .collect();
    let h = 24;
    let label_w = 330.0;
    let plot_w = 520.0;
    let height = 60 + bars.len() * h;
    let max_log = bars
        .iter()
        .map(|b| b.1.log10().abs())
        .fold(1.0f64, f64::max);
    let scale = (plot_w / 2.0) / max_log;
    let zero = label_w + plot_w / 2.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" font-family=\"monospace\" font-size=\"12\">",
        label_w + plot_w + 90.0
    );
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        s,
        "<text x=\"10\" y=\"20\" font-size=\"14\">lfe throughput / alternative (log scale; right of the line = lfe faster)</text>"
    );
    for (i, (label, ratio)) in bars.iter().enumerate() {
        let y = 40 + i * h;
        let len = ratio.log10() * scale;
        let (x, w, color) = if len >= 0.0 {
            (zero, len, "#2e7d32")
        } else {
            (zero + len, -len, "#c62828")
        };
        let _ = writeln!(
            s,
            "<text x=\"10\" y=\"{}\">{}</text><rect x=\"{x:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"{color}\"/><text x=\"{:.1}\" y=\"{}\">{ratio:.2}x</text>",
            y + 15,
            label,
            y + 3,
            w.max(1.0),
            h - 6,
            zero.max(x + w) + 6.0,
            y + 15
        );
    }
    let _ = writeln!(
        s,
        "<line x1=\"{zero}\" y1=\"30\" x2=\"{zero}\" y2=\"{}\" stroke=\"black\"/>",
        height - 10
    );
    let _ = writeln!(s, "</svg>");
    s
}

/// Writes the JSON and SVG under `target/lfe-compare/` and returns the directory.
pub fn write_outputs(rows: &[Row]) -> std::path::PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = base.join("lfe-compare");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("results.json"), json(rows));
    let _ = std::fs::write(dir.join("compare.svg"), svg(rows));
    dir
}

/// Runs `f(thread_index, stop, sampler)` on `threads` threads for `dur` and sums the operations
/// they report. Threads start together (barrier); `stop` is raised after `dur`.
pub fn timed_threads<F>(threads: usize, dur: Duration, sample_every: u64, f: F) -> Sample
where
    F: Fn(usize, &std::sync::atomic::AtomicBool, &mut LatencySampler) -> u64 + Sync,
{
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Barrier;
    let stop = AtomicBool::new(false);
    let barrier = Barrier::new(threads + 1);
    let (ops, lats, elapsed) = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (stop, barrier, f) = (&stop, &barrier, &f);
                s.spawn(move || {
                    let mut sampler = LatencySampler::new(sample_every);
                    barrier.wait();
                    let ops = f(t, stop, &mut sampler);
                    (ops, sampler.out)
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        std::thread::sleep(dur);
        stop.store(true, Ordering::Relaxed);
        // The measured span ends at the stop signal (not after the joins): a thread finishes at
        // most its current loop iteration after it, which the workloads keep short.
        let elapsed = start.elapsed();
        let mut ops = 0;
        let mut lats = Vec::new();
        for h in handles {
            let (o, l) = h.join().expect("bench thread panicked");
            ops += o;
            lats.extend(l);
        }
        (ops, lats, elapsed)
    });
    Sample {
        ops,
        elapsed,
        latencies_ns: lats,
        extra: Vec::new(),
    }
}

/// Calls `f` `per_sec` times per second (on a fixed schedule, so a late call does not shift the
/// next ones) until `stop` is raised.
pub fn paced(stop: &std::sync::atomic::AtomicBool, per_sec: f64, mut f: impl FnMut()) {
    use std::sync::atomic::Ordering;
    let period = Duration::from_secs_f64(1.0 / per_sec);
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        f();
        next += period;
        loop {
            let now = Instant::now();
            if now >= next || stop.load(Ordering::Relaxed) {
                break;
            }
            std::thread::sleep((next - now).min(Duration::from_millis(5)));
        }
        let now = Instant::now();
        if now > next + period * 100 {
            // Far behind (the machine was busy): do not burst to catch up.
            next = now;
        }
    }
}
