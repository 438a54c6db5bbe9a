//! A lock-free, bounded sequence ring of heap entries: the core of the log store.
//!
//! (The request log does not use it: it keeps fixed-size records in a seqlock ring of its
//! own, `table/requests/ring.rs`, whose module docs say why.)
//!
//! Files: this one holds the ring and its protocol; `blocks.rs` the entry allocator
//! (magazines and depot), `reclaim.rs` the reclamation of replaced entries (crossbeam-epoch,
//! or a per-ring graveyard under loom), `counter.rs` the striped counter, `prefetch.rs` the
//! cache hints.
//!
//! # Protocol (the invariant the code keeps)
//!
//! * `next_seq` hands out sequence numbers with one `fetch_add`: every pushed value gets a
//!   unique sequence, and sequences increase in the order pushes claim them, so the values one
//!   thread pushes keep their order.
//! * The ring has `capacity` slots. Each slot holds a pointer to a heap [`Entry`]
//!   `{ seq, value }` (or NULL). The value with sequence `s` lives in slot `s % capacity`.
//! * A push pins, claims its sequence, starts loading its slot's cache line (a prefetch for
//!   writing), then moves its value into a private entry, writes the sequence into it and
//!   publishes it. Claiming first matters for speed: a locked instruction waits until every
//!   earlier store has reached the cache, so a claim made after writing the entry (into a
//!   recycled, often cold block) paid for those misses and then for the slot's miss, one
//!   after the other; now the slot's miss and the entry's overlap.
//!   Each slot has a *mark*, the highest sequence that claimed the slot. The pusher of `s`
//!   raises the mark with `fetch_max(s)`; if it was already higher, a newer value owns the
//!   slot and the pusher drops its own entry at once (never visible). Otherwise it loads the
//!   slot's entry, checks the mark is still `s`, and CASes its entry in. A newer pusher raises
//!   the mark *before* its CAS, and loading its entry synchronises with that CAS, so a pusher
//!   that loaded a newer entry always sees a newer mark: **a slot's entry is only ever
//!   replaced by a higher sequence**, and no pusher reads the entry it replaces (that entry
//!   was written a ring ago and is usually out of cache).
//! * Hence, once pushes are quiescent, every sequence below `appended` (= `next_seq`) is
//!   published and each slot holds the highest sequence that maps to it: exactly the last
//!   `min(appended, capacity)` sequences are retained, and `evicted = appended - retained`
//!   (computed, not counted). Nothing is dropped silently.
//! * A reader wanting sequence `s` loads slot `s % capacity` (Acquire, pairing with the
//!   publishing CAS's Release) and accepts the entry only if its `seq == s`. A larger seq means
//!   `s` was evicted (the reader *missed* it); a smaller seq or NULL means `s` is claimed but
//!   not yet published. Cursor reads ([`Ring::read_from`]) stop at the first unpublished
//!   sequence, so a reader never skips a line that is merely late: the first unpublished
//!   sequence is the published watermark of that read.
//! * Reclamation: a replaced entry may still be read by a reader that loaded the pointer
//!   before the CAS. Readers and pushers pin a `crossbeam-epoch` guard while they touch
//!   entries, and a replaced entry is destroyed through `defer_unchecked`, i.e. only after every
//!   thread pinned at that time has unpinned. Retired entries are handed over in per-thread
//!   batches (one deferred function per batch): a batch goes at 32 entries or at
//!   [`HANDOVER_BYTES`] (64 KiB), and a batch of that many bytes also seals crossbeam's
//!   thread-local bag at once (`Guard::flush`; otherwise the bag waits for 64 deferred
//!   functions, which with large values was ~2,048 entries, gigabytes, per thread).
//!
//! # Memory bound (in bytes)
//!
//! Every entry records its bytes (its block plus what the value owns on the heap, as told
//! by the `heap_bytes` function given to [`Ring::with_budget`]). Each ring counts the bytes
//! of its entries handed to the collector and not yet freed ([`Ring::unreclaimed_bytes`]),
//! in a counter shared with the deferred frees (they may run after the ring is gone). A push
//! that, after unpinning, finds that count above the ring's budget *helps*: at most 4 rounds
//! of pin, seal the bag, collect, unpin (an unpinned round lets the global epoch advance;
//! two advances free a sealed bag), stopping once the count is within budget. It never
//! spins on another thread and takes no lock. So, with `B` the budget, `L` the largest
//! entry and `P` the pushes in progress, the bytes held by retired entries are at most
//! `B + P * L` handed over (each push adds at most one entry before it helps) plus less than
//! `HANDOVER_BYTES` in each pushing thread's batch, **as long as no thread stays pinned**
//! (and the rounds reach this ring's bags: each collection frees at most 8 bags, oldest
//! first, so after a burst of other garbage a push may leave some for the next one):
//! a reader pinned in a long scan (of any ring: the epoch is process-wide) holds back every
//! entry retired since it pinned, and the rounds then free nothing and return (bounded
//! work, unbounded garbage until the reader unpins). The live entries are bounded by
//! `capacity`. Dropping a ring frees its live entries, hands the dropping thread's batch
//! over and helps (up to 16 rounds) until nothing of this ring is pending; entries of this
//! ring in *other* threads' batches (under `HANDOVER_BYTES` each) are freed when those
//! threads hand their batch over or exit.
//!
//! Under loom the reclamation step is swapped (see `reclaim.rs`); the rest is the same code.

