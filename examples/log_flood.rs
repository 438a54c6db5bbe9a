//! A fixed amount of `log_append` work, for profilers (callgrind counts instructions; the
//! timed `compare` bench cannot run under it): THREADS appenders each append LINES lines of
//! one tool's corpus output (as the `log_append` workload does), then `sync`. Prints wall and
//! CPU time per line, so a loaded machine shows CPU cost even when wall time is noise.
//!
//!   cargo run --release --example log_flood -- lfe|mutex THREADS LINES

use lfe::log::{Config, Stream};
use std::time::Instant;

const TOOLS: [&str; 4] = [
    include_str!("../benches/data/vite.log"),
    include_str!("../benches/data/next.log"),
    include_str!("../benches/data/webpack.log"),
    include_str!("../benches/data/jest.log"),
];

/// User + system CPU seconds of this process (Linux `/proc/self/stat`, in clock ticks of
/// 1/100 s); 0 where it cannot be read.
fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

trait Store: Send + Sync {
    fn append(&self, pid: u64, text: &[u8]);
    fn sync(&self);
}

impl Store for lfe::log::LogStore {
    fn append(&self, pid: u64, text: &[u8]) {
        lfe::log::LogStore::append(self, pid, Stream::Stdout, 0, text);
    }
    fn sync(&self) {
        lfe::log::LogStore::sync(self)
    }
}

impl Store for lfe_baselines::log::LogStore {
    fn append(&self, pid: u64, text: &[u8]) {
        lfe_baselines::log::LogStore::append(self, pid, Stream::Stdout, 0, text);
    }
    fn sync(&self) {
        lfe_baselines::log::LogStore::sync(self)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let imp = args.first().map_or("lfe", String::as_str);
    let threads: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2);
    let per: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let store: Box<dyn Store> = if imp == "lfe" {
        Box::new(lfe::log::LogStore::new(Config::default()).unwrap())
    } else {
        Box::new(lfe_baselines::log::LogStore::new(Config::default()).unwrap())
    };
    let corpora: Vec<Vec<&[u8]>> = (0..threads)
        .map(|t| TOOLS[t % TOOLS.len()].lines().map(str::as_bytes).collect())
        .collect();
    let (c0, t0) = (cpu_s(), Instant::now());
    std::thread::scope(|sc| {
        for (t, lines) in corpora.iter().enumerate() {
            let store = &store;
            sc.spawn(move || {
                for i in 0..per {
                    store.append(t as u64 + 1, lines[i % lines.len()]);
                }
            });
        }
    });
    store.sync();
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_s() - c0);
    let n = (threads * per) as f64;
    println!(
        "{imp} {threads} threads x {per} lines: {:.0} ns wall a line ({:.2}M lines/s), {:.0} ns CPU a line",
        wall * 1e9 / n,
        n / wall / 1e6,
        cpu * 1e9 / n
    );
}
