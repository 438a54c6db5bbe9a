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
//! * **Why not `ringbuf`'s SPSC ring for a subscription.** A subscription's ring has one
//!   pushing thread at a time (the publish mutex), but two kinds of poppers: its consumers
//!   (any number of threads: `Subscription` is `Sync`, and C hosts pop from several) and the
//!   publisher, which pops the oldest event when the ring is full (drop-oldest). `ringbuf`'s
//!   consumer half is one `&mut` owner, so sharing it between the consumers and the publisher
//!   needs a lock the publisher would wait on, which the first point forbids; and the close mark
//!   that makes close final lives in the ring's tail. Measured anyway (a throwaway example, one
//!   producer and one consumer thread, 4 M events with 32-byte payloads, spinning with
//!   `yield_now`, three rounds): `ringbuf::HeapRb<Event>` 11.6-17.2 M/s, this ring through
//!   `EventQueue` 9.3-11.5 M/s. Its single-consumer speed comes from exactly what the bus
//!   cannot give it, so the ring stays.
//! * **Membership (RCU).** The subscription list is an `ArcSwap<Vec<Arc<Sub>>>` snapshot,
//!   replaced (under the publish mutex, so a subscription's start is a well-defined sequence
//!   number) by subscribe and unsubscribe. Publishers read it under the mutex; readers such as
//!   stats read it lock-free. A subscription removed while a publisher still holds the old
//!   snapshot stays alive (`Arc`) until that publisher is done, then is freed: nothing leaks.
//!   A subscription receives exactly the matching events whose sequence number is assigned after
//!   `subscribe` returns and before `unsubscribe` starts.
//! * **Gaps.** Each delivery into a subscription has a per-subscription index (dense, in the
//!   critical section): the position its push won in the subscription's ring, which a pop
//!   returns (`Ring::pop_pos`), so it is not stored in the slot. Every `deliver` either pushes
//!   (and takes the next position) or finds the ring closed, after which nothing is pushed
//!   again, so positions and delivery indexes are the same numbers. A drop-oldest eviction increments `lagged`; the consumer
//!   sees the index jump and reports it on the next event as `Event::lost_before`, so the exact
//!   place and size of every gap is known (exact when one thread at a time consumes a
//!   subscription; `lagged` is always exact).
//! * **Close is final.** A subscription's ring closes with the ring's close mark (see
//!   `queue.rs`: after the mark no push can land, and a consumer sees `Closed` only when every
//!   delivered event has been popped). `unsubscribe` removes the subscription from the list and
//!   closes its ring *inside* the publish critical section, so no publisher holding an older
//!   snapshot can deliver behind the close: a subscriber that sees `Closed` has received every
//!   event delivered to it. Dropping the [`EventBus`] (what `lfe_bus_free` does) closes the bus:
//!   later publishes fail with `Closed`, and every subscription is closed the same way, which
//!   wakes its blocked consumers; they drain what was delivered, then get `Closed`.
//! * **Bytes.** Each subscription counts the payload bytes it holds; a delivery that would take
//!   it over `BusConfig::max_sub_bytes` first drops the oldest events (counted in `lagged`, like
//!   a full ring), so a subscription holds at most `capacity` events and `max_sub_bytes` payload
//!   bytes (a payload shared by several subscriptions is counted by each, so this over-counts,
//!   never under-counts).
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

use super::queue::{pop_error, BusPacked, Packed, PopError, PushError, Ring, MAX_CAPACITY};
use super::wait::{block_on_with, WaitSet};
use super::{Event, EventInput, DEFAULT_MAX_PAYLOAD};
use crate::sync::{fence, model_sc_fence, AtomicBool, AtomicU64, Mutex, Ordering};
use crate::{Error, Result};
use arc_swap::ArcSwap;
use crossbeam_utils::CachePadded;
use std::sync::Arc;
use std::time::Duration;

/// Largest `BusConfig::max_capacity`, so the largest capacity of one subscription: the queue's
/// [`MAX_CAPACITY`] (2^24 events).
pub const MAX_SUB_CAPACITY: usize = MAX_CAPACITY;

/// Default `BusConfig::max_sub_bytes`: 16 MiB of payload per subscription.
pub const DEFAULT_MAX_SUB_BYTES: usize = 16 << 20;

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
    /// Maximum capacity of one subscription (1..=[`MAX_SUB_CAPACITY`]).
    pub max_capacity: usize,
    /// Payload bytes one subscription may hold (>= `max_payload`; default
    /// [`DEFAULT_MAX_SUB_BYTES`]); beyond it the oldest events are dropped (`lagged`).
    pub max_sub_bytes: usize,
}

