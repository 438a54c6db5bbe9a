//! The request log's ring: seqlock slots of atomic words, allocated a chunk at a time (the
//! byte budget around it is in `mod.rs`, "Memory").
//!
//! # Protocol (the invariant this module keeps)
//!
//! `capacity` slots; record `s` lives in slot `s % capacity`. A slot is a
//! *seqlock*: a `stamp` word plus the record's fields, every one of them an atomic word (the
//! method, host, path and trace id are packed into inline words, their lengths always in the
//! `lens` words; fields too long together for the inline words go to an immutable, seq-tagged
//! `Arc` in the slot's `spill` cell). Readers copy the words and keep
//! the copy only if the stamp did not move, so no reader ever reads memory non-atomically that
//! a writer may be writing, and a reader never writes shared memory.
//!
//! A slot's `stamp` is `(s + 1) << 1 | WRITING` while a writer copies record `s` into the
//! slot's words, and `(s + 1) << 1` ("done") once they hold the whole record `s` (0: never
//! written). A second word, `lost`, holds `s + 1` of the newest record given up at the slot.
//!
//! * A writer claims sequence numbers with one `fetch_add` on `head` (a batch claims a
//!   contiguous range, so its records stay in order). To publish `s` it CASes the stamp from a
//!   *done* stamp of a smaller sequence to `WRITING(s)` (so at most one writer owns a slot's
//!   words at a time, and only the owner writes the stamp until it is done), stores the
//!   fields, then stores `done(s)` (Release; a plain store, not a read-modify-write). The
//!   sequence in a stamp only ever grows.
//! * A writer that finds a stamp of a larger sequence was overtaken by one a whole lap ahead:
//!   it drops its record (it counts as evicted), never overwriting newer data.
//! * A writer that finds the slot `WRITING` an older sequence (a writer a lap behind, paused
//!   mid-copy) spins briefly for it; if it is still writing, the writer does not wait: it
//!   raises `lost` to its own `s + 1` and drops its record, which readers then count as
//!   missed. So writers never block on each other (lock-free), and a record is only ever
//!   given up when another writer stalled mid-copy for a whole lap.
//!
//! **Invariant: a reader that loads `done(s)` (Acquire), copies the words, and then loads the
//! same stamp again (after an Acquire fence) holds exactly record `s`**: the Acquire load
//! orders the copy after all of record `s`'s stores (they precede the Release commit), and any
//! store of a later writer is preceded by its claim CAS and a Release fence, so a copy that saw
//! any of it would see a changed stamp (fence-to-fence synchronisation). A spilled record is
//! additionally accepted only if the spill carries its sequence.
//!
//! A reader at cursor `c` reads `max(c, head - capacity) .. head`: a record whose copy
//! validates is delivered; a stamp of a larger sequence, a stamp that moved during the copy,
//! an older stamp with `lost >= s + 1`, or a spill that is not `s`'s (its long fields were
//! evicted for bytes: `mod.rs`, "Memory") means `s` was evicted (missed); `WRITING(s)`, or an older
//! stamp without that mark, means `s` is claimed but not yet published, and the read stops
//! there (its next cursor). So a reader never sees a record twice, never out of order, and
//! never a torn one. A writer stalled between claim and publish holds readers back at its
//! sequence until it publishes, is overtaken, or a writer a lap ahead gives its record up.
//!
//! `tests/loom_table.rs` model-checks this protocol (the same code, over `crate::sync`).

use super::{Request, INLINE_BYTES, SPILL_OVERHEAD};
use crate::sync::{fence, spin_loop, ArcSlot, AtomicPtr, AtomicU64, AtomicUsize, Ordering, LOOM};
use crate::{Error, Result};
use crossbeam_utils::CachePadded;
use std::sync::Arc;

/// A slot's stamp is `(seq + 1) << 1 | WRITING` while its writer copies record `seq` in, and
/// `(seq + 1) << 1` (done) once the words hold the whole record; 0: never written.
pub(super) const WRITING: u64 = 1;

