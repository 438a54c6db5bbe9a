//! Reclamation of replaced entries: the one place where the ring differs under loom.
//!
//! In production a replaced entry is retired to crossbeam-epoch in per-thread batches (the
//! protocol and the memory bound are in the ring's module docs). crossbeam-epoch is not
//! loom-instrumented, so under `cfg(loom)` this step is swapped for a simpler one that is
//! trivially safe: retired entries go to a per-ring list freed when the ring is dropped. The
//! publish / read protocol is the same code in both modes; only *when* a retired entry is
//! freed differs. Both versions give the same items (`Guard` with `repin_after`, `Graveyard`,
//! `Pending`, `pin`, `retire`, `help_if_over`, `drain`, `pending_bytes`), so the ring has no
//! `cfg` of its own.

#[cfg(not(loom))]
pub(super) use epoch::{
    drain, help_if_over, pending_bytes, pin, retire, Graveyard, Guard, Pending,
};
#[cfg(loom)]
pub(super) use model::{
    drain, help_if_over, pending_bytes, pin, retire, Graveyard, Guard, Pending,
};

/// A batch is handed over as soon as it holds this many bytes, so a thread never keeps
/// more than this (minus one byte) of retired entries to itself; and a batch this large
/// seals crossbeam's thread-local bag at once (`Guard::flush`), so it is freed after two
/// epoch advances instead of waiting for 63 more deferred functions.
pub(super) const HANDOVER_BYTES: usize = 64 * 1024;

#[cfg(not(loom))]
mod epoch {
    use super::HANDOVER_BYTES;
    use crate::ring::blocks::free_entry;
    use crate::ring::prefetch::prefetch;
    use crate::ring::Entry;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    pub(in crate::ring) type Guard = crossbeam_epoch::Guard;
    pub(in crate::ring) struct Graveyard;

    impl Graveyard {
        pub(in crate::ring) fn new() -> Self {
            Graveyard
        }
    }

    /// Bytes of one ring's retired entries handed to the epoch collector and not yet freed.
    /// Shared with the deferred frees (which may run after the ring is gone).
    pub(in crate::ring) type Pending = Arc<crossbeam_utils::CachePadded<AtomicUsize>>;

    #[inline]
    pub(in crate::ring) fn pin() -> Guard {
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
                        prefetch(p);
                    }
                    for (k, &(p, f)) in b.iter().enumerate() {
                        if let Some(&(q, _)) = b.get(k + PREFETCH) {
                            prefetch(q);
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
    pub(in crate::ring) unsafe fn retire<E>(
        _yard: &Graveyard,
        pending: &Pending,
        guard: &Guard,
        p: *mut Entry<E>,
    ) {
        unsafe fn free<E>(p: *mut ()) {
            // SAFETY: `p` is a retired entry (see `retire`), freed once.
            unsafe { free_entry(p as *mut Entry<E>) };
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
    pub(in crate::ring) fn help(pending: &Pending, budget: usize, rounds: usize) {
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
    pub(in crate::ring) fn help_if_over(pending: &Pending, budget: usize) {
        // Relaxed: a hint; see `hand_over`.
        if pending.load(Ordering::Relaxed) > budget {
            help(pending, budget, HELP_ROUNDS);
        }
    }

    /// Hands this thread's batch to the collector and asks it to run what it can.
    pub(in crate::ring) fn flush() {
        let g = crossbeam_epoch::pin();
        let _ = RETIRED.try_with(|r| r.borrow_mut().hand_over(&g));
        g.flush();
    }

    /// A dropping ring: hands this thread's batch over and helps until nothing of this ring
    /// is pending (bounded rounds).
    pub(in crate::ring) fn drain(pending: &Pending) {
        flush();
        help(pending, 0, DROP_ROUNDS);
    }

    pub(in crate::ring) fn pending_bytes(pending: &Pending) -> usize {
        // Relaxed: a statistic.
        pending.load(Ordering::Relaxed)
    }
}

#[cfg(loom)]
mod model {
    use crate::ring::blocks::free_entry;
    use crate::ring::Entry;
    use crate::sync::Mutex;

    pub(in crate::ring) struct Guard;

    impl Guard {
        /// Runs `f`; there is no pin to leave under loom.
        pub(in crate::ring) fn repin_after<R>(&mut self, f: impl FnOnce() -> R) -> R {
            f()
        }
    }
    /// Retired entries (as raw addresses and their drop functions) freed when the ring drops.
    pub(in crate::ring) struct Graveyard(pub(in crate::ring) Mutex<Vec<(usize, unsafe fn(usize))>>);

    impl Graveyard {
        pub(in crate::ring) fn new() -> Self {
            Graveyard(Mutex::new(Vec::new()))
        }
    }

    pub(in crate::ring) fn pin() -> Guard {
        Guard
    }

    /// # Safety
    /// As in the non-loom version.
    pub(in crate::ring) unsafe fn retire<E>(
        yard: &Graveyard,
        _pending: &Pending,
        _guard: &Guard,
        p: *mut Entry<E>,
    ) {
        unsafe fn free<E>(a: usize) {
            // SAFETY: `a` is the address of a retired entry, freed once, at ring drop.
            unsafe { free_entry(a as *mut Entry<E>) };
        }
        yard.0.lock().push((p as usize, free::<E>));
    }

    /// Under loom nothing is freed before the ring drops; the count stays 0.
    pub(in crate::ring) type Pending = std::sync::Arc<std::sync::atomic::AtomicUsize>;

    pub(in crate::ring) fn help_if_over(_pending: &Pending, _budget: usize) {}

    pub(in crate::ring) fn drain(_pending: &Pending) {}

    pub(in crate::ring) fn pending_bytes(pending: &Pending) -> usize {
        // Relaxed: a statistic (always 0 under loom).
        pending.load(std::sync::atomic::Ordering::Relaxed)
    }

    impl Drop for Graveyard {
        fn drop(&mut self) {
            for (a, f) in self.0.lock().drain(..) {
                // SAFETY: every address was retired exactly once and nobody reads it any more
                // (the ring is being dropped, so no reader or pusher is left).
                unsafe { f(a) };
            }
        }
    }
}
