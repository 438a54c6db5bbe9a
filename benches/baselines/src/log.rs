//! Mutex baseline of the log store: a `VecDeque` of lines behind one named mutex, the way a Go
//! host typically builds it (`RWMutex` + slice), with the same Rust API as
//! [`lfe::log::LogStore`].
//!
//! Two modes ([`Mode`]):
//! * **Fair** — detection runs in a worker thread *outside* the lock: the worker copies the
//!   unenriched lines under the lock, analyses them unlocked, and writes results back under the
//!   lock. Like the lock-free store, it never evicts a line before it is enriched: an append
//!   that would evict a line the worker has not reached enriches that line itself, under the
//!   lock (counted in `inline_enriched`), so both stores give the same guarantee and the
//!   comparison is like for like.
//! * **Naive** — detection runs inside the lock on every append (regex inside the lock).
//!
//! Both keep the same bounds as the lock-free store (capacity, max line length).

use crate::lock::Mutex;
use lfe::log::enrich::{strip_ansi, Detector, Level};
use lfe::log::errors::{ErrorGroup, ErrorGrouper};
use lfe::log::pace::{Pacer, Wake, DEFER_WAIT};
use lfe::log::urls::{UrlEntry, UrlList};
use lfe::log::{flags, Config, Input, LogLine, Query, ReadBatch, Stats, Stream};
use lfe::{Error, Result};
use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;

/// Where detection runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Detection in a worker, outside the lock.
    #[default]
    Fair,
    /// Detection inside the lock, on append.
    Naive,
}

#[derive(Debug, Clone)]
struct BLine {
    seq: u64,
    ts_ns: u64,
    process_id: u64,
    stream: Stream,
    level: Level,
    tags: u32,
    flags: u32,
    text: Vec<u8>,
}

impl BLine {
    fn out(&self) -> LogLine {
        LogLine {
            seq: self.seq,
            ts_ns: self.ts_ns,
            process_id: self.process_id,
            stream: self.stream,
            level: self.level,
            flags: self.flags & flags::MASK,
            tags: self.tags,
            text: self.text.clone(),
        }
    }
}

struct Inner {
    lines: VecDeque<BLine>,
    next_seq: u64,
    evicted: u64,
    bytes: u64,
    truncated: u64,
    clear_floor: u64,
    cursor: u64,
    inline_enriched: u64,
    urls: UrlList,
    groups: ErrorGrouper,
}

impl Inner {
    fn visible(&self, l: &BLine) -> bool {
        l.seq >= self.clear_floor && l.flags & flags::CLEARED == 0
    }
    fn first_seq(&self) -> u64 {
        self.lines.front().map_or(self.next_seq, |l| l.seq)
    }
    fn index_of(&self, seq: u64) -> Option<usize> {
        let first = self.first_seq();
        if seq < first || seq >= self.next_seq {
            None
        } else {
            Some((seq - first) as usize)
        }
    }
}

struct Shared {
    cfg: Config,
    mode: Mode,
    detector: &'static Detector,
    inner: Mutex<Inner>,
    /// The worker's stop flag and wake-up (shared with the lock-free store's).
    wake: Wake,
}

/// The mutex log store. See the module docs.
pub struct LogStore {
    shared: Arc<Shared>,
    worker: Option<std::thread::JoinHandle<()>>,
}

fn apply(inner: &mut Inner, detector: &Detector, idx: usize) {
    let l = &inner.lines[idx];
    let a = detector.analyze(&l.text);
    let fl = flags::of(&a);
    let (pid, ts, seq) = (l.process_id, l.ts_ns, l.seq);
    for u in &a.urls {
        inner.urls.record(u, pid, ts);
    }
    let stripped = strip_ansi(&inner.lines[idx].text).into_owned();
    inner.groups.feed(pid, seq, ts, &stripped, &a);
    let l = &mut inner.lines[idx];
    l.level = a.level;
    l.tags = a.tags;
    l.flags |= fl;
}