mod blocks;
mod counter;
mod prefetch;
mod reclaim;

pub use counter::StripedCounter;

use crate::sync::{AtomicPtr, AtomicU64, Ordering, SlotArray, LOOM};
use blocks::{free_entry, new_entry};
use crossbeam_utils::CachePadded;
use prefetch::{prefetch, prefetch_read};
use std::ops::Range;

/// One published value and its sequence.
#[derive(Debug)]
pub struct Entry<T> {
    pub seq: u64,
    /// Bytes this entry holds (its block plus the value's heap bytes), computed at push time
    /// while the value is hot, read when the entry is retired (same cache line as `seq`).
    pub bytes: usize,
    pub value: T,
}

/// A ring pinned once for several looks ([`Ring::pinned`]).
pub struct Pinned<'r, T> {
    ring: &'r Ring<T>,
    guard: reclaim::Guard,
}

impl<T: Send + Sync> Pinned<'_, T> {
    /// [`Ring::get`] under this pin.
    #[inline]
    pub fn get<R>(&self, seq: u64, f: impl FnOnce(&T) -> R) -> Option<R> {
        match self.ring.look(&self.guard, seq) {
            Ok(Some(e)) => Some(f(&e.value)),
            _ => None,
        }
    }

    /// Starts loading the entry of `seq` (all its cache lines), for a look soon after: a
    /// chunk of looks at lines other threads wrote is otherwise a chain of misses. Only a
    /// hint, like [`Ring::scan_ahead`]'s.
    #[inline(always)]
    pub fn prefetch(&self, seq: u64) {
        if !LOOM {
            // Relaxed: a hint only; the look's own load (Acquire) is what it relies on.
            let p = self.ring.slot(seq).ptr.load(Ordering::Relaxed) as *const u8;
            let mut off = 0;
            while off < std::mem::size_of::<Entry<T>>() {
                prefetch_read(p.wrapping_add(off));
                off += 64;
            }
        }
    }

    /// [`Ring::for_each`] under this pin: the values are lent for as long as the pin lives,
    /// so a caller can gather references in one scan and use them after it.
    /// The positions (`seq % capacity`) are stepped, not divided for, at each sequence: three
    /// 64-bit divisions a line were most of a scan's instructions.
    pub fn for_each<'p>(&'p self, mut f: impl FnMut(u64, &'p T)) {
        let ring = self.ring;
        let len = ring.slots.len();
        let head = ring.appended();
        let floor = head.saturating_sub(len as u64);
        let step = |i: usize, by: usize| if i + by >= len { i + by - len } else { i + by };
        let mut idx = (floor % len as u64) as usize;
        let (far, near) = (SCAN_AHEAD as usize % len, (SCAN_AHEAD / 2) as usize % len);
        for s in floor..head {
            if s + SCAN_AHEAD < head {
                ring.scan_ahead_at(step(idx, far), step(idx, near));
            }
            if let Ok(Some(e)) = ring.look_at(&self.guard, s, idx) {
                f(e.seq, &e.value);
            }
            idx = step(idx, 1);
        }
    }

    /// Runs `f` unpinned (then pins again): a wait inside `f` holds back no reclamation.
    pub fn unpinned<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.guard.repin_after(f)
    }

    /// [`Ring::visit`] under this pin.
    #[inline]
    pub fn visit<R>(&self, seq: u64, f: impl FnOnce(&T) -> R) -> Look<R> {
        match self.ring.look(&self.guard, seq) {
            Ok(Some(e)) => Look::Present(f(&e.value)),
            Ok(None) => Look::Pending,
            Err(()) => Look::Evicted,
        }
    }
}

