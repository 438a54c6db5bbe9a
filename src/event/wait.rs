//! Spin-then-park waiting: an event count (waiter count + epoch) over a `Mutex`/`Condvar`.
//!
//! # Protocol (the invariant the code keeps)
//!
//! A waiter wants "condition C holds" (the queue is not empty, not full, or closed). A notifier
//! makes C true and then calls [`WaitSet::notify_one`] / [`WaitSet::notify_all`].
//!
//! **Contract with the caller** (what makes the fast path fence-free):
//! * the notifier's step that makes C true *or in flight* is a `SeqCst` write: the queue's CAS
//!   on `tail` (push) or `head` (pop) that claims a position, or close's `SeqCst` `fetch_or` of
//!   the mark bit into `tail`;
//! * the waiter's re-check reads those same locations with `SeqCst` loads, and treats "claimed
//!   but not yet published" (`tail > head` for a consumer, `tail - head < cap` for a producer)
//!   as "do not sleep" (`in_flight` in [`block_on_with`]): the claimer finishes its slot write in
//!   a few instructions, so the waiter spins/yields and retries instead of parking.
//!
//! * Waiter: `prepare()` (a `SeqCst` increment of `waiters`, then reads `epoch`), re-checks C,
//!   and only if C is false and nothing is in flight calls `wait(token)`, which sleeps on the
//!   condvar while `epoch` equals the token read in `prepare` (checked under the mutex).
//! * Notifier: after its `SeqCst` claim, one `SeqCst` load of `waiters` (a plain `mov` on x86);
//!   only when it is non-zero does it take the mutex, bump `epoch` and signal the condvar.
//!
//! **No lost wake-up.** This is the store-buffering pattern, and every access in it is `SeqCst`:
//! notifier "claim (SC RMW/store) → load `waiters` (SC)" against waiter "increment `waiters`
//! (SC RMW) → load `head`/`tail`/`closed` (SC)". All four sit in the single total order S of
//! `SeqCst` operations (C++20 \[atomics.order\], which Rust follows), so whichever of the two
//! writes comes first in S is seen by the other thread's load: either the waiter's re-check sees
//! the claim (it does not sleep), or the notifier sees `waiters > 0` and bumps `epoch` under the
//! mutex; then the waiter either reads the new epoch before sleeping (it does not sleep) or is
//! already inside `Condvar::wait`, which released the mutex atomically, and is woken by the
//! signal. On x86 the claim is a `lock cmpxchg` (a full barrier) and a `SeqCst` load is a plain
//! load; on AArch64 the `stlr`/`casal` → `ldar` pair is ordered by RCsc. This is the protocol
//! crossbeam-channel uses (SC CAS on `tail`, SC load of the waker's `is_empty`; the receiver
//! registers, then re-checks `head`/`tail` with SC loads). The earlier version of this module
//! paid a `SeqCst` fence (`lock or` on x86, which drains the store buffer right after the slot's
//! stamp store) on every push and every pop; profiles of `benches/event.rs` put ~20-40% of the
//! push and pop time on that instruction.
//!
//! **What loom checks, and what it does not.** loom does not model the total order S over
//! `SeqCst` loads, stores and RMWs (it treats them as acquire/release; tokio-rs/loom#180), so it
//! would report the fence-free store-buffering above as a lost wake-up even though it is correct
//! under the Rust/C++ model. Under loom only, `prepare` and the notifier's check each add
//! a `fence(SeqCst)` (`crate::sync::model_sc_fence`), which loom does model, in exactly the places where S orders the real code.
//! So `tests/loom_event.rs` checks everything else in the protocol (the epoch/mutex/condvar
//! hand-off, the `in_flight` retry, `notify_one` with several waiters, close, the queue's slot
//! stamps) under all interleavings within its bound, but it takes the SC store-buffering step as
//! an axiom rather than proving it. The real (fence-free) code is backed by the stress tests in
//! `tests/event_wakeup.rs`, which park and wake millions of times with no deadline and fail via a
//! watchdog (instead of hanging) if a wake-up is ever lost.
//!
//! **Fast path.** When nobody waits, a notify costs one load of a cache-padded counter that only
//! waiters write; no fence, no lock, no syscall.
//!
//! A woken waiter re-checks C and may wait again (another consumer may have taken the item);
//! wake-ups can be spurious, never lost.

use crate::sync::{model_sc_fence, AtomicU64, AtomicUsize, Condvar, Mutex, Ordering, LOOM};
use crossbeam_utils::CachePadded;
use std::time::Duration;