impl Shared {
    /// One fair-mode enrichment step: copy under the lock, analyse outside, write back.
    fn enrich_step(&self, max: u64) -> u64 {
        let batch: Vec<(u64, Vec<u8>)> = {
            let mut g = self.inner.lock();
            let first = g.first_seq();
            if g.cursor < first {
                g.cursor = first; // only after a clear: appends never evict unenriched lines
            }
            let end = g.next_seq.min(g.cursor + max);
            (g.cursor..end)
                .filter_map(|s| g.index_of(s).map(|i| (s, g.lines[i].text.clone())))
                .collect()
        };
        if batch.is_empty() {
            return 0;
        }
        let results: Vec<_> = batch
            .iter()
            .map(|(s, t)| (*s, self.detector.analyze(t), strip_ansi(t).into_owned()))
            .collect();
        let mut g = self.inner.lock();
        let n = results.len() as u64;
        for (seq, a, stripped) in results {
            if seq < g.cursor {
                continue; // cleared/raced
            }
            g.cursor = seq + 1;
            let Some(i) = g.index_of(seq) else { continue };
            let (pid, ts) = (g.lines[i].process_id, g.lines[i].ts_ns);
            for u in &a.urls {
                g.urls.record(u, pid, ts);
            }
            g.groups.feed(pid, seq, ts, &stripped, &a);
            let l = &mut g.lines[i];
            l.level = a.level;
            l.tags = a.tags;
            l.flags |= flags::ENRICHED
                | if a.error.is_some() {
                    flags::ERROR_START
                } else {
                    0
                }
                | if a.continuation {
                    flags::CONTINUATION
                } else {
                    0
                }
                | if a.urls.is_empty() { 0 } else { flags::HAS_URL };
        }
        n
    }