impl Default for BusConfig {
    fn default() -> Self {
        BusConfig {
            max_payload: DEFAULT_MAX_PAYLOAD,
            max_subscribers: 1024,
            max_capacity: 1 << 20,
            max_sub_bytes: DEFAULT_MAX_SUB_BYTES,
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
    /// Payload bytes waiting now (at most `BusConfig::max_sub_bytes`, plus the events a consumer
    /// is popping at that moment).
    pub bytes: u64,
}

struct Sub {
    filter: Filter,
    /// Events (one line a slot: `queue.rs`, "What a slot holds"); an event's ring position is
    /// its delivery index (module docs, "Gaps").
    ring: Ring<BusPacked>,
    /// Next index the consumer expects (for `lost_before`). Only consumers write it, on every
    /// pop: on its own line, away from the fields the publisher writes on every delivery.
    consumed_idx: CachePadded<AtomicU64>,
    lagged: AtomicU64,
    /// Payload bytes of the events in the ring: added under the publish mutex before the push,
    /// subtracted by whoever pops the event.
    bytes: AtomicU64,
    max_bytes: u64,
    not_empty: WaitSet,
    /// Bumped by [`Subscription::interrupt`]: a blocked pop that sees it change returns.
    interrupts: AtomicU64,
    efd: i32,
    signalled: AtomicBool,
}

impl Sub {
    /// Enqueues (called with the publish mutex held): never waits. Makes room by dropping the
    /// oldest events while the ring is full or the payload bytes would pass `max_bytes`.
    #[inline(always)]
    fn deliver(&self, ev: BusPacked) {
        let len = u64::from(ev.len);
        if len > 0 {
            // Relaxed: a bound, not a publication; consumers subtract concurrently, so this
            // may over-count by events popped meanwhile, which only drops early, never holds
            // more than the bound.
            while self.bytes.load(Ordering::Relaxed) + len > self.max_bytes {
                if !self.evict() {
                    break;
                }
            }
            // Relaxed: as above.
            self.bytes.fetch_add(len, Ordering::Relaxed);
        }
        let mut item = ev;
        loop {
            match self.ring.push(item) {
                Ok(()) => return,
                Err(PushError::Full(back)) => {
                    item = back;
                    self.evict();
                }
                Err(PushError::Closed(back)) => {
                    // Closed under the publish mutex by a bus close or unsubscribe that ran
                    // before us: the event is not delivered (and not counted).
                    self.release(&back);
                    return;
                }
            }
        }
    }

    /// Drops the oldest event (publisher side, counted in `lagged`); false if none was there.
    fn evict(&self) -> bool {
        match self.ring.pop() {
            Ok(old) => {
                self.release(&old);
                // Relaxed: a statistic.
                self.lagged.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(_) => false,
        }
    }

    /// An event left the ring: its payload bytes no longer count.
    #[inline(always)]
    fn release(&self, ev: &BusPacked) {
        let len = u64::from(ev.len);
        if len > 0 {
            // Relaxed: the bound's counter (see deliver).
            self.bytes.fetch_sub(len, Ordering::Relaxed);
        }
    }

    /// After delivering (outside the mutex): wake a parked consumer and signal the eventfd.
    fn wake(&self) {
        self.not_empty.notify_one();
        if self.efd >= 0 {
            // Only under loom, which does not model the SeqCst total order (wait.rs docs).
            model_sc_fence();
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

    #[inline(always)]
    fn take(&self) -> std::result::Result<Event, PopError> {
        let (p, idx) = self.ring.pop_pos()?;
        self.release(&p);
        // AcqRel: keeps consumers' view of the index monotonic.
        let prev = self.consumed_idx.fetch_max(idx + 1, Ordering::AcqRel);
        let seq = p.head;
        let mut ev = p.into_event(seq);
        ev.lost_before = idx.saturating_sub(prev);
        Ok(ev)
    }

    fn try_pop(&self) -> Result<Event> {
        match self.take() {
            Err(PopError::Empty) => {}
            r => return r.map_err(pop_error),
        }
        self.unsignal();
        self.take().map_err(pop_error)
    }

    /// After its ring was closed (under the publish mutex), outside the mutex: wakes blocked
    /// pops (they return what was delivered, then `Closed`) and makes the eventfd readable.
    fn wake_closed(&self) {
        self.not_empty.notify_all();
        if self.efd >= 0 && !self.signalled.swap(true, Ordering::AcqRel) {
            self.efd_write();
        }
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

/// What the publish mutex guards.
struct PubState {
    /// Next sequence number.
    next_seq: u64,
    /// Set by [`EventBus::close`]: publishes and subscribes fail with `Closed`.
    closed: bool,
}

struct BusInner {
    /// The publish mutex (module docs). Its state is a counter and a flag, each written in one
    /// step, so a poisoned lock's state is whole (`crate::sync::lock`).
    publish: Mutex<PubState>,
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
    /// A bus with `cfg`: zero limits, or `max_sub_bytes < max_payload`, are
    /// [`Error::Invalid`]; `max_capacity` over [`MAX_SUB_CAPACITY`] is [`Error::TooLarge`].
    pub fn new(cfg: BusConfig) -> Result<Self> {
        if cfg.max_subscribers == 0 || cfg.max_capacity == 0 {
            return Err(Error::Invalid("bus limits must be > 0"));
        }
        if cfg.max_sub_bytes < cfg.max_payload.max(1) {
            return Err(Error::Invalid("max_sub_bytes must be >= max_payload"));
        }
        if cfg.max_capacity > MAX_SUB_CAPACITY {
            return Err(Error::TooLarge);
        }
        Ok(EventBus {
            inner: Arc::new(BusInner {
                publish: Mutex::new(PubState {
                    next_seq: 1,
                    closed: false,
                }),
                subs: ArcSwap::from_pointee(Vec::new()),
                cfg,
            }),
        })
    }

    /// Subscribes to the events `filter` selects, with a queue of `capacity` events.
    /// [`Error::Invalid`] for capacity 0 or an empty filter; [`Error::TooLarge`] beyond the
    /// configured limits; [`Error::NoMem`] when the ring cannot be allocated;
    /// [`Error::Closed`] after [`close`](Self::close).
    pub fn subscribe(&self, filter: Filter, capacity: usize) -> Result<Subscription> {
        if capacity == 0 || filter.is_empty() {
            return Err(Error::Invalid(
                "capacity must be > 0 and the filter select something",
            ));
        }
        if capacity > self.inner.cfg.max_capacity {
            return Err(Error::TooLarge);
        }
        // Fallible (NoMem, never an abort); the eventfd comes after, so a failed ring leaks no fd.
        let ring = Ring::new(capacity)?;
        let efd = make_eventfd()?;
        let sub = Arc::new(Sub {
            filter,
            ring,
            consumed_idx: CachePadded::new(AtomicU64::new(0)),
            lagged: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            max_bytes: self.inner.cfg.max_sub_bytes as u64,
            not_empty: WaitSet::new(),
            interrupts: AtomicU64::new(0),
            efd,
            signalled: AtomicBool::new(false),
        });
        {
            let g = self.inner.publish.lock();
            if g.closed {
                return Err(Error::Closed);
            }
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
    /// Returns its sequence number. [`Error::TooLarge`] / [`Error::Invalid`] for bad input,
    /// [`Error::Closed`] after [`close`](Self::close) (nothing published).
    pub fn publish(&self, input: &EventInput<'_>) -> Result<u64> {
        input.check(self.max_payload())?;
        // Built once (a long payload: one allocation), copied or shared into each subscription.
        let mut ev = Packed::new(input, 0);
        let subs;
        {
            let mut g = self.inner.publish.lock();
            if g.closed {
                return Err(Error::Closed);
            }
            ev.head = g.next_seq;
            g.next_seq += 1;
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
        Ok(ev.head)
    }

    /// The payload bound as checked: the configured one, and never over `u32::MAX` (a
    /// `Packed` length).
    fn max_payload(&self) -> usize {
        self.inner.cfg.max_payload.min(u32::MAX as usize)
    }

    /// Publishes events in order, as consecutive sequence numbers. Every input is checked first
    /// (nothing is published if one is bad; [`Error::Closed`] after close). Returns the first
    /// sequence number.
    pub fn publish_batch(&self, inputs: &[EventInput<'_>]) -> Result<u64> {
        for i in inputs {
            i.check(self.max_payload())?;
        }
        let mut evs: Vec<BusPacked> = inputs.iter().map(|i| Packed::new(i, 0)).collect();
        let subs;
        let first;
        {
            let mut g = self.inner.publish.lock();
            if g.closed {
                return Err(Error::Closed);
            }
            first = g.next_seq;
            subs = self.inner.subs.load();
            for ev in evs.iter_mut() {
                ev.head = g.next_seq;
                g.next_seq += 1;
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

    /// Closes the bus: later publishes and subscribes fail with [`Error::Closed`], and every
    /// subscription is closed (its consumers wake, drain what was delivered, then get
    /// [`Error::Closed`]). Idempotent; done by `Drop`.
    pub fn close(&self) {
        let subs = {
            let mut g = self.inner.publish.lock();
            if g.closed {
                return;
            }
            g.closed = true;
            let subs = self.inner.subs.swap(Arc::new(Vec::new()));
            for s in subs.iter() {
                s.ring.close();
            }
            subs
        };
        for s in subs.iter() {
            s.wake_closed();
        }
    }

    /// True after [`close`](Self::close).
    pub fn closed(&self) -> bool {
        self.inner.publish.lock().closed
    }

    /// Counters.
    pub fn stats(&self) -> BusStats {
        let published = self.inner.publish.lock().next_seq - 1;
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
        match self.sub.take() {
            Err(PopError::Empty) => {}
            r => return r.map_err(pop_error),
        }
        // SeqCst: read before the first check, so an interrupt after it is seen (the
        // interrupt's increment and the check below are in the SeqCst order).
        let seen = self.sub.interrupts.load(Ordering::SeqCst);
        block_on_with(
            &self.sub.not_empty,
            Some(timeout),
            || match self.sub.try_pop() {
                // SeqCst: the waiter's half of the store-buffering check against interrupt.
                Err(Error::Empty) if self.sub.interrupts.load(Ordering::SeqCst) != seen => {
                    Some(Err(Error::Timeout))
                }
                Err(Error::Empty) => None,
                r => Some(r),
            },
            || self.sub.ring.item_in_flight(),
        )
        .unwrap_or(Err(Error::Timeout))
    }

    /// Makes every pop now blocked on this subscription return `Timeout` at once (as if its
    /// timeout had passed): a host cancelling a wait (e.g. a Go context) without polling.
    pub fn interrupt(&self) {
        // SeqCst: the notifier's write of the store-buffering check in `pop_timeout`.
        self.sub.interrupts.fetch_add(1, Ordering::SeqCst);
        self.sub.not_empty.notify_all();
    }

    /// Pops up to `max` events into `out` without waiting; [`Error::Empty`] / [`Error::Closed`]
    /// when none; `max` 0 is [`Error::Invalid`] (as in the C ABI).
    pub fn try_pop_batch(&self, out: &mut Vec<Event>, max: usize) -> Result<usize> {
        if max == 0 {
            return Err(Error::Invalid("max is 0"));
        }
        let mut n = 0;
        while n < max {
            match self.sub.take() {
                Ok(ev) => {
                    out.push(ev);
                    n += 1;
                }
                Err(_) => break,
            }
        }
        if n > 0 {
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
        super::pop_first_then_batch(
            out,
            max,
            || self.pop_timeout(timeout),
            |out, n| self.try_pop_batch(out, n),
        )
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
    /// wake; what was delivered can still be popped, then pops fail with [`Error::Closed`]
    /// (never before: module docs, "Close is final"). Idempotent; also done by `Drop`.
    pub fn unsubscribe(&self) {
        if self.sub.ring.is_closed() {
            return;
        }
        {
            let _g = self.bus.publish.lock();
            let cur = self.bus.subs.load();
            if cur.iter().any(|s| Arc::ptr_eq(s, &self.sub)) {
                let next: Vec<Arc<Sub>> = cur
                    .iter()
                    .filter(|s| !Arc::ptr_eq(s, &self.sub))
                    .cloned()
                    .collect();
                self.bus.subs.store(Arc::new(next));
            }
            // Under the mutex: no publisher can deliver after this (module docs).
            self.sub.ring.close();
        }
        self.sub.wake_closed();
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
            // Relaxed: a statistic.
            bytes: self.sub.bytes.load(Ordering::Relaxed),
        }
    }
}

impl Drop for EventBus {
    fn drop(&mut self) {
        self.close();
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.unsubscribe();
    }
}