/// A set of threads parked until a condition may have changed.
pub struct WaitSet {
    /// Threads between `prepare` and the end of `wait`/`cancel`. Written only by waiters.
    waiters: CachePadded<AtomicUsize>,
    /// Bumped (under `lock`) by every notify that saw a waiter.
    epoch: AtomicU64,
    lock: Mutex<Sleepers>,
    cv: Condvar,
}

impl Default for WaitSet {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for WaitSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitSet")
            .field("waiters", &self.waiters())
            .finish()
    }
}

/// Under the mutex: threads inside `Condvar::wait`, and signals sent to them not yet taken.
/// A notify skips the condvar (a syscall) when every sleeper already has a signal on its way:
/// a burst of pushes while a woken consumer is still getting the CPU costs one wake-up, not one
/// per push. Every signal makes at least one sleeper return, and each return takes one signal,
/// so `signalled` never exceeds the wake-ups in flight (a spurious return only makes it lower,
/// which costs an extra signal later, never a lost one).
#[derive(Debug, Default)]
struct Sleepers {
    sleeping: usize,
    signalled: usize,
}

/// What [`WaitSet::prepare`] returns: the epoch the waiter saw.
#[derive(Debug, Clone, Copy)]
#[must_use = "a prepared wait must end with wait() or cancel()"]
pub struct WaitToken(u64);

/// Why [`WaitSet::wait`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// A notify happened after `prepare` (or the wake was spurious): re-check the condition.
    Notified,
    /// The deadline passed with no notify.
    TimedOut,
}

impl WaitSet {
    /// An empty wait set.
    pub fn new() -> Self {
        WaitSet {
            waiters: CachePadded::new(AtomicUsize::new(0)),
            epoch: AtomicU64::new(0),
            lock: Mutex::new(Sleepers::default()),
            cv: Condvar::new(),
        }
    }

    /// Registers the calling thread as a waiter. Re-check the condition after this, then call
    /// [`wait`](Self::wait) or [`cancel`](Self::cancel).
    pub fn prepare(&self) -> WaitToken {
        // SeqCst: our half of the store-buffering check (module protocol): this increment and
        // the caller's SeqCst re-check of the condition are both in the total order S.
        self.waiters.fetch_add(1, Ordering::SeqCst);
        // Only under loom, which does not model S (module docs: what loom checks).
        model_sc_fence();
        // SeqCst (acquire would do): reading a notify's new epoch makes its claim visible.
        WaitToken(self.epoch.load(Ordering::SeqCst))
    }

    /// Ends a prepared wait without sleeping (the re-check found the condition true).
    pub fn cancel(&self, _t: WaitToken) {
        // Release: only a counter; nothing is published through it.
        self.waiters.fetch_sub(1, Ordering::Release);
    }

    /// Sleeps until a notify that happened after `prepare`, or until `deadline_ns` on
    /// [`crate::time::mono_ns`]'s clock (`None`: no deadline).
    pub fn wait(&self, t: WaitToken, deadline_ns: Option<u64>) -> Wake {
        let mut wake = Wake::Notified;
        {
            let mut g = self.lock.lock();
            // Relaxed under the mutex: `epoch` is only written with the mutex held.
            while self.epoch.load(Ordering::Relaxed) == t.0 {
                g.sleeping += 1;
                match deadline_ns {
                    None => g = self.cv.wait(g),
                    Some(d) => {
                        let now = crate::time::mono_ns();
                        if now >= d {
                            g.sleeping -= 1;
                            wake = Wake::TimedOut;
                            break;
                        }
                        g = self.cv.wait_timeout(g, Duration::from_nanos(d - now));
                    }
                }
                g.sleeping -= 1;
                g.signalled = g.signalled.saturating_sub(1);
            }
        }
        // Release: only a counter; nothing is published through it.
        self.waiters.fetch_sub(1, Ordering::Release);
        wake
    }

    /// Wakes one waiter, if any (after making the condition true for one waiter).
    #[inline]
    pub fn notify_one(&self) {
        if self.has_waiters() {
            self.notify_slow(false);
        }
    }

    /// Wakes every waiter, if any (after a batch, or on close).
    #[inline]
    pub fn notify_all(&self) {
        if self.has_waiters() {
            self.notify_slow(true);
        }
    }

    #[inline]
    fn has_waiters(&self) -> bool {
        // Only under loom, which does not model S (module docs: what loom checks).
        model_sc_fence();
        // SeqCst: the notifier's half of the store-buffering check; the caller's claim before
        // this call was a SeqCst write (module protocol).
        self.waiters.load(Ordering::SeqCst) != 0
    }

