//! The request log: a bounded ring of the proxy's requests plus per-route and global counters
//! and latency histograms.
//!
//! The log keeps its own ring (not `src/ring.rs`): moving it onto the shared epoch ring grew
//! resident memory under the soak's request rate (epoch-deferred garbage), and a request is a
//! small fixed-size record that fits a fixed slot (allocated a chunk at a time on first use), so
//! recording needs no allocation and no reclamation unless its fields are long.
//!
//! # The ring protocol (the invariant this module keeps)
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
//! evicted for bytes, below) means `s` was evicted (missed); `WRITING(s)`, or an older
//! stamp without that mark, means `s` is claimed but not yet published, and the read stops
//! there (its next cursor). So a reader never sees a record twice, never out of order, and
//! never a torn one. A writer stalled between claim and publish holds readers back at its
//! sequence until it publishes, is overtaken, or a writer a lap ahead gives its record up.
//!
//! # Memory (bounded in bytes, committed lazily, allocated fallibly)
//!
//! The ring never retains more than `max_bytes` (default 16 MiB):
//!
//! * **Slots**, [`SLOT_BYTES`] (256) each, in chunks of 1024 (256 KiB). A chunk is allocated
//!   by the first writer whose claim needs it, *before* that writer claims its sequence
//!   numbers (claims are a CAS on `head` until every chunk exists, then a plain `fetch_add`),
//!   so a claimed sequence always has its slot and a refused allocation (`NoMem`) claims
//!   nothing. A reader that finds a sequence's chunk missing treats it as not yet published.
//!   So a log of [`MAX_CAPACITY`] (2^24) records costs its 128 KiB chunk table at creation,
//!   not 4 GiB: memory is committed as the ring first fills, as a host would size it for its
//!   peak anyway. (Relying on the kernel's lazy zero pages instead would need all-zero slots;
//!   a slot's `spill` cell is not, and committing on demand keeps the count honest under
//!   `vm.overcommit_memory = 2` too.)
//! * **Long fields**: a record whose four byte fields total more than [`INLINE_BYTES`] (168)
//!   keeps them in one exact-size allocation, charged `len + SPILL_OVERHEAD` to a meter while
//!   it lives (it credits itself on drop, so a spill a reader still holds after it was replaced
//!   still counts: nothing awaits reclamation uncounted). The charge is reserved *before* the
//!   claim; if it would take the meter over `max_bytes` less the slots (at their full
//!   capacity) and the chunk table, the writer first evicts long fields oldest record first
//!   (an `evict_from` hint makes each sequence walked about once): the slot's spill becomes
//!   the shared empty one, and readers count that record as missed. If the budget is still
//!   short (the rest is held by records other threads are writing or reading right now), the
//!   record is refused with `Full`: never stored partially, never over the bound. Stale spills
//!   of overwritten records count until evicted, so the bound covers them too.
//! * `new` checks that `max_bytes` holds every slot, the chunk table and one record with four
//!   `max_field`-long fields (`TooLarge` otherwise), so any accepted config can keep any valid
//!   record. Every allocation sized by configuration or input (chunk table, chunks, long
//!   fields, a batch's staging) is fallible and gives `NoMem`.
//!
//! Per-route stats are outside the ring: [`ROUTE_STATS_BYTES`] per route, at most
//! `max_routes` ([`MAX_ROUTES`]) routes, allocated on a route's first request.
//!
//! `tests/loom_table.rs` model-checks this protocol (the same code under `cfg(loom)`).
//!
//! # Counters
//!
//! [`RouteStats`] blocks (errors, bytes, a log-scale latency histogram whose total is the
//! request count: all `Relaxed` atomics) are *striped*: each route (and the "unrouted" bucket, route id 0, and the bucket of
//! requests whose route found no stats slot) has `STRIPES` (4) blocks on separate cache lines, and
//! a recording thread adds to the block of its own stripe (threads are given stripes round
//! robin when they first record), so two threads recording at once do not bounce the same
//! cache lines. Reads sum the stripes; the global stats are the sum of every bucket. Each sum
//! is exact once writers are quiescent; during writes it lies between the true values at the
//! read's start and end. The route map is an RCU map from route id, created on a route's first
//! request and bounded by `max_routes`; requests for further routes are counted in the global
//! stats and in `stats_overflow`. Map entries are never removed or replaced, so a route's stats
//! live as long as the log: recording finds them through a small direct-mapped cache of
//! pointers (`id % ROUTE_CACHE`, checked against the stats' own id) and reads the RCU map only
//! on a miss.

use super::slot::Slot;
use super::{check_len, Rcu, ShardedMap, Store};
use crate::sync::{fence, spin_loop, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use crate::{Error, Result};
use crossbeam_utils::CachePadded;
use std::sync::Arc;

/// Set by lfe when `status >= 400` or [`FLAG_TRANSPORT_ERROR`] is set.
///
/// cbindgen:ignore
pub const FLAG_ERROR: u32 = 1;
/// The request was an XHR/fetch (set by the host).
///
/// cbindgen:ignore
pub const FLAG_XHR: u32 = 2;
/// The upstream could not be reached (set by the host; implies [`FLAG_ERROR`]).
///
/// cbindgen:ignore
pub const FLAG_TRANSPORT_ERROR: u32 = 4;
const ALL_FLAGS: u32 = FLAG_ERROR | FLAG_XHR | FLAG_TRANSPORT_ERROR;

/// One proxied request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// Assigned by the log (ignored on input).
    pub seq: u64,
    /// Wall clock ns; 0 on input means "now".
    pub time_ns: u64,
    pub method: Vec<u8>,
    pub host: Vec<u8>,
    pub path: Vec<u8>,
    /// HTTP status (0 when there was no response).
    pub status: u32,
    pub duration_ns: u64,
    pub bytes: u64,
    pub process_id: u64,
    /// 0: unrouted.
    pub route_id: u64,
    /// `FLAG_*`; lfe adds [`FLAG_ERROR`] itself.
    pub flags: u32,
    /// Optional trace / session id (empty when none).
    pub trace_id: Vec<u8>,
}

