//! A lock-free, bounded sequence ring: the core of the log store and the request log.
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
//! Under `cfg(loom)` the atomics come from loom (via `crate::sync`), but crossbeam-epoch is not
//! loom-instrumented; so the reclamation step is swapped for a simpler one that is trivially
//! safe — retired entries go to a per-ring list freed when the ring is dropped. The publish /
//! read protocol above is the same code in both modes; only *when* a retired entry is freed
//! differs.

use crate::sync::{AtomicPtr, AtomicU64, Ordering};
use crossbeam_utils::CachePadded;
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

/// A counter striped over several cache lines: writers from different threads add to
/// different stripes (picked from the thread's address space), readers sum the stripes.
/// Exact once writers are quiescent; a read during writes is a value between the true counts
/// at its start and end.
#[derive(Debug)]
pub struct StripedCounter {
    stripes: Box<[CachePadded<AtomicU64>]>,
}

pub(crate) const STRIPES: usize = 8;

thread_local! {
    static STRIPE_HINT: u8 = const { 0 };
}

pub(crate) fn stripe_index() -> usize {
    // The address of a thread-local differs per thread: a cheap, lock-free per-thread hint.
    STRIPE_HINT.with(|x| {
        let a = x as *const u8 as usize;
        (a >> 6 ^ a >> 12 ^ a >> 20) % STRIPES
    })
}

impl Default for StripedCounter {
    fn default() -> Self {
        Self::new()
    }
}

impl StripedCounter {
    pub fn new() -> Self {
        StripedCounter {
            stripes: (0..STRIPES)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
        }
    }

