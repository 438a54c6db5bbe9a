//! Enrichment: analysing lines (off the mutex, by the worker, by helping appenders and by
//! `sync`), applying the analyses in sequence order under the enrichment mutex, publishing
//! snapshots, and the worker thread. The protocol is described in the module docs of `log`
//! ("The no-miss guarantee").

use super::line::{Analysed, Line, LineUrls, URL_SLACK};
use super::store::{EnrichState, Shared};
use super::*;

/// Lines an enricher processes per mutex hold.
pub(super) const CHUNK: u64 = 256;
/// Shortest interval between two snapshot publications by helpers (1 ms).
const SNAPSHOT_EVERY_NS: u64 = 1_000_000;
/// How many lines ahead the applier starts loading lines (other threads wrote and analysed
/// them: without it, the applier, holding the mutex, waits for each line's misses in turn).
const PREFETCH: u64 = 4;
/// Lines a helper claims for analysis at a time (the worker claims 4x this): small, so the
/// helpers and the worker interleave over the lines near the apply cursor.
pub(super) const HELP_CLAIM: u64 = 4;
/// Backoff rounds a helper tolerates before it applies with `Apply::Wait` (computing an
/// analysis whose claimer seems stuck).
const HELP_PATIENCE: u32 = 100;
/// The worker's idle sleep between polls (it is also woken when enrichment falls behind).
const IDLE_WAIT: std::time::Duration = std::time::Duration::from_millis(5);

/// How far an enricher holding the mutex goes (`Shared::enrich_locked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Apply {
    /// Only lines whose analysis is ready; stops at the first other line.
    Ready,
    /// Also analyses unclaimed lines itself; stops at a line whose analysis another thread
    /// claimed and has not finished, and at a line not published yet. The mutex is never held
    /// while waiting for another thread.
    Claim,
    /// Waits for lines claimed but not yet published, and for analyses another thread claimed
    /// (bounded, then computes them itself).
    Wait,
}

impl Shared {
    /// Enriches lines from the state's cursor up to `until` (exclusive); see [`Apply`] for
    /// which lines it stops at. Returns lines processed.
    pub(super) fn enrich_locked(&self, st: &mut EnrichState, until: u64, mode: Apply) -> u64 {
        let wait = mode == Apply::Wait;
        let start = st.cursor;
        let mut urls_changed = false;
        let mut spins = 0u32;
        // One pin for the chunk (renewed around a wait, so a wait never holds back reclamation).
        let mut pin = self.ring.pinned();
        while st.cursor < until {
            let seq = st.cursor;
            if seq + PREFETCH < until {
                pin.prefetch(seq + PREFETCH);
            }
            let r = pin.visit(seq, |line| {
                let Some(an) = self.analysis(line, mode) else {
                    return false;
                };
                let a = &an.a;
                let fl = flags::of(a);
                // Relaxed: URL_ROOM is set before the line is shared and never changes.
                if !a.urls.is_empty() && line.flags.load(Ordering::Relaxed) & flags::URL_ROOM != 0 {
                    let room = line.text.len() + URL_SLACK;
                    if let Some(u) = LineUrls::new(&a.urls, room) {
                        // Before ENRICHED is set (Release below): a reader that sees ENRICHED
                        // sees the list.
                        line.analysis.set_urls(u);
                    }
                }
                // Relaxed: readers of these fields only need each value itself (no other data
                // is published through them); ENRICHED is set last with Release so a reader
                // that sees it (Acquire) sees level and tags too.
                line.level.store(a.level as u32, Ordering::Relaxed);
                line.tags.store(a.tags, Ordering::Relaxed);
                line.flags.fetch_or(fl, Ordering::Release);
                // A line hidden by `clear`/`clear_process` before it was enriched must not bring
                // its URLs and error group back into the lists those calls emptied. (The
                // enrichment mutex orders this after the clear that took it.)
                if !self.visible(seq, line) {
                    return true;
                }
                for u in &a.urls {
                    st.urls.record(u, line.process_id, line.ts_ns);
                    urls_changed = true;
                }
                // The grouper reads the shape computed with the analysis; only a line that
                // opens a group has its text stripped again here, for the group's title.
                st.groups
                    .feed_shaped(line.process_id, seq, line.ts_ns, an.shape, a, || {
                        title(&line.text)
                    });
                true
            });
            match r {
                // Analysis not ready (claimed by another thread, or not done and `Ready`).
                Look::Present(false) => break,
                Look::Present(true) | Look::Evicted => {
                    st.cursor += 1;
                    if st.cursor % 64 == 0 {
                        // Release: appenders that read this know those lines are enriched.
                        self.enriched_upto.store(st.cursor, Ordering::Release);
                    }
                    spins = 0;
                }
                Look::Pending => {
                    if !wait {
                        break;
                    }
                    // Publish progress before waiting: the appender we wait for may be polling
                    // the cursor to decide whether it must help.
                    self.enriched_upto.store(st.cursor, Ordering::Release);
                    pin.unpinned(|| backoff(&mut spins));
                }
            }
        }
        // Release: as above.
        self.enriched_upto.store(st.cursor, Ordering::Release);
        if urls_changed {
            st.urls_stale = true;
        }
        // The groups snapshot copies every group: only when they changed (most lines open,
        // join or close no group).
        if st.groups.take_changed() {
            st.groups_stale = true;
        }
        st.cursor - start
    }