/// The stamp of record `seq`, `WRITING` or done (sequence numbers stay below 2^63).
#[inline]
fn stamp(seq: u64, writing: u64) -> u64 {
    ((seq + 1) << 1) | writing
}

/// Inline words per slot (method, host, path and trace id back to back): the slot is 32 words.
/// Two words under loom, so a model can exercise both the inline and the spilled layout.
pub(super) const INLINE_WORDS: usize = if LOOM { 2 } else { INLINE_BYTES / 8 };
pub(super) const SLOT_INLINE: usize = INLINE_WORDS * 8;

/// The byte fields of a record longer together than the inline words, back to back, tagged
/// with its sequence. While it lives, `charge()` bytes are counted in its log's `spilled`
/// meter (none for the shared empty spill), so the meter is exactly the bytes of live spills,
/// including replaced ones a reader still holds.
#[derive(Debug)]
pub(super) struct Spill {
    pub(super) seq: u64,
    pub(super) bytes: Box<[u8]>,
    pub(super) meter: Option<Arc<CachePadded<AtomicUsize>>>,
}

impl Spill {
    pub(super) fn charge_of(len: usize) -> usize {
        len + SPILL_OVERHEAD
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        if let Some(m) = &self.meter {
            // Relaxed: a byte count that publishes nothing; the reservation that raised it
            // never reads memory through it.
            m.fetch_sub(Spill::charge_of(self.bytes.len()), Ordering::Relaxed);
        }
    }
}

/// One ring slot: a seqlock over atomic words (protocol in the module docs).
#[repr(align(64))]
pub(super) struct RingSlot {
    stamp: AtomicU64,
    /// `seq + 1` of the newest record given up at this slot (a writer that found the slot
    /// still being written by one a lap behind); only grows.
    lost: AtomicU64,
    time_ns: AtomicU64,
    /// `status | flags << 32`.
    status_flags: AtomicU64,
    duration_ns: AtomicU64,
    bytes: AtomicU64,
    process_id: AtomicU64,
    route_id: AtomicU64,
    /// `method_len | host_len << 32`.
    lens_a: AtomicU64,
    /// `path_len | trace_len << 32`.
    lens_b: AtomicU64,
    inline: [AtomicU64; INLINE_WORDS],
    /// The long fields of a spilled record (rare: fields over the inline size), or of an older
    /// record of this slot, or the shared empty spill.
    pub(super) spill: ArcSlot<Spill>,
}

impl RingSlot {
    pub(super) fn new(empty: &Arc<Spill>) -> Self {
        RingSlot {
            stamp: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            time_ns: AtomicU64::new(0),
            status_flags: AtomicU64::new(0),
            duration_ns: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            process_id: AtomicU64::new(0),
            route_id: AtomicU64::new(0),
            lens_a: AtomicU64::new(0),
            lens_b: AtomicU64::new(0),
            inline: std::array::from_fn(|_| AtomicU64::new(0)),
            spill: ArcSlot::new(empty.clone()),
        }
    }