    #[inline]
    pub fn add(&self, n: u64) {
        // Relaxed: a statistic; no other memory is published through it.
        self.stripes[stripe_index()].fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        // Relaxed: a statistic; see the type's docs for what a concurrent read means.
        self.stripes.iter().map(|s| s.load(Ordering::Relaxed)).sum()
    }
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
        #[cfg(not(loom))]
        {
            // Relaxed: a hint only; the look's own load (Acquire) is what it relies on.
            let p = self.ring.slot(seq).ptr.load(Ordering::Relaxed) as *const u8;
            let mut off = 0;
            while off < std::mem::size_of::<Entry<T>>() {
                prefetch_read(p.wrapping_add(off));
                off += 64;
            }
        }
        #[cfg(loom)]
        let _ = seq;
    }

    /// Runs `f` unpinned (then pins again): a wait inside `f` holds back no reclamation.
    pub fn unpinned<R>(&mut self, f: impl FnOnce() -> R) -> R {
        #[cfg(not(loom))]
        return self.guard.repin_after(f);
        #[cfg(loom)]
        f()
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

/// Entry allocation. Every entry is allocated by [`new_entry`] and freed by [`free_entry`].
///
/// Outside loom, freed entry blocks are recycled through *magazines* (the slab allocator's
/// scheme): each thread keeps a small stack of free blocks per layout; a thread whose stack
/// fills moves a magazine of [`blocks::MAG`] blocks to a global depot, and a thread whose
/// stack is empty takes one from there. Entries are freed in batches by whichever thread runs
/// the epoch collector's deferred functions (often a reader, not the appender), so the depot
/// is what brings the blocks back to the threads that push. The depot is a mutex taken once
/// per magazine with `try_lock` only: a thread that finds it busy uses the system allocator
/// instead, so a push never waits for another thread here. Profiles had glibc's frees and
/// mallocs at close to half of the append time (batches of frees overflow its per-thread
/// cache). Memory held: at most `2 * MAG` blocks per thread and `DEPOT_MAX` magazines per
/// layout (16,384 blocks; 2.4 MB for log lines). The depot is sized for a ring of the default
/// 10,000 lines turning over in bursts: with 16 magazines, 40 % of the blocks a 2-thread burst
/// needed came from the system allocator, with 256 about 2 %.
mod blocks {
    use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};

    /// Blocks per magazine.
    #[cfg_attr(loom, allow(dead_code))]
    pub(super) const MAG: usize = 64;

    #[cfg(not(loom))]
    mod cache {
        use super::MAG;
        use std::alloc::{dealloc, Layout};
        use std::sync::Mutex;

        /// Magazines kept per layout in the depot.
        const DEPOT_MAX: usize = 256;
        /// Layouts cached (one per entry type in use; others go to the allocator).
        const MAX_LAYOUTS: usize = 4;

        /// A free block (owned by whoever holds it).
        pub(super) struct Block(pub(super) *mut u8);
        // SAFETY: a free block is plain memory owned by its holder; moving it to another thread
        // moves that ownership.
        unsafe impl Send for Block {}

        type Magazine = Vec<Block>;

        static DEPOT: Mutex<Vec<(Layout, Vec<Magazine>)>> = Mutex::new(Vec::new());

        fn free_all(l: Layout, blocks: impl IntoIterator<Item = Block>) {
            for b in blocks {
                // SAFETY: every cached block came from `alloc(l)` and is owned by its holder.
                unsafe { dealloc(b.0, l) };
            }
        }

        /// Moves `mag` to the depot, or frees it if the depot is busy or full.
        fn give(l: Layout, mag: Magazine) {
            if let Ok(mut d) = DEPOT.try_lock() {
                let idx = match d.iter().position(|(x, _)| *x == l) {
                    Some(i) => Some(i),
                    None if d.len() < MAX_LAYOUTS => {
                        d.push((l, Vec::new()));
                        Some(d.len() - 1)
                    }
                    None => None,
                };
                if let Some(i) = idx {
                    if d[i].1.len() < DEPOT_MAX {
                        d[i].1.push(mag);
                        return;
                    }
                }
            }
            free_all(l, mag);
        }

        /// A full magazine from the depot, if one is there and the depot is free.
        fn take(l: Layout) -> Option<Magazine> {
            let mut d = DEPOT.try_lock().ok()?;
            d.iter_mut().find(|(x, _)| *x == l)?.1.pop()
        }

        pub(super) struct Local(Vec<(Layout, Vec<Block>)>);

        impl Local {
            /// The stack for `l` (a thread caches one or two layouts: the first is checked
            /// inline, the rest out of line, as this runs twice per push).
            #[inline]
            fn stack(&mut self, l: Layout) -> Option<&mut Vec<Block>> {
                match self.0.first() {
                    Some((x, _)) if *x == l => Some(&mut self.0[0].1),
                    _ => self.stack_slow(l),
                }
            }

            #[cold]
            #[inline(never)]
            fn stack_slow(&mut self, l: Layout) -> Option<&mut Vec<Block>> {
                let i = match self.0.iter().position(|(x, _)| *x == l) {
                    Some(i) => i,
                    None if self.0.len() < MAX_LAYOUTS => {
                        self.0.push((l, Vec::with_capacity(2 * MAG)));
                        self.0.len() - 1
                    }
                    None => return None,
                };
                Some(&mut self.0[i].1)
            }

            pub(super) fn pop(&mut self, l: Layout) -> Option<*mut u8> {
                let st = self.stack(l)?;
                if st.is_empty() {
                    // Move the blocks into our stack (its capacity stays 2 * MAG: no regrowth).
                    st.append(&mut take(l)?);
                }
                let b = st.pop()?;
                // The next pop's block is usually cold (freed by a batch, often on another
                // core): start loading it for writing now, so the next push does not wait for
                // it (profiles had the first locked instruction after writing an entry
                // waiting for those stores).
                if let Some(next) = st.last() {
                    let mut off = 0;
                    while off < l.size() {
                        crate::ring::prefetch(next.0.wrapping_add(off));
                        off += 64;
                    }
                }
                Some(b.0)
            }

            /// Keeps `p`; false if this layout is not cached (the caller frees it).
            pub(super) fn push(&mut self, l: Layout, p: *mut u8) -> bool {
                let Some(st) = self.stack(l) else {
                    return false;
                };
                st.push(Block(p));
                if st.len() >= 2 * MAG {
                    // Exactly MAG blocks in a MAG-capacity vector (one small allocation).
                    let mut mag = Magazine::with_capacity(MAG);
                    mag.extend(st.drain(MAG..));
                    give(l, mag);
                }
                true
            }
        }

        impl Drop for Local {
            fn drop(&mut self) {
                // Thread exit: hand full magazines to the depot, free the rest.
                for (l, mut st) in self.0.drain(..) {
                    while st.len() >= MAG {
                        let mag: Magazine = st.drain(st.len() - MAG..).collect();
                        give(l, mag);
                    }
                    free_all(l, st);
                }
            }
        }

        thread_local! {
            pub(super) static LOCAL: std::cell::RefCell<Local> =
                const { std::cell::RefCell::new(Local(Vec::new())) };
        }
    }

    /// A block for `l` (`l.size() > 0`): a recycled one, or a fresh allocation.
    pub(super) fn alloc_block(l: Layout) -> *mut u8 {
        #[cfg(not(loom))]
        {
            let cached = cache::LOCAL
                .try_with(|c| c.borrow_mut().pop(l))
                .ok()
                .flatten();
            if let Some(p) = cached {
                return p;
            }
        }
        // SAFETY: `l` has a non-zero size (entries contain a u64).
        let p = unsafe { alloc(l) };
        if p.is_null() {
            handle_alloc_error(l);
        }
        p
    }

    /// Recycles a block, or returns it to the allocator.
    ///
    /// # Safety
    /// `p` came from [`alloc_block`] with the same layout, holds no live value, and is not
    /// used after this call.
    pub(super) unsafe fn free_block(p: *mut u8, l: Layout) {
        #[cfg(not(loom))]
        {
            let kept = cache::LOCAL
                .try_with(|c| c.borrow_mut().push(l, p))
                .unwrap_or(false);
            if kept {
                return;
            }
        }
        // SAFETY: per the contract, `p` was allocated with layout `l` and is unused.
        unsafe { dealloc(p, l) };
    }
}

