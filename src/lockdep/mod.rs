//! Lock-order validator: lockdep for the host's own locks.
//!
//! The host registers each lock (a *class*: every lock with the same name is the same lock to
//! the validator, as in Linux lockdep) and reports `acquire` / `acquire_shared` / `release` with a
//! *token* of its choosing (a goroutine id, a thread id: goroutines move between OS threads, so
//! the host says who holds what). The validator reports, with lock names:
//!
//! * [`Kind::Recursive`] — a lock taken again by a token that already holds it, including a read
//!   lock under the same lock's write lock and a write lock under its own read lock (both are real
//!   deadlocks with Go's `RWMutex`);
//! * [`Kind::RecursiveRead`] — a read lock taken again under itself. Go's `RWMutex` deadlocks
//!   here as soon as a writer queues between the two `RLock`s, so it is reported, as its own kind
//!   so a host may choose to ignore it;
//! * [`Kind::OrderInversion`] (a 2-cycle, AB/BA) and [`Kind::Cycle`] (A→B→C→A and longer) — found
//!   when the edge that closes the cycle is first added, whether or not any thread ever blocks;
//! * [`Kind::ReleaseUnheld`] — a release of a lock the token does not hold;
//! * [`Kind::LongHold`] — a hold longer than `Config::long_hold_ns`, checked on release and by
//!   [`Validator::scan_at`] for holds still open.
//!
//! A call that finds (or finds again) a violation returns [`Error::Conflict`]
//! (`LFE_E_CONFLICT`); the acquisition or release is still recorded, so the host's bookkeeping
//! stays in step. Reports are de-duplicated: one per distinct cycle (up to rotation), one per lock
//! for the other kinds. Read locks take part in ordering like write locks: with a
//! writer-preferring `RWMutex` (Go's) a read lock blocks behind a queued writer, so an AB/BA
//! pattern through read locks can deadlock too.
//!
//! # Protocol
//!
//! *Held locks.* Each token's held list lives in one of `shards` mutex-protected maps, chosen by
//! a hash of the token. A token is used by one thread at a time, so a shard mutex is contended
//! only when two tokens hash to the same shard at the same instant; a lock-free structure would
//! not buy anything here and would need reclamation of per-token lists.
//!
//! *Order graph.* Two fixed `max_locks × max_locks` bitsets (`graph.rs`): `good` holds the edges
//! "lock A was held while B was acquired" and is kept acyclic; `bad` holds edges that would have
//! closed a cycle (already reported). Invariant: a bit is only ever set, never cleared, and only
//! under the graph mutex after the cycle search. The fast path of `acquire` loads the bit
//! `held → new` for each held lock: a known edge costs atomic loads and no write. Only an unknown
//! edge takes the graph mutex, re-checks, runs a BFS from `new` to `held` (a path closes a cycle),
//! and then sets the edge in `good` (no cycle) or `bad` (cycle, reported). Lock order is
//! shard → graph → registry → violation log; nothing takes them in another order.
//!
//! Memory is bounded by [`Config`]: `2 × max_locks² bits` for the graph, `max_tokens ×
//! max_held` held entries, `max_violations` reports; the edge-token map holds at most one entry
//! per graph edge.
//!
//! When disabled ([`Validator::disable`]) every call costs one relaxed load and records nothing.
//! Toggle at quiet points: a lock taken while disabled and released after `enable` is reported as
//! [`Kind::ReleaseUnheld`].

mod graph;
pub mod observer;

use crate::sync::{AtomicBool, AtomicU32, Mutex, Ordering};
use crate::{Error, Result};
use crossbeam_utils::CachePadded;
use graph::Bits;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A registered lock's id (dense, from 0).
pub type LockId = u32;

/// The largest `max_locks` accepted (the graph is `2 × max_locks²` bits: 16 MiB at this bound).
///
/// cbindgen:ignore
pub const MAX_LOCKS_LIMIT: u32 = 8192;

