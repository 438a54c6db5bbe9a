//! The request log's counters: per-route, unrouted and overflow stats.
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

use super::{Request, FLAG_ERROR};
use crate::sync::{AtomicPtr, AtomicU64, Ordering, LOOM};
use crate::table::{Rcu, ShardedMap, Store};
use crate::{Error, Result};
use crossbeam_utils::CachePadded;
use std::sync::Arc;

/// Histogram buckets: values 0..4 exactly, then 4 buckets per power of two (<= 25% error).
/// A smaller histogram under loom keeps the model's object count low.
pub(super) const BUCKETS: usize = if LOOM { 8 } else { 252 };

pub(super) fn bucket_of(v: u64) -> usize {
    if v < 4 {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros() as usize;
    let sub = ((v >> (msb - 2)) & 3) as usize;
    (4 + (msb - 2) * 4 + sub).min(BUCKETS - 1)
}

pub(super) fn bucket_upper(i: usize) -> u64 {
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

/// Stat blocks per bucket: a recording thread adds to its own stripe's block. Two under loom
/// (all model threads may share one; any stripe is correct).
const STRIPES: usize = if LOOM { 2 } else { 4 };

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

/// Entries of the route-stats cache (route ids are small counters, so up to this many routes
/// never collide); two under loom, to keep a model small.
pub(super) const ROUTE_CACHE: usize = if LOOM { 2 } else { 256 };

/// The stats of one log: every route's, the unrouted and the overflow bucket (module docs).
pub(super) struct RouteCounters {
    unrouted: Striped,
    /// Requests whose route found no stats slot (`max_routes` reached).
    overflow: Striped,
    routes: Rcu<ShardedMap<u64, Arc<Striped>>>,
    /// A direct-mapped cache in front of `routes` (entry `id % ROUTE_CACHE`): a pointer to the
    /// stats of a route in the map, or null. Recording checks the entry's `id` and falls back
    /// to the map, so a miss or a collision only costs the map read.
    route_cache: Box<[AtomicPtr<Striped>]>,
    max_routes: usize,
}

impl RouteCounters {
    pub(super) fn new(max_routes: usize) -> Self {
        RouteCounters {
            unrouted: Striped::new(0),
            overflow: Striped::new(0),
            routes: Rcu::new(ShardedMap::new()),
            route_cache: (0..ROUTE_CACHE)
                .map(|_| AtomicPtr::new(std::ptr::null_mut()))
                .collect(),
            max_routes,
        }
    }

    /// Adds `r` to its route's stats (or the unrouted or overflow bucket).
    pub(super) fn count(&self, r: &Request) {
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
        let max = self.max_routes;
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

    /// Stats of route `id` (0: unrouted); `NotFound` if it never had a request.
    pub(super) fn route(&self, id: u64) -> Result<StatsView> {
        if id == 0 {
            return Ok(self.unrouted.view());
        }
        self.routes
            .read(|m| m.value.get(&id).map(|s| s.view()))
            .ok_or(Error::NotFound)
    }

    /// The sum of every bucket.
    pub(super) fn global(&self) -> StatsView {
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
    pub(super) fn overflow(&self) -> u64 {
        self.overflow.view().requests
    }
}
