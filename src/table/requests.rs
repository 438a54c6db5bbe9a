//! The request log: a bounded ring of the proxy's requests plus per-route and global counters
//! and latency histograms.
//!
//! The shared sequence ring (`src/ring.rs`, branch `log`) was not committed when this was
//! written, so the log uses its own small lock-free ring, below.
//!
//! # The ring protocol (the invariant this module keeps)
//!
//! `capacity` slots; slot `i` holds an immutable `Arc<Entry>` stamped with the sequence number
//! it was written for (or `EMPTY`). A writer claims sequence numbers with one `fetch_add` on
//! `head` (a batch claims a contiguous range, so its records stay in order), builds the entry,
//! and publishes it into slot `seq % capacity` with a compare-and-swap that only replaces an
//! entry with a *smaller* stamp: a writer that was overtaken by one a whole lap ahead drops its
//! record (it counts as evicted) instead of overwriting newer data.
//!
//! **Invariant: a slot read for sequence `s` either holds stamp `s` (then the entry is the
//! complete record `s`), a larger stamp (record `s` was evicted), or a smaller stamp / `EMPTY`
//! (record `s` is claimed but not yet published).** A reader at cursor `c` reads
//! `max(c, head - capacity) .. head`, takes entries whose stamp matches, counts larger stamps as
//! missed, and stops at the first unpublished one (its next cursor), so it never sees a record
//! twice, never out of order, and never a half-written one. Readers never write shared memory.
//! A writer stalled between claim and publish holds readers back at its sequence until it
//! publishes or falls a lap behind (then it is skipped as missed).
//!
//! The slots are the same snapshot cells as the RCU tables (arc-swap; an `AtomicPtr` under
//! loom), so `tests/loom_table.rs` model-checks this protocol.
//!
//! # Counters
//!
//! Per-route [`RouteStats`] (requests, errors, bytes, a log-scale latency histogram: all
//! `Relaxed` atomics) live in an RCU map from route id, created on a route's first request and
//! bounded by `max_routes`; route id 0 is the "unrouted" bucket. Requests for further routes
//! are still counted in the global stats (and in `stats_overflow`).

use super::slot::Slot;
use super::{check_len, Rcu, ShardedMap, Store};
use crate::sync::{AtomicU64, Ordering};
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

/// Bounds of a request log.
#[derive(Debug, Clone, Copy)]
pub struct RequestsConfig {
    /// Ring capacity in records (default 1000).
    pub capacity: usize,
    /// Most routes with their own stats (default 1024).
    pub max_routes: usize,
    /// Longest method, host, path or trace id in bytes (default 4096).
    pub max_field: usize,
}

impl Default for RequestsConfig {
    fn default() -> Self {
        RequestsConfig {
            capacity: 1000,
            max_routes: 1024,
            max_field: 4096,
        }
    }
}

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