/// Validator configuration. Every bound is a hard memory bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Lock classes that can be registered (1..=[`MAX_LOCKS_LIMIT`]). Default 1024.
    pub max_locks: u32,
    /// Locks one token can hold at once (1..=65536). Default 64. More: `Error::Full`.
    pub max_held: u32,
    /// Tokens holding locks at once (rounded up to a multiple of `shards`). Default 65536.
    pub max_tokens: u32,
    /// Reports kept (1..=1<<20); later distinct violations are counted as dropped. Default 1024.
    pub max_violations: u32,
    /// Shards of the token map (1..=1024, rounded up to a power of two). Default 64.
    pub shards: u32,
    /// Holds longer than this are reported; 0 turns the check (and the clock read) off.
    pub long_hold_ns: u64,
    /// Start enabled. Default true.
    pub enabled: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_locks: 1024,
            max_held: 64,
            max_tokens: 65536,
            max_violations: 1024,
            shards: 64,
            long_hold_ns: 0,
            enabled: true,
        }
    }
}

/// What went wrong. The discriminants are the C constants `LFE_LOCKDEP_*`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A lock taken again by its holder (write/write, read under write, write under read).
    Recursive = 1,
    /// A read lock taken again under itself by its holder.
    RecursiveRead = 2,
    /// Two locks taken in both orders (a 2-cycle).
    OrderInversion = 3,
    /// A cycle of three or more locks.
    Cycle = 4,
    /// A release of a lock the token does not hold.
    ReleaseUnheld = 5,
    /// A hold longer than `Config::long_hold_ns`.
    LongHold = 6,
}

impl Kind {
    /// The C constant of this kind.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// A short lower-case name (`"order_inversion"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Recursive => "recursive",
            Kind::RecursiveRead => "recursive_read",
            Kind::OrderInversion => "order_inversion",
            Kind::Cycle => "cycle",
            Kind::ReleaseUnheld => "release_unheld",
            Kind::LongHold => "long_hold",
        }
    }
}

/// One reported violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Report number: its index among the kept reports (from 0, dense).
    pub seq: u64,
    pub kind: Kind,
    /// The token whose call found it (for a cycle: the one that closed it).
    pub token: u64,
    /// The lock of that call (acquired or released).
    pub lock: LockId,
    /// The lock ids involved. A cycle: `[held, acquired, ..., held]`, each step an edge "held
    /// while taking the next", the first being the closing edge. Recursive: `[lock, lock]`.
    /// Release-unheld and long-hold: `[lock]`.
    pub path: Vec<LockId>,
    /// The names of `path`, in the same order.
    pub names: Vec<Vec<u8>>,
    /// For a cycle, the token that first made each edge of `path` (`tokens[0] == token`);
    /// otherwise `[token]`.
    pub tokens: Vec<u64>,
    /// For a long hold: how long it was held (or had been, at the scan); otherwise 0.
    pub held_ns: u64,
}

impl Violation {
    /// The path as text, names joined by `" -> "` (lossy UTF-8), e.g. `"A -> B -> A"`.
    pub fn path_text(&self) -> String {
        String::from_utf8_lossy(&self.path_bytes()).into_owned()
    }

    /// The path as bytes, names joined by `" -> "` (names kept as given).
    pub fn path_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, n) in self.names.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b" -> ");
            }
            out.extend_from_slice(n);
        }
        out
    }

    /// The name of [`Violation::lock`].
    pub fn lock_name(&self) -> &[u8] {
        let i = self.path.iter().position(|&p| p == self.lock).unwrap_or(0);
        self.names.get(i).map(|v| &v[..]).unwrap_or(&[])
    }
}

impl std::fmt::Display for Violation {
    /// `order_inversion: B -> A -> B (tokens [2, 1])`, `long_hold: A (held 2000 ns, token 7)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.path_text())?;
        match self.kind {
            Kind::OrderInversion | Kind::Cycle => write!(f, " (tokens {:?})", self.tokens),
            Kind::LongHold => write!(f, " (held {} ns, token {})", self.held_ns, self.token),
            _ => write!(f, " (token {})", self.token),
        }
    }
}

