//! The fan-out event bus: each subscription gets every event that matches its filter, in
//! publish (= sequence) order, in its own bounded queue.
//!
//! # Design and invariant
//!
//! * **Ordering.** Sequence numbers are assigned, and the event is enqueued into every matching
//!   subscription, inside one short critical section (`BusInner::publish`, a mutex held only by
//!   publishers and by subscribe/unsubscribe). Each subscription's ring is FIFO, so every
//!   subscription receives events in sequence order: a subscriber never sees seq 7 before seq 5.
//!   The critical section is bounded and never waits on a subscriber: for each matching
//!   subscription it does one non-blocking ring push, and when that ring is full, one ring pop of
//!   the oldest event (counted in `lagged`) and the push again. Everything that can be slow
//!   (building the event, copying the payload, waking parked consumers, writing the eventfd)
//!   happens outside it. We chose this over a lock-free multi-producer scheme because keeping a
//!   per-subscriber order with concurrent publishers needs either this serialization or
//!   publishers waiting for (or helping) each other, which on 2 oversubscribed cores is no
//!   better; publishers only contend with publishers, never with consumers.
//! * **Membership (RCU).** The subscription list is an `ArcSwap<Vec<Arc<Sub>>>` snapshot,
//!   replaced (under the publish mutex, so a subscription's start is a well-defined sequence
//!   number) by subscribe and unsubscribe. Publishers read it under the mutex; readers such as
//!   stats read it lock-free. A subscription removed while a publisher still holds the old
//!   snapshot stays alive (`Arc`) until that publisher is done, then is freed: nothing leaks.
//!   A subscription receives exactly the matching events whose sequence number is assigned after
//!   `subscribe` returns and before `unsubscribe` starts.
//! * **Gaps.** Each delivery into a subscription carries a per-subscription index (dense,
//!   assigned in the critical section). A drop-oldest eviction increments `lagged`; the consumer
//!   sees the index jump and reports it on the next event as `Event::lost_before`, so the exact
//!   place and size of every gap is known (exact when one thread at a time consumes a
//!   subscription; `lagged` is always exact).
//! * **eventfd.** Each subscription (on Linux) has a non-blocking eventfd that is readable while
//!   events may be waiting. `signalled` says the fd has been written and not yet drained: a
//!   publisher writes the fd only when it flips `signalled` false→true, so the syscall is off the
//!   fast path once the fd is signalled. A consumer that finds the ring empty drains the fd,
//!   clears `signalled` (SeqCst store), then re-checks the ring with SeqCst loads of its
//!   positions and re-signals if it is not empty: an event is never left waiting behind an
//!   unreadable fd (the fd may be spuriously readable). The publisher's side is its push's SeqCst
//!   CAS on the ring's tail followed by a SeqCst load of `signalled`, with no fence: as in
//!   `wait.rs`, this is store-buffering over SeqCst operations only, so in the single total order
//!   either the consumer's re-check sees the push or the publisher sees `signalled == false` and
//!   writes the fd (the consumer keeps a fence after its store; it is off the fast path). Under
//!   loom the publisher adds a fence (loom does not model that order); the fence-free build is
//!   exercised by `tests/event_wakeup.rs` (a consumer that only sleeps in `poll` on the fd).

use super::queue::Ring;
use super::wait::{block_on_with, WaitSet};
use super::{Event, EventInput, DEFAULT_MAX_PAYLOAD};
use crate::sync::{fence, AtomicBool, AtomicU64, Mutex, Ordering};
use crate::{Error, Result};
use arc_swap::ArcSwap;
use std::sync::Arc;
use std::time::Duration;

/// Largest capacity of one subscription, whatever `BusConfig::max_capacity` says (the same
/// bound as `EventQueue`'s).
const MAX_SUB_CAPACITY: usize = 1 << 30;

/// Which event types a subscription receives: a bit mask and/or a list of types.
///
/// Mask bit `t` (for `t < 63`) selects type `t`; bit 63 selects every type `>= 63` (so it covers
/// all host-defined types). `Filter::all()` (mask `u64::MAX`) selects everything. A type matches
/// when its mask bit is set or it is in the list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    mask: u64,
    types: Box<[u32]>,
}

impl Filter {
    /// Every event.
    pub fn all() -> Self {
        Filter::mask(u64::MAX)
    }

    /// The types whose mask bit is set (see the type docs).
    pub fn mask(mask: u64) -> Self {
        Filter {
            mask,
            types: Box::new([]),
        }
    }

    /// Exactly these types.
    pub fn types(types: &[u32]) -> Self {
        Filter::new(0, types)
    }

    /// The union of a mask and a list.
    pub fn new(mask: u64, types: &[u32]) -> Self {
        let mut t = types.to_vec();
        t.sort_unstable();
        t.dedup();
        Filter {
            mask,
            types: t.into_boxed_slice(),
        }
    }