    /// Writes record `seq` (fields `r`, byte lengths `lens`, long fields `long` if they do not
    /// fit the inline words) into this slot, or gives it up (the writer side of the protocol).
    pub(super) fn write(&self, seq: u64, r: &Request, lens: [usize; 4], long: Option<Arc<Spill>>) {
        let mine = stamp(seq, WRITING);
        let mut spins = 0;
        // Acquire: a done stamp we then claim must order our stores after the previous
        // writer's (its Release commit), so ours are the later ones in every word.
        let mut cur = self.stamp.load(Ordering::Acquire);
        loop {
            if cur >> 1 > seq + 1 {
                return; // overtaken by a writer a lap ahead: ours counts as evicted
            }
            if cur & WRITING != 0 {
                if spins < BUSY_SPINS {
                    spins += 1;
                    spin_loop();
                    // Acquire: as above.
                    cur = self.stamp.load(Ordering::Acquire);
                    continue;
                }
                // A writer a lap behind is paused mid-copy: give ours up rather than wait.
                // Relaxed: nothing else is published with the mark (readers only compare it).
                self.lost.fetch_max(seq + 1, Ordering::Relaxed);
                return;
            }
            // Success Acquire: as for the load above. Failure Acquire: `cur` is used as above.
            match self
                .stamp
                .compare_exchange_weak(cur, mine, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(v) => cur = v,
            }
        }
        // Release fence: any of our stores below that a reader sees is ordered after our claim
        // above, so that reader's second stamp load sees the claim (or later) and drops its copy.
        fence(Ordering::Release);
        // Relaxed (all field stores): published by the Release commit below; torn copies are
        // rejected by the readers' stamp check (module docs).
        self.time_ns.store(r.time_ns, Ordering::Relaxed);
        self.status_flags.store(
            u64::from(r.status) | u64::from(r.flags) << 32,
            Ordering::Relaxed,
        );
        self.duration_ns.store(r.duration_ns, Ordering::Relaxed);
        self.bytes.store(r.bytes, Ordering::Relaxed);
        self.process_id.store(r.process_id, Ordering::Relaxed);
        self.route_id.store(r.route_id, Ordering::Relaxed);
        let pack = |a: usize, b: usize| a as u64 | (b as u64) << 32;
        self.lens_a.store(pack(lens[0], lens[1]), Ordering::Relaxed);
        self.lens_b.store(pack(lens[2], lens[3]), Ordering::Relaxed);
        match long {
            None => {
                let total: usize = lens.iter().sum();
                let mut buf = [0u8; SLOT_INLINE];
                let mut at = 0;
                for f in [&r.method, &r.host, &r.path, &r.trace_id] {
                    buf[at..at + f.len()].copy_from_slice(f);
                    at += f.len();
                }
                for (w, chunk) in self
                    .inline
                    .iter()
                    .zip(buf.chunks_exact(8))
                    .take(total.div_ceil(8))
                {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(chunk);
                    w.store(u64::from_le_bytes(b), Ordering::Relaxed);
                }
            }
            Some(new) => {
                // We own the slot's words, so only an evicting writer may replace `spill`
                // meanwhile (with the empty spill): retry until ours is in.
                loop {
                    let old = self.spill.load_full();
                    if self.spill.cas(&old, new.clone()) {
                        break;
                    }
                }
            }
        }
        // Commit. A plain store (no read-modify-write): while the stamp says WRITING(seq) only
        // we write it (claims need a done stamp; a writer giving up writes `lost`). Release:
        // publishes the stores above to readers that Acquire-load the done stamp, and to the
        // next writer of the slot.
        self.stamp.store(stamp(seq, 0), Ordering::Release);
    }