/// Counters, summed over shards at the time of the call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub locks: u64,
    pub acquires: u64,
    pub releases: u64,
    /// Edges in the (acyclic) order graph.
    pub edges: u64,
    /// Acquisitions that met an unknown edge and took the graph mutex.
    pub slow_paths: u64,
    /// Calls that returned `Error::Conflict`.
    pub conflicts: u64,
    /// Reports made (kept or dropped).
    pub violations: u64,
    /// Reports dropped because `max_violations` were kept.
    pub violations_dropped: u64,
    /// Tokens holding at least one lock now.
    pub holding_tokens: u64,
}

#[derive(Debug, Clone, Copy)]
struct Held {
    lock: LockId,
    shared: bool,
    at_ns: u64,
}

#[derive(Default)]
struct TokenState {
    held: Vec<Held>,
    /// Acquisitions refused with `Full` (max_held) whose releases must not be reported.
    overflow: u32,
}

/// splitmix64 finaliser: tokens are often aligned addresses or small counters.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[derive(Default)]
struct TokenHasher(u64);

impl Hasher for TokenHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix(self.0 ^ b as u64);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = mix(n);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Default)]
struct Shard {
    /// Per-token state. An entry whose list became empty is kept (so a token that takes and
    /// drops one lock at a time neither rehashes nor allocates) until the shard is full; then
    /// every idle entry is dropped at once (amortised O(1) per token).
    tokens: HashMap<u64, TokenState, BuildHasherDefault<TokenHasher>>,
    /// Acquisitions refused with `Full` (max_tokens) whose releases must not be reported.
    untracked: u64,
    acquires: u64,
    releases: u64,
    conflicts: u64,
}

#[derive(Default)]
struct GraphState {
    /// The token that first made each edge of `good`.
    edge_tokens: HashMap<(LockId, LockId), u64>,
    edges: u64,
    slow_paths: u64,
}

#[derive(Default)]
struct Registry {
    by_name: HashMap<Vec<u8>, LockId>,
    names: Vec<Box<[u8]>>,
}

#[derive(Default)]
struct Log {
    list: Vec<Violation>,
    seen: HashSet<(Kind, Vec<LockId>)>,
    made: u64,
    dropped: u64,
}

/// The lock-order validator. All methods take `&self` and are safe to call concurrently.
pub struct Validator {
    enabled: CachePadded<AtomicBool>,
    nlocks: AtomicU32,
    cfg: Config,
    shard_mask: usize,
    tokens_per_shard: usize,
    // The mutexes here run no host code while held; a panic inside one (a bug) leaves at worst
    // a held-lock entry or report missing, which the validator tolerates, so their poisoning
    // is recovered (`crate::sync::lock`).
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    good: Bits,
    bad: Bits,
    graph: Mutex<GraphState>,
    registry: Mutex<Registry>,
    log: Mutex<Log>,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("cfg", &self.cfg)
            .field("enabled", &self.is_enabled())
            .finish_non_exhaustive()
    }
}