    /// The line's analysis, taken from its cell; with `Ready`, only that. Otherwise, computed
    /// now when no other thread has claimed it. When another thread claimed it and is computing
    /// it: with `Claim`, `None` (the caller does other work meanwhile); with `Wait`, waits
    /// briefly for its result, then computes it itself (bounded: a preempted claimer costs one
    /// duplicate analysis, never a stall).
    fn analysis(&self, line: &Line, mode: Apply) -> Option<Analysed> {
        if let Some(a) = line.analysis.take() {
            return Some(a);
        }
        if mode == Apply::Ready {
            return None;
        }
        let wait = mode == Apply::Wait;
        if !line.claim() {
            if !wait {
                return line.analysis.take();
            }
            let mut spins = 0u32;
            while spins < 200 {
                if let Some(a) = line.analysis.take() {
                    return Some(a);
                }
                backoff(&mut spins);
            }
        }
        // Unclaimed, or its claimer is stuck: compute it here. (A claimer that finishes later
        // stores its result in the cell, where the line's drop frees it.)
        Some(self.analyze(line))
    }

    /// Runs the detectors over the line (the expensive part of enrichment): one strip into a
    /// per-thread buffer serves the detectors (which keep OSC 8 link targets as URLs) and the
    /// grouper's [`LineShape`].
    fn analyze(&self, line: &Line) -> Analysed {
        let (a, shape) = self.detector.analyze_with(&line.text, LineShape::of);
        Analysed { a, shape }
    }

    /// Claims up to `max` lines for analysis from the shared analysis frontier and analyses
    /// them, *without* the enrichment mutex: this is the expensive part of enrichment (the
    /// regexes), and it runs in parallel on every thread that enriches (the worker and every
    /// helping appender). Applying the results (URL list, error groups, level/flags) stays in
    /// sequence order under the mutex and is cheap. Returns how many lines it claimed (0: no
    /// line is left to claim).
    ///
    /// The frontier (`analyze_next`) only spreads the work: each thread takes the next lines
    /// nobody took, so two enrichers do not walk the same lines. The per-line `CLAIMED` bit
    /// stays the real claim: a line skipped here (not published yet) is left unclaimed and is
    /// analysed by whoever applies it.
    pub(super) fn analyze_some(&self, max: u64, until: u64) -> u64 {
        let head = self.ring.appended().min(until);
        // Relaxed (here and in the CAS): the frontier only distributes work; what a line's
        // analysis is, is handed over through its cell, and who may compute it through its
        // CLAIMED bit.
        let mut cur = self.analyze_next.load(Ordering::Relaxed);
        let range = loop {
            // Acquire: pairs with the enrichers' Release store; lines below are applied.
            let start = cur.max(self.enriched_upto.load(Ordering::Acquire));
            if start >= head {
                return 0;
            }
            let end = head.min(start + max);
            match self.analyze_next.compare_exchange_weak(
                cur,
                end,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break start..end,
                Err(actual) => cur = actual,
            }
        };
        let claimed = range.end - range.start;
        let pin = self.ring.pinned();
        for seq in range {
            let _ = pin.get(seq, |line| {
                // A line another thread claimed is left to it.
                if !line.analysis.is_set() && line.claim() {
                    line.analysis.set(self.analyze(line));
                }
            });
        }
        claimed
    }