    /// Reads record `s` from this slot (the reader side of the protocol).
    pub(super) fn read(&self, s: u64) -> Got {
        // Acquire: pairs with the writer's Release commit, so the words hold record `s` (or
        // something later, which the second stamp load detects).
        let a = self.stamp.load(Ordering::Acquire);
        if a >> 1 > s + 1 {
            return Got::Missed;
        }
        if a >> 1 < s + 1 {
            // Relaxed: the mark carries no data; a reader that misses it stops here and sees it
            // on a later read.
            if self.lost.load(Ordering::Relaxed) > s {
                return Got::Missed; // its writer gave it up
            }
            return Got::Unpublished;
        }
        if a & WRITING != 0 {
            return Got::Unpublished;
        }
        // Relaxed (all copies): validated by the stamp check below.
        let time_ns = self.time_ns.load(Ordering::Relaxed);
        let status_flags = self.status_flags.load(Ordering::Relaxed);
        let duration_ns = self.duration_ns.load(Ordering::Relaxed);
        let bytes = self.bytes.load(Ordering::Relaxed);
        let process_id = self.process_id.load(Ordering::Relaxed);
        let route_id = self.route_id.load(Ordering::Relaxed);
        let lens_a = self.lens_a.load(Ordering::Relaxed);
        let lens_b = self.lens_b.load(Ordering::Relaxed);
        let mut words = [0u64; INLINE_WORDS];
        let mut spill = None;
        let half = |v: u64, hi: bool| (if hi { v >> 32 } else { v & 0xffff_ffff }) as usize;
        let lens = [
            half(lens_a, false),
            half(lens_a, true),
            half(lens_b, false),
            half(lens_b, true),
        ];
        let total = lens.iter().fold(0usize, |a, n| a.saturating_add(*n));
        if total > SLOT_INLINE {
            spill = Some(self.spill.load_full());
        } else {
            // A torn `lens` may be anything: never copy past the inline words.
            for (w, out) in self
                .inline
                .iter()
                .zip(words.iter_mut())
                .take(total.div_ceil(8))
            {
                *out = w.load(Ordering::Relaxed);
            }
        }
        // Acquire fence: if any load above saw a later writer's store, the claim that precedes
        // it (before that writer's Release fence) is visible to the stamp load below.
        fence(Ordering::Acquire);
        // Relaxed: ordered by the fence above.
        if self.stamp.load(Ordering::Relaxed) != a {
            return Got::Missed; // overwritten during the copy: only a newer record does that
        }
        let (status, flags) = (status_flags as u32, (status_flags >> 32) as u32);
        let mut inline = [0u8; SLOT_INLINE];
        let mut req = Request {
            seq: s,
            time_ns,
            status,
            duration_ns,
            bytes,
            process_id,
            route_id,
            flags,
            ..Default::default()
        };
        let buf = match &spill {
            Some(sp) => {
                if sp.seq != s || sp.bytes.len() != total {
                    return Got::Missed; // its long fields were evicted (module docs, "Memory")
                }
                &sp.bytes[..]
            }
            None => {
                if total > SLOT_INLINE {
                    return Got::Missed; // never expected: a validated copy is whole
                }
                for (chunk, w) in inline.chunks_exact_mut(8).zip(words.iter()) {
                    chunk.copy_from_slice(&w.to_le_bytes());
                }
                &inline[..total]
            }
        };
        let mut at = 0;
        for (f, n) in [
            &mut req.method,
            &mut req.host,
            &mut req.path,
            &mut req.trace_id,
        ]
        .into_iter()
        .zip(lens)
        {
            *f = buf[at..at + n].to_vec();
            at += n;
        }
        Got::Record(req)
    }
}

/// How long a writer spins for a busy slot (a writer a lap behind, mid-copy) before it gives
/// its own record up instead of waiting (once under loom, where spinning only adds states).
const BUSY_SPINS: u32 = if LOOM { 1 } else { 64 };

/// The outcome of reading one slot for one sequence.
pub(super) enum Got {
    Record(Request),
    Missed,
    Unpublished,
}

/// Slots per chunk (256 KiB of slots): the unit in which slot memory is committed. Two under
/// loom, so a model with a few slots allocates more than one chunk.
pub(super) const CHUNK: usize = if LOOM { 2 } else { 1024 };

/// The ring's slots, allocated a chunk at a time by the first writer that needs one (module
/// docs, "Memory"). A chunk pointer goes from null to its chunk once and stays until drop.
pub(super) struct Chunks {
    /// Chunk `k` holds slots `k * CHUNK ..` (the last one fewer); null until allocated.
    ptrs: Box<[AtomicPtr<RingSlot>]>,
    /// Chunks allocated; once it equals `ptrs.len()` writers skip the allocation check.
    made: CachePadded<AtomicUsize>,
    capacity: usize,
}

impl Chunks {
    /// The chunk table for `capacity` slots; its allocation is fallible (`NoMem`).
    pub(super) fn new(capacity: usize) -> Result<Self> {
        let n = capacity.div_ceil(CHUNK);
        let mut ptrs = Vec::new();
        ptrs.try_reserve_exact(n).map_err(|_| Error::NoMem)?;
        ptrs.extend((0..n).map(|_| AtomicPtr::new(std::ptr::null_mut())));
        Ok(Chunks {
            ptrs: ptrs.into_boxed_slice(),
            made: CachePadded::new(AtomicUsize::new(0)),
            capacity,
        })
    }