    /// The mask bit of type `t`.
    pub fn bit(t: u32) -> u64 {
        1u64 << t.min(63)
    }

    /// True when the filter selects nothing.
    pub fn is_empty(&self) -> bool {
        self.mask == 0 && self.types.is_empty()
    }

    /// True when events of type `t` match.
    #[inline]
    pub fn matches(&self, t: u32) -> bool {
        self.mask & Self::bit(t) != 0
            || (!self.types.is_empty() && self.types.binary_search(&t).is_ok())
    }
}

/// Configuration of an [`EventBus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusConfig {
    /// Maximum payload size in bytes.
    pub max_payload: usize,
    /// Maximum number of subscriptions at once.
    pub max_subscribers: usize,
    /// Maximum capacity of one subscription.
    pub max_capacity: usize,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig {
            max_payload: DEFAULT_MAX_PAYLOAD,
            max_subscribers: 1024,
            max_capacity: 1 << 20,
        }
    }
}

/// Counters of an [`EventBus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BusStats {
    /// Events published since creation (the next sequence number is `published + 1`).
    pub published: u64,
    /// Current number of subscriptions.
    pub subscribers: u64,
}

/// Counters of a [`Subscription`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubStats {
    /// Events dropped because the subscription was full (oldest first).
    pub lagged: u64,
    /// Events delivered into the subscription's queue since it started.
    pub delivered: u64,
    /// Events popped by the subscriber.
    pub popped: u64,
    /// Events waiting now.
    pub depth: u64,
    /// The subscription's capacity.
    pub capacity: u64,
}

struct Sub {
    filter: Filter,
    /// Events; while in the ring an event's `lost_before` holds its per-subscription delivery
    /// index (so a slot stays one cache line; `take` turns it into the real `lost_before`).
    ring: Ring<Event>,
    /// Next delivery index; written only under the publish mutex.
    next_idx: AtomicU64,
    /// Next index the consumer expects (for `lost_before`).
    consumed_idx: AtomicU64,
    lagged: AtomicU64,
    closed: AtomicBool,
    not_empty: WaitSet,
    efd: i32,
    signalled: AtomicBool,
}