impl Validator {
    /// A validator with the given bounds. `Error::Invalid` when a bound is out of range.
    pub fn new(cfg: Config) -> Result<Self> {
        if cfg.max_locks == 0 || cfg.max_locks > MAX_LOCKS_LIMIT {
            return Err(Error::Invalid("max_locks must be 1..=8192"));
        }
        if cfg.max_held == 0 || cfg.max_held > 65536 {
            return Err(Error::Invalid("max_held must be 1..=65536"));
        }
        if cfg.max_tokens == 0 {
            return Err(Error::Invalid("max_tokens must be at least 1"));
        }
        if cfg.max_violations == 0 || cfg.max_violations > 1 << 20 {
            return Err(Error::Invalid("max_violations must be 1..=1048576"));
        }
        if cfg.shards == 0 || cfg.shards > 1024 {
            return Err(Error::Invalid("shards must be 1..=1024"));
        }
        let nshards = cfg.shards.next_power_of_two() as usize;
        let shards = (0..nshards)
            .map(|_| CachePadded::new(Mutex::new(Shard::default())))
            .collect();
        Ok(Validator {
            enabled: CachePadded::new(AtomicBool::new(cfg.enabled)),
            nlocks: AtomicU32::new(0),
            shard_mask: nshards - 1,
            tokens_per_shard: (cfg.max_tokens as usize).div_ceil(nshards),
            shards,
            good: Bits::new(cfg.max_locks as usize),
            bad: Bits::new(cfg.max_locks as usize),
            graph: Mutex::new(GraphState::default()),
            registry: Mutex::new(Registry::default()),
            log: Mutex::new(Log::default()),
            cfg,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Registers a lock class by name and returns its id. Registering a name again returns the
    /// same id. `Error::Full` when `max_locks` names are registered.
    pub fn register(&self, name: &[u8]) -> Result<LockId> {
        let mut r = self.registry.lock();
        if let Some(&id) = r.by_name.get(name) {
            return Ok(id);
        }
        if r.names.len() >= self.cfg.max_locks as usize {
            return Err(Error::Full);
        }
        let id = r.names.len() as LockId;
        r.names.push(name.into());
        r.by_name.insert(name.to_vec(), id);
        // Release: pairs with the Acquire in `check_id`, so an id seen as valid is registered.
        self.nlocks.store(id + 1, Ordering::Release);
        Ok(id)
    }

    /// The id of a registered name.
    pub fn lookup(&self, name: &[u8]) -> Option<LockId> {
        self.registry.lock().by_name.get(name).copied()
    }

    /// The name of a registered id.
    pub fn name(&self, id: LockId) -> Option<Vec<u8>> {
        self.registry
            .lock()
            .names
            .get(id as usize)
            .map(|n| n.to_vec())
    }

    /// Turns checking on.
    pub fn enable(&self) {
        // Relaxed: a flag with no data behind it; callers toggle at quiet points.
        self.enabled.store(true, Ordering::Relaxed);
    }

    /// Turns checking off: every call then costs one relaxed load and records nothing.
    pub fn disable(&self) {
        // Relaxed: as in `enable`.
        self.enabled.store(false, Ordering::Relaxed);
    }

    /// True when checking is on.
    #[inline]
    pub fn is_enabled(&self) -> bool {
        // Relaxed: as in `enable`.
        self.enabled.load(Ordering::Relaxed)
    }

    #[inline]
    fn check_id(&self, id: LockId) -> Result<()> {
        // Acquire: pairs with the Release in `register`.
        if id < self.nlocks.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }

    #[inline]
    fn shard(&self, token: u64) -> &Mutex<Shard> {
        &self.shards[(mix(token) >> 32) as usize & self.shard_mask]
    }

    #[inline]
    fn now(&self) -> u64 {
        if self.cfg.long_hold_ns == 0 {
            0
        } else {
            crate::time::mono_ns()
        }
    }

    /// Reports that `token` is about to take `id` exclusively (a write lock or a mutex).
    ///
    /// `Error::Conflict` when this acquisition is recursive or closes a lock-order cycle (the
    /// report is in [`violations`](Self::violations)); the hold is recorded either way.
    /// `Error::NotFound` for an unregistered id; `Error::Full` when the token already holds
    /// `max_held` locks or `max_tokens` tokens hold locks (the hold is then not tracked).
    #[inline]
    pub fn acquire(&self, token: u64, id: LockId) -> Result<()> {
        if !self.is_enabled() {
            return Ok(());
        }
        self.acquire_at(token, id, false, self.now())
    }

    /// As [`acquire`](Self::acquire), for a shared (read) lock.
    #[inline]
    pub fn acquire_shared(&self, token: u64, id: LockId) -> Result<()> {
        if !self.is_enabled() {
            return Ok(());
        }
        self.acquire_at(token, id, true, self.now())
    }

    /// As [`acquire`](Self::acquire) with the time given (nanoseconds on any monotonic clock the
    /// host uses consistently; only long-hold checks read it).
    pub fn acquire_at(&self, token: u64, id: LockId, shared: bool, now_ns: u64) -> Result<()> {
        if !self.is_enabled() {
            return Ok(());
        }
        self.check_id(id)?;
        let mut guard = self.shard(token).lock();
        let shard = &mut *guard;
        let tps = self.tokens_per_shard;
        if shard.tokens.len() >= tps && !shard.tokens.contains_key(&token) {
            shard
                .tokens
                .retain(|_, s| !s.held.is_empty() || s.overflow > 0);
            if shard.tokens.len() >= tps {
                shard.untracked += 1;
                return Err(Error::Full);
            }
        }
        let state = shard.tokens.entry(token).or_default();
        if state.held.len() >= self.cfg.max_held as usize {
            state.overflow += 1;
            return Err(Error::Full);
        }
        let mut conflict = false;
        for h in state.held.iter() {
            if h.lock == id {
                let kind = if h.shared && shared {
                    Kind::RecursiveRead
                } else {
                    Kind::Recursive
                };
                self.report(kind, token, id, vec![id, id], vec![token], 0);
                conflict = true;
            } else if !self.good.test(h.lock, id)
                && (self.bad.test(h.lock, id) || self.add_edge(token, h.lock, id))
            {
                // Fast path above: a known edge is one relaxed load and no write.
                conflict = true;
            }
        }
        state.held.push(Held {
            lock: id,
            shared,
            at_ns: now_ns,
        });
        shard.acquires += 1;
        if conflict {
            shard.conflicts += 1;
            Err(Error::Conflict)
        } else {
            Ok(())
        }
    }

    /// Slow path: the edge `from -> to` is not in `good`. Returns true when it closes a cycle.
    #[cold]
    fn add_edge(&self, token: u64, from: LockId, to: LockId) -> bool {
        let mut g = self.graph.lock();
        g.slow_paths += 1;
        if self.good.test(from, to) {
            return false;
        }
        if self.bad.test(from, to) {
            return true;
        }
        let n = self.nlocks.load(Ordering::Acquire) as usize;
        match self.good.path(to, from, n) {
            None => {
                self.good.set(from, to);
                g.edge_tokens.insert((from, to), token);
                g.edges += 1;
                false
            }
            Some(back) => {
                self.bad.set(from, to);
                // Cycle: from -> to -> ... -> from, the first edge being the closing one.
                let mut path = Vec::with_capacity(back.len() + 1);
                path.push(from);
                path.extend_from_slice(&back);
                let mut tokens = vec![token];
                for w in back.windows(2) {
                    tokens.push(g.edge_tokens.get(&(w[0], w[1])).copied().unwrap_or(0));
                }
                let kind = if path.len() == 3 {
                    Kind::OrderInversion
                } else {
                    Kind::Cycle
                };
                drop(g);
                self.report(kind, token, to, path, tokens, 0);
                true
            }
        }
    }

    /// Reports that `token` released `id`.
    ///
    /// `Error::Conflict` when the token did not hold it, or held it longer than `long_hold_ns`
    /// (reported). `Error::NotFound` for an unregistered id.
    #[inline]
    pub fn release(&self, token: u64, id: LockId) -> Result<()> {
        if !self.is_enabled() {
            return Ok(());
        }
        self.release_at(token, id, self.now())
    }

    /// As [`release`](Self::release) with the time given (see [`acquire_at`](Self::acquire_at)).
    pub fn release_at(&self, token: u64, id: LockId, now_ns: u64) -> Result<()> {
        if !self.is_enabled() {
            return Ok(());
        }
        self.check_id(id)?;
        let mut guard = self.shard(token).lock();
        let shard = &mut *guard;
        shard.releases += 1;
        let mut conflict = false;
        // Not held: not reported while an acquisition refused with `Full` still owes its
        // release (`untracked`: max_tokens; `overflow`: this token's max_held), else reported.
        let mut unheld = false;
        match shard.tokens.get_mut(&token) {
            None if shard.untracked > 0 => shard.untracked -= 1,
            None => unheld = true,
            Some(state) => match state.held.iter().rposition(|h| h.lock == id) {
                None if state.overflow > 0 => state.overflow -= 1,
                None => unheld = true,
                Some(i) => {
                    let h = state.held.remove(i);
                    let dur = now_ns.saturating_sub(h.at_ns);
                    if self.cfg.long_hold_ns != 0 && dur > self.cfg.long_hold_ns {
                        self.report(Kind::LongHold, token, id, vec![id], vec![token], dur);
                        conflict = true;
                    }
                }
            },
        }
        if unheld {
            self.report(Kind::ReleaseUnheld, token, id, vec![id], vec![token], 0);
            conflict = true;
        }
        if conflict {
            shard.conflicts += 1;
            Err(Error::Conflict)
        } else {
            Ok(())
        }
    }

    /// Reports holds still open longer than `long_hold_ns` at `now_ns`; returns how many such
    /// holds there are (reported once per lock; later scans count them again). 0 when the check
    /// is off or the validator disabled.
    pub fn scan_at(&self, now_ns: u64) -> usize {
        if !self.is_enabled() || self.cfg.long_hold_ns == 0 {
            return 0;
        }
        let mut found = 0;
        for s in self.shards.iter() {
            let shard = s.lock();
            for (&token, st) in shard.tokens.iter() {
                for h in st.held.iter() {
                    let dur = now_ns.saturating_sub(h.at_ns);
                    if dur > self.cfg.long_hold_ns {
                        found += 1;
                        self.report(
                            Kind::LongHold,
                            token,
                            h.lock,
                            vec![h.lock],
                            vec![token],
                            dur,
                        );
                    }
                }
            }
        }
        found
    }

    /// [`scan_at`](Self::scan_at) now (the library's monotonic clock, `crate::time::mono_ns`).
    pub fn scan(&self) -> usize {
        self.scan_at(crate::time::mono_ns())
    }

    /// Records a report unless an equal one was made before. Called with the shard (and maybe
    /// graph) mutex held: takes the registry, then the log.
    fn report(
        &self,
        kind: Kind,
        token: u64,
        lock_id: LockId,
        path: Vec<LockId>,
        tokens: Vec<u64>,
        held_ns: u64,
    ) {
        let key = match kind {
            Kind::OrderInversion | Kind::Cycle => {
                // One report per cycle up to rotation: start at the smallest id.
                let ring = &path[..path.len() - 1];
                let start = (0..ring.len()).min_by_key(|&i| ring[i]).unwrap_or(0);
                let mut k = ring[start..].to_vec();
                k.extend_from_slice(&ring[..start]);
                (kind, k)
            }
            _ => (kind, vec![lock_id]),
        };
        {
            let log = self.log.lock();
            if log.seen.contains(&key) {
                return;
            }
        }
        let names: Vec<Vec<u8>> = {
            let r = self.registry.lock();
            path.iter()
                .map(|&id| {
                    r.names
                        .get(id as usize)
                        .map(|n| n.to_vec())
                        .unwrap_or_default()
                })
                .collect()
        };
        let mut log = self.log.lock();
        if log.seen.contains(&key) {
            return;
        }
        log.made += 1;
        if log.list.len() >= self.cfg.max_violations as usize {
            log.dropped += 1;
            return;
        }
        // Kept reports are numbered densely: `seq` is the index in `list`.
        let seq = log.list.len() as u64;
        log.seen.insert(key);
        log.list.push(Violation {
            seq,
            kind,
            token,
            lock: lock_id,
            path,
            names,
            tokens,
            held_ns,
        });
    }

    /// Every kept report, oldest first.
    pub fn violations(&self) -> Vec<Violation> {
        self.log.lock().list.clone()
    }

    /// The kept reports with `seq >= since`, and the `since` to pass next time.
    pub fn violations_since(&self, since: u64) -> (Vec<Violation>, u64) {
        let log = self.log.lock();
        let from = (since.min(log.list.len() as u64)) as usize;
        (log.list[from..].to_vec(), log.list.len() as u64)
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        let mut s = Stats {
            locks: self.nlocks.load(Ordering::Acquire) as u64,
            ..Stats::default()
        };
        for sh in self.shards.iter() {
            let sh = sh.lock();
            s.acquires += sh.acquires;
            s.releases += sh.releases;
            s.conflicts += sh.conflicts;
            s.holding_tokens += sh.tokens.values().filter(|t| !t.held.is_empty()).count() as u64;
        }
        {
            let g = self.graph.lock();
            s.edges = g.edges;
            s.slow_paths = g.slow_paths;
        }
        let log = self.log.lock();
        s.violations = log.made;
        s.violations_dropped = log.dropped;
        s
    }
}
