//! The store itself: [`LogStore`]'s public API (append, read, search, snapshots, clearing)
//! and the state its threads share ([`Shared`]). The enrichment side (worker, helping,
//! applying) is in `worker.rs`.

use super::line::{line_heap_bytes, AnalysisCell, Line, LineUrls, Text};
use super::worker::{Apply, HELP_CLAIM};
use super::*;
use crate::event::wait::{block_on_with, WaitSet};
use crate::sync::AtomicBool;
use std::time::Duration;

/// Enrichment state; only enrichers take its mutex.
pub(super) struct EnrichState {
    pub(super) cursor: u64,
    pub(super) urls: UrlList,
    pub(super) groups: ErrorGrouper,
    /// The groups changed since their snapshot was last published.
    pub(super) groups_stale: bool,
    /// The URL list changed since its snapshot was last published.
    pub(super) urls_stale: bool,
    /// When snapshots were last published (`crate::time::mono_ns`).
    pub(super) published_ns: u64,
}

pub(super) struct Shared {
    pub(super) ring: Ring<Line>,
    pub(super) cfg: Config,
    pub(super) detector: &'static Detector,
    pub(super) enrich: Mutex<EnrichState>,
    /// Every seq below this is enriched (or was evicted before enrichment, which helping
    /// prevents). Written by enrichers (Release), read by appenders and stats (Acquire).
    pub(super) enriched_upto: CachePadded<AtomicU64>,
    /// Analysis frontier: lines below it were handed to an analyser (see `analyze_some`).
    pub(super) analyze_next: CachePadded<AtomicU64>,
    pub(super) urls_snap: ArcSwap<Vec<UrlEntry>>,
    /// The groups as the grouper shares them (publishing copies handles, not groups).
    pub(super) groups_snap: ArcSwap<Vec<StdArc<ErrorGroup>>>,
    pub(super) bytes: StripedCounter,
    pub(super) truncated: StripedCounter,
    pub(super) inline_enriched: AtomicU64,
    /// Lines with seq below this were cleared.
    pub(super) clear_floor: AtomicU64,
    // Worker wake-up.
    pub(super) wake: pace::Wake,
    /// Followers parked in [`LogStore::wait`] (see "Following" in the module docs).
    pub(super) followers: WaitSet,
    /// Bumped by [`LogStore::interrupt`]: a waiter that sees it change returns.
    pub(super) interrupts: AtomicU64,
    /// Set once by [`LogStore::close`]: waits return `Closed`.
    pub(super) closed: AtomicBool,
}

/// The lock-free log store. See the module docs.
pub struct LogStore {
    shared: Arc<Shared>,
    worker: Option<crate::sync::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for LogStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStore")
            .field("stats", &self.stats())
            .finish()
    }
}

impl Shared {
    fn make_line(&self, process_id: u64, stream: Stream, ts_ns: u64, text: &[u8]) -> Result<Line> {
        let max = self.cfg.max_line_len;
        let (text, mut fl) = if text.len() > max {
            (truncate_at_char(text, max), flags::TRUNCATED)
        } else {
            (text, 0)
        };
        if urls::may_contain_url(text) {
            fl |= flags::URL_ROOM;
        }
        let text = Text::new(text)?;
        if fl & flags::TRUNCATED != 0 {
            self.truncated.add(1);
        }
        self.bytes.add(text.len() as u64);
        Ok(Line {
            ts_ns: crate::time::or_now(ts_ns),
            process_id,
            stream,
            level: AtomicU32::new(0),
            tags: AtomicU32::new(0),
            flags: AtomicU32::new(fl),
            text,
            analysis: AnalysisCell::new(),
        })
    }

    pub(super) fn visible(&self, seq: u64, line: &Line) -> bool {
        // Relaxed: clear is best-effort against concurrent appends; a clear that completed
        // before the read started is seen through the caller's synchronisation.
        seq >= self.clear_floor.load(Ordering::Relaxed)
            && line.flags.load(Ordering::Relaxed) & flags::CLEARED == 0
    }