/// `_mm_prefetch` hints: for writing and for reading. The write hint becomes `prefetchw` only
/// when the build enables the `prfchw` target feature; the default x86_64 target gets
/// `prefetcht0` for both (what every number in this crate's docs was measured with; a
/// `prefetchw` build measured the same on the 2-thread burst).
const FOR_WRITE: i32 = 7;
const FOR_READ: i32 = 3;

/// A hint to start loading the cache line at `p` (`HINT` is [`FOR_WRITE`] or [`FOR_READ`]).
#[inline(always)]
fn prefetch_hint<const HINT: i32, P>(p: *const P) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults and has no effect on program state,
    // whatever the address; SSE is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<HINT>(p as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Starts loading the cache line at `p` for writing.
#[inline(always)]
fn prefetch<P>(p: *const P) {
    prefetch_hint::<FOR_WRITE, P>(p)
}

/// Starts loading the cache line at `p` for reading.
#[cfg_attr(loom, allow(dead_code))]
#[inline(always)]
fn prefetch_read<P>(p: *const P) {
    prefetch_hint::<FOR_READ, P>(p)
}

/// How far ahead (in sequences) scans start loading slots; entries are loaded half as far.
const SCAN_AHEAD: u64 = 16;

/// A new, still private entry holding `value` (sequence 0 until the push sets it).
fn new_entry<T>(value: T) -> *mut Entry<T> {
    let p = blocks::alloc_block(std::alloc::Layout::new::<Entry<T>>()) as *mut Entry<T>;
    // SAFETY: `p` is a fresh block with the size and alignment of `Entry<T>`.
    unsafe {
        p.write(Entry {
            seq: 0,
            bytes: 0,
            value,
        })
    };
    p
}

/// Drops the entry's value and frees its block.
///
/// # Safety
/// `p` came from [`new_entry`], is not reachable by any other thread, and is freed once.
unsafe fn free_entry<T>(p: *mut Entry<T>) {
    // SAFETY: per the contract, the entry is live and ours alone.
    unsafe {
        std::ptr::drop_in_place(p);
        blocks::free_block(p as *mut u8, std::alloc::Layout::new::<Entry<T>>());
    }
}

#[cfg(not(loom))]
mod reclaim {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    pub(super) type Guard = crossbeam_epoch::Guard;
    pub(super) struct Graveyard;

    impl Graveyard {
        pub(super) fn new() -> Self {
            Graveyard
        }
    }

    /// Bytes of one ring's retired entries handed to the epoch collector and not yet freed.
    /// Shared with the deferred frees (which may run after the ring is gone).
    pub(super) type Pending = Arc<crossbeam_utils::CachePadded<AtomicUsize>>;

    #[inline]
    pub(super) fn pin() -> Guard {
        crossbeam_epoch::pin()
    }

    /// A retired entry: its address and the function that drops and frees it.
    type RetiredEntry = (*mut (), unsafe fn(*mut ()));

    /// Retired entries not yet handed to crossbeam-epoch, with the bytes they hold per ring
    /// (usually one ring: a batch rarely mixes rings, so this list has one element).
    struct Retired {
        entries: Vec<RetiredEntry>,
        bytes: usize,
        rings: Vec<(Pending, usize)>,
    }