impl Sub {
    /// Enqueues (called with the publish mutex held): never waits.
    fn deliver(&self, ev: Event) {
        // Relaxed: only written under the publish mutex, which orders it.
        let idx = self.next_idx.load(Ordering::Relaxed);
        self.next_idx.store(idx + 1, Ordering::Relaxed);
        let mut item = ev;
        item.lost_before = idx;
        loop {
            match self.ring.push(item) {
                Ok(()) => return,
                Err(back) => {
                    item = back;
                    if self.ring.pop().is_some() {
                        // Relaxed: a statistic.
                        self.lagged.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }

    /// After delivering (outside the mutex): wake a parked consumer and signal the eventfd.
    fn wake(&self) {
        self.not_empty.notify_one();
        if self.efd >= 0 {
            // Only under loom, which does not model the SeqCst total order (wait.rs docs).
            #[cfg(loom)]
            fence(Ordering::SeqCst);
            // SeqCst: the publisher's half of the eventfd check (module docs): our push's
            // SeqCst CAS on the ring's tail came before this load; the swap below decides.
            if !self.signalled.load(Ordering::SeqCst)
                && !self.signalled.swap(true, Ordering::AcqRel)
            {
                self.efd_write();
            }
        }
    }

    fn efd_write(&self) {
        #[cfg(target_os = "linux")]
        {
            let one: u64 = 1;
            // SAFETY: efd is our open eventfd; we write 8 bytes from a live u64. A failure
            // (counter overflow, impossible with 1s) leaves the fd readable anyway.
            let _ = unsafe { libc::write(self.efd, (&one as *const u64).cast(), 8) };
        }
    }

    /// The ring looked empty: drain the fd, clear `signalled`, re-check (module docs).
    fn unsignal(&self) {
        // Relaxed: a hint; the protocol below is what is ordered.
        if self.efd < 0 || !self.signalled.load(Ordering::Relaxed) {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            let mut v: u64 = 0;
            // SAFETY: efd is our open non-blocking eventfd; we read 8 bytes into a live u64.
            let _ = unsafe { libc::read(self.efd, (&mut v as *mut u64).cast(), 8) };
        }
        self.signalled.store(false, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        let (h, t) = self.ring.positions();
        if t > h && !self.signalled.swap(true, Ordering::AcqRel) {
            self.efd_write();
        }
    }

    fn take(&self) -> Option<Event> {
        let mut ev = self.ring.pop()?;
        let idx = ev.lost_before;
        // AcqRel: keeps consumers' view of the index monotonic.
        let prev = self.consumed_idx.fetch_max(idx + 1, Ordering::AcqRel);
        ev.lost_before = idx.saturating_sub(prev);
        Some(ev)
    }

    fn try_pop(&self) -> Result<Event> {
        if let Some(ev) = self.take() {
            return Ok(ev);
        }
        self.unsignal();
        if let Some(ev) = self.take() {
            return Ok(ev);
        }
        // SeqCst: read after the failed pop (see EventQueue::is_closed).
        if self.closed.load(Ordering::SeqCst) {
            return self.take().ok_or(Error::Closed);
        }
        Err(Error::Empty)
    }
}

impl Drop for Sub {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if self.efd >= 0 {
            // SAFETY: we own the fd and close it exactly once.
            unsafe { libc::close(self.efd) };
        }
    }
}

/// Takes the publish mutex (poisoning ignored: the protected state is a plain counter).
macro_rules! lock_publish {
    ($inner:expr) => {
        $inner.publish.lock().unwrap_or_else(|e| e.into_inner())
    };
}

struct BusInner {
    /// Next sequence number; the publish mutex (module docs).
    publish: Mutex<u64>,
    subs: ArcSwap<Vec<Arc<Sub>>>,
    cfg: BusConfig,
}

/// A fan-out event bus. Cheap to share (`&self` methods, `Send + Sync`).
pub struct EventBus {
    inner: Arc<BusInner>,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("cfg", &self.inner.cfg)
            .field("stats", &self.stats())
            .finish()
    }
}

/// One subscription: its own bounded queue of matching events. Dropping it unsubscribes.
pub struct Subscription {
    sub: Arc<Sub>,
    bus: Arc<BusInner>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("filter", &self.sub.filter)
            .field("stats", &self.stats())
            .finish()
    }
}

impl EventBus {
    /// A bus with `cfg`.
    pub fn new(cfg: BusConfig) -> Result<Self> {
        if cfg.max_subscribers == 0 || cfg.max_capacity == 0 {
            return Err(Error::Invalid("bus limits must be > 0"));
        }
        Ok(EventBus {
            inner: Arc::new(BusInner {
                publish: Mutex::new(1),
                subs: ArcSwap::from_pointee(Vec::new()),
                cfg,
            }),
        })
    }

    /// Subscribes to the events `filter` selects, with a queue of `capacity` events.
    /// [`Error::Invalid`] for capacity 0 or an empty filter; [`Error::TooLarge`] beyond the
    /// configured limits.
    pub fn subscribe(&self, filter: Filter, capacity: usize) -> Result<Subscription> {
        if capacity == 0 || filter.is_empty() {
            return Err(Error::Invalid(
                "capacity must be > 0 and the filter select something",
            ));
        }
        // The ring is allocated up front: beyond the queue's own limit (2^30) refuse rather
        // than panic or abort in the allocation, whatever `max_capacity` allows.
        if capacity > self.inner.cfg.max_capacity || capacity > MAX_SUB_CAPACITY {
            return Err(Error::TooLarge);
        }
        let efd = make_eventfd()?;
        let sub = Arc::new(Sub {
            filter,
            ring: Ring::new(capacity),
            next_idx: AtomicU64::new(0),
            consumed_idx: AtomicU64::new(0),
            lagged: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            not_empty: WaitSet::new(),
            efd,
            signalled: AtomicBool::new(false),
        });
        {
            let _g = lock_publish!(self.inner);
            let cur = self.inner.subs.load();
            if cur.len() >= self.inner.cfg.max_subscribers {
                return Err(Error::TooLarge);
            }
            let mut next = Vec::with_capacity(cur.len() + 1);
            next.extend(cur.iter().cloned());
            next.push(sub.clone());
            self.inner.subs.store(Arc::new(next));
        }
        Ok(Subscription {
            sub,
            bus: self.inner.clone(),
        })
    }

    /// Publishes one event to every matching subscription; never waits on a subscriber.
    /// Returns its sequence number. [`Error::TooLarge`] / [`Error::Invalid`] for bad input.
    pub fn publish(&self, input: &EventInput<'_>) -> Result<u64> {
        input.check(self.inner.cfg.max_payload)?;
        let mut ev = input.to_event();
        let subs;
        {
            let mut g = lock_publish!(self.inner);
            ev.seq = *g;
            *g += 1;
            subs = self.inner.subs.load();
            for s in subs.iter() {
                if s.filter.matches(ev.kind) {
                    s.deliver(ev.clone());
                }
            }
        }
        for s in subs.iter() {
            if s.filter.matches(ev.kind) {
                s.wake();
            }
        }
        Ok(ev.seq)
    }

    /// Publishes events in order, as consecutive sequence numbers. Every input is checked first
    /// (nothing is published if one is bad). Returns the first sequence number.
    pub fn publish_batch(&self, inputs: &[EventInput<'_>]) -> Result<u64> {
        for i in inputs {
            i.check(self.inner.cfg.max_payload)?;
        }
        let mut evs: Vec<Event> = inputs.iter().map(|i| i.to_event()).collect();
        let subs;
        let first;
        {
            let mut g = lock_publish!(self.inner);
            first = *g;
            subs = self.inner.subs.load();
            for ev in evs.iter_mut() {
                ev.seq = *g;
                *g += 1;
                for s in subs.iter() {
                    if s.filter.matches(ev.kind) {
                        s.deliver(ev.clone());
                    }
                }
            }
        }
        for s in subs.iter() {
            if evs.iter().any(|e| s.filter.matches(e.kind)) {
                s.wake();
            }
        }
        Ok(first)
    }

    /// Counters.
    pub fn stats(&self) -> BusStats {
        let published = *lock_publish!(self.inner) - 1;
        BusStats {
            published,
            subscribers: self.inner.subs.load().len() as u64,
        }
    }
}

fn make_eventfd() -> Result<i32> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain syscall with constant flags.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(Error::Unsupported);
        }
        Ok(fd)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(-1)
    }
}

