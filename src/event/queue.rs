//! The bounded MPMC event queue: each event goes to exactly one consumer.
//!
//! # The ring (Vyukov's bounded MPMC queue)
//!
//! `cap` slots; each slot has a stamp. Positions `head` (next to pop) and `tail` (next to push)
//! are `u64` counters that only grow (they never wrap in practice: 2^64 operations), and a
//! position `p` lives in slot `p % cap`.
//!
//! Invariant, for the slot of position `p` (stamps count in half-steps, `2p` and `2p + 1`, so
//! that "filled at p" and "free for p + 1" differ even when `cap == 1`):
//! * stamp == `2p`: the slot is free for the push of position `p`;
//! * stamp == `2p + 1`: the slot holds the value pushed at position `p`, ready to pop;
//! * the pop of position `p` sets the stamp to `2(p + cap)` (free for the push one lap later).
//!
//! A producer reads `tail = p`, checks the stamp is `2p` and claims the position with a CAS on
//! `tail`; only the CAS winner writes the slot, then publishes it with a Release store of the
//! stamp `2p + 1`. A stamp smaller than `2p` means the slot still holds the value of the previous
//! lap: the queue is full. Consumers mirror this on `head`. The Acquire load of the stamp pairs
//! with the Release store of the other side, so a value is fully written before it is read and
//! fully read before it is overwritten.
//!
//! Why our own ring and not `crossbeam_queue::ArrayQueue` (which is the same algorithm): the
//! positions *are* the `pushed` and `popped` statistics, so stats cost nothing on the hot path
//! (with `ArrayQueue` each push and pop would need one more contended counter).
//!
//! # Close is final (the mark bit)
//!
//! Closing sets [`CLOSED`], the top bit of `tail`, with one `fetch_or`. A producer's claim is a
//! CAS from an unmarked `tail`, so after the close no claim can succeed: every push that
//! returns OK claimed its position *before* the close in `tail`'s modification order, and
//! every push that sees the mark returns `Closed` having delivered nothing. A consumer reports
//! "closed" only when it reads a marked `tail` whose position equals the `head` it is at: no
//! position before it is unclaimed by a pop, and (the mark freezes `tail`) none after it can
//! ever be pushed. A push that claimed its position before the close but has not published
//! its slot yet makes `tail > head`, so consumers see "empty for now" (they retry; a blocking
//! pop does not park while a claimed push is in flight), never "closed". Hence the contract:
//! **a push that returned OK is popped exactly once before any consumer observes closed and
//! empty; a push that returned `Closed` delivered nothing**, with no lock on the push or pop
//! path (the mark is read by the loads and the CAS they already do; the one early SeqCst load
//! of `tail` in `try_push`/`push_timeout` only avoids copying a payload into a closed queue).
//! With [`Overflow::DropOldest`] the contract is "popped exactly once or counted in
//! `dropped`", as for any event that policy evicts.
//! `tests/loom_close.rs` model-checks close against a push and against a blocked push.
//!
//! # Blocking, overflow
//!
//! Blocking forms spin briefly then park on a [`WaitSet`] (`not_empty` for consumers, `not_full`
//! for producers; see `wait.rs` for the no-lost-wake-up protocol). Its fence-free fast path
//! rests on two things this ring keeps: the CAS that claims a position is `SeqCst` (it is the
//! notifier's write; so is the `fetch_or` of close), and a waiter about to park re-reads
//! `head`/`tail` with `SeqCst` loads and does not park while a claimed push (for a consumer) or
//! pop (for a producer) has not finished publishing its slot (`Ring::item_in_flight`,
//! `Ring::room_in_flight`): the stamp store that publishes the slot is only Release, so a
//! waiter cannot rely on seeing it. `close()` marks `tail` and wakes both sets. With
//! [`Overflow::DropOldest`] a push into a full queue pops (and counts) the oldest event instead
//! of failing.
//!
//! # Memory
//!
//! The slot array is allocated at creation, fallibly ([`Error::NoMem`], never an abort), and
//! zeroed by the allocator: slot stamps are stored relative to their index (`stamp - 2i`), so
//! the initial state is all zeros and the kernel commits the pages only as positions reach
//! them. Capacity is at most [`MAX_CAPACITY`] (2^24 events, 2 GiB of slots); the bytes held are
//! at most `capacity * 64` (the slots, with payloads up to [`INLINE_PAYLOAD`] bytes inside
//! them) plus `capacity * max_payload` for longer payloads.
//!
//! # What a slot holds
//!
//! A slot is one cache line: its stamp and a [`Packed`] event (timestamp, process, type,
//! payload length, and the payload bytes inline, else the `Arc` of a longer payload). In a
//! queue the sequence number is not stored (it is the position + 1, which the pop knows) and
//! [`INLINE_PAYLOAD`] (32) bytes fit inline; `lost_before` is always 0 for the queue. A bus
//! subscription's slot stores the sequence number, which leaves [`BUS_INLINE_PAYLOAD`] (24)
//! bytes inline. So a push or pop moves one line between cores, and a short payload is never
//! allocated.

