//! The request log: a bounded ring of the proxy's requests plus per-route and global counters
//! and latency histograms.
//!
//! # The ring
//!
//! Records live in the shared lock-free sequence ring ([`crate::ring::Ring`], the same one the
//! log store uses; its publish/read/eviction protocol and invariant are written at the top of
//! `src/ring.rs` and model-checked by `tests/loom_ring.rs`): a record or a batch claims its
//! sequence numbers with one `fetch_add` (a batch gets a contiguous range, so its records stay
//! in order) and is published with one CAS; readers see each record whole, once, in sequence
//! order, and count evicted ones as missed. The record's `seq` field is the ring's sequence.
//!
//! # Counters
//!
//! Per-route [`RouteStats`] (requests, errors, bytes, a log-scale latency histogram: all
//! `Relaxed` atomics) live in an RCU map from route id, created on a route's first request and
//! bounded by `max_routes`; route id 0 is the "unrouted" bucket. Requests for further routes
//! are still counted in the global stats (and in `stats_overflow`).

use super::{check_len, Rcu, ShardedMap, Store};
use crate::ring::Ring;
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
        Self::view_of(&[self])
    }

    /// The sum of several stats objects (the global stats are striped per thread).
    fn view_of(parts: &[impl std::ops::Deref<Target = RouteStats>]) -> StatsView {
        // Relaxed: statistics, see `add`.
        let sum = |f: &dyn Fn(&RouteStats) -> &AtomicU64| -> u64 {
            parts.iter().map(|p| f(p).load(Ordering::Relaxed)).sum()
        };
        let counts: Vec<u64> = (0..BUCKETS).map(|i| sum(&|p| &p.hist[i])).collect();
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
            requests: sum(&|p| &p.requests),
            errors: sum(&|p| &p.errors),
            bytes: sum(&|p| &p.bytes),
            p50_ns: pct(50),
            p90_ns: pct(90),
            p99_ns: pct(99),
        }
    }
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
    ring: Ring<Request>,
    /// Global stats, striped per thread (`ring::stripe_index`) so that concurrent recorders do
    /// not all write the same cache lines; read as their sum.
    global: Box<[CachePadded<RouteStats>]>,
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

/// Largest ring capacity (2^24 records): the slots are allocated up front, so an absurd
/// capacity must be refused, not attempted (an allocation failure aborts the host).
const MAX_CAPACITY: usize = 1 << 24;

impl RequestLog {
    /// A log with `cfg`; zero `capacity` or `max_field` is `Invalid`, a capacity over 2^24
    /// records is `TooLarge`.
    pub fn new(cfg: RequestsConfig) -> Result<Self> {
        if cfg.capacity == 0 || cfg.max_field == 0 {
            return Err(Error::Invalid("capacity and max_field must be > 0"));
        }
        if cfg.capacity > MAX_CAPACITY {
            return Err(Error::TooLarge);
        }
        Ok(RequestLog {
            ring: Ring::new(cfg.capacity)?,
            global: (0..crate::ring::STRIPES)
                .map(|_| CachePadded::new(RouteStats::default()))
                .collect(),
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
        self.check(&r)?;
        Ok(self.ring.push(self.prepare(r, 0)))
    }

    /// Appends requests as one contiguous, ordered range of sequence numbers; returns the first
    /// (for an empty batch: the next sequence number). Nothing is appended if any is invalid.
    pub fn record_batch(&self, rs: Vec<Request>) -> Result<u64> {
        for r in &rs {
            self.check(r)?;
        }
        let now = crate::time::now_ns();
        let r = self
            .ring
            .push_batch(rs.into_iter().map(|r| self.prepare(r, now)));
        Ok(r.start)
    }

    /// Stamps and counts one checked request before it is pushed (`now` = 0: read the clock if
    /// the request has no time). Its `seq` is filled in from the ring when it is read.
    fn prepare(&self, mut r: Request, now: u64) -> Request {
        if r.time_ns == 0 {
            r.time_ns = if now == 0 { crate::time::now_ns() } else { now };
        }
        if r.status >= 400 || r.flags & FLAG_TRANSPORT_ERROR != 0 {
            r.flags |= FLAG_ERROR;
        }
        self.count(&r);
        r
    }

    fn count(&self, r: &Request) {
        self.global[crate::ring::stripe_index()].add(r);
        if r.route_id == 0 {
            self.unrouted.add(r);
            return;
        }
        // Count inside the read: no clone of the stats' Arc, so no shared refcount write.
        if self
            .routes
            .read(|m| m.value.get(&r.route_id).map(|s| s.add(r)).is_some())
        {
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
        let mut requests = Vec::new();
        let r = self.ring.read_from(cursor, max, |seq, req| {
            let mut c = req.clone();
            c.seq = seq;
            requests.push(c);
        });
        ReadResult {
            requests,
            next: r.next,
            missed: r.missed,
        }
    }

    /// The last `n` published records still in the ring, oldest first.
    pub fn recent(&self, n: usize) -> Vec<Request> {
        self.ring.last_n(n, |seq, req| {
            let mut c = req.clone();
            c.seq = seq;
            c
        })
    }

    /// The next sequence number to be claimed (= records ever recorded).
    pub fn head(&self) -> u64 {
        self.ring.appended()
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
        RouteStats::view_of(&self.global)
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