/// Bounds of a request log. Memory is bounded by these: the log never retains more than
/// `max_bytes` bytes of ring contents (slots plus long fields, including long fields a reader
/// is still copying), and per-route stats take [`ROUTE_STATS_BYTES`] each, at most
/// `max_routes` of them.
///
/// | field | default | zero | largest |
/// |---|---|---|---|
/// | `capacity` | 1000 | `Invalid` | [`MAX_CAPACITY`] (2^24) |
/// | `max_routes` | 1024 | no per-route stats (every routed request counts in the overflow) | [`MAX_ROUTES`] (2^14) |
/// | `max_field` | 4096 | `Invalid` | [`MAX_FIELD`] (64 KiB) |
/// | `max_bytes` | [`DEFAULT_MAX_BYTES`] (16 MiB) | the default (a field added after the others: a host that zero-fills its config keeps working) | any, but at least `capacity` x [`SLOT_BYTES`] + the chunk table + one record's long fields (see [`RequestLog::new`]) |
///
/// Above its largest value a field is `TooLarge`. A log at the largest capacity costs its
/// chunk table (128 KiB) at creation: slot memory is committed as the ring first fills (module
/// docs), so every accepted configuration can be created; an allocation the system refuses is
/// `NoMem`, never an abort.
#[derive(Debug, Clone, Copy)]
pub struct RequestsConfig {
    /// Ring capacity in records (default 1000).
    pub capacity: usize,
    /// Most routes with their own stats (default 1024; 0: none).
    pub max_routes: usize,
    /// Longest method, host, path or trace id in bytes (default 4096).
    pub max_field: usize,
    /// Most bytes the ring retains: its slots ([`SLOT_BYTES`] each, committed as first
    /// written), its chunk table, and the long fields of its records (default
    /// [`DEFAULT_MAX_BYTES`]). Long fields over the budget evict the oldest records' long
    /// fields first (readers count those records as missed). 0: the default.
    pub max_bytes: usize,
}