use super::wait::{block_on_with, WaitSet};
use super::{Event, EventInput, Payload, DEFAULT_MAX_PAYLOAD, INLINE_PAYLOAD};
use crate::sync::{AtomicU64, Ordering, SlotArray, UnsafeCell, LOOM};
use crate::{Error, Result};
use crossbeam_utils::CachePadded;
use std::mem::{ManuallyDrop, MaybeUninit};
use std::sync::Arc;
use std::time::Duration;

/// Largest capacity of an [`EventQueue`] or a bus subscription: 2^24 events (a 64-byte slot
/// each, so at most 1 GiB of slots, committed as the ring is used).
pub const MAX_CAPACITY: usize = 1 << 24;

/// The close mark: the top bit of `tail` (positions stay below 2^63).
const CLOSED: u64 = 1 << 63;

/// One slot: one cache line (8 bytes of stamp and a 56-byte [`Packed`] event). The alignment
/// keeps a slot on a line boundary: the allocator only promises 16 bytes, and when it put the
/// array off a line boundary every push and pop moved two lines between the producer's and the
/// consumer's cores instead of one.
#[repr(align(64))]
struct Slot<T> {
    /// The stamp of the module docs minus `2 * index` (so a fresh slot is all zeros).
    stamp: AtomicU64,
    val: UnsafeCell<MaybeUninit<T>>,
}

// A queue slot and a subscription slot are each exactly one line (loom's atomics and cells are
// bigger; not checked there).
const _: () = assert!(LOOM || std::mem::size_of::<Slot<QueuePacked>>() == 64);
const _: () = assert!(LOOM || std::mem::size_of::<Slot<BusPacked>>() == 64);

/// What a queue slot holds: no stored sequence number (it is the position + 1), and the
/// payload inline up to [`INLINE_PAYLOAD`] bytes.
pub(crate) type QueuePacked = Packed<(), INLINE_PAYLOAD>;

/// Payload bytes a subscription's slot holds inline: what is left of the line once the
/// sequence number is stored too. A longer payload is one allocation shared by every
/// subscription of the publish.
pub(crate) const BUS_INLINE_PAYLOAD: usize = 24;

/// What a subscription's slot holds: the sequence number (the bus assigns it) and the payload
/// inline up to [`BUS_INLINE_PAYLOAD`] bytes.
pub(crate) type BusPacked = Packed<u64, BUS_INLINE_PAYLOAD>;

/// An event as a ring slot holds it (module docs, "What a slot holds"): `head` (the bus's
/// sequence number, or nothing), timestamp, process, type, length and `N` payload bytes or the
/// `Arc` of a longer payload; 56 bytes, so that with the stamp a slot is one cache line.
pub(crate) struct Packed<H, const N: usize> {
    pub(crate) head: H,
    ts_ns: u64,
    process_id: u64,
    pub(crate) kind: u32,
    /// The payload length: `<= N` means `bytes.inline[..len]` are the bytes (the rest zero);
    /// more means `bytes.shared` holds the payload.
    pub(crate) len: u32,
    bytes: PackedBytes<N>,
}