    fn view(seq: u64, line: &Line) -> LineRef<'_> {
        // Acquire: pairs with the enricher's Release on flags, so level/tags are those of the
        // enrichment when ENRICHED is set.
        let fl = line.flags.load(Ordering::Acquire) & flags::MASK;
        LineRef {
            seq,
            ts_ns: line.ts_ns,
            process_id: line.process_id,
            stream: line.stream,
            // Relaxed: see above.
            level: level_from_u8(line.level.load(Ordering::Relaxed) as u8),
            tags: line.tags.load(Ordering::Relaxed),
            flags: fl,
            text: &line.text,
        }
    }

    fn snapshot(seq: u64, line: &Line) -> LogLine {
        Self::view(seq, line).to_line()
    }
}

/// The layout reported when a line's bytes cannot be allocated (`append`'s abort).
fn text_layout(len: usize) -> std::alloc::Layout {
    std::alloc::Layout::array::<u8>(len).unwrap_or(std::alloc::Layout::new::<u8>())
}

impl LogStore {
    /// A store with `cfg`; starts the enrichment worker unless `cfg.manual`.
    pub fn new(cfg: Config) -> Result<LogStore> {
        if cfg.capacity == 0 {
            return Err(Error::Invalid("capacity must be at least 1"));
        }
        if cfg.max_line_len == 0 {
            return Err(Error::Invalid("max_line_len must be at least 1"));
        }
        if cfg.capacity > MAX_CAPACITY || cfg.max_line_len > MAX_LINE_LEN {
            return Err(Error::Invalid("capacity or max_line_len too large"));
        }
        if cfg.max_unreclaimed_bytes == 0 {
            return Err(Error::Invalid("max_unreclaimed_bytes must be at least 1"));
        }
        let shared = Arc::new(Shared {
            ring: Ring::with_budget(cfg.capacity, cfg.max_unreclaimed_bytes, line_heap_bytes)?,
            cfg,
            detector: shared_detector(),
            enrich: Mutex::new(EnrichState {
                cursor: 0,
                urls: UrlList::new(cfg.url_capacity),
                groups: ErrorGrouper::new(cfg.groups),
                groups_stale: false,
                urls_stale: false,
                published_ns: 0,
            }),
            enriched_upto: CachePadded::new(AtomicU64::new(0)),
            analyze_next: CachePadded::new(AtomicU64::new(0)),
            urls_snap: ArcSwap::from_pointee(Vec::new()),
            groups_snap: ArcSwap::from_pointee(Vec::new()),
            bytes: StripedCounter::new(),
            truncated: StripedCounter::new(),
            inline_enriched: AtomicU64::new(0),
            clear_floor: AtomicU64::new(0),
            wake: pace::Wake::new(),
            followers: WaitSet::new(),
            interrupts: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        });
        let worker = if cfg.manual {
            None
        } else {
            let s = shared.clone();
            Some(
                crate::sync::thread::Builder::new()
                    .name("lfe-log-enrich".into())
                    .spawn(move || s.worker())
                    .map_err(|_| Error::Unsupported)?,
            )
        };
        Ok(LogStore { shared, worker })
    }

    /// The configuration the store was made with.
    pub fn config(&self) -> &Config {
        &self.shared.cfg
    }

    /// Appends one line; `ts_ns == 0` means now. Returns its sequence. Lock-free unless
    /// enrichment is a full ring behind (see the module docs, "helping"). Aborts like `Vec`
    /// when a long line cannot be allocated; [`try_append`](Self::try_append) reports that.
    pub fn append(&self, process_id: u64, stream: Stream, ts_ns: u64, text: &[u8]) -> u64 {
        self.try_append(process_id, stream, ts_ns, text)
            .unwrap_or_else(|_| std::alloc::handle_alloc_error(text_layout(text.len())))
    }

    /// [`append`](Self::append), but a line whose bytes cannot be allocated gives
    /// `Error::NoMem` (and appends nothing).
    pub fn try_append(
        &self,
        process_id: u64,
        stream: Stream,
        ts_ns: u64,
        text: &[u8],
    ) -> Result<u64> {
        let s = &*self.shared;
        let line = s.make_line(process_id, stream, ts_ns, text)?;
        let seq = s
            .ring
            .push_hook(line, |seq, line| s.before_publish(seq, line));
        s.after_publish(seq);
        Ok(seq)
    }