/// What [`Ring::visit`] found at a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look<R> {
    /// Published and retained: what the visitor returned.
    Present(R),
    /// Not published yet (claimed by a pusher that has not published, or not claimed).
    Pending,
    /// Evicted.
    Evicted,
}

/// Result of a cursor read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadResult {
    /// The cursor to pass to the next read: the first sequence not delivered nor missed.
    pub next: u64,
    /// Sequences at or after the caller's cursor that were evicted before this read reached
    /// them.
    pub missed: u64,
    /// Entries delivered.
    pub delivered: usize,
}

/// How far ahead (in sequences) scans start loading slots; entries are loaded half as far.
const SCAN_AHEAD: u64 = 16;

/// The default budget of evicted-but-not-yet-freed bytes per ring (8 MiB).
pub const DEFAULT_UNRECLAIMED_BYTES: usize = 8 << 20;

/// Bytes a thread may hold in its own batch of retired entries before handing them over
/// (not counted in [`Ring::unreclaimed_bytes`]).
pub const HANDOVER_BYTES: usize = reclaim::HANDOVER_BYTES;

/// `capacity` empty slots, allocated fallibly (`Error::NoMem`). Outside loom the array comes
/// zeroed from the allocator (calloc: fresh pages from the kernel are not touched until a
/// slot is used), so a large capacity costs address space, not memory, until it fills.
fn alloc_slots<T>(capacity: usize) -> crate::Result<SlotArray<Slot<T>>> {
    let fresh = || Slot {
        mark: AtomicU64::new(0),
        ptr: AtomicPtr::new(std::ptr::null_mut()),
    };
    // SAFETY: all-zero bytes are a valid `Slot` (mark 0 and a null pointer: exactly the empty
    // slot `fresh` makes), and a slot has no drop glue (two atomics).
    unsafe { SlotArray::zeroed(capacity, fresh) }.ok_or(crate::Error::NoMem)
}

/// Where position `idx` (= `seq % cap`) lives in the slot array: consecutive positions go to
/// different cache lines (a slot is 16 bytes, four to a line), so two threads pushing
/// consecutive sequences do not write the same line. Positions are dealt round-robin over
/// four lanes of `m / 4` slots, `m` being `cap` rounded down to a multiple of 4 (the last
/// `cap % 4` positions map to themselves). A bijection on `0..cap`, so `seq` and
/// `seq + cap` still share a slot.
#[inline]
fn spread(idx: usize, cap: usize) -> usize {
    let m = if cap >= 8 { cap & !3 } else { 0 };
    if idx < m {
        (idx & 3) * (m >> 2) + (idx >> 2)
    } else {
        idx
    }
}