    /// Entries handed to the epoch collector together (one deferred function per batch
    /// instead of one per entry: crossbeam allocates a 2 KiB bag every 64 deferred functions,
    /// and with glibc each such allocation consolidates the fastbins, which showed up as a
    /// large share of push time in profiles).
    const BATCH: usize = 32;

    /// A batch is handed over as soon as it holds this many bytes, so a thread never keeps
    /// more than this (minus one byte) of retired entries to itself; and a batch this large
    /// seals crossbeam's thread-local bag at once (`Guard::flush`), so it is freed after two
    /// epoch advances instead of waiting for 63 more deferred functions.
    pub(super) const HANDOVER_BYTES: usize = 64 * 1024;

    /// Pin/flush rounds an appender over budget makes ([`help`]); and a dropping ring.
    /// Two rounds free a sealed bag when no other thread is pinned (a bag is freed once the
    /// global epoch is two past the bag's); the rest is slack for bags queued before ours
    /// (each collection frees at most 8 bags).
    const HELP_ROUNDS: usize = 4;
    const DROP_ROUNDS: usize = 16;

    impl Retired {
        const fn new() -> Self {
            Retired {
                entries: Vec::new(),
                bytes: 0,
                rings: Vec::new(),
            }
        }

        fn hand_over(&mut self, guard: &Guard) {
            if self.entries.is_empty() {
                return;
            }
            struct SendBatch(Vec<RetiredEntry>, Vec<(Pending, usize)>);
            // SAFETY: each pointer is freed once, by whichever thread runs the deferred
            // function; the ring requires `T: Send`, so dropping its entries elsewhere is fine.
            // The counters are `Arc`s of atomics (Send).
            unsafe impl Send for SendBatch {}
            let big = self.bytes >= HANDOVER_BYTES;
            let rings = std::mem::take(&mut self.rings);
            for (p, b) in &rings {
                // Relaxed: an accounting counter read only as a hint (the budget check); the
                // deferred free below is ordered after this by crossbeam's own handover, so
                // its subtraction comes later in this counter's modification order.
                p.fetch_add(*b, Ordering::Relaxed);
            }
            self.bytes = 0;
            let batch = SendBatch(
                std::mem::replace(&mut self.entries, Vec::with_capacity(BATCH)),
                rings,
            );
            // SAFETY: every entry in the batch was unlinked from its ring before it was added
            // (so no *new* reader can load it) and is in exactly one batch; crossbeam runs the
            // closure only after every guard pinned before this call is dropped, and every
            // reader that loaded one of these pointers was pinned before the unlink, which
            // precedes this call.
            unsafe {
                guard.defer_unchecked(move || {
                    let batch = batch;
                    let b = &batch.0;
                    // The entries were written a ring ago and are usually out of cache: start
                    // loading a few ahead so the misses overlap instead of queueing.
                    for &(p, _) in b.iter().take(PREFETCH) {
                        super::prefetch(p);
                    }
                    for (k, &(p, f)) in b.iter().enumerate() {
                        if let Some(&(q, _)) = b.get(k + PREFETCH) {
                            super::prefetch(q);
                        }
                        f(p);
                    }
                    for (p, n) in &batch.1 {
                        // Relaxed: as for the fetch_add above.
                        p.fetch_sub(*n, Ordering::Relaxed);
                    }
                })
            };
            if big {
                // Seal the bag now: a bag holding megabytes must not wait for 63 more
                // deferred functions before it can be collected.
                guard.flush();
            }
        }
    }

    /// How far ahead the batch free prefetches.
    const PREFETCH: usize = 4;

    impl Drop for Retired {
        fn drop(&mut self) {
            // Thread exit: hand the rest over (crossbeam registers a fresh handle if its own
            // thread-local is already gone).
            self.hand_over(&crossbeam_epoch::pin());
        }
    }

    thread_local! {
        static RETIRED: std::cell::RefCell<Retired> = const { std::cell::RefCell::new(Retired::new()) };
    }