/// Counters and a latency histogram, updated lock-free.
#[derive(Debug)]
pub struct RouteStats {
    requests: AtomicU64,
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
            requests: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            hist: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl RouteStats {
    pub(crate) fn add(&self, r: &Request) {
        // Relaxed (all four): independent statistics; nothing else is published through them.
        self.requests.fetch_add(1, Ordering::Relaxed);
        if r.flags & FLAG_ERROR != 0 {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        self.bytes.fetch_add(r.bytes, Ordering::Relaxed);
        self.hist[bucket_of(r.duration_ns)].fetch_add(1, Ordering::Relaxed);
    }

    /// Reads the counters (each exact; concurrent updates may land between two of them).
    pub fn view(&self) -> StatsView {
        // Relaxed: statistics, see `add`.
        let counts: Vec<u64> = self
            .hist
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        let pct = |p: u64| -> u64 {
            if total == 0 {
                return 0;
            }
            let rank = (total * p).div_ceil(100).max(1);
            let mut acc = 0;
            for (i, c) in counts.iter().enumerate() {
                acc += c;
                if acc >= rank {
                    return bucket_upper(i);
                }
            }
            bucket_upper(BUCKETS - 1)
        };
        StatsView {
            requests: self.requests.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            p50_ns: pct(50),
            p90_ns: pct(90),
            p99_ns: pct(99),
        }
    }
}

const EMPTY: u64 = u64::MAX;

#[derive(Debug)]
struct Entry {
    /// The sequence this slot content was written for, or `EMPTY`.
    seq: u64,
    req: Request,
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
    slots: Box<[Slot<Entry>]>,
    global: CachePadded<RouteStats>,
    unrouted: CachePadded<RouteStats>,
    routes: Rcu<ShardedMap<u64, Arc<RouteStats>>>,
    overflow: CachePadded<AtomicU64>,
    cfg: RequestsConfig,
}

impl Default for RequestLog {
    fn default() -> Self {
        Self::new(RequestsConfig::default()).expect("default config is valid")
    }
}

impl RequestLog {
    /// A log with `cfg`; zero `capacity` or `max_field` is `Invalid`.
    pub fn new(cfg: RequestsConfig) -> Result<Self> {
        if cfg.capacity == 0 || cfg.max_field == 0 {
            return Err(Error::Invalid("capacity and max_field must be > 0"));
        }
        let empty = Arc::new(Entry {
            seq: EMPTY,
            req: Request::default(),
        });
        Ok(RequestLog {
            head: CachePadded::new(AtomicU64::new(0)),
            slots: (0..cfg.capacity)
                .map(|_| Slot::new(empty.clone()))
                .collect(),
            global: CachePadded::new(RouteStats::default()),
            unrouted: CachePadded::new(RouteStats::default()),
            routes: Rcu::new(ShardedMap::new()),
            overflow: CachePadded::new(AtomicU64::new(0)),
            cfg,
        })
    }

    /// Ring capacity.
    pub fn capacity(&self) -> usize {
        self.cfg.capacity
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
    /// Errors: `TooLarge` (a field over `max_field`), `Invalid` (unknown flag bits).
    pub fn record(&self, r: Request) -> Result<u64> {
        self.record_batch(vec![r])
    }

    /// Appends requests as one contiguous, ordered range of sequence numbers; returns the first
    /// (for an empty batch: the next sequence number). Nothing is appended if any is invalid.
    pub fn record_batch(&self, rs: Vec<Request>) -> Result<u64> {
        for r in &rs {
            self.check(r)?;
        }
        // Relaxed: the claim only needs uniqueness; readers validate each slot's stamp and
        // never infer publication from `head`.
        let first = self.head.fetch_add(rs.len() as u64, Ordering::Relaxed);
        let now = crate::time::now_ns();
        for (i, mut r) in rs.into_iter().enumerate() {
            let seq = first + i as u64;
            r.seq = seq;
            if r.time_ns == 0 {
                r.time_ns = now;
            }
            if r.status >= 400 || r.flags & FLAG_TRANSPORT_ERROR != 0 {
                r.flags |= FLAG_ERROR;
            }
            self.count(&r);
            self.publish(Arc::new(Entry { seq, req: r }));
        }
        Ok(first)
    }

    fn publish(&self, e: Arc<Entry>) {
        let slot = &self.slots[(e.seq % self.cfg.capacity as u64) as usize];
        loop {
            let cur = slot.load_full();
            if cur.seq != EMPTY && cur.seq > e.seq {
                return; // overtaken by a writer a lap ahead: ours counts as evicted
            }
            if slot.cas(&cur, e.clone()) {
                return;
            }
        }
    }

    fn count(&self, r: &Request) {
        self.global.add(r);
        if r.route_id == 0 {
            self.unrouted.add(r);
            return;
        }
        if let Some(s) = self.routes.read(|m| m.value.get(&r.route_id).cloned()) {
            s.add(r);
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
            let s = Arc::new(RouteStats::default());
            n.insert(id, s.clone());
            Ok((n, s))
        });
        match made {
            Ok((s, _)) => s.add(r),
            // Relaxed: a statistic.
            Err(_) => drop(self.overflow.fetch_add(1, Ordering::Relaxed)),
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
            let e = self.slots[(s % cap) as usize].load_full();
            if e.seq == s {
                out.requests.push(e.req.clone());
            } else if e.seq != EMPTY && e.seq > s {
                out.missed += 1;
            } else {
                break; // claimed, not yet published
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
            let e = self.slots[(s % cap) as usize].load_full();
            if e.seq == s {
                v.push(e.req.clone());
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

    /// Stats over every request.
    pub fn global_stats(&self) -> StatsView {
        self.global.view()
    }

    /// Requests whose route had no stats slot left (`max_routes` reached).
    pub fn stats_overflow(&self) -> u64 {
        // Relaxed: a statistic.
        self.overflow.load(Ordering::Relaxed)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

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