    pub(super) fn publish_groups(&self, st: &mut EnrichState) {
        if st.urls_stale || st.groups_stale {
            st.published_ns = crate::time::mono_ns();
        }
        if st.urls_stale {
            st.urls_stale = false;
            self.urls_snap.store(StdArc::new(st.urls.list()));
        }
        if st.groups_stale {
            st.groups_stale = false;
            self.groups_snap
                .store(StdArc::new(st.groups.shared_groups()));
        }
    }

    /// Called by an appender that is about to overwrite line `target`: make sure it is
    /// enriched first.
    ///
    /// The helper never idles while there is work: it applies what is ready when the mutex is
    /// free (never waiting for it), and otherwise analyses the next unclaimed lines, in
    /// parallel with the worker and the other helpers. Only when every line up to `target` is
    /// claimed by someone else does it back off; after a long wait (a claimer preempted) it
    /// applies with `wait`, which computes a stuck analysis itself.
    #[cold]
    fn help(&self, target: u64) {
        let mut spins = 0u32;
        loop {
            // Acquire: pairs with the enricher's Release store.
            if self.enriched_upto.load(Ordering::Acquire) > target {
                return;
            }
            if let Some(mut st) = self.enrich.try_lock() {
                let before = st.cursor;
                let mode = if spins >= HELP_PATIENCE {
                    Apply::Wait
                } else {
                    Apply::Claim
                };
                self.enrich_locked(&mut st, target + 1, mode);
                if st.cursor > target {
                    // Go a little further over lines already analysed (cheap to apply), so
                    // the next appenders need not help.
                    let more = (target + 1 + CHUNK).min(self.ring.appended());
                    self.enrich_locked(&mut st, more, Apply::Ready);
                }
                // Snapshots for readers, from helpers: at most every SNAPSHOT_EVERY (each one
                // copies the URL list and the groups; under a flood, helpers apply lines all
                // the time). The worker publishes when it has nothing left to apply, `enrich`
                // and `sync` before they return (module docs).
                if st.cursor / 64 != before / 64
                    && crate::time::mono_ns().saturating_sub(st.published_ns) >= SNAPSHOT_EVERY_NS
                {
                    self.publish_groups(&mut st);
                }
                let done = st.cursor - before;
                drop(st);
                // Relaxed: a statistic.
                self.inline_enriched.fetch_add(done, Ordering::Relaxed);
                if done > 0 {
                    spins = 0;
                    continue;
                }
            }
            if self.analyze_some(HELP_CLAIM, u64::MAX) == 0 {
                backoff(&mut spins);
            }
        }
    }

    /// Called with the appender's own line (`seq`, not yet published) before it is published.
    #[inline]
    pub(super) fn before_publish(&self, seq: u64, line: &Line) {
        let cap = self.ring.capacity() as u64;
        if seq >= cap {
            let target = seq - cap;
            // Acquire: pairs with the enricher's Release store of the cursor.
            if self.enriched_upto.load(Ordering::Acquire) <= target {
                // Enrichment is a full ring behind and this append must help. It analyses its
                // own line first: the bytes are in this core's cache and nobody else can see
                // the line yet (so the claim cannot fail), which is cheaper than analysing a
                // line another core wrote a ring ago. Publishing it (Release) carries both.
                line.claim();
                line.analysis.set(self.analyze(line));
                self.help(target);
            }
        }
    }

    pub(super) fn after_publish(&self, seq: u64) {
        // One SeqCst load when nobody follows (the claim before it was SeqCst: `wait`).
        self.followers.notify_all();
        self.wake.wake_if_behind(self.ring.capacity(), || {
            // Relaxed: a lag estimate for the wake-up decision.
            seq.saturating_sub(self.enriched_upto.load(Ordering::Relaxed))
        });
    }