    /// Destroys `p` once no thread pinned now can still hold it; `pending` counts its bytes
    /// (`(*p).bytes`) from when it is handed to the collector until it is freed. Entries are
    /// batched per thread: at most [`BATCH`] - 1 entries and [`HANDOVER_BYTES`] - 1 bytes wait
    /// in a thread's batch ([`flush`] hands them over).
    ///
    /// # Safety
    /// `p` came from `new_entry`, was unlinked from the ring by the caller (so no *new*
    /// reader can load it), and is retired exactly once. `E` owns no borrowed data (it may be
    /// dropped after the ring).
    #[inline]
    pub(super) unsafe fn retire<E>(
        _yard: &Graveyard,
        pending: &Pending,
        guard: &Guard,
        p: *mut super::Entry<E>,
    ) {
        unsafe fn free<E>(p: *mut ()) {
            // SAFETY: `p` is a retired entry (see `retire`), freed once.
            unsafe { super::free_entry(p as *mut super::Entry<E>) };
        }
        // SAFETY: `p` is unlinked but not freed (we retire it now), and `bytes` is never
        // written after publication.
        let bytes = unsafe { (*p).bytes };
        let add = |r: &mut Retired| {
            r.entries.push((p as *mut (), free::<E>));
            r.bytes += bytes;
            match r.rings.last_mut() {
                Some((q, n)) if Arc::ptr_eq(q, pending) => *n += bytes,
                _ => r.rings.push((pending.clone(), bytes)),
            }
        };
        let queued = RETIRED.try_with(|r| {
            let mut r = r.borrow_mut();
            add(&mut r);
            if r.entries.len() >= BATCH || r.bytes >= HANDOVER_BYTES {
                r.hand_over(guard);
            }
        });
        if queued.is_err() {
            // The thread-local is gone (thread exit): defer this one alone.
            let mut one = Retired::new();
            add(&mut one);
            one.hand_over(guard);
        }
    }

    /// Helps the collector free what this ring has pending, for a bounded number of rounds
    /// (each pins, seals this thread's bag and collects; an unpinned round lets the global
    /// epoch advance), stopping once `pending` is at most `budget`. Never waits: with another
    /// thread pinned in an older epoch, the rounds free nothing and return.
    pub(super) fn help(pending: &Pending, budget: usize, rounds: usize) {
        for _ in 0..rounds {
            let g = crossbeam_epoch::pin();
            g.flush();
            drop(g);
            // Relaxed: a hint; see `hand_over`.
            if pending.load(Ordering::Relaxed) <= budget {
                return;
            }
        }
    }

    /// An over-budget appender's help (after its push unpinned).
    #[inline]
    pub(super) fn help_if_over(pending: &Pending, budget: usize) {
        // Relaxed: a hint; see `hand_over`.
        if pending.load(Ordering::Relaxed) > budget {
            help(pending, budget, HELP_ROUNDS);
        }
    }

    /// Hands this thread's batch to the collector and asks it to run what it can.
    pub(super) fn flush() {
        let g = crossbeam_epoch::pin();
        let _ = RETIRED.try_with(|r| r.borrow_mut().hand_over(&g));
        g.flush();
    }

    /// A dropping ring: hands this thread's batch over and helps until nothing of this ring
    /// is pending (bounded rounds).
    pub(super) fn drain(pending: &Pending) {
        flush();
        help(pending, 0, DROP_ROUNDS);
    }

    pub(super) fn pending_bytes(pending: &Pending) -> usize {
        // Relaxed: a statistic.
        pending.load(Ordering::Relaxed)
    }
}

#[cfg(loom)]
mod reclaim {
    use crate::sync::Mutex;

    pub(super) struct Guard;
    /// Retired entries (as raw addresses and their drop functions) freed when the ring drops.
    pub(super) struct Graveyard(pub(super) Mutex<Vec<(usize, unsafe fn(usize))>>);

    impl Graveyard {
        pub(super) fn new() -> Self {
            Graveyard(Mutex::new(Vec::new()))
        }
    }

    pub(super) fn pin() -> Guard {
        Guard
    }

    /// # Safety
    /// As in the non-loom version.
    pub(super) unsafe fn retire<E>(
        yard: &Graveyard,
        _pending: &Pending,
        _guard: &Guard,
        p: *mut super::Entry<E>,
    ) {
        unsafe fn free<E>(a: usize) {
            // SAFETY: `a` is the address of a retired entry, freed once, at ring drop.
            unsafe { super::free_entry(a as *mut super::Entry<E>) };
        }
        yard.0.lock().unwrap().push((p as usize, free::<E>));
    }

    /// Under loom nothing is freed before the ring drops; the count stays 0.
    pub(super) type Pending = std::sync::Arc<std::sync::atomic::AtomicUsize>;

    pub(super) fn help_if_over(_pending: &Pending, _budget: usize) {}