    /// Appends lines in order with one sequence claim; returns their sequences. Aborts like
    /// `Vec` when a line cannot be allocated; [`try_append_batch`](Self::try_append_batch)
    /// reports that.
    pub fn append_batch(&self, lines: &[Input<'_>]) -> Range<u64> {
        self.try_append_batch(lines).unwrap_or_else(|_| {
            let longest = lines.iter().map(|i| i.text.len()).max().unwrap_or(0);
            std::alloc::handle_alloc_error(text_layout(longest))
        })
    }

    /// [`append_batch`](Self::append_batch), but when a line's bytes cannot be allocated it
    /// gives `Error::NoMem` and appends none of the lines.
    pub fn try_append_batch(&self, lines: &[Input<'_>]) -> Result<Range<u64>> {
        let s = &*self.shared;
        let mut made = Vec::new();
        made.try_reserve_exact(lines.len())
            .map_err(|_| Error::NoMem)?;
        for i in lines {
            made.push(s.make_line(i.process_id, i.stream, i.ts_ns, i.text)?);
        }
        let r = s
            .ring
            .push_batch_hook(made, |seq, line| s.before_publish(seq, line));
        if !r.is_empty() {
            s.after_publish(r.end - 1);
        }
        Ok(r)
    }

    /// Enriches up to `max_lines` published lines now (manual mode; also allowed with a
    /// worker). Returns how many were processed. Takes the enrichment mutex.
    pub fn enrich(&self, max_lines: usize) -> usize {
        let s = &*self.shared;
        let mut st = s.enrich.lock();
        let until = s
            .ring
            .appended()
            .min(st.cursor.saturating_add(max_lines as u64));
        let n = s.enrich_locked(&mut st, until, Apply::Claim);
        s.publish_groups(&mut st);
        n as usize
    }

    /// Enriches every line published so far (waits for lines claimed before this call). After
    /// it returns, URLs, error groups and levels reflect every append that returned before.
    pub fn sync(&self) {
        let s = &*self.shared;
        let head = s.ring.appended();
        // The lines not analysed yet are analysed outside the mutex first, by this thread and
        // the worker (woken) in parallel; then applied under the mutex. (Analysing them all
        // under the mutex left the worker waiting for it: after a burst, up to a ring of lines
        // was analysed on one core.)
        s.wake.wake();
        while s.analyze_some(HELP_CLAIM * 4, head) > 0 {}
        let mut st = s.enrich.lock();
        s.enrich_locked(&mut st, head, Apply::Wait);
        s.publish_groups(&mut st);
    }

    /// Reads up to `max` visible lines at or after `cursor` (start with 0). Returns them with
    /// the cursor for the next read and the number of lines evicted before they were read.
    /// Errors: `Invalid` when `cursor` is beyond the end (greater than the sequence the next
    /// append will get): such a cursor came from elsewhere and would wait silently for lines
    /// that are not its own.
    pub fn read(&self, cursor: u64, max: usize) -> Result<ReadBatch> {
        let s = &*self.shared;
        if cursor > s.ring.next_seq() {
            return Err(Error::Invalid("cursor is beyond the end of the log"));
        }
        let mut lines = Vec::new();
        let res = s.ring.read_from_until(cursor, usize::MAX, |seq, line| {
            if s.visible(seq, line) {
                lines.push(Shared::snapshot(seq, line));
            }
            lines.len() < max
        });
        if max == 0 {
            return Ok(ReadBatch {
                lines: Vec::new(),
                next: cursor,
                missed: 0,
            });
        }
        Ok(ReadBatch {
            lines,
            next: res.next,
            missed: res.missed,
        })
    }

    /// Waits until a line at or after `cursor` is published (or evicted: a read from
    /// `cursor` then reports it missed), up to `timeout` (`None`: forever). Returns `Ok(true)`
    /// when there is something to read, `Ok(false)` when [`interrupt`](Self::interrupt) was
    /// called meanwhile (read, then wait again if nothing came). It spins briefly, then parks;
    /// appends wake it (see "Following" in the module docs).
    /// Errors: `Timeout`, `Closed` (the store was [closed](Self::close) before or during the
    /// wait), `Invalid` (`cursor` beyond the end, as in [`read`](Self::read)).
    pub fn wait(&self, cursor: u64, timeout: Option<Duration>) -> Result<bool> {
        let s = &*self.shared;
        if cursor > s.ring.next_seq() {
            return Err(Error::Invalid("cursor is beyond the end of the log"));
        }
        // SeqCst: read before the first check, so an interrupt after it is seen (the
        // interrupt's increment and the checks below are in the SeqCst order).
        let seen = s.interrupts.load(Ordering::SeqCst);
        let attempt = || {
            // SeqCst loads: the waiter's half of the store-buffering check (`event::wait`)
            // against close's swap, interrupt's increment and the ring's claim.
            if s.closed.load(Ordering::SeqCst) {
                return Some(Err(Error::Closed));
            }
            if s.interrupts.load(Ordering::SeqCst) != seen {
                return Some(Ok(false));
            }
            if s.ring.appended_sc() > cursor
                && s.ring.read_from_until(cursor, 1, |_, _| false).next > cursor
            {
                return Some(Ok(true));
            }
            None
        };
        // A line claimed but not published yet is a few instructions from publishing: retry
        // instead of parking (its publisher notifies only after publishing).
        let in_flight = || s.ring.appended_sc() > cursor;
        block_on_with(&s.followers, timeout, attempt, in_flight).unwrap_or(Err(Error::Timeout))
    }

    /// Makes every call in [`wait`](Self::wait) now return `Ok(false)` (a host cancelling one
    /// follower wakes them all; the others find nothing new and wait again).
    pub fn interrupt(&self) {
        let s = &*self.shared;
        // SeqCst: the notifier's write of the store-buffering check in `wait`.
        s.interrupts.fetch_add(1, Ordering::SeqCst);
        s.followers.notify_all();
    }

    /// Closes the store for waiting and stops its enrichment worker (after it enriched what was
    /// appended; dropping the store joins it): current and later [`wait`](Self::wait) calls
    /// return `Closed`. Appends, reads and `sync` keep working (a `sync` enriches in the
    /// caller's thread). Idempotent. This is what a binding runs when its handle is closed
    /// while other threads may still be waiting on it.
    pub fn close(&self) {
        let s = &*self.shared;
        // SeqCst: the notifier's write of the store-buffering check in `wait`.
        if !s.closed.swap(true, Ordering::SeqCst) {
            s.wake.stop();
            s.followers.notify_all();
        }
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        // Acquire: pairs with close's swap (a report, nothing is read through it).
        self.shared.closed.load(Ordering::Acquire)
    }

    /// The sequence the next append will get (every line below it was claimed).
    pub fn next_seq(&self) -> u64 {
        self.shared.ring.next_seq()
    }

    /// Calls `f` once with every visible line (of `process_id` only, when given), oldest first,
    /// gathered in one scan of the ring and lent without a copy (a binding copies each text
    /// once, into its own result, sized up front). The ring stays pinned while `f` runs (see
    /// "Memory bound": evicted lines wait for it).
    pub fn with_lines<R>(&self, process_id: Option<u64>, f: impl FnOnce(&[LineRef<'_>]) -> R) -> R {
        let s = &*self.shared;
        let pinned = s.ring.pinned();
        let mut lines = Vec::new();
        pinned.for_each(|seq, line| {
            if process_id.is_none_or(|p| p == line.process_id) && s.visible(seq, line) {
                lines.push(Shared::view(seq, line));
            }
        });
        f(&lines)
    }

    /// The newest `n` visible lines (of `process_id` only, when given), oldest first.
    pub fn tail(&self, n: usize, process_id: Option<u64>) -> Vec<LogLine> {
        let mut out = Vec::new();
        self.tail_each(n, process_id, |l| out.push(l.to_line()));
        out.reverse();
        out
    }

    /// [`tail`](Self::tail) without copies: calls `f` with each of the newest `n` lines (only of
    /// `process_id` if given), newest first, borrowed from the ring for the call.
    pub fn tail_each(&self, n: usize, process_id: Option<u64>, mut f: impl FnMut(LineRef<'_>)) {
        let s = &*self.shared;
        let mut left = n;
        if left == 0 {
            return;
        }
        s.ring.for_each_rev(|seq, line| {
            if s.visible(seq, line) && process_id.is_none_or(|p| p == line.process_id) {
                f(Shared::view(seq, line));
                left -= 1;
            }
            left > 0
        });
    }

    /// Searches the retained lines; returns the newest `limit` matches, oldest first.
    /// Errors: `TooLarge` for a pattern over `max_pattern_len`, `BadPattern(msg)` when it does
    /// not compile.
    pub fn search(&self, q: &Query<'_>) -> Result<Vec<LogLine>> {
        let s = &*self.shared;
        let re = compile(q, s.cfg.max_pattern_len)?;
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        let mut out = Vec::new();
        s.ring.for_each_rev(|seq, line| {
            if s.visible(seq, line)
                && q.process_id.is_none_or(|p| p == line.process_id)
                && line.ts_ns >= q.since_ns
                && (q.until_ns == 0 || line.ts_ns <= q.until_ns)
                // Relaxed: the level is a value on its own (see snapshot()).
                && level_from_u8(line.level.load(Ordering::Relaxed) as u8) >= q.min_level
                && re.is_match(&line.text[..])
            {
                out.push(Shared::snapshot(seq, line));
            }
            out.len() < limit
        });
        out.reverse();
        Ok(out)
    }

    /// The URLs seen so far (most recently seen first), as of the last enrichment chunk.
    pub fn urls(&self) -> Vec<UrlEntry> {
        self.shared.urls_snap.load().as_ref().clone()
    }

    /// The URLs of line `seq`, normalised, in order of appearance (empty when it has none).
    /// `None` when the line is not retained (evicted, not appended yet, or hidden by
    /// `clear`/`clear_process`) or not enriched yet (see [`sync`](Self::sync)). A line keeps
    /// the URLs whose encoding fits in its own length plus 16 bytes (in practice all of
    /// them; the store-wide [`urls`](Self::urls) list has every one).
    pub fn line_urls(&self, seq: u64) -> Option<Vec<Vec<u8>>> {
        let s = &*self.shared;
        s.ring
            .get(seq, |line| {
                // Acquire: pairs with the applier's Release on flags, which follows its store
                // of the URL list.
                let enriched = line.flags.load(Ordering::Acquire) & flags::ENRICHED != 0;
                if !enriched || !s.visible(seq, line) {
                    return None;
                }
                Some(
                    line.analysis
                        .urls()
                        .map(LineUrls::to_vec)
                        .unwrap_or_default(),
                )
            })
            .flatten()
    }

    /// Recent error groups (oldest first), as of the last enrichment chunk.
    pub fn error_groups(&self) -> Vec<ErrorGroup> {
        let snap = self.shared.groups_snap.load();
        snap.iter().map(|g| ErrorGroup::clone(g)).collect()
    }

    /// The store's counters.
    pub fn stats(&self) -> Stats {
        let s = &*self.shared;
        let appended = s.ring.appended();
        // Acquire: pairs with the enricher's Release (a consistent lower bound).
        let enriched = s.enriched_upto.load(Ordering::Acquire).min(appended);
        Stats {
            appended,
            bytes: s.bytes.get(),
            evicted: s.ring.evicted(),
            truncated: s.truncated.get(),
            enriched,
            enrich_lag: appended - enriched,
            // Relaxed: a statistic.
            inline_enriched: s.inline_enriched.load(Ordering::Relaxed),
            capacity: s.ring.capacity() as u64,
            unreclaimed_bytes: s.ring.unreclaimed_bytes() as u64,
        }
    }

    /// Hides every line appended before this call and forgets URLs and error groups.
    /// Sequences keep increasing. Takes the enrichment mutex (not a hot path).
    pub fn clear(&self) {
        let s = &*self.shared;
        let head = s.ring.appended();
        // Relaxed: see visible().
        s.clear_floor.fetch_max(head, Ordering::Relaxed);
        let mut st = s.enrich.lock();
        st.urls.clear();
        st.groups.clear();
        s.urls_snap.store(StdArc::new(Vec::new()));
        s.groups_snap.store(StdArc::new(Vec::new()));
        st.groups_stale = false;
        st.groups.take_changed();
    }

    /// Hides the retained lines of `process_id` and forgets its URLs and error groups.
    pub fn clear_process(&self, process_id: u64) {
        let s = &*self.shared;
        s.ring.for_each(|_, line| {
            if line.process_id == process_id {
                // Relaxed: see visible().
                line.flags.fetch_or(flags::CLEARED, Ordering::Relaxed);
            }
        });
        let mut st = s.enrich.lock();
        st.urls.clear_process(process_id);
        st.groups.clear_process(process_id);
        s.urls_snap.store(StdArc::new(st.urls.list()));
        s.groups_snap.store(StdArc::new(st.groups.shared_groups()));
        st.groups_stale = false;
        st.groups.take_changed();
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