impl Default for RequestsConfig {
    fn default() -> Self {
        RequestsConfig {
            capacity: 1000,
            max_routes: 1024,
            max_field: 4096,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// Largest ring capacity in records (2^24).
///
/// cbindgen:ignore
pub const MAX_CAPACITY: usize = 1 << 24;
/// Largest `max_routes` (2^14): per-route stats are [`ROUTE_STATS_BYTES`] each, so at most about
/// 140 MB however many routes the host sends.
///
/// cbindgen:ignore
pub const MAX_ROUTES: usize = 1 << 14;
/// Largest `max_field` (64 KiB; lengths are kept in 32-bit halves of a slot word).
///
/// cbindgen:ignore
pub const MAX_FIELD: usize = 1 << 16;
/// Default `max_bytes` (16 MiB): the default ring (1000 slots) with every record's four fields
/// at the default `max_field` fits, so a default log never evicts by bytes.
///
/// cbindgen:ignore
pub const DEFAULT_MAX_BYTES: usize = 16 << 20;
/// Bytes of one ring slot (four cache lines; a record's fixed fields and up to
/// [`INLINE_BYTES`] bytes of method, host, path and trace id together).
///
/// cbindgen:ignore
pub const SLOT_BYTES: usize = 256;
/// Method, host, path and trace id bytes (together) a slot holds without a separate allocation.
///
/// cbindgen:ignore
pub const INLINE_BYTES: usize = 168;
/// Bytes charged to `max_bytes` for a record whose fields total more than [`INLINE_BYTES`], on
/// top of the fields' total: the reference-counted header of its one allocation.
///
/// cbindgen:ignore
pub const SPILL_OVERHEAD: usize = 2 * std::mem::size_of::<usize>() + std::mem::size_of::<Spill>();
/// Heap bytes of one route's stats (its striped counters and histograms), upper bound.
///
/// cbindgen:ignore
pub const ROUTE_STATS_BYTES: usize = 9 * 1024;

/// Histogram buckets: values 0..4 exactly, then 4 buckets per power of two (<= 25% error).
#[cfg(not(loom))]
const BUCKETS: usize = 252;
/// A smaller histogram under loom keeps the model's object count low.
#[cfg(loom)]
const BUCKETS: usize = 8;

fn bucket_of(v: u64) -> usize {
    if v < 4 {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros() as usize;
    let sub = ((v >> (msb - 2)) & 3) as usize;
    (4 + (msb - 2) * 4 + sub).min(BUCKETS - 1)
}

fn bucket_upper(i: usize) -> u64 {
    if i < 4 {
        return i as u64;
    }
    let msb = (i - 4) / 4 + 2;
    let sub = ((i - 4) % 4) as u64;
    let width = 1u64 << (msb - 2);
    ((4 + sub) << (msb - 2)).saturating_add(width - 1)
}

/// Counters and a latency histogram, updated lock-free. The request count is the histogram's
/// total (every request lands in exactly one bucket), so a request costs one counter less.
#[derive(Debug)]
pub struct RouteStats {
    errors: AtomicU64,
    bytes: AtomicU64,
    hist: Box<[AtomicU64]>,
}

/// A read of [`RouteStats`]; percentiles are bucket upper bounds (<= 25% over), 0 when empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsView {
    pub requests: u64,
    pub errors: u64,
    pub bytes: u64,
    pub p50_ns: u64,
    pub p90_ns: u64,
    pub p99_ns: u64,
}

impl Default for RouteStats {
    fn default() -> Self {
        RouteStats {
            errors: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            hist: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

/// Plain sums of one or more [`RouteStats`] (wrapping, like the atomic counters).
struct Counts {
    errors: u64,
    bytes: u64,
    hist: Vec<u64>,
}

impl Counts {
    fn new() -> Self {
        Counts {
            errors: 0,
            bytes: 0,
            hist: vec![0; BUCKETS],
        }
    }

    fn add(&mut self, s: &RouteStats) {
        // Relaxed (all): statistics, see `RouteStats::add`.
        self.errors = self.errors.wrapping_add(s.errors.load(Ordering::Relaxed));
        self.bytes = self.bytes.wrapping_add(s.bytes.load(Ordering::Relaxed));
        for (acc, c) in self.hist.iter_mut().zip(s.hist.iter()) {
            *acc = acc.wrapping_add(c.load(Ordering::Relaxed));
        }
    }

    fn view(&self) -> StatsView {
        let total = self.hist.iter().fold(0u64, |a, c| a.wrapping_add(*c));
        let pct = |p: u64| -> u64 {
            if total == 0 {
                return 0;
            }
            let rank = (total * p).div_ceil(100).max(1);
            let mut acc = 0;
            for (i, c) in self.hist.iter().enumerate() {
                acc += c;
                if acc >= rank {
                    return bucket_upper(i);
                }
            }
            bucket_upper(BUCKETS - 1)
        };
        StatsView {
            requests: total,
            errors: self.errors,
            bytes: self.bytes,
            p50_ns: pct(50),
            p90_ns: pct(90),
            p99_ns: pct(99),
        }
    }
}

impl RouteStats {
    pub fn add(&self, r: &Request) {
        // Relaxed (all three): independent statistics; nothing else is published through them.
        if r.flags & FLAG_ERROR != 0 {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        self.bytes.fetch_add(r.bytes, Ordering::Relaxed);
        self.hist[bucket_of(r.duration_ns)].fetch_add(1, Ordering::Relaxed);
    }

    /// Reads the counters (each exact; concurrent updates may land between two of them).
    pub fn view(&self) -> StatsView {
        let mut c = Counts::new();
        c.add(self);
        c.view()
    }
}

/// Stat blocks per bucket: a recording thread adds to its own stripe's block.
#[cfg(not(loom))]
const STRIPES: usize = 4;
/// Two stripes under loom (all model threads may share one; any stripe is correct).
#[cfg(loom)]
const STRIPES: usize = 2;

/// The stripe of the calling thread: handed out round robin on a thread's first record, so the
/// first `STRIPES` recording threads never share one.
fn stripe() -> usize {
    use std::cell::Cell;
    // A placement hint, not part of any protocol (every stripe is correct), hence a plain std
    // atomic: a loom atomic cannot be a `static`.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static MINE: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    // `try_with`: a record from a thread-local destructor (TLS gone) uses stripe 0.
    MINE.try_with(|m| {
        let v = m.get();
        if v != usize::MAX {
            return v;
        }
        // Relaxed: a hint; uniqueness of the round robin is all we want from it.
        let v = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % STRIPES;
        m.set(v);
        v
    })
    .unwrap_or(0)
}

/// One bucket's stats, striped per recording thread (see the module docs).
#[derive(Debug)]
struct Striped {
    /// The route id these stats count (0 for the unrouted and overflow buckets).
    id: u64,
    stripes: Box<[CachePadded<RouteStats>]>,
}

impl Striped {
    fn new(id: u64) -> Self {
        Striped {
            id,
            stripes: (0..STRIPES)
                .map(|_| CachePadded::new(RouteStats::default()))
                .collect(),
        }
    }

    #[inline]
    fn add(&self, r: &Request) {
        self.stripes[stripe()].add(r);
    }

    fn sum_into(&self, c: &mut Counts) {
        for s in self.stripes.iter() {
            c.add(s);
        }
    }

    fn view(&self) -> StatsView {
        let mut c = Counts::new();
        self.sum_into(&mut c);
        c.view()
    }
}

/// A slot's stamp is `(seq + 1) << 1 | WRITING` while its writer copies record `seq` in, and
/// `(seq + 1) << 1` (done) once the words hold the whole record; 0: never written.
const WRITING: u64 = 1;

/// The stamp of record `seq`, `WRITING` or done (sequence numbers stay below 2^63).
#[inline]
fn stamp(seq: u64, writing: u64) -> u64 {
    ((seq + 1) << 1) | writing
}

/// Inline words per slot (method, host, path and trace id back to back): the slot is 32 words.
#[cfg(not(loom))]
const INLINE_WORDS: usize = INLINE_BYTES / 8;
/// Two words under loom, so a model can exercise both the inline and the spilled layout.
#[cfg(loom)]
const INLINE_WORDS: usize = 2;
const SLOT_INLINE: usize = INLINE_WORDS * 8;

/// The byte fields of a record longer together than the inline words, back to back, tagged
/// with its sequence. While it lives, `charge()` bytes are counted in its log's `spilled`
/// meter (none for the shared empty spill), so the meter is exactly the bytes of live spills,
/// including replaced ones a reader still holds.
#[derive(Debug)]
struct Spill {
    seq: u64,
    bytes: Box<[u8]>,
    meter: Option<Arc<CachePadded<AtomicUsize>>>,
}

impl Spill {
    fn charge_of(len: usize) -> usize {
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
#[cfg_attr(not(loom), repr(align(64)))]
struct RingSlot {
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
    spill: Slot<Spill>,
}

impl RingSlot {
    fn new(empty: &Arc<Spill>) -> Self {
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
            spill: Slot::new(empty.clone()),
        }
    }
}

/// How long a writer spins for a busy slot (a writer a lap behind, mid-copy) before it gives
/// its own record up instead of waiting.
#[cfg(not(loom))]
const BUSY_SPINS: u32 = 64;
#[cfg(loom)]
const BUSY_SPINS: u32 = 1;

/// The outcome of reading one slot for one sequence.
enum Got {
    Record(Request),
    Missed,
    Unpublished,
}

/// The result of a cursor read.
#[derive(Debug, Clone, Default)]
pub struct ReadResult {
    /// Records in sequence order.
    pub requests: Vec<Request>,
    /// The cursor for the next read.
    pub next: u64,
    /// Records after the cursor that were evicted before this read reached them.
    pub missed: u64,
}

/// The lock-free request log.
pub struct RequestLog {
    head: CachePadded<AtomicU64>,
    slots: Chunks,
    /// Bytes of live spills ([`Spill`]'s charge; shared with them so dropping one credits it).
    spilled: Arc<CachePadded<AtomicUsize>>,
    /// Most bytes `spilled` may reach: `max_bytes` less the slots and the chunk table.
    spill_budget: usize,
    /// Sequences below this had their long fields evicted already (a hint that makes eviction
    /// walk each sequence about once; see `evict`).
    evict_from: CachePadded<AtomicU64>,
    /// The spill every slot starts with (no meter, matches no sequence).
    empty: Arc<Spill>,
    unrouted: Striped,
    /// Requests whose route found no stats slot (`max_routes` reached).
    overflow: Striped,
    routes: Rcu<ShardedMap<u64, Arc<Striped>>>,
    /// A direct-mapped cache in front of `routes` (entry `id % ROUTE_CACHE`): a pointer to the
    /// stats of a route in the map, or null. Recording checks the entry's `id` and falls back
    /// to the map, so a miss or a collision only costs the map read.
    route_cache: Box<[AtomicPtr<Striped>]>,
    cfg: RequestsConfig,
}

/// Entries of the route-stats cache (route ids are small counters, so up to this many routes
/// never collide).
#[cfg(not(loom))]
const ROUTE_CACHE: usize = 256;
#[cfg(loom)]
const ROUTE_CACHE: usize = 2;

impl Default for RequestLog {
    fn default() -> Self {
        Self::new(RequestsConfig::default()).expect("default config is valid")
    }
}

/// Slots per chunk (256 KiB of slots): the unit in which slot memory is committed.
#[cfg(not(loom))]
const CHUNK: usize = 1024;
/// Two under loom, so a model with a few slots allocates more than one chunk.
#[cfg(loom)]
const CHUNK: usize = 2;

/// The ring's slots, allocated a chunk at a time by the first writer that needs one (module
/// docs, "Memory"). A chunk pointer goes from null to its chunk once and stays until drop.
struct Chunks {
    /// Chunk `k` holds slots `k * CHUNK ..` (the last one fewer); null until allocated.
    ptrs: Box<[AtomicPtr<RingSlot>]>,
    /// Chunks allocated; once it equals `ptrs.len()` writers skip the allocation check.
    made: CachePadded<AtomicUsize>,
    capacity: usize,
}

impl Chunks {
    /// The chunk table for `capacity` slots; its allocation is fallible (`NoMem`).
    fn new(capacity: usize) -> Result<Self> {
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
    fn table_bytes(capacity: usize) -> usize {
        capacity.div_ceil(CHUNK) * std::mem::size_of::<AtomicPtr<RingSlot>>()
    }

    fn chunk_len(&self, k: usize) -> usize {
        CHUNK.min(self.capacity - k * CHUNK)
    }

    fn all_made(&self) -> bool {
        // Acquire: pairs with the Release increments in `make`, so every chunk pointer
        // installed before them is visible to this thread's later Acquire loads.
        self.made.load(Ordering::Acquire) == self.ptrs.len()
    }

    /// Slot bytes committed so far (allocated chunks).
    fn bytes(&self) -> usize {
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
    fn ensure(&self, from: u64, n: u64, empty: &Arc<Spill>) -> Result<()> {
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
    fn slot(&self, s: u64) -> Option<&RingSlot> {
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

/// Checks `cfg` against the documented bounds (see [`RequestLog::new`] for the errors);
/// returns the bytes left for long fields once the slots and the chunk table are counted.
pub fn check_config(cfg: &RequestsConfig) -> Result<usize> {
    if cfg.capacity == 0 || cfg.max_field == 0 {
        return Err(Error::Invalid("capacity and max_field must be > 0"));
    }
    if cfg.capacity > MAX_CAPACITY || cfg.max_field > MAX_FIELD || cfg.max_routes > MAX_ROUTES {
        return Err(Error::TooLarge);
    }
    let fixed = RequestLog::fixed_bytes(cfg.capacity);
    let longest = 4 * cfg.max_field;
    let one = if longest > SLOT_INLINE {
        Spill::charge_of(longest)
    } else {
        0
    };
    let spill_budget = effective_max_bytes(cfg)
        .checked_sub(fixed)
        .filter(|b| *b >= one)
        .ok_or(Error::TooLarge)?;
    Ok(spill_budget)
}

/// `cfg.max_bytes`, or the default for 0.
fn effective_max_bytes(cfg: &RequestsConfig) -> usize {
    if cfg.max_bytes == 0 {
        DEFAULT_MAX_BYTES
    } else {
        cfg.max_bytes
    }
}

/// Bytes of a request's method, host, path and trace id together.
fn fields_len(r: &Request) -> usize {
    r.method.len() + r.host.len() + r.path.len() + r.trace_id.len()
}

/// A checked request ready to be claimed: its long fields (if over the inline words) already
/// packed into their own allocation and charged to the log's byte budget.
struct Prepared {
    r: Request,
    /// Lengths of method, host, path and trace id.
    lens: [usize; 4],
    long: Option<Box<[u8]>>,
}

impl RequestLog {
    /// A log with `cfg`.
    ///
    /// Errors: `Invalid` (zero `capacity` or `max_field`), `TooLarge` (a field
    /// over its largest value, see [`RequestsConfig`], or `max_bytes` below `capacity` x
    /// [`SLOT_BYTES`] + the chunk table (8 bytes per 1024 slots) + the charge of one record
    /// whose four fields are `max_field` long), `NoMem` (the chunk table could not be
    /// allocated). No slot is allocated here.
    pub fn new(cfg: RequestsConfig) -> Result<Self> {
        let spill_budget = check_config(&cfg)?;
        let cfg = RequestsConfig {
            max_bytes: effective_max_bytes(&cfg),
            ..cfg
        };
        Ok(RequestLog {
            head: CachePadded::new(AtomicU64::new(0)),
            slots: Chunks::new(cfg.capacity)?,
            spilled: Arc::new(CachePadded::new(AtomicUsize::new(0))),
            spill_budget,
            evict_from: CachePadded::new(AtomicU64::new(0)),
            empty: Arc::new(Spill {
                seq: u64::MAX,
                bytes: Box::new([]),
                meter: None,
            }),
            unrouted: Striped::new(0),
            overflow: Striped::new(0),
            route_cache: (0..ROUTE_CACHE)
                .map(|_| AtomicPtr::new(std::ptr::null_mut()))
                .collect(),
            routes: Rcu::new(ShardedMap::new()),
            cfg,
        })
    }

    /// Bytes of the slots and the chunk table of a ring of `capacity` records (what
    /// `max_bytes` must hold besides long fields).
    pub fn fixed_bytes(capacity: usize) -> usize {
        capacity
            .saturating_mul(std::mem::size_of::<RingSlot>())
            .saturating_add(Chunks::table_bytes(capacity))
    }

    /// Ring capacity.
    pub fn capacity(&self) -> usize {
        self.cfg.capacity
    }

    /// The bounds the log was made with.
    pub fn config(&self) -> RequestsConfig {
        self.cfg
    }

    /// Bytes the ring retains now: allocated slots, the chunk table, and live long fields
    /// (those of records in the ring, of overwritten records not yet evicted, and of replaced
    /// ones a reader is still copying). Never more than `max_bytes`.
    pub fn retained_bytes(&self) -> usize {
        // Relaxed: a statistic.
        self.slots.bytes()
            + Chunks::table_bytes(self.cfg.capacity)
            + self.spilled.load(Ordering::Relaxed)
    }

    fn check(&self, r: &Request) -> Result<()> {
        let m = self.cfg.max_field;
        check_len(&r.method, m)?;
        check_len(&r.host, m)?;
        check_len(&r.path, m)?;
        check_len(&r.trace_id, m)?;
        if r.flags & !ALL_FLAGS != 0 {
            return Err(Error::Invalid("unknown request flag"));
        }
        Ok(())
    }

    /// Appends one request; returns its sequence number.
    ///
    /// Errors (nothing is recorded): `TooLarge` (a field over `max_field`), `Invalid` (unknown
    /// flag bits), `NoMem` (a slot chunk or the long fields could not be allocated), `Full`
    /// (its long fields do not fit `max_bytes` even after evicting every older record's: the
    /// rest is held by records other threads are writing or reading right now).
    pub fn record(&self, r: Request) -> Result<u64> {
        self.check(&r)?;
        let p = self.prepare(vec![r])?;
        let seq = self.claim(1).inspect_err(|_| self.uncharge(&p))?;
        self.store_all(seq, p, 0);
        Ok(seq)
    }

    /// Appends requests as one contiguous, ordered range of sequence numbers; returns the first
    /// (for an empty batch: the next sequence number). All or nothing: errors as
    /// [`RequestLog::record`], and `TooLarge` also when the batch has more requests than the
    /// ring's capacity (it would overwrite itself) or its long fields together are more than
    /// `max_bytes` can hold.
    pub fn record_batch(&self, rs: Vec<Request>) -> Result<u64> {
        if rs.len() > self.capacity() {
            return Err(Error::TooLarge);
        }
        for r in &rs {
            self.check(r)?;
        }
        let p = self.prepare(rs)?;
        let first = self
            .claim(p.len() as u64)
            .inspect_err(|_| self.uncharge(&p))?;
        self.store_all(first, p, crate::time::now_ns());
        Ok(first)
    }

    /// Packs the long fields of `rs` into their allocations and charges them to the budget
    /// (evicting older long fields if needed). On error nothing stays charged.
    fn prepare(&self, rs: Vec<Request>) -> Result<Vec<Prepared>> {
        let need = rs.iter().fold(0usize, |a, r| {
            let n = fields_len(r);
            if n > SLOT_INLINE {
                a.saturating_add(Spill::charge_of(n))
            } else {
                a
            }
        });
        self.reserve(need)?;
        let mut out = Vec::new();
        let packed = out.try_reserve_exact(rs.len()).map_err(|_| Error::NoMem);
        let packed = packed.and_then(|()| {
            for mut r in rs {
                let n = fields_len(&r);
                let lens = [r.method.len(), r.host.len(), r.path.len(), r.trace_id.len()];
                let long = if n > SLOT_INLINE {
                    let mut b = Vec::new();
                    b.try_reserve_exact(n).map_err(|_| Error::NoMem)?;
                    for f in [&mut r.method, &mut r.host, &mut r.path, &mut r.trace_id] {
                        b.extend_from_slice(f);
                        // The bytes now live in `b`; the lengths stay for the slot's words.
                        f.truncate(0);
                        f.shrink_to_fit();
                    }
                    Some(b.into_boxed_slice())
                } else {
                    None
                };
                out.push(Prepared { r, lens, long });
            }
            Ok(())
        });
        if let Err(e) = packed {
            // Relaxed: as in `Spill::drop`.
            self.spilled.fetch_sub(need, Ordering::Relaxed);
            return Err(e);
        }
        Ok(out)
    }

    /// Charges `need` bytes of long fields to the budget, first evicting the oldest records'
    /// long fields if they would not fit.
    fn reserve(&self, need: usize) -> Result<()> {
        if need == 0 {
            return Ok(());
        }
        if need > self.spill_budget {
            return Err(Error::TooLarge);
        }
        let mut evicted = false;
        // Relaxed (load and CAS): a byte count that publishes nothing.
        let mut cur = self.spilled.load(Ordering::Relaxed);
        loop {
            if cur.saturating_add(need) <= self.spill_budget {
                match self.spilled.compare_exchange_weak(
                    cur,
                    cur + need,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Ok(()),
                    Err(v) => cur = v,
                }
                continue;
            }
            if evicted {
                return Err(Error::Full);
            }
            self.evict(need);
            evicted = true;
            // Relaxed: as above.
            cur = self.spilled.load(Ordering::Relaxed);
        }
    }

    /// Evicts long fields oldest record first (the slot's spill becomes the empty one, so
    /// readers count that record as missed) until `need` more bytes fit or every record in
    /// the ring was visited. A spill a reader holds is credited when the reader drops it.
    fn evict(&self, need: usize) {
        // Relaxed: `head` bounds the walk only; `evict_from` is a hint (walking a sequence
        // twice is harmless, skipping one only leaves its spill for a later walk).
        let head = self.head.load(Ordering::Relaxed);
        let from = self
            .evict_from
            .load(Ordering::Relaxed)
            .max(head.saturating_sub(self.cfg.capacity as u64));
        let mut s = from;
        while s < head {
            // Relaxed: as in `reserve`.
            if self.spilled.load(Ordering::Relaxed).saturating_add(need) <= self.spill_budget {
                break;
            }
            if let Some(slot) = self.slots.slot(s) {
                let sp = slot.spill.load_full();
                // Only this sequence's spill or an older one: a larger sequence is a record a
                // lap newer, evicted (if need be) when the walk reaches it.
                if sp.meter.is_some() && sp.seq <= s {
                    // A lost CAS means a writer replaced it meanwhile: leave that one.
                    slot.spill.cas(&sp, self.empty.clone());
                }
            }
            s += 1;
        }
        // Relaxed: as above.
        self.evict_from.fetch_max(s, Ordering::Relaxed);
    }

    /// Claims `n` consecutive sequence numbers, first making every slot chunk they need (so a
    /// claimed sequence always has its slot, and a failed allocation claims nothing).
    fn claim(&self, n: u64) -> Result<u64> {
        loop {
            if self.slots.all_made() {
                // Relaxed: the claim only needs uniqueness; readers validate each slot's stamp
                // and never infer publication from `head`.
                return Ok(self.head.fetch_add(n, Ordering::Relaxed));
            }
            // Relaxed (load and CAS): as above; the chunks are made by this thread before its
            // claim, and other threads find them through the chunk pointers (Acquire).
            let h = self.head.load(Ordering::Relaxed);
            self.slots.ensure(h, n, &self.empty)?;
            if self
                .head
                .compare_exchange_weak(h, h + n, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return Ok(h);
            }
        }
    }

    /// Takes back the charge of prepared records that will not be stored.
    fn uncharge(&self, p: &[Prepared]) {
        let n = p.iter().fold(0usize, |a, x| {
            a + x.long.as_ref().map_or(0, |b| Spill::charge_of(b.len()))
        });
        // Relaxed: as in `Spill::drop`.
        self.spilled.fetch_sub(n, Ordering::Relaxed);
    }

    /// Stores prepared records at `first..` (`now` = 0: read the clock per record).
    fn store_all(&self, first: u64, p: Vec<Prepared>, now: u64) {
        for (i, x) in p.into_iter().enumerate() {
            self.store(first + i as u64, x, now);
        }
    }

    /// Stamps, counts and publishes one checked request at its claimed `seq` (`now` = 0: read
    /// the clock if the request has no time).
    fn store(&self, seq: u64, mut p: Prepared, now: u64) {
        let r = &mut p.r;
        r.seq = seq;
        if r.time_ns == 0 {
            r.time_ns = if now == 0 { crate::time::now_ns() } else { now };
        }
        if r.status >= 400 || r.flags & FLAG_TRANSPORT_ERROR != 0 {
            r.flags |= FLAG_ERROR;
        }
        self.count(r);
        self.publish(seq, p);
    }

    /// Publishes record `seq` into its slot (the writer side of the module's protocol).
    fn publish(&self, seq: u64, p: Prepared) {
        let Some(slot) = self.slots.slot(seq) else {
            // Unreachable: `claim` made (or saw, with Acquire) the chunk of `seq` in this
            // thread before claiming it, and a chunk is never removed while `self` lives.
            debug_assert!(false, "slot chunk of a claimed sequence is missing");
            return;
        };
        let Prepared { r, lens, long } = p;
        // Made before the claim loop, so a record given up below credits its charge at once.
        let long = long.map(|bytes| {
            Arc::new(Spill {
                seq,
                bytes,
                meter: Some(self.spilled.clone()),
            })
        });
        let mine = stamp(seq, WRITING);
        let mut spins = 0;
        // Acquire: a done stamp we then claim must order our stores after the previous
        // writer's (its Release commit), so ours are the later ones in every word.
        let mut cur = slot.stamp.load(Ordering::Acquire);
        loop {
            if cur >> 1 > seq + 1 {
                return; // overtaken by a writer a lap ahead: ours counts as evicted
            }
            if cur & WRITING != 0 {
                if spins < BUSY_SPINS {
                    spins += 1;
                    spin_loop();
                    // Acquire: as above.
                    cur = slot.stamp.load(Ordering::Acquire);
                    continue;
                }
                // A writer a lap behind is paused mid-copy: give ours up rather than wait.
                // Relaxed: nothing else is published with the mark (readers only compare it).
                slot.lost.fetch_max(seq + 1, Ordering::Relaxed);
                return;
            }
            // Success Acquire: as for the load above. Failure Acquire: `cur` is used as above.
            match slot
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
        slot.time_ns.store(r.time_ns, Ordering::Relaxed);
        slot.status_flags.store(
            u64::from(r.status) | u64::from(r.flags) << 32,
            Ordering::Relaxed,
        );
        slot.duration_ns.store(r.duration_ns, Ordering::Relaxed);
        slot.bytes.store(r.bytes, Ordering::Relaxed);
        slot.process_id.store(r.process_id, Ordering::Relaxed);
        slot.route_id.store(r.route_id, Ordering::Relaxed);
        let pack = |a: usize, b: usize| a as u64 | (b as u64) << 32;
        slot.lens_a.store(pack(lens[0], lens[1]), Ordering::Relaxed);
        slot.lens_b.store(pack(lens[2], lens[3]), Ordering::Relaxed);
        match long {
            None => {
                let total: usize = lens.iter().sum();
                let mut buf = [0u8; SLOT_INLINE];
                let mut at = 0;
                for f in [&r.method, &r.host, &r.path, &r.trace_id] {
                    buf[at..at + f.len()].copy_from_slice(f);
                    at += f.len();
                }
                for (w, chunk) in slot
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
                    let old = slot.spill.load_full();
                    if slot.spill.cas(&old, new.clone()) {
                        break;
                    }
                }
            }
        }
        // Commit. A plain store (no read-modify-write): while the stamp says WRITING(seq) only
        // we write it (claims need a done stamp; a writer giving up writes `lost`). Release:
        // publishes the stores above to readers that Acquire-load the done stamp, and to the
        // next writer of the slot.
        slot.stamp.store(stamp(seq, 0), Ordering::Release);
    }

    /// Reads record `s` from its slot (the reader side of the module's protocol).
    fn get(&self, s: u64) -> Got {
        let Some(slot) = self.slots.slot(s) else {
            return Got::Unpublished; // its writer is making the chunk (or we do not see it yet)
        };
        // Acquire: pairs with the writer's Release commit, so the words hold record `s` (or
        // something later, which the second stamp load detects).
        let a = slot.stamp.load(Ordering::Acquire);
        if a >> 1 > s + 1 {
            return Got::Missed;
        }
        if a >> 1 < s + 1 {
            // Relaxed: the mark carries no data; a reader that misses it stops here and sees it
            // on a later read.
            if slot.lost.load(Ordering::Relaxed) > s {
                return Got::Missed; // its writer gave it up
            }
            return Got::Unpublished;
        }
        if a & WRITING != 0 {
            return Got::Unpublished;
        }
        // Relaxed (all copies): validated by the stamp check below.
        let time_ns = slot.time_ns.load(Ordering::Relaxed);
        let status_flags = slot.status_flags.load(Ordering::Relaxed);
        let duration_ns = slot.duration_ns.load(Ordering::Relaxed);
        let bytes = slot.bytes.load(Ordering::Relaxed);
        let process_id = slot.process_id.load(Ordering::Relaxed);
        let route_id = slot.route_id.load(Ordering::Relaxed);
        let lens_a = slot.lens_a.load(Ordering::Relaxed);
        let lens_b = slot.lens_b.load(Ordering::Relaxed);
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
            spill = Some(slot.spill.load_full());
        } else {
            // A torn `lens` may be anything: never copy past the inline words.
            for (w, out) in slot
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
        if slot.stamp.load(Ordering::Relaxed) != a {
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

    fn count(&self, r: &Request) {
        if r.route_id == 0 {
            self.unrouted.add(r);
            return;
        }
        let entry = &self.route_cache[(r.route_id % ROUTE_CACHE as u64) as usize];
        // Acquire: pairs with the Release store that filled the entry, so the stats it points
        // to are seen initialised.
        let p = entry.load(Ordering::Acquire);
        if !p.is_null() {
            // SAFETY: the cache only ever holds `Arc::as_ptr` of stats that are in the
            // published route map, whose entries are never removed or replaced; so the map
            // (owned by `self`) keeps every such `Arc` alive as long as `self` lives.
            let s = unsafe { &*p };
            if s.id == r.route_id {
                s.add(r);
                return;
            }
        }
        // Count inside the read: no clone of the stats' Arc, so no shared refcount write.
        let hit = self.routes.read(|m| {
            m.value.get(&r.route_id).map(|s| {
                s.add(r);
                Arc::as_ptr(s).cast_mut()
            })
        });
        if let Some(p) = hit {
            // Release: publishes the stats' initialisation to readers of the entry (as above).
            entry.store(p, Ordering::Release);
            return;
        }
        let max = self.cfg.max_routes;
        let id = r.route_id;
        let made = self.routes.update(|m| {
            if let Some(s) = m.get(&id) {
                return Ok((m.clone(), s.clone()));
            }
            if m.len() >= max {
                return Err(Error::Full);
            }
            let mut n = m.clone();
            let s = Arc::new(Striped::new(id));
            n.insert(id, s.clone());
            Ok((n, s))
        });
        match made {
            Ok((s, _)) => {
                s.add(r);
                // Release: as above; `s` is the Arc in the published map.
                entry.store(Arc::as_ptr(&s).cast_mut(), Ordering::Release);
            }
            Err(_) => self.overflow.add(r),
        }
    }

    /// Reads up to `max` records after `cursor` (start at 0; pass back `next`). See the module
    /// docs for what `missed` counts.
    pub fn read(&self, cursor: u64, max: usize) -> ReadResult {
        // Relaxed: bounds the scan only; each slot's stamp is validated after an Acquire load.
        let head = self.head.load(Ordering::Relaxed);
        let cap = self.cfg.capacity as u64;
        let start = cursor.max(head.saturating_sub(cap));
        let mut out = ReadResult {
            requests: Vec::new(),
            next: start,
            missed: start.saturating_sub(cursor),
        };
        let mut s = start;
        while s < head && out.requests.len() < max {
            match self.get(s) {
                Got::Record(r) => out.requests.push(r),
                Got::Missed => out.missed += 1,
                Got::Unpublished => break,
            }
            s += 1;
        }
        out.next = s;
        out
    }

    /// The last `n` published records still in the ring, oldest first.
    pub fn recent(&self, n: usize) -> Vec<Request> {
        // Relaxed: as in `read`.
        let head = self.head.load(Ordering::Relaxed);
        let cap = self.cfg.capacity as u64;
        let n = (n as u64).min(cap);
        let mut v = Vec::new();
        for s in head.saturating_sub(n)..head {
            if let Got::Record(r) = self.get(s) {
                v.push(r);
            }
        }
        v
    }

    /// The next sequence number to be claimed (= records ever recorded).
    pub fn head(&self) -> u64 {
        // Relaxed: a statistic.
        self.head.load(Ordering::Relaxed)
    }

    /// Stats of route `id` (0: unrouted); `NotFound` if it never had a request.
    pub fn route_stats(&self, id: u64) -> Result<StatsView> {
        if id == 0 {
            return Ok(self.unrouted.view());
        }
        self.routes
            .read(|m| m.value.get(&id).map(|s| s.view()))
            .ok_or(Error::NotFound)
    }

    /// Stats over every request: the sum of every route's, the unrouted and the overflow
    /// stats (so recording touches one stats block, and this read sums them all).
    pub fn global_stats(&self) -> StatsView {
        let mut c = Counts::new();
        self.unrouted.sum_into(&mut c);
        self.overflow.sum_into(&mut c);
        self.routes.read(|m| {
            for (_, s) in m.value.iter() {
                s.sum_into(&mut c);
            }
        });
        c.view()
    }

    /// Requests whose route had no stats slot left (`max_routes` reached).
    pub fn stats_overflow(&self) -> u64 {
        self.overflow.view().requests
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// Regression (found by the `abi` fuzz target / test_hostile.c): capacity = SIZE_MAX from
    /// C panicked in the slot allocation (LFE_E_PANIC), and a large but not overflowing one
    /// would abort on allocation failure. Now refused up front.
    #[test]
    fn absurd_capacity_is_too_large() {
        let cfg = |capacity| RequestsConfig {
            capacity,
            ..Default::default()
        };
        assert!(matches!(
            RequestLog::new(cfg(usize::MAX)),
            Err(Error::TooLarge)
        ));
        assert!(matches!(
            RequestLog::new(cfg(MAX_CAPACITY + 1)),
            Err(Error::TooLarge)
        ));
        assert!(RequestLog::new(cfg(4)).is_ok());
    }

    #[test]
    fn a_slot_is_four_cache_lines() {
        assert_eq!(std::mem::size_of::<RingSlot>(), SLOT_BYTES);
        assert_eq!(SLOT_INLINE, INLINE_BYTES);
    }

    fn long(route: u64, path_len: usize) -> Request {
        Request {
            method: b"GET".to_vec(),
            path: vec![b'p'; path_len],
            route_id: route,
            ..Default::default()
        }
    }

    /// With the budget taken by long fields held elsewhere (as by writers and readers in
    /// flight), a record with long fields is refused with `Full` and nothing changes; short
    /// records still go in; once the holders let go, long ones do too.
    #[test]
    fn long_fields_over_the_budget_held_elsewhere_are_full() {
        let l = RequestLog::new(RequestsConfig {
            capacity: 4,
            max_field: 300,
            max_bytes: RequestLog::fixed_bytes(4) + Spill::charge_of(1200),
            ..Default::default()
        })
        .unwrap();
        let budget = l.spill_budget;
        l.spilled.fetch_add(budget, Ordering::Relaxed);
        assert_eq!(l.record(long(1, 200)), Err(Error::Full));
        assert_eq!(
            l.record_batch(vec![long(1, 1), long(1, 200)]),
            Err(Error::Full)
        );
        assert_eq!((l.head(), l.global_stats().requests), (0, 0));
        assert_eq!(l.record(long(1, 10)), Ok(0));
        l.spilled.fetch_sub(budget, Ordering::Relaxed);
        assert_eq!(l.record(long(1, 200)), Ok(1));
        assert_eq!(l.spilled.load(Ordering::Relaxed), Spill::charge_of(203));
        let got = l.read(0, 10);
        assert_eq!((got.requests.len(), got.missed), (2, 0));
        assert_eq!(got.requests[1].path.len(), 200);
    }

    /// A batch whose long fields together exceed what `max_bytes` can ever hold is `TooLarge`.
    #[test]
    fn a_batch_longer_than_the_budget_is_too_large() {
        let l = RequestLog::new(RequestsConfig {
            capacity: 8,
            max_field: 300,
            max_bytes: RequestLog::fixed_bytes(8) + Spill::charge_of(1200),
            ..Default::default()
        })
        .unwrap();
        let b = vec![long(0, 200); 6];
        assert_eq!(l.record_batch(b), Err(Error::TooLarge));
        assert_eq!((l.head(), l.spilled.load(Ordering::Relaxed)), (0, 0));
    }

    /// Slot chunks are allocated as the ring first fills, before their sequences are claimed.
    #[test]
    fn slot_chunks_are_committed_as_the_ring_fills() {
        let cap = 3 * CHUNK;
        let l = RequestLog::new(RequestsConfig {
            capacity: cap,
            max_bytes: RequestLog::fixed_bytes(cap) + (1 << 20),
            ..Default::default()
        })
        .unwrap();
        let table = Chunks::table_bytes(cap);
        assert_eq!(l.retained_bytes(), table);
        l.record(long(0, 1)).unwrap();
        assert_eq!(l.retained_bytes(), table + CHUNK * SLOT_BYTES);
        // A batch spanning the rest of chunk 0 and into chunk 1 makes chunk 1 first.
        l.record_batch(vec![long(0, 1); CHUNK]).unwrap();
        assert_eq!(l.retained_bytes(), table + 2 * CHUNK * SLOT_BYTES);
        // A batch wrapping past the end makes the last chunk (and finds chunk 0 made).
        l.record_batch(vec![long(0, 1); 2 * CHUNK]).unwrap();
        assert_eq!(l.retained_bytes(), table + cap * SLOT_BYTES);
        assert!(l.slots.all_made());
        assert_eq!(l.read(0, usize::MAX).requests.len(), cap);
    }

    #[test]
    fn long_fields_spill_and_read_back() {
        let l = RequestLog::new(RequestsConfig {
            capacity: 2,
            ..Default::default()
        })
        .unwrap();
        let mut r = Request {
            method: b"GET".to_vec(),
            host: vec![b'h'; INLINE_BYTES - 3],
            ..Default::default()
        };
        l.record(r.clone()).unwrap(); // exactly fills the inline words
        r.path = b"/".to_vec();
        l.record(r.clone()).unwrap(); // one byte over: spilled
        r.host = b"h".to_vec();
        l.record(r.clone()).unwrap(); // inline again, over the slot of record 0
        let got = l.read(0, 10);
        assert_eq!((got.next, got.missed), (3, 1));
        assert_eq!(got.requests[0].host.len(), INLINE_BYTES - 3);
        assert_eq!(got.requests[0].path, b"/");
        assert_eq!(got.requests[1].host, b"h");
        assert_eq!(got.requests[1].path, b"/");
        assert_eq!(got.requests[1].method, b"GET");
    }

    #[test]
    fn routes_colliding_in_the_cache_keep_their_own_stats() {
        let l = RequestLog::default();
        let ids = [1, 1 + ROUTE_CACHE as u64, 2, 1 + 2 * ROUTE_CACHE as u64];
        for k in 0..40u64 {
            let id = ids[(k % 4) as usize];
            l.record(Request {
                route_id: id,
                bytes: id,
                ..Default::default()
            })
            .unwrap();
        }
        for id in ids {
            let s = l.route_stats(id).unwrap();
            assert_eq!((s.requests, s.bytes), (10, 10 * id), "route {id}");
        }
        assert_eq!(l.global_stats().requests, 40);
    }

    #[test]
    fn buckets_are_monotone_and_bound_values() {
        let mut last = 0;
        for v in (0..20)
            .chain((1..64).map(|s| 1u64 << s))
            .chain([u64::MAX, 1000, 999_999])
        {
            let b = bucket_of(v);
            assert!(bucket_upper(b) >= v, "{v}");
            if v > 4 {
                assert!(bucket_upper(b) - v <= v / 4, "{v}");
            }
            let _ = last;
            last = b;
        }
        for i in 1..BUCKETS {
            assert!(bucket_upper(i) > bucket_upper(i - 1));
            assert_eq!(bucket_of(bucket_upper(i)), i);
        }
    }
}