/// The payload of a [`Packed`] event, which its `len` says how to read.
union PackedBytes<const N: usize> {
    inline: [u8; N],
    shared: ManuallyDrop<Arc<[u8]>>,
}

impl<H, const N: usize> Packed<H, N> {
    /// The inline part fits an [`Event`]'s inline payload.
    const FITS: () = assert!(N <= INLINE_PAYLOAD);

    /// Packs `input` (checked by the caller: the payload length fits in `u32`); `ts_ns` 0 is now.
    #[inline(always)]
    pub(crate) fn new(input: &EventInput<'_>, head: H) -> Self {
        let p = input.payload;
        let bytes = if p.len() <= N {
            let mut inline = [0u8; N];
            inline[..p.len()].copy_from_slice(p);
            PackedBytes { inline }
        } else {
            PackedBytes {
                shared: ManuallyDrop::new(Arc::from(p)),
            }
        };
        Packed {
            head,
            ts_ns: crate::time::or_now(input.ts_ns),
            process_id: input.process_id,
            kind: input.kind,
            len: p.len() as u32,
            bytes,
        }
    }

    /// The event, with sequence number `seq`; a shared payload moves (no copy) unless it is
    /// short enough for the event's inline payload (a subscription slot holds fewer bytes
    /// inline than an [`Event`] does).
    #[inline(always)]
    pub(crate) fn into_event(self, seq: u64) -> Event {
        let () = Self::FITS;
        let me = ManuallyDrop::new(self);
        let len = me.len as usize;
        let payload = if len <= N {
            let mut buf = [0u8; INLINE_PAYLOAD];
            // SAFETY: `len <= N` means `inline` is the field in use, written whole (zero after
            // `len`) by `new`.
            buf[..N].copy_from_slice(unsafe { &me.bytes.inline });
            Payload::from_inline(len as u8, buf)
        } else {
            // SAFETY: `len > N` means `shared` is the field in use; `me` is never dropped
            // (ManuallyDrop), so the Arc is moved out exactly once.
            let a = unsafe { std::ptr::read(&*me.bytes.shared) };
            if len <= INLINE_PAYLOAD {
                Payload::copy_from(&a)
            } else {
                Payload::from_shared(a)
            }
        };
        Event {
            seq,
            ts_ns: me.ts_ns,
            kind: me.kind,
            process_id: me.process_id,
            lost_before: 0,
            payload,
        }
    }
}

impl<H: Copy, const N: usize> Clone for Packed<H, N> {
    /// A copy for another subscription: inline bytes are copied, a shared payload is shared.
    #[inline(always)]
    fn clone(&self) -> Self {
        let bytes = if self.len as usize <= N {
            // SAFETY: `len <= N` means `inline` is the field in use.
            let inline = unsafe { self.bytes.inline };
            PackedBytes { inline }
        } else {
            // SAFETY: `len > N` means `shared` is the field in use.
            let shared = unsafe { &self.bytes.shared };
            PackedBytes {
                shared: shared.clone(),
            }
        };
        Packed {
            head: self.head,
            ts_ns: self.ts_ns,
            process_id: self.process_id,
            kind: self.kind,
            len: self.len,
            bytes,
        }
    }
}

impl<H, const N: usize> Drop for Packed<H, N> {
    fn drop(&mut self) {
        if self.len as usize > N {
            // SAFETY: `len > N` means `shared` is the field in use, dropped once here.
            unsafe { ManuallyDrop::drop(&mut self.bytes.shared) }
        }
    }
}

/// Why a push gave its value back.
pub(crate) enum PushError<T> {
    /// No room (the ring holds `capacity` values).
    Full(T),
    /// The ring was closed: nothing was delivered.
    Closed(T),
}

/// Why a pop returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PopError {
    /// Nothing to pop now (possibly a push in flight, even after close).
    Empty,
    /// Closed, and every value ever pushed has been popped.
    Closed,
}

/// Vyukov's bounded MPMC ring with a close mark (see the module docs for the invariant).
pub(crate) struct Ring<T> {
    head: CachePadded<AtomicU64>,
    /// Next position to push, plus [`CLOSED`] once closed.
    tail: CachePadded<AtomicU64>,
    slots: SlotArray<Slot<T>>,
    cap: u64,
    mask: Option<u64>,
}