    /// The worker, paced like the lock-free store's (`lfe::log::pace`): it gives way to
    /// appenders during a burst, within the same space and time bounds.
    fn worker(&self) {
        let mut pacer = Pacer::default();
        loop {
            let stop = self.wake.stopping();
            if !stop {
                let (head, done) = {
                    let g = self.inner.lock();
                    (g.next_seq, g.cursor)
                };
                if pacer.give_way(head, done, self.cfg.capacity, lfe::time::mono_ns()) {
                    self.wake.sleep(DEFER_WAIT);
                    continue;
                }
            }
            if self.enrich_step(256) > 0 {
                continue;
            }
            if stop {
                return;
            }
            self.wake.sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Wakes a sleeping worker once enrichment is half the capacity behind (the same policy
    /// as the lock-free store).
    fn after_push(&self, lag: u64) {
        if self.mode == Mode::Fair {
            self.wake.wake_if_behind(self.cfg.capacity, || lag);
        }
    }

    fn push_locked(
        &self,
        g: &mut Inner,
        process_id: u64,
        stream: Stream,
        ts_ns: u64,
        text: &[u8],
    ) -> u64 {
        let max = self.cfg.max_line_len;
        let (text, fl) = if text.len() > max {
            g.truncated += 1;
            (lfe::log::truncate_at_char(text, max), flags::TRUNCATED)
        } else {
            (text, 0)
        };
        g.bytes += text.len() as u64;
        let seq = g.next_seq;
        g.next_seq += 1;
        if g.lines.len() == self.cfg.capacity {
            if self.mode == Mode::Fair && g.cursor <= g.lines[0].seq {
                // The same guarantee as the lock-free store: a line is never evicted before it
                // is enriched. A mutex store can only keep it by enriching the line here, under
                // its lock (the naive cost, for the lines the worker did not reach in time).
                apply(g, self.detector, 0);
                g.cursor = g.lines[0].seq + 1;
                g.inline_enriched += 1;
            }
            g.lines.pop_front();
            g.evicted += 1;
        }
        g.lines.push_back(BLine {
            seq,
            ts_ns: lfe::time::or_now(ts_ns),
            process_id,
            stream,
            level: Level::Unknown,
            tags: 0,
            flags: fl,
            text: text.to_vec(),
        });
        if self.mode == Mode::Naive {
            let i = g.lines.len() - 1;
            apply(g, self.detector, i);
            g.cursor = seq + 1;
        }
        seq
    }
}

impl LogStore {
    /// A fair-mode store (detection in a worker outside the lock).
    pub fn new(cfg: Config) -> Result<LogStore> {
        Self::with_mode(cfg, Mode::Fair)
    }

    /// A store in `mode`. `cfg.manual` disables the fair-mode worker.
    pub fn with_mode(cfg: Config, mode: Mode) -> Result<LogStore> {
        if cfg.capacity == 0 || cfg.max_line_len == 0 {
            return Err(Error::Invalid(
                "capacity and max_line_len must be at least 1",
            ));
        }
        let shared = Arc::new(Shared {
            cfg,
            mode,
            detector: lfe::log::shared_detector(),
            inner: Mutex::new(
                "baseline.log",
                Inner {
                    lines: VecDeque::with_capacity(cfg.capacity.min(1 << 16)),
                    next_seq: 0,
                    evicted: 0,
                    bytes: 0,
                    truncated: 0,
                    clear_floor: 0,
                    cursor: 0,
                    inline_enriched: 0,
                    urls: UrlList::new(cfg.url_capacity),
                    groups: ErrorGrouper::new(cfg.groups),
                },
            ),
            wake: Wake::new(),
        });
        let worker = if mode == Mode::Fair && !cfg.manual {
            let s = shared.clone();
            Some(
                std::thread::Builder::new()
                    .name("lfe-baseline-log".into())
                    .spawn(move || s.worker())
                    .map_err(|_| Error::Unsupported)?,
            )
        } else {
            None
        };
        Ok(LogStore { shared, worker })
    }

    pub fn append(&self, process_id: u64, stream: Stream, ts_ns: u64, text: &[u8]) -> u64 {
        let s = &*self.shared;
        let (seq, lag) = {
            let mut g = s.inner.lock();
            let seq = s.push_locked(&mut g, process_id, stream, ts_ns, text);
            (seq, g.next_seq - g.cursor)
        };
        s.after_push(lag);
        seq
    }

    pub fn append_batch(&self, lines: &[Input<'_>]) -> Range<u64> {
        let s = &*self.shared;
        let (r, lag) = {
            let mut g = s.inner.lock();
            let first = g.next_seq;
            for i in lines {
                s.push_locked(&mut g, i.process_id, i.stream, i.ts_ns, i.text);
            }
            (first..g.next_seq, g.next_seq - g.cursor)
        };
        s.after_push(lag);
        r
    }

    pub fn enrich(&self, max_lines: usize) -> usize {
        self.shared.enrich_step(max_lines as u64) as usize
    }

    pub fn sync(&self) {
        while self.shared.enrich_step(1024) > 0 {}
    }

    /// As [`lfe::log::LogStore::read`]: `Invalid` for a cursor beyond the end.
    pub fn read(&self, cursor: u64, max: usize) -> Result<ReadBatch> {
        let g = self.shared.inner.lock();
        if cursor > g.next_seq {
            return Err(Error::Invalid("cursor is beyond the end of the log"));
        }
        let first = g.first_seq();
        let mut missed = 0;
        let mut s = cursor;
        if s < first {
            missed = first - s;
            s = first;
        }
        let mut lines = Vec::new();
        if max == 0 {
            return Ok(ReadBatch {
                lines,
                next: cursor,
                missed: 0,
            });
        }
        while s < g.next_seq && lines.len() < max {
            let l = &g.lines[(s - first) as usize];
            if g.visible(l) {
                lines.push(l.out());
            }
            s += 1;
        }
        Ok(ReadBatch {
            lines,
            next: s,
            missed,
        })
    }

    pub fn tail(&self, n: usize, process_id: Option<u64>) -> Vec<LogLine> {
        let g = self.shared.inner.lock();
        let mut out: Vec<LogLine> = g
            .lines
            .iter()
            .rev()
            .filter(|l| g.visible(l) && process_id.is_none_or(|p| p == l.process_id))
            .take(n)
            .map(BLine::out)
            .collect();
        out.reverse();
        out
    }

    pub fn search(&self, q: &Query<'_>) -> Result<Vec<LogLine>> {
        let re = lfe::log::compile(q, self.shared.cfg.max_pattern_len)?;
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        let g = self.shared.inner.lock();
        let mut out: Vec<LogLine> = g
            .lines
            .iter()
            .rev()
            .filter(|l| {
                g.visible(l)
                    && q.process_id.is_none_or(|p| p == l.process_id)
                    && l.ts_ns >= q.since_ns
                    && (q.until_ns == 0 || l.ts_ns <= q.until_ns)
                    && l.level >= q.min_level
                    && re.is_match(&l.text[..])
            })
            .take(limit)
            .map(BLine::out)
            .collect();
        out.reverse();
        Ok(out)
    }

    pub fn urls(&self) -> Vec<UrlEntry> {
        self.shared.inner.lock().urls.list()
    }

    pub fn error_groups(&self) -> Vec<ErrorGroup> {
        self.shared.inner.lock().groups.groups()
    }

    pub fn stats(&self) -> Stats {
        let g = self.shared.inner.lock();
        let enriched = g.cursor.min(g.next_seq);
        Stats {
            appended: g.next_seq,
            bytes: g.bytes,
            evicted: g.evicted,
            truncated: g.truncated,
            enriched,
            enrich_lag: g.next_seq - enriched,
            inline_enriched: g.inline_enriched,
            capacity: self.shared.cfg.capacity as u64,
            // Evicted lines are freed at once under the lock: nothing awaits reclamation.
            unreclaimed_bytes: 0,
        }
    }

    pub fn clear(&self) {
        let mut g = self.shared.inner.lock();
        g.clear_floor = g.next_seq;
        g.urls.clear();
        g.groups.clear();
    }

    pub fn clear_process(&self, process_id: u64) {
        let mut g = self.shared.inner.lock();
        for l in g.lines.iter_mut() {
            if l.process_id == process_id {
                l.flags |= flags::CLEARED;
            }
        }
        g.urls.clear_process(process_id);
        g.groups.clear_process(process_id);
    }
}

impl Drop for LogStore {
    fn drop(&mut self) {
        if let Some(w) = self.worker.take() {
            self.shared.wake.stop();
            let _ = w.join();
        }
    }
}