    /// Bytes of the chunk table for `capacity` slots.
    pub(super) fn table_bytes(capacity: usize) -> usize {
        capacity.div_ceil(CHUNK) * std::mem::size_of::<AtomicPtr<RingSlot>>()
    }

    fn chunk_len(&self, k: usize) -> usize {
        CHUNK.min(self.capacity - k * CHUNK)
    }

    pub(super) fn all_made(&self) -> bool {
        // Acquire: pairs with the Release increments in `make`, so every chunk pointer
        // installed before them is visible to this thread's later Acquire loads.
        self.made.load(Ordering::Acquire) == self.ptrs.len()
    }

    /// Slot bytes committed so far (allocated chunks).
    pub(super) fn bytes(&self) -> usize {
        // Relaxed: a statistic.
        let made = self.made.load(Ordering::Relaxed);
        if made == self.ptrs.len() {
            return self.capacity * std::mem::size_of::<RingSlot>();
        }
        made * CHUNK * std::mem::size_of::<RingSlot>()
    }

    /// Allocates chunk `k` unless it exists; `NoMem` if the system refuses the memory.
    fn make(&self, k: usize, empty: &Arc<Spill>) -> Result<()> {
        // Acquire: as in `slot`.
        if !self.ptrs[k].load(Ordering::Acquire).is_null() {
            return Ok(());
        }
        let n = self.chunk_len(k);
        let mut v = Vec::new();
        v.try_reserve_exact(n).map_err(|_| Error::NoMem)?;
        v.extend((0..n).map(|_| RingSlot::new(empty)));
        let p = Box::into_raw(v.into_boxed_slice()).cast::<RingSlot>();
        // Success AcqRel: Release publishes the initialised slots to Acquire loads of the
        // pointer. Failure Acquire: this thread then publishes into the winner's chunk, whose
        // initialised slots it must see.
        match self.ptrs[k].compare_exchange(
            std::ptr::null_mut(),
            p,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                // Release: `all_made` readers see every installed pointer (above).
                self.made.fetch_add(1, Ordering::Release);
            }
            Err(_) => {
                // SAFETY: `p` came from `Box::into_raw` of a boxed slice of `n` slots just
                // above, and losing the CAS means no one else ever saw it.
                drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(p, n)) });
            }
        }
        Ok(())
    }

    /// Makes every chunk holding a slot of the sequences `from .. from + n`.
    pub(super) fn ensure(&self, from: u64, n: u64, empty: &Arc<Spill>) -> Result<()> {
        let cap = self.capacity as u64;
        let mut left = n.min(cap) as usize;
        let mut idx = (from % cap) as usize;
        while left > 0 {
            let k = idx / CHUNK;
            self.make(k, empty)?;
            let took = ((k + 1) * CHUNK)
                .min(self.capacity)
                .saturating_sub(idx)
                .min(left);
            left -= took;
            idx = (idx + took) % self.capacity;
        }
        Ok(())
    }

    /// The slot of sequence `s`, or `None` while its chunk is not allocated (or not yet
    /// visible to this thread).
    #[inline]
    pub(super) fn slot(&self, s: u64) -> Option<&RingSlot> {
        let idx = (s % self.capacity as u64) as usize;
        // Acquire: pairs with the AcqRel install in `make`, so the chunk's slots are seen
        // initialised.
        let p = self.ptrs[idx / CHUNK].load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: a non-null pointer is a chunk of `chunk_len(idx / CHUNK)` initialised slots
        // (`make`), freed only in `drop`, which `&self` excludes; `idx % CHUNK` is below that
        // length because `idx < capacity`.
        Some(unsafe { &*p.add(idx % CHUNK) })
    }
}

impl Drop for Chunks {
    fn drop(&mut self) {
        for k in 0..self.ptrs.len() {
            // Acquire: `&mut self` already orders us after every install; kept for clarity.
            let p = self.ptrs[k].load(Ordering::Acquire);
            if !p.is_null() {
                let n = self.chunk_len(k);
                // SAFETY: `p` was installed by `make` from `Box::into_raw` of a boxed slice of
                // `n` slots, and is freed only here, once.
                drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(p, n)) });
            }
        }
    }
}