/// A bounded, lock-free ring of values addressed by sequence number. See the module docs for
/// the protocol.
pub struct Ring<T> {
    next_seq: CachePadded<AtomicU64>,
    slots: SlotArray<Slot<T>>,
    yard: reclaim::Graveyard,
    /// Bytes of retired entries handed to the collector and not yet freed.
    pending: reclaim::Pending,
    /// Above this many pending bytes, an appender helps reclamation after its push.
    budget: usize,
    /// The heap bytes a value owns (besides its entry block).
    heap_bytes: fn(&T) -> usize,
}

/// One slot: the published entry, and the highest sequence that has claimed the slot for
/// publishing (its *mark*). The mark lets a pusher decide whether it is stale without reading
/// the entry it replaces (a cache miss on a line written a whole ring ago).
struct Slot<T> {
    mark: AtomicU64,
    ptr: AtomicPtr<Entry<T>>,
}

// SAFETY: the ring owns its entries (heap `Entry<T>`), hands out only `&T` to callers on any
// thread, and may drop a `T` on any thread: so it is Send/Sync when T is Send + Sync.
unsafe impl<T: Send + Sync> Send for Ring<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for Ring<T> {}

impl<T: Send + Sync> std::fmt::Debug for Ring<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ring")
            .field("capacity", &self.slots.len())
            .field("appended", &self.appended())
            .field("evicted", &self.evicted())
            .finish()
    }
}

impl<T: Send + Sync> Ring<T> {
    /// A ring of `capacity` slots (`capacity >= 1`, else [`crate::Error::Invalid`]), values
    /// counted by their entry block only, and the default reclamation budget
    /// ([`DEFAULT_UNRECLAIMED_BYTES`]).
    pub fn new(capacity: usize) -> crate::Result<Self> {
        fn no_heap<T>(_: &T) -> usize {
            0
        }
        Self::with_budget(capacity, DEFAULT_UNRECLAIMED_BYTES, no_heap::<T>)
    }

    /// A ring of `capacity` slots whose evicted-but-not-yet-freed entries are kept to about
    /// `budget` bytes (see the module docs, "Memory bound"); `heap_bytes(v)` tells the bytes
    /// a value owns on the heap besides its entry. Errors: `Invalid` (capacity 0), `NoMem`
    /// (the slot array could not be allocated).
    pub fn with_budget(
        capacity: usize,
        budget: usize,
        heap_bytes: fn(&T) -> usize,
    ) -> crate::Result<Self> {
        if capacity == 0 {
            return Err(crate::Error::Invalid("capacity must be at least 1"));
        }
        Ok(Ring {
            next_seq: CachePadded::new(AtomicU64::new(0)),
            slots: alloc_slots(capacity)?,
            yard: reclaim::Graveyard::new(),
            pending: Default::default(),
            budget,
            heap_bytes,
        })
    }

    /// Bytes of evicted entries handed to the epoch collector and not freed yet (a snapshot;
    /// entries still in a thread's batch, at most [`HANDOVER_BYTES`] per thread, are not
    /// counted).
    pub fn unreclaimed_bytes(&self) -> usize {
        reclaim::pending_bytes(&self.pending)
    }

    /// The reclamation budget in bytes (see [`with_budget`](Self::with_budget)).
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Number of slots.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Sequences claimed so far (values appended, counting those still being published).
    pub fn appended(&self) -> u64 {
        // Relaxed: a count; entries are published through the slots, not through this.
        self.next_seq.load(Ordering::Relaxed)
    }

    /// The sequence the next push will get (= [`appended`](Self::appended)).
    pub fn next_seq(&self) -> u64 {
        self.appended()
    }

    /// [`appended`](Self::appended) read with `SeqCst`: the waiter's half of the follower
    /// wait's store-buffering check against the claim in [`push_hook`](Self::push_hook).
    pub fn appended_sc(&self) -> u64 {
        // SeqCst: see above.
        self.next_seq.load(Ordering::SeqCst)
    }