    #[cold]
    fn notify_slow(&self, all: bool) {
        let signal = {
            let mut g = self.lock.lock();
            // Relaxed: written and read under the mutex (prepare's SeqCst read is only a hint
            // that the mutex-protected check confirms).
            let e = self.epoch.load(Ordering::Relaxed);
            self.epoch.store(e.wrapping_add(1), Ordering::SeqCst);
            if g.sleeping > g.signalled {
                g.signalled = if all { g.sleeping } else { g.signalled + 1 };
                true
            } else {
                false
            }
        };
        // Signalling after unlocking is fine: the sleepers are counted, and a sleeper that has
        // not reached the condvar yet will see the new epoch first.
        if signal {
            if all {
                self.cv.notify_all();
            } else {
                self.cv.notify_one();
            }
        }
    }

    /// Number of threads currently waiting (for stats and tests).
    pub fn waiters(&self) -> usize {
        // Relaxed: a snapshot for reporting.
        self.waiters.load(Ordering::Relaxed)
    }
}

/// Deadline on the [`crate::time::mono_ns`] clock for a timeout (`None` when it is too far to
/// matter, i.e. wait forever).
pub fn deadline_after(timeout: Duration) -> Option<u64> {
    let ns = u64::try_from(timeout.as_nanos()).ok()?;
    crate::time::mono_ns().checked_add(ns)
}

/// How many times a blocking call retries, with growing pauses (then yields), before it parks:
/// 7 pause rounds then 4 yields, the same budget as crossbeam-utils' `Backoff` (SPIN_LIMIT 6,
/// YIELD_LIMIT 10) that crossbeam-channel uses before it parks, so a ping-pong whose round trip
/// fits in that budget stays on the spinning side for both. Under loom spinning only adds
/// states: park at once.
pub(crate) const SPIN_ROUNDS: u32 = if LOOM { 0 } else { 11 };

/// Pause for spin round `i`: 1, 2, 4, ... 64 spin hints, then (rounds 7 and up) a yield of the
/// CPU, which on an oversubscribed machine lets the thread we wait for run. Bounded by
/// [`SPIN_ROUNDS`].
#[inline]
pub(crate) fn spin(i: u32) {
    if i <= 6 {
        for _ in 0..(1u32 << i) {
            crate::sync::spin_loop();
        }
    } else {
        crate::sync::thread::yield_now();
    }
}

/// [`block_on_with`] for a condition that is never "in flight": `attempt` itself reads, with
/// `SeqCst` loads, everything the notifier writes with `SeqCst` before notifying.
pub fn block_on<T>(
    ws: &WaitSet,
    timeout: Option<Duration>,
    attempt: impl FnMut() -> Option<T>,
) -> Option<T> {
    block_on_with(ws, timeout, attempt, || false)
}

/// Runs `attempt` until it gives `Some`, spinning briefly then parking on `ws`; gives up after
/// `timeout` (`None`: never; then returns `None` after one last attempt). `attempt` must be
/// re-checkable. After registering as a waiter, a failed `attempt` is followed by `in_flight`:
/// when it says a notifier has already claimed the change `attempt` waits for (its `SeqCst`
/// claim is visible, its publication not yet), the call yields and retries instead of parking
/// (module protocol: that claim is all the notifier's half of the check guarantees we see).
/// The clock is read only when the call first parks, so the fast path never reads it; the
/// timeout therefore starts after the short spin phase (a few microseconds at most).
pub fn block_on_with<T>(
    ws: &WaitSet,
    timeout: Option<Duration>,
    mut attempt: impl FnMut() -> Option<T>,
    in_flight: impl Fn() -> bool,
) -> Option<T> {
    for i in 0..SPIN_ROUNDS {
        if let Some(v) = attempt() {
            return Some(v);
        }
        spin(i);
    }
    let deadline_ns = timeout.and_then(deadline_after);
    loop {
        if let Some(v) = attempt() {
            return Some(v);
        }
        let t = ws.prepare();
        if let Some(v) = attempt() {
            ws.cancel(t);
            return Some(v);
        }
        if in_flight() {
            ws.cancel(t);
            if deadline_ns.is_some_and(|d| crate::time::mono_ns() >= d) {
                return attempt();
            }
            // The claimer is a few instructions from publishing (unless it was preempted):
            // let it run.
            crate::sync::thread::yield_now();
            continue;
        }
        if ws.wait(t, deadline_ns) == Wake::TimedOut {
            return attempt();
        }
    }
}
