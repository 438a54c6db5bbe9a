//! The request log: a bounded ring of the proxy's requests plus per-route and global counters
//! and latency histograms.
//!
//! * `ring.rs`: the ring, seqlock slots of atomic words committed a chunk at a time (its
//!   protocol and invariant are at its top);
//! * `counters.rs`: per-route, unrouted and overflow stats (striped counters, histograms);
//! * this file: the public API, the configuration and its bounds, and the byte budget for long
//!   fields (reserve, evict).
//!
//! # Why its own ring, not `src/ring/`
//!
//! `src/ring/` is a ring of *pointers* to heap entries: every push allocates an entry, and a
//! replaced entry is freed through `crossbeam-epoch` once no pinned thread can still read it.
//! That fits log lines (variable size, read in place by borrowing), and its byte bound holds
//! while no thread stays pinned. A request is the other case:
//! * **fixed size**: its fixed fields and up to [`INLINE_BYTES`] of method, host, path and
//!   trace id fit one [`SLOT_BYTES`] slot, so a record is stored *by value* in the slot's
//!   atomic words, with no allocation per record;
//! * **no reclamation**: a slot is overwritten in place and readers validate their copy against
//!   the slot's stamp (a seqlock), so nothing is retired or deferred (only long fields, which
//!   are rare, live in a counted `Arc`);
//! * **bounded in bytes without a caveat**: slots plus live long fields, whatever readers do,
//!   where the epoch ring's deferred garbage grows while any thread stays pinned;
//! * reads return owned copies (`Vec<Request>`), so borrowing in place would buy nothing.
//!
//! Moving the log onto `src/ring/` was tried and reverted (git history: the epoch ring's
//! deferred garbage grew resident memory under the soak's request rate). What the two rings
//! share is the sequence discipline (one `fetch_add` claims, record `s` in slot `s % capacity`,
//! an older record never overwrites a newer one, readers stop at the first unpublished
//! sequence), which each states at its top.
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
//! `tests/loom_table.rs` model-checks the ring and the counters (the same code, over
//! `crate::sync`).

mod counters;
mod ring;
#[cfg(all(test, not(loom)))]
mod tests;

pub use counters::{RouteStats, StatsView};

use super::check_len;
use crate::sync::{AtomicU64, AtomicUsize, Ordering};
use crate::{Error, Result};
use counters::RouteCounters;
use crossbeam_utils::CachePadded;
use ring::{Chunks, Got, RingSlot, Spill, SLOT_INLINE};
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
    /// Per-route, unrouted and overflow stats.
    counters: RouteCounters,
    cfg: RequestsConfig,
}

impl Default for RequestLog {
    fn default() -> Self {
        Self::new(RequestsConfig::default()).expect("default config is valid")
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
            counters: RouteCounters::new(cfg.max_routes),
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
            r.time_ns = crate::time::or_now(now);
        }
        if r.status >= 400 || r.flags & FLAG_TRANSPORT_ERROR != 0 {
            r.flags |= FLAG_ERROR;
        }
        self.counters.count(r);
        self.publish(seq, p);
    }

    /// Publishes record `seq` into its slot (the writer side of the ring protocol, `ring.rs`).
    fn publish(&self, seq: u64, p: Prepared) {
        let Some(slot) = self.slots.slot(seq) else {
            // Unreachable: `claim` made (or saw, with Acquire) the chunk of `seq` in this
            // thread before claiming it, and a chunk is never removed while `self` lives.
            debug_assert!(false, "slot chunk of a claimed sequence is missing");
            return;
        };
        let Prepared { r, lens, long } = p;
        // Made before the slot is claimed, so a record given up there credits its charge at
        // once.
        let long = long.map(|bytes| {
            Arc::new(Spill {
                seq,
                bytes,
                meter: Some(self.spilled.clone()),
            })
        });
        slot.write(seq, &r, lens, long);
    }

    /// Reads record `s` (the reader side of the ring protocol, `ring.rs`).
    fn get(&self, s: u64) -> Got {
        match self.slots.slot(s) {
            Some(slot) => slot.read(s),
            None => Got::Unpublished, // its writer is making the chunk (or we do not see it yet)
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
        self.counters.route(id)
    }

    /// Stats over every request: the sum of every route's, the unrouted and the overflow
    /// stats (so recording touches one stats block, and this read sums them all).
    pub fn global_stats(&self) -> StatsView {
        self.counters.global()
    }

    /// Requests whose route had no stats slot left (`max_routes` reached).
    pub fn stats_overflow(&self) -> u64 {
        self.counters.overflow()
    }
}