// SAFETY: values move between threads through the ring (T: Send); the stamp protocol gives each
// slot a single owner at a time, so &Ring only hands out exclusive access to a slot's value.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Ring<T> {}

/// A fresh slot: relative stamp 0, "free for the first lap" (all zero bytes).
fn fresh_slot<T>() -> Slot<T> {
    Slot {
        stamp: AtomicU64::new(0),
        val: UnsafeCell::new(MaybeUninit::uninit()),
    }
}

/// The slot array, committed by the kernel as positions first reach it (`SlotArray`).
fn alloc_slots<T>(cap: usize) -> Result<SlotArray<Slot<T>>> {
    // SAFETY: all-zero bytes are a valid `Slot` equal to `fresh_slot()` (an AtomicU64 of 0 and
    // an uninitialised MaybeUninit), and a Slot has no drop glue (values still held are dropped
    // by `Ring::drop`).
    unsafe { SlotArray::zeroed(cap, fresh_slot) }.ok_or(Error::NoMem)
}

impl<T> Ring<T> {
    /// A ring of `cap` slots: `Invalid` for 0, `TooLarge` over [`MAX_CAPACITY`], `NoMem` when
    /// the slots cannot be allocated.
    pub(crate) fn new(cap: usize) -> Result<Self> {
        if cap == 0 {
            return Err(Error::Invalid("capacity must be > 0"));
        }
        if cap > MAX_CAPACITY {
            return Err(Error::TooLarge);
        }
        let slots = alloc_slots(cap)?;
        let cap = cap as u64;
        Ok(Ring {
            head: CachePadded::new(AtomicU64::new(0)),
            tail: CachePadded::new(AtomicU64::new(0)),
            slots,
            cap,
            mask: cap.is_power_of_two().then(|| cap - 1),
        })
    }

    /// The slot of `pos` and the stamp offset of that slot (`2 * index`, see [`Slot::stamp`]).
    #[inline]
    fn slot(&self, pos: u64) -> (&Slot<T>, u64) {
        let i = match self.mask {
            Some(m) => pos & m,
            None => pos % self.cap,
        };
        (&self.slots[i as usize], 2 * i)
    }

    /// Pushes `v`, or gives it back when the ring is full or closed.
    #[inline(always)]
    pub(crate) fn push(&self, v: T) -> std::result::Result<(), PushError<T>> {
        self.push_pos(v).map(|_| ())
    }