    pub(super) fn drain(_pending: &Pending) {}

    pub(super) fn pending_bytes(pending: &Pending) -> usize {
        // Relaxed: a statistic (always 0 under loom).
        pending.load(std::sync::atomic::Ordering::Relaxed)
    }

    impl Drop for Graveyard {
        fn drop(&mut self) {
            for (a, f) in self.0.lock().unwrap().drain(..) {
                // SAFETY: every address was retired exactly once and nobody reads it any more
                // (the ring is being dropped, so no reader or pusher is left).
                unsafe { f(a) };
            }
        }
    }
}

/// The default budget of evicted-but-not-yet-freed bytes per ring (8 MiB).
pub const DEFAULT_UNRECLAIMED_BYTES: usize = 8 << 20;

/// Bytes a thread may hold in its own batch of retired entries before handing them over
/// (not counted in [`Ring::unreclaimed_bytes`]).
#[cfg(not(loom))]
pub const HANDOVER_BYTES: usize = reclaim::HANDOVER_BYTES;
/// Bytes a thread may hold in its own batch of retired entries before handing them over.
#[cfg(loom)]
pub const HANDOVER_BYTES: usize = 64 * 1024;

/// `capacity` empty slots, allocated fallibly (`Error::NoMem`). Outside loom the array comes
/// zeroed from the allocator (calloc: fresh pages from the kernel are not touched until a
/// slot is used), so a large capacity costs address space, not memory, until it fills.
fn alloc_slots<T>(capacity: usize) -> crate::Result<Box<[Slot<T>]>> {
    #[cfg(not(loom))]
    {
        let layout =
            std::alloc::Layout::array::<Slot<T>>(capacity).map_err(|_| crate::Error::NoMem)?;
        // SAFETY: `layout` has a non-zero size (capacity >= 1, a slot is 16 bytes).
        let p = unsafe { std::alloc::alloc_zeroed(layout) } as *mut Slot<T>;
        if p.is_null() {
            return Err(crate::Error::NoMem);
        }
        // SAFETY: `p` is a live allocation of `layout` = `capacity` slots, and all-zero bytes
        // are a valid `Slot` (mark 0 and a null pointer: exactly an empty slot); the Box frees
        // it with the same layout.
        Ok(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(p, capacity)) })
    }
    #[cfg(loom)]
    {
        let mut v = Vec::new();
        v.try_reserve_exact(capacity)
            .map_err(|_| crate::Error::NoMem)?;
        v.extend((0..capacity).map(|_| Slot {
            mark: AtomicU64::new(0),
            ptr: AtomicPtr::new(std::ptr::null_mut()),
        }));
        Ok(v.into_boxed_slice())
    }
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
    slots: Box<[Slot<T>]>,
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
        &self.slots[spread((seq % self.slots.len() as u64) as usize, self.slots.len())]
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
        // Relaxed: uniqueness and per-thread order come from the RMW itself; the entry is
        // published by the slot CAS (Release), not by this counter.
        let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
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
        // Relaxed: as in push_hook.
        let first = self.next_seq.fetch_add(n, Ordering::Relaxed);
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
        #[cfg(not(loom))]
        {
            prefetch_read(self.slot(far));
            // Relaxed: a hint only; the scan's own load (Acquire) is what it relies on.
            prefetch_read(self.slot(near).ptr.load(Ordering::Relaxed));
        }
        #[cfg(loom)]
        let _ = (far, near);
    }

    /// Looks at slot of `seq`: Ok(Some(entry)) if it holds `seq`, Ok(None) if `seq` is not yet
    /// published, Err(()) if it was evicted.
    #[inline]
    fn look<'g>(&self, _g: &'g reclaim::Guard, seq: u64) -> Result<Option<&'g Entry<T>>, ()> {
        // Acquire: pairs with the publishing CAS, so the entry's contents are visible.
        let p = self.slot(seq).ptr.load(Ordering::Acquire);
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
    pub fn for_each(&self, mut f: impl FnMut(u64, &T)) {
        let head = self.appended();
        let floor = head.saturating_sub(self.capacity() as u64);
        let g = reclaim::pin();
        for s in floor..head {
            if s + SCAN_AHEAD < head {
                self.scan_ahead(s + SCAN_AHEAD, s + SCAN_AHEAD / 2);
            }
            if let Ok(Some(e)) = self.look(&g, s) {
                f(e.seq, &e.value);
            }
        }
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