    /// Values that left the ring (overwritten, or lost to a newer value in their slot).
    ///
    /// Not counted per push: once pushes are quiescent every sequence below `appended` is
    /// published, and each slot holds the highest sequence that maps to it (a slot's sequence
    /// only grows), so exactly the last `min(appended, capacity)` sequences are retained and
    /// every other one was evicted. While pushes run, this may count a sequence that is
    /// claimed but not yet published.
    pub fn evicted(&self) -> u64 {
        self.appended().saturating_sub(self.capacity() as u64)
    }

    #[inline]
    fn slot(&self, seq: u64) -> &Slot<T> {
        self.slot_at((seq % self.slots.len() as u64) as usize)
    }

    /// The slot of position `idx` (= `seq % capacity`, which a scan keeps without dividing).
    #[inline]
    fn slot_at(&self, idx: usize) -> &Slot<T> {
        &self.slots[spread(idx, self.slots.len())]
    }

    /// Appends `value`; returns its sequence.
    pub fn push(&self, value: T) -> u64 {
        self.push_hook(value, |_, _| {})
    }

    /// Appends `value`, calling `hook(seq, &value)` after the sequence is claimed and before the
    /// value is published (the log store uses it to enrich the line about to be evicted, and
    /// its own line while nobody else can see it yet).
    pub fn push_hook(&self, value: T, hook: impl FnOnce(u64, &T)) -> u64 {
        let guard = reclaim::pin();
        // SeqCst: the claim is the notifier's write in the log store's follower wait
        // (`LogStore::wait`, the `event::wait` protocol); the entry itself is published by the
        // slot CAS (Release), not by this counter. On x86 it is the same `lock xadd`.
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        prefetch(self.slot(seq));
        let new = self.new_entry(value);
        // SAFETY: `new` is private to this thread until published below.
        unsafe { (*new).seq = seq };
        // SAFETY: as above; the reference ends with the hook, before the publish.
        hook(seq, unsafe { &(*new).value });
        // SAFETY: `new` is a fresh Box carrying `seq`, published at most once.
        unsafe { self.publish(&guard, seq, new) };
        drop(guard);
        reclaim::help_if_over(&self.pending, self.budget);
        seq
    }

    /// A private entry for `value`, its byte count set.
    #[inline]
    fn new_entry(&self, value: T) -> *mut Entry<T> {
        let bytes = std::mem::size_of::<Entry<T>>() + (self.heap_bytes)(&value);
        let p = new_entry(value);
        // SAFETY: `p` is fresh and private to this thread.
        unsafe { (*p).bytes = bytes };
        p
    }

    /// Appends every value in order with one sequence claim; returns the sequences given.
    pub fn push_batch(&self, values: impl IntoIterator<Item = T>) -> Range<u64> {
        self.push_batch_hook(values, |_, _| {})
    }

    /// [`push_batch`](Self::push_batch) with a hook called before each value is published.
    pub fn push_batch_hook(
        &self,
        values: impl IntoIterator<Item = T>,
        mut hook: impl FnMut(u64, &T),
    ) -> Range<u64> {
        let entries: Vec<*mut Entry<T>> = values.into_iter().map(|v| self.new_entry(v)).collect();
        let n = entries.len() as u64;
        // SeqCst: as in push_hook.
        let first = self.next_seq.fetch_add(n, Ordering::SeqCst);
        let guard = reclaim::pin();
        for (i, &e) in entries.iter().enumerate() {
            let seq = first + i as u64;
            // SAFETY: `e` is private until published.
            unsafe { (*e).seq = seq };
            // SAFETY: as above; the reference ends with the hook, before the publish.
            hook(seq, unsafe { &(*e).value });
            // SAFETY: fresh Box carrying `seq`, published once.
            unsafe { self.publish(&guard, seq, e) };
        }
        drop(guard);
        reclaim::help_if_over(&self.pending, self.budget);
        first..first + n
    }