    /// Pushes `v`; returns the position it won (push order, exactly), or gives `v` back.
    #[inline(always)]
    pub(crate) fn push_pos(&self, v: T) -> std::result::Result<u64, PushError<T>> {
        // Relaxed: a guess that the stamp check and the CAS validate (the CAS compares the
        // whole word, so a close mark that this load missed makes it fail).
        let mut pos = self.tail.load(Ordering::Relaxed);
        loop {
            if pos & CLOSED != 0 {
                return Err(PushError::Closed(v));
            }
            let (slot, base) = self.slot(pos);
            // Acquire: pairs with the Release stamp store of the pop that freed the slot.
            let stamp = slot.stamp.load(Ordering::Acquire).wrapping_add(base);
            if stamp == 2 * pos {
                // SeqCst on success: this claim is the notifier's write in the no-lost-wake-up
                // check (wait.rs protocol; a `lock cmpxchg` on x86 whatever the ordering). The
                // slot's stamp, not tail, carries the data. Relaxed on failure: only a new guess.
                match self.tail.compare_exchange_weak(
                    pos,
                    pos + 1,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the CAS for `pos` while stamp == 2pos makes us the only
                        // writer of this slot until we publish stamp 2pos+1.
                        slot.val.with_mut(|p| unsafe { (*p).write(v) });
                        // Release: publishes the value to the consumer that Acquires 2pos+1.
                        slot.stamp
                            .store((2 * pos + 1).wrapping_sub(base), Ordering::Release);
                        return Ok(pos);
                    }
                    Err(t) => pos = t,
                }
            } else if stamp < 2 * pos {
                // The slot still holds the previous lap's value: full (unless tail moved on or
                // was closed). Relaxed: only a re-read of the guess.
                let t = self.tail.load(Ordering::Relaxed);
                if t == pos {
                    return Err(PushError::Full(v));
                }
                pos = t;
            } else {
                // Another producer took `pos`; catch up. The pause lets its CAS land (and under
                // loom is a yield, so the model does not re-read a stale `tail` forever).
                crate::sync::spin_loop();
                // Relaxed: a guess, validated as above.
                pos = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Pops the oldest value: [`PopError::Empty`] when there is none now,
    /// [`PopError::Closed`] when closed and everything pushed has been popped.
    #[inline(always)]
    pub(crate) fn pop(&self) -> std::result::Result<T, PopError> {
        self.pop_pos().map(|(v, _)| v)
    }

    /// [`pop`](Self::pop), with the position the value was pushed at.
    #[inline(always)]
    pub(crate) fn pop_pos(&self) -> std::result::Result<(T, u64), PopError> {
        // Relaxed: a guess that the stamp check and the CAS validate.
        let mut pos = self.head.load(Ordering::Relaxed);
        loop {
            let (slot, base) = self.slot(pos);
            // Acquire: pairs with the Release stamp store of the push that filled the slot.
            let stamp = slot.stamp.load(Ordering::Acquire).wrapping_add(base);
            if stamp == 2 * pos + 1 {
                // SeqCst on success / Relaxed on failure: as in push (the claim of a slot is
                // what a producer waiting for room must see).
                match self.head.compare_exchange_weak(
                    pos,
                    pos + 1,
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        // SAFETY: winning the CAS for `pos` while stamp == 2pos+1 makes us the
                        // only reader of this slot, which holds an initialised value.
                        let v = slot.val.with(|p| unsafe { (*p).assume_init_read() });
                        // Release: the read is done before the next lap's push writes.
                        slot.stamp
                            .store((2 * (pos + self.cap)).wrapping_sub(base), Ordering::Release);
                        return Ok((v, pos));
                    }
                    Err(h) => pos = h,
                }
            } else if stamp <= 2 * pos {
                // Not yet filled. SeqCst: this is a waiter's re-check load (wait.rs protocol)
                // and the read that decides "closed and drained" (module docs).
                let t = self.tail.load(Ordering::SeqCst);
                // Relaxed: a re-read of the guess; head only grows.
                let h = self.head.load(Ordering::Relaxed);
                if h != pos {
                    pos = h;
                    continue;
                }
                if t == pos | CLOSED {
                    // `head == pos` was read before: every position below `pos` was claimed by
                    // a pop, and the mark froze `tail` at `pos`: closed and drained.
                    return Err(PopError::Closed);
                }
                // Empty, or a push claimed `pos` and is still publishing it (also after a
                // close: that push returned or will return OK, so we must not say Closed).
                return Err(PopError::Empty);
            } else {
                // Another consumer took `pos`; catch up (pause: as in push).
                crate::sync::spin_loop();
                // Relaxed: a guess, validated as above.
                pos = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// Marks the ring closed (module docs); true if this call closed it.
    pub(crate) fn close(&self) -> bool {
        // SeqCst: the notifier's write of the no-lost-wake-up check (wait.rs) for the wake-ups
        // the caller does next, and ordered with the consumers' SeqCst re-check loads of tail.
        self.tail.fetch_or(CLOSED, Ordering::SeqCst) & CLOSED == 0
    }

    /// True once [`close`](Self::close) was called.
    pub(crate) fn is_closed(&self) -> bool {
        // SeqCst: a waiter's re-check load (wait.rs protocol).
        self.tail.load(Ordering::SeqCst) & CLOSED != 0
    }

    /// Positions: (head, tail) = (values popped, values pushed) since creation.
    pub(crate) fn positions(&self) -> (u64, u64) {
        // SeqCst: head is read first and tail only grows, so tail >= head (depth >= 0); and
        // these are the waiter's re-check loads of the no-lost-wake-up protocol (wait.rs).
        let h = self.head.load(Ordering::SeqCst);
        let t = self.tail.load(Ordering::SeqCst) & !CLOSED;
        (h, t.max(h))
    }

    /// A consumer's "do not park" check (wait.rs protocol): a push has claimed a position that
    /// no pop has claimed yet (published or about to be).
    pub(crate) fn item_in_flight(&self) -> bool {
        let (h, t) = self.positions();
        t > h
    }

    /// A producer's "do not park" check: a pop has claimed a slot (so there is room, or there
    /// will be as soon as that pop has read its value).
    pub(crate) fn room_in_flight(&self) -> bool {
        let (h, t) = self.positions();
        t - h < self.cap
    }

    pub(crate) fn capacity(&self) -> usize {
        self.cap as usize
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        while self.pop().is_ok() {}
    }
}

/// What a push into a full queue does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Fail with [`Error::Full`] (the try form) or wait (the blocking form).
    #[default]
    Reject,
    /// Drop the oldest event (counted in [`QueueStats::dropped`]) and push.
    DropOldest,
}

/// Configuration of an [`EventQueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueConfig {
    /// Maximum number of events held (1..=[`MAX_CAPACITY`]).
    pub capacity: usize,
    /// Maximum payload size in bytes.
    pub max_payload: usize,
    /// What a push into a full queue does.
    pub overflow: Overflow,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            capacity: 1024,
            max_payload: DEFAULT_MAX_PAYLOAD,
            overflow: Overflow::Reject,
        }
    }
}