impl Subscription {
    /// Pops the oldest waiting event: [`Error::Empty`], or [`Error::Closed`] once unsubscribed
    /// and drained.
    pub fn try_pop(&self) -> Result<Event> {
        self.sub.try_pop()
    }

    /// Pops one event, waiting up to `timeout` ([`Error::Timeout`]).
    pub fn pop_timeout(&self, timeout: Duration) -> Result<Event> {
        if let Some(ev) = self.sub.take() {
            return Ok(ev);
        }
        block_on_with(
            &self.sub.not_empty,
            Some(timeout),
            || match self.sub.try_pop() {
                Err(Error::Empty) => None,
                r => Some(r),
            },
            || self.sub.ring.item_in_flight(),
        )
        .unwrap_or(Err(Error::Timeout))
    }

    /// Pops up to `max` events into `out` without waiting; [`Error::Empty`] / [`Error::Closed`]
    /// when none.
    pub fn try_pop_batch(&self, out: &mut Vec<Event>, max: usize) -> Result<usize> {
        let mut n = 0;
        while n < max {
            match self.sub.take() {
                Some(ev) => {
                    out.push(ev);
                    n += 1;
                }
                None => break,
            }
        }
        if n > 0 || max == 0 {
            return Ok(n);
        }
        self.sub.try_pop().map(|ev| {
            out.push(ev);
            1
        })
    }

    /// Waits up to `timeout` for at least one event, then pops up to `max` into `out`.
    pub fn pop_batch_timeout(
        &self,
        out: &mut Vec<Event>,
        max: usize,
        timeout: Duration,
    ) -> Result<usize> {
        if max == 0 {
            return Ok(0);
        }
        out.push(self.pop_timeout(timeout)?);
        Ok(1 + self.try_pop_batch(out, max - 1).unwrap_or(0))
    }

    /// The eventfd that is readable while events may be waiting (Linux);
    /// [`Error::Unsupported`] elsewhere. Owned by the subscription: do not close it.
    pub fn fd(&self) -> Result<i32> {
        if self.sub.efd < 0 {
            Err(Error::Unsupported)
        } else {
            Ok(self.sub.efd)
        }
    }

    /// Leaves the bus: no event published after this starts is delivered; waiting consumers
    /// wake; what is queued can still be popped, then pops fail with [`Error::Closed`].
    /// Idempotent; also done by `Drop`.
    pub fn unsubscribe(&self) {
        // SeqCst: pairs with the SeqCst read in try_pop.
        if self.sub.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        {
            let _g = self.bus.publish.lock().unwrap_or_else(|e| e.into_inner());
            let cur = self.bus.subs.load();
            let next: Vec<Arc<Sub>> = cur
                .iter()
                .filter(|s| !Arc::ptr_eq(s, &self.sub))
                .cloned()
                .collect();
            self.bus.subs.store(Arc::new(next));
        }
        self.sub.not_empty.notify_all();
        if self.sub.efd >= 0 && !self.sub.signalled.swap(true, Ordering::AcqRel) {
            self.sub.efd_write();
        }
    }

    /// Counters.
    pub fn stats(&self) -> SubStats {
        let (h, t) = self.sub.ring.positions();
        // Relaxed: statistics.
        let lagged = self.sub.lagged.load(Ordering::Relaxed);
        SubStats {
            lagged,
            delivered: t,
            popped: h.saturating_sub(lagged),
            depth: t - h,
            capacity: self.sub.ring.capacity() as u64,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.unsubscribe();
    }
}