    pub(super) fn worker(&self) {
        let mut chunks = 0u32;
        let mut idle_rounds = 0u32;
        let mut pacer = pace::Pacer::default();
        loop {
            let stop = self.wake.stopping();
            // Give way to appenders during a burst (see `pace`); never when stopping.
            // Relaxed: a lag estimate for pacing; nothing is read through it.
            let done = self.enriched_upto.load(Ordering::Relaxed);
            let head = self.ring.appended();
            if !stop && pacer.give_way(head, done, self.ring.capacity(), crate::time::mono_ns()) {
                self.wake.sleep(pace::DEFER_WAIT);
                continue;
            }
            // Analyse the next lines outside the mutex, in small claims so helpers share the
            // work (they can apply meanwhile). Only lines appended before the look: a burst
            // that started since is left to the next look, which gives way to it.
            let mut analysed = 0;
            while analysed < CHUNK {
                let n = self.analyze_some(HELP_CLAIM * 4, if stop { u64::MAX } else { head });
                if n == 0 {
                    break;
                }
                analysed += n;
            }
            let (n, behind) = {
                let mut st = match self.enrich.try_lock() {
                    Some(st) => st,
                    None => {
                        // A helper or `sync` is applying: analyse further lines meanwhile
                        // rather than wait for the mutex, while there are any.
                        if self.analyze_some(HELP_CLAIM * 4, if stop { u64::MAX } else { head }) > 0
                        {
                            continue;
                        }
                        self.enrich.lock()
                    }
                };
                // Lines appended after the pacer's look are left to the next look (the mutex
                // may have been held by `sync` for a while, and a burst may have started).
                let head = if stop { self.ring.appended() } else { head };
                let until = head.min(st.cursor + CHUNK);
                // Waits for unfinished claims only when stopping (the drain must be complete)
                // or when it analysed nothing and could not apply either (a claimer is stuck).
                let mode = if stop || idle_rounds >= 8 {
                    Apply::Wait
                } else {
                    Apply::Claim
                };
                let n = self.enrich_locked(&mut st, until, mode);
                chunks = chunks.wrapping_add(1);
                // Snapshots: when there is nothing left to apply; otherwise when caught up with
                // the look or every 16 chunks, but at most every SNAPSHOT_EVERY_NS (each one
                // copies the URL list and the group handles, and every group changed after it
                // is copied again: publishing after most chunks of a flood cost more than the
                // grouping itself).
                if n == 0
                    || ((head == st.cursor || chunks % 16 == 0)
                        && crate::time::mono_ns().saturating_sub(st.published_ns)
                            >= SNAPSHOT_EVERY_NS)
                {
                    self.publish_groups(&mut st);
                }
                // Behind: lines up to the look's head that could not be applied yet (claimed
                // by a helper, or not published yet).
                (n, st.cursor < head)
            };
            if n > 0 || analysed > 0 {
                idle_rounds = 0;
                continue;
            }
            if stop {
                // Drained: everything published before stop was set is enriched.
                return;
            }
            if behind {
                // Lines are pending but claimed by helpers (or not published yet): they will
                // be applied soon, by them or by us on a later round.
                idle_rounds += 1;
                let mut spins = 64 + idle_rounds.min(100);
                backoff(&mut spins);
                continue;
            }
            idle_rounds = 0;
            self.wake.sleep(IDLE_WAIT);
        }
    }
}

/// A group's title: the visible part of the ANSI-stripped line, in one allocation when the
/// line has escapes (the stripped copy is cut in place).
fn title(text: &[u8]) -> Vec<u8> {
    match strip_ansi(text) {
        std::borrow::Cow::Borrowed(b) => visible_part(b).to_vec(),
        std::borrow::Cow::Owned(mut v) => {
            let part = visible_part(&v);
            let start = part.as_ptr() as usize - v.as_ptr() as usize;
            let end = start + part.len();
            v.truncate(end);
            v.drain(..start);
            v
        }
    }
}