/// Counters of an [`EventQueue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Events held now.
    pub depth: u64,
    /// Events pushed since creation.
    pub pushed: u64,
    /// Events popped by consumers since creation.
    pub popped: u64,
    /// Events dropped by [`Overflow::DropOldest`].
    pub dropped: u64,
    /// Capacity.
    pub capacity: u64,
}

/// A bounded MPMC queue of [`Event`]s. All methods take `&self` and are safe from any thread.
pub struct EventQueue {
    ring: Ring<QueuePacked>,
    dropped: AtomicU64,
    not_empty: WaitSet,
    not_full: WaitSet,
    cfg: QueueConfig,
}

impl std::fmt::Debug for EventQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue")
            .field("cfg", &self.cfg)
            .field("stats", &self.stats())
            .finish()
    }
}

impl EventQueue {
    /// A queue with `cfg`: capacity 0 is [`Error::Invalid`], over [`MAX_CAPACITY`]
    /// [`Error::TooLarge`]; [`Error::NoMem`] when the slot array cannot be allocated.
    pub fn new(cfg: QueueConfig) -> Result<Self> {
        if cfg.capacity == 0 {
            return Err(Error::Invalid("capacity must be > 0"));
        }
        Ok(EventQueue {
            ring: Ring::new(cfg.capacity)?,
            dropped: AtomicU64::new(0),
            not_empty: WaitSet::new(),
            not_full: WaitSet::new(),
            cfg,
        })
    }

    /// A queue of `capacity` events with the other settings at their defaults.
    pub fn with_capacity(capacity: usize) -> Result<Self> {
        Self::new(QueueConfig {
            capacity,
            ..QueueConfig::default()
        })
    }

    /// The configuration.
    pub fn config(&self) -> QueueConfig {
        self.cfg
    }

    #[inline(always)]
    fn make(&self, input: &EventInput<'_>) -> Result<QueuePacked> {
        input.check(self.max_payload())?;
        Ok(Packed::new(input, ()))
    }

    /// The payload bound as checked: the configured one, and never over `u32::MAX` (a
    /// [`Packed`] length).
    fn max_payload(&self) -> usize {
        self.cfg.max_payload.min(u32::MAX as usize)
    }