    /// Publishes `new` (sequence `seq`) into its slot, replacing only a lower sequence.
    ///
    /// # Safety
    /// `new` came from `new_entry`, its `seq` field is `seq`, and it is not yet shared.
    unsafe fn publish(&self, guard: &reclaim::Guard, seq: u64, new: *mut Entry<T>) {
        let slot = self.slot(seq);
        // AcqRel: Release orders our claim of the slot before our publishing CAS below (see the
        // loop); Acquire: we compare with the claims of other pushers.
        if slot.mark.fetch_max(seq, Ordering::AcqRel) > seq {
            // A newer value claimed the slot: ours is evicted at once, never seen.
            // SAFETY: `new` was never shared.
            unsafe { free_entry(new) };
            return;
        }
        // Acquire: pairs with the publishing CAS of the entry we may replace, so a newer
        // pusher's claim (made before its CAS) is visible to the mark check below.
        let mut cur = slot.ptr.load(Ordering::Acquire);
        // Retiring it reads its byte count (next to its seq): start that miss now, so it
        // overlaps with the CAS.
        prefetch_read(cur);
        loop {
            // Acquire: as above. If `cur` was published by a newer sequence, its pusher raised
            // the mark before its CAS, which we synchronised with when we loaded `cur`: so the
            // mark is no longer ours and we never replace a newer entry.
            if slot.mark.load(Ordering::Acquire) != seq {
                // A newer value claimed the slot after us: ours is evicted, never seen.
                // SAFETY: `new` was never shared.
                unsafe { free_entry(new) };
                return;
            }
            // AcqRel on success: Release publishes the entry's contents to readers, Acquire
            // pairs with the replaced entry's publisher (we retire it); Acquire on failure:
            // the reload above.
            match slot
                .ptr
                .compare_exchange(cur, new, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    if !cur.is_null() {
                        // SAFETY: `cur` is unlinked by our CAS (only one CAS can unlink it),
                        // so it is retired exactly once.
                        unsafe { reclaim::retire(&self.yard, &self.pending, guard, cur) };
                    }
                    return;
                }
                Err(actual) => cur = actual,
            }
        }
    }

    /// Scans call this for the sequence they will reach `SCAN_AHEAD` steps later (`far`) and
    /// half as far (`near`): the slot of `far` starts loading, and the entry the slot of `near`
    /// points to (that slot was requested `SCAN_AHEAD / 2` steps ago). Entries are separate
    /// allocations, so a scan is a chain of dependent misses without this. Only hints: the
    /// pointer loaded may be replaced or freed by the time the scan gets there, and a prefetch
    /// never faults.
    #[inline(always)]
    fn scan_ahead(&self, far: u64, near: u64) {
        let len = self.slots.len() as u64;
        self.scan_ahead_at((far % len) as usize, (near % len) as usize);
    }

    /// [`scan_ahead`](Self::scan_ahead) by positions.
    #[inline]
    fn scan_ahead_at(&self, far: usize, near: usize) {
        if !LOOM {
            prefetch_read(self.slot_at(far));
            // Relaxed: a hint only; the scan's own load (Acquire) is what it relies on.
            prefetch_read(self.slot_at(near).ptr.load(Ordering::Relaxed));
        }
    }

    /// Looks at slot of `seq`: Ok(Some(entry)) if it holds `seq`, Ok(None) if `seq` is not yet
    /// published, Err(()) if it was evicted.
    #[inline]
    fn look<'g>(&self, g: &'g reclaim::Guard, seq: u64) -> Result<Option<&'g Entry<T>>, ()> {
        self.look_at(g, seq, (seq % self.slots.len() as u64) as usize)
    }

    /// [`look`](Self::look) with `seq`'s position (`seq % capacity`) given.
    #[inline]
    fn look_at<'g>(
        &self,
        _g: &'g reclaim::Guard,
        seq: u64,
        idx: usize,
    ) -> Result<Option<&'g Entry<T>>, ()> {
        // Acquire: pairs with the publishing CAS, so the entry's contents are visible.
        let p = self.slot_at(idx).ptr.load(Ordering::Acquire);
        if p.is_null() {
            return Ok(None);
        }
        // SAFETY: loaded while pinned: not freed before the guard is dropped.
        let e = unsafe { &*p };
        match e.seq.cmp(&seq) {
            std::cmp::Ordering::Equal => Ok(Some(e)),
            std::cmp::Ordering::Less => Ok(None),
            std::cmp::Ordering::Greater => Err(()),
        }
    }

    /// A view of the ring under one pin, for many looks in a row (each [`get`](Self::get) or
    /// [`visit`](Self::visit) pins and unpins: a thread-local access and a fence). Keep it
    /// briefly: entries retired while it lives are not freed before it is dropped.
    pub fn pinned(&self) -> Pinned<'_, T> {
        Pinned {
            ring: self,
            guard: reclaim::pin(),
        }
    }

    /// Calls `f` with the value of sequence `seq` if it is retained and published.
    pub fn get<R>(&self, seq: u64, f: impl FnOnce(&T) -> R) -> Option<R> {
        let g = reclaim::pin();
        match self.look(&g, seq) {
            Ok(Some(e)) => Some(f(&e.value)),
            _ => None,
        }
    }

    /// One look at `seq` (one pin): its value passed to `f` if it is published and retained.
    pub fn visit<R>(&self, seq: u64, f: impl FnOnce(&T) -> R) -> Look<R> {
        let g = reclaim::pin();
        match self.look(&g, seq) {
            Ok(Some(e)) => Look::Present(f(&e.value)),
            Ok(None) => Look::Pending,
            Err(()) => Look::Evicted,
        }
    }

    /// Reads up to `max` values in sequence order starting at `cursor`, calling `f(seq, &v)`.
    /// Stops at the first sequence not yet published. Sequences that were evicted are
    /// counted in `missed`, never delivered. `missed` does not count toward `max`.
    pub fn read_from(&self, cursor: u64, max: usize, mut f: impl FnMut(u64, &T)) -> ReadResult {
        self.read_from_until(cursor, max, |s, v| {
            f(s, v);
            true
        })
    }

    /// Like [`read_from`](Self::read_from); `f` returns false to stop after that value.
    pub fn read_from_until(
        &self,
        cursor: u64,
        max: usize,
        mut f: impl FnMut(u64, &T) -> bool,
    ) -> ReadResult {
        let head = self.appended();
        let cap = self.capacity() as u64;
        let mut missed = 0;
        let mut s = cursor;
        // Everything older than head - cap is gone (or going): skip it without scanning.
        let floor = head.saturating_sub(cap);
        if s < floor {
            missed += floor - s;
            s = floor;
        }
        let g = reclaim::pin();
        let mut delivered = 0;
        while s < head && delivered < max {
            if s + SCAN_AHEAD < head {
                self.scan_ahead(s + SCAN_AHEAD, s + SCAN_AHEAD / 2);
            }
            match self.look(&g, s) {
                Ok(Some(e)) => {
                    delivered += 1;
                    s += 1;
                    if !f(e.seq, &e.value) {
                        break;
                    }
                }
                Ok(None) => break,
                Err(()) => {
                    missed += 1;
                    s += 1;
                }
            }
        }
        ReadResult {
            next: s,
            missed,
            delivered,
        }
    }

    /// Calls `f(seq, &v)` for retained values from newest to oldest (skipping sequences not yet
    /// published) until `f` returns false.
    pub fn for_each_rev(&self, mut f: impl FnMut(u64, &T) -> bool) {
        let head = self.appended();
        let floor = head.saturating_sub(self.capacity() as u64);
        let g = reclaim::pin();
        let mut s = head;
        while s > floor {
            s -= 1;
            if s >= floor + SCAN_AHEAD {
                self.scan_ahead(s - SCAN_AHEAD, s - SCAN_AHEAD / 2);
            }
            if let Ok(Some(e)) = self.look(&g, s) {
                if !f(e.seq, &e.value) {
                    return;
                }
            }
        }
    }

    /// Calls `f(seq, &v)` for every retained, published value, oldest first.
    pub fn for_each(&self, f: impl FnMut(u64, &T)) {
        self.pinned().for_each(f);
    }

    /// The newest `n` retained values, oldest first (as `(seq, R)` mapped by `f`).
    pub fn last_n<R>(&self, n: usize, mut f: impl FnMut(u64, &T) -> R) -> Vec<R> {
        let mut out = Vec::with_capacity(n.min(self.capacity()));
        if n == 0 {
            return out;
        }
        self.for_each_rev(|s, v| {
            out.push(f(s, v));
            out.len() < n
        });
        out.reverse();
        out
    }

    /// Number of values currently retained (scans the slots: O(capacity)).
    pub fn retained(&self) -> usize {
        let mut n = 0;
        self.for_each(|_, _| n += 1);
        n
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        for slot in self.slots.iter() {
            // Relaxed: `&mut self` means no other thread touches the ring any more.
            let p = slot.ptr.load(Ordering::Relaxed);
            if !p.is_null() {
                // SAFETY: exclusive access; the live entry is owned by the slot and freed once.
                unsafe { free_entry(p) };
            }
        }
        // Give back what this ring's evicted entries hold now, not when other threads next
        // collect (a host frees a store and expects its memory back).
        reclaim::drain(&self.pending);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    #[test]
    fn spread_is_a_bijection_that_separates_neighbours() {
        for cap in [1usize, 2, 3, 4, 7, 8, 9, 10, 11, 64, 1000, 10_001] {
            let mut seen = vec![false; cap];
            for i in 0..cap {
                let j = super::spread(i, cap);
                assert!(j < cap && !seen[j], "cap {cap}: {i} -> {j}");
                seen[j] = true;
                if cap >= 16 && i + 1 < (cap & !3) {
                    // 16-byte slots: four or more apart is a different 64-byte line.
                    let k = super::spread(i + 1, cap);
                    assert!(
                        j.abs_diff(k) >= 4,
                        "cap {cap}: {i} and {} share a line",
                        i + 1
                    );
                }
            }
        }
    }

    use super::*;

    #[test]
    fn push_read_evict() {
        let r = Ring::new(4).unwrap();
        for i in 0..10u64 {
            assert_eq!(r.push(i * 10), i);
        }
        assert_eq!(r.evicted(), 6);
        assert_eq!(r.retained(), 4);
        assert_eq!(r.get(9, |v| *v), Some(90));
        assert_eq!(r.get(5, |v| *v), None);
        let mut got = vec![];
        let res = r.read_from(0, 100, |s, v| got.push((s, *v)));
        assert_eq!(res.missed, 6);
        assert_eq!(res.next, 10);
        assert_eq!(got, vec![(6, 60), (7, 70), (8, 80), (9, 90)]);
        assert_eq!(r.last_n(2, |s, _| s), vec![8, 9]);
        let b = r.push_batch(vec![1, 2, 3]);
        assert_eq!(b, 10..13);
        assert_eq!(r.evicted(), 9);
        assert!(Ring::<u8>::new(0).is_err());
    }

    #[test]
    fn late_publisher_is_evicted_not_overwriting() {
        let r = Ring::new(2).unwrap();
        // Claim seq 0 but publish only after seq 2 (same slot) is published.
        r.push_hook(0u64, |s, _| {
            assert_eq!(s, 0);
            r.push(1);
            r.push(2);
        });
        assert_eq!(r.get(2, |v| *v), Some(2));
        assert_eq!(r.get(0, |v| *v), None);
        assert_eq!(r.evicted() + r.retained() as u64, 3);
    }
}
