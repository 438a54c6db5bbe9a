//! When the enrichment worker runs: it gives way to appenders during a burst.
//!
//! Log output comes in bursts (a build, a test run, a stack trace). While a burst is being
//! appended, a worker that analyses lines takes a core from the appenders: on the 2-core
//! machine lfe is measured on, a burst of two appenders with the worker running was about
//! 1.5x slower than with no worker at all. The analysis does not need to happen *during* the
//! burst: the ring holds `capacity` lines, and appenders help (analyse inline) only once
//! enrichment is a whole ring behind. So the worker waits for a pause in the appends, within
//! two bounds:
//!
//! * **space**: once enrichment is half a ring behind it runs regardless (appenders wake it
//!   there), so it has the other half ring to catch up before any appender must help;
//! * **time**: once lines have been waiting [`MAX_DEFER_NS`] it runs regardless, so a URL or
//!   an error is detected within that time (plus the analysis) even under a steady stream
//!   that never pauses.
//!
//! A *pause* is a look ([`DEFER_WAIT`] after the previous one) that finds no new append.
//! The fair mutex baseline uses the same policy, so the benchmarks compare the stores, not
//! their worker policies.

use crate::sync::{AtomicBool, Condvar, Mutex, Ordering};
use std::time::Duration;

/// How long a worker that gives way sleeps before it looks again (1 ms).
pub const DEFER_WAIT: Duration = Duration::from_millis(1);
/// Longest time lines wait for the worker while appends go on (10 ms).
pub const MAX_DEFER_NS: u64 = 10_000_000;

/// The worker's pacing state (one per worker).
#[derive(Debug, Default)]
pub struct Pacer {
    /// `appended` at the previous look.
    last_head: u64,
    /// When the worker first saw lines waiting (`crate::time::mono_ns`), since it was last
    /// caught up.
    waiting_since: Option<u64>,
}

/// The lag at which the worker runs regardless of appends, and at which appenders wake it.
pub fn wake_lag(capacity: usize) -> u64 {
    (capacity as u64 / 2).max(1)
}

impl Pacer {
    /// Whether the worker should give way now (sleep [`DEFER_WAIT`] and look again), given
    /// `head` (lines appended), `done` (lines enriched) and the time `now`.
    pub fn give_way(&mut self, head: u64, done: u64, capacity: usize, now: u64) -> bool {
        let lag = head.saturating_sub(done);
        let appending = head != self.last_head;
        self.last_head = head;
        if lag == 0 {
            self.waiting_since = None;
            return false;
        }
        let since = *self.waiting_since.get_or_insert(now);
        appending && lag < wake_lag(capacity) && now.saturating_sub(since) < MAX_DEFER_NS
    }
}

/// How a store stops its worker and how appends wake it (the lock-free store and the fair
/// baseline share it).
#[derive(Debug)]
pub struct Wake {
    stop: AtomicBool,
    /// The worker is (about to be) waiting: an append that finds enrichment far enough
    /// behind wakes it.
    sleeping: AtomicBool,
    lock: Mutex<()>,
    cv: Condvar,
}

impl Wake {
    #[allow(clippy::new_without_default)] // pub only for the fair baseline (lfe-baselines)
    pub fn new() -> Wake {
        Wake {
            stop: AtomicBool::new(false),
            sleeping: AtomicBool::new(false),
            lock: Mutex::new(()),
            cv: Condvar::new(),
        }
    }

    /// Whether the store is being freed (the worker drains and exits).
    pub fn stopping(&self) -> bool {
        // Acquire: pairs with `stop`'s Release, so what was appended before is visible.
        self.stop.load(Ordering::Acquire)
    }

    /// The worker sleeps up to `d`, or until woken or stopped.
    pub fn sleep(&self, d: Duration) {
        let g = self.lock.lock();
        // Relaxed: a hint (see `wake_if_behind`); the mutex orders it with the notify.
        self.sleeping.store(true, Ordering::Relaxed);
        if !self.stopping() {
            drop(self.cv.wait_timeout(g, d));
        }
        self.sleeping.store(false, Ordering::Relaxed);
    }

    /// Called after an append: wakes the worker if it sleeps and enrichment is [`wake_lag`]
    /// lines behind. `lag` is only computed when the worker sleeps (it costs a load of a line
    /// the enrichers write). One appender wakes it; the others then see it awake.
    pub fn wake_if_behind(&self, capacity: usize, lag: impl FnOnce() -> u64) {
        // Relaxed: a hint; a missed wake-up costs at most one sleep of latency.
        if self.sleeping.load(Ordering::Relaxed)
            && lag() >= wake_lag(capacity)
            && self.sleeping.swap(false, Ordering::Relaxed)
        {
            let _g = self.lock.lock();
            self.cv.notify_one();
        }
    }

    /// Wakes the worker if it sleeps (a caller about to wait for enrichment wants it to work
    /// alongside).
    pub(crate) fn wake(&self) {
        // Relaxed: a hint, as in `wake_if_behind`.
        if self.sleeping.swap(false, Ordering::Relaxed) {
            let _g = self.lock.lock();
            self.cv.notify_one();
        }
    }

    /// Tells the worker to drain and exit, and wakes it.
    pub fn stop(&self) {
        // Release: the worker's drain sees every append made before.
        self.stop.store(true, Ordering::Release);
        let _g = self.lock.lock();
        self.cv.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn gives_way_only_while_appends_go_on_within_bounds() {
        let mut p = Pacer::default();
        // Caught up: nothing to give way for.
        assert!(!p.give_way(0, 0, 100, 0));
        // Lines waiting and appends going on: give way.
        assert!(p.give_way(10, 0, 100, MS));
        assert!(p.give_way(20, 0, 100, 2 * MS));
        // A look with no new append is a pause: run.
        assert!(!p.give_way(20, 0, 100, 3 * MS));
        // Half a ring behind: run even while appending.
        assert!(!p.give_way(50, 0, 100, 4 * MS));
        assert!(p.give_way(60, 20, 100, 5 * MS));
        // Lines waiting MAX_DEFER_NS since first seen (at 1 ms): run.
        assert!(p.give_way(61, 20, 100, MS + MAX_DEFER_NS - 1));
        assert!(!p.give_way(62, 20, 100, MS + MAX_DEFER_NS));
        // Caught up resets the clock.
        assert!(!p.give_way(62, 62, 100, 20 * MS));
        assert!(p.give_way(63, 62, 100, 21 * MS));
        // Capacity 1: the space bound is one line.
        let mut q = Pacer::default();
        assert!(!q.give_way(1, 0, 1, 0));
    }
}