    /// One attempt to push an already-made event (no waking). The sequence number is the ring
    /// position + 1 (unique, in push order exactly, and not stored: the pop knows the
    /// position). Returns it.
    #[inline(always)]
    fn push_event(&self, ev: QueuePacked) -> std::result::Result<u64, PushError<QueuePacked>> {
        match self.cfg.overflow {
            Overflow::Reject => self.ring.push_pos(ev).map(|p| p + 1),
            Overflow::DropOldest => {
                let mut ev = ev;
                loop {
                    match self.ring.push_pos(ev) {
                        Ok(p) => return Ok(p + 1),
                        Err(PushError::Full(back)) => {
                            ev = back;
                            // Do not evict for a push that can no longer land (the close may
                            // still come between this check and the pop: that push then
                            // returns Closed with one event evicted, counted in `dropped`,
                            // which is what drop-oldest does to an old event anyway).
                            if self.ring.is_closed() {
                                return Err(PushError::Closed(ev));
                            }
                            if self.ring.pop().is_ok() {
                                // Relaxed: a statistic.
                                self.dropped.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(closed) => return Err(closed),
                    }
                }
            }
        }
    }

    /// Pushes one event without waiting: [`Error::Full`] when full (reject policy),
    /// [`Error::Closed`] after close (nothing delivered), [`Error::TooLarge`] /
    /// [`Error::Invalid`] for bad input. Returns the event's sequence number. An OK push is
    /// popped exactly once, even when a close races it (module docs).
    pub fn try_push(&self, input: &EventInput<'_>) -> Result<u64> {
        if self.ring.is_closed() {
            return Err(Error::Closed);
        }
        let ev = self.make(input)?;
        let seq = self.push_event(ev).map_err(push_error)?;
        self.not_empty.notify_one();
        Ok(seq)
    }

    /// Pushes one event, waiting up to `timeout` for room ([`Error::Timeout`]); a close wakes
    /// it with [`Error::Closed`] (nothing delivered).
    pub fn push_timeout(&self, input: &EventInput<'_>, timeout: Duration) -> Result<u64> {
        if self.ring.is_closed() {
            return Err(Error::Closed);
        }
        let ev = self.make(input)?;
        // Fast path: room now (no closure state, no spin loop to set up).
        match self.push_event(ev) {
            Ok(seq) => {
                self.not_empty.notify_one();
                Ok(seq)
            }
            Err(PushError::Full(back)) => self.push_wait(back, timeout),
            Err(PushError::Closed(_)) => Err(Error::Closed),
        }
    }

    /// `push_timeout` once the queue was found full: spin, then park on `not_full`.
    #[inline(never)]
    fn push_wait(&self, ev: QueuePacked, timeout: Duration) -> Result<u64> {
        let mut slot = Some(ev);
        let r = block_on_with(
            &self.not_full,
            Some(timeout),
            || {
                // SeqCst: the waiter's re-check of the close (wait.rs protocol): the claim in
                // push_event reads `tail` with Relaxed loads, which the SeqCst total order does
                // not cover, and `room_in_flight` masks the mark off. Without this load a
                // producer could park on a full queue after missing close's notify.
                if self.ring.is_closed() {
                    return Some(Err(Error::Closed));
                }
                let ev = slot.take()?;
                match self.push_event(ev) {
                    Ok(seq) => Some(Ok(seq)),
                    Err(PushError::Full(back)) => {
                        slot = Some(back);
                        None
                    }
                    Err(PushError::Closed(_)) => Some(Err(Error::Closed)),
                }
            },
            || self.ring.room_in_flight(),
        );
        match r {
            Some(Ok(seq)) => {
                self.not_empty.notify_one();
                Ok(seq)
            }
            Some(Err(e)) => Err(e),
            None => Err(Error::Timeout),
        }
    }

    /// Pushes events in order without waiting; stops at the first that does not fit. Returns
    /// how many were pushed; [`Error::Full`] if none fit, [`Error::Closed`] if the queue was
    /// closed before the first. Every input is checked before any push. When a close lands in
    /// the middle, the events before it are pushed (and counted), the rest are not.
    pub fn try_push_batch(&self, inputs: &[EventInput<'_>]) -> Result<usize> {
        if self.ring.is_closed() {
            return Err(Error::Closed);
        }
        for i in inputs {
            i.check(self.max_payload())?;
        }
        let mut n = 0;
        let mut stop = None;
        for i in inputs {
            let ev = self.make(i)?;
            if let Err(e) = self.push_event(ev) {
                stop = Some(push_error(e));
                break;
            }
            n += 1;
        }
        if n > 0 {
            self.not_empty.notify_all();
            return Ok(n);
        }
        match stop {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }

    #[inline(always)]
    fn pop_raw(&self) -> std::result::Result<Event, PopError> {
        let (p, pos) = self.ring.pop_pos()?;
        self.not_full.notify_one();
        Ok(p.into_event(pos + 1))
    }

    /// Pops one event without waiting: [`Error::Empty`], or [`Error::Closed`] once closed and
    /// every event pushed before the close has been popped.
    pub fn try_pop(&self) -> Result<Event> {
        self.pop_raw().map_err(pop_error)
    }

    /// Pops one event, waiting up to `timeout` ([`Error::Timeout`]); [`Error::Closed`] once
    /// closed and drained (a close wakes it).
    pub fn pop_timeout(&self, timeout: Duration) -> Result<Event> {
        // The event is built straight into the result (no `pop_raw` result to re-wrap: an
        // 88-byte copy per pop).
        match self.ring.pop_pos() {
            Ok((p, pos)) => {
                self.not_full.notify_one();
                Ok(p.into_event(pos + 1))
            }
            Err(PopError::Closed) => Err(Error::Closed),
            Err(PopError::Empty) => self.pop_wait(timeout),
        }
    }

    /// `pop_timeout` once the queue was found empty: spin, then park on `not_empty`.
    #[inline(never)]
    fn pop_wait(&self, timeout: Duration) -> Result<Event> {
        block_on_with(
            &self.not_empty,
            Some(timeout),
            || match self.pop_raw() {
                Err(PopError::Empty) => None,
                r => Some(r.map_err(pop_error)),
            },
            || self.ring.item_in_flight(),
        )
        .unwrap_or(Err(Error::Timeout))
    }

    /// Pops up to `max` events into `out` without waiting. Returns how many;
    /// [`Error::Empty`] / [`Error::Closed`] when none; `max` 0 is [`Error::Invalid`] (as in the
    /// C ABI).
    pub fn try_pop_batch(&self, out: &mut Vec<Event>, max: usize) -> Result<usize> {
        if max == 0 {
            return Err(Error::Invalid("max is 0"));
        }
        let mut n = 0;
        let mut last = PopError::Empty;
        while n < max {
            match self.ring.pop_pos() {
                Ok((p, pos)) => {
                    out.push(p.into_event(pos + 1));
                    n += 1;
                }
                Err(e) => {
                    last = e;
                    break;
                }
            }
        }
        if n > 0 {
            self.not_full.notify_all();
            return Ok(n);
        }
        Err(pop_error(last))
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

    /// Closes the queue: wakes every waiter; pushes fail with [`Error::Closed`]; pops drain what
    /// is left, then fail with [`Error::Closed`]. Every push that returned OK (even one racing
    /// this call) is popped before any pop returns [`Error::Closed`]. Idempotent.
    pub fn close(&self) {
        self.ring.close();
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }

    /// True after [`close`](Self::close).
    pub fn closed(&self) -> bool {
        self.ring.is_closed()
    }

    /// Number of events held now.
    pub fn len(&self) -> usize {
        let (h, t) = self.ring.positions();
        (t - h) as usize
    }

    /// True when no event is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Counters.
    pub fn stats(&self) -> QueueStats {
        // Relaxed: a statistic.
        let dropped = self.dropped.load(Ordering::Relaxed);
        let (h, t) = self.ring.positions();
        QueueStats {
            depth: t - h,
            pushed: t,
            popped: h.saturating_sub(dropped),
            dropped,
            capacity: self.ring.capacity() as u64,
        }
    }
}

/// The error a refused push reports.
pub(crate) fn push_error<T>(e: PushError<T>) -> Error {
    match e {
        PushError::Full(_) => Error::Full,
        PushError::Closed(_) => Error::Closed,
    }
}

/// The error an unsuccessful pop reports.
pub(crate) fn pop_error(e: PopError) -> Error {
    match e {
        PopError::Empty => Error::Empty,
        PopError::Closed => Error::Closed,
    }
}
