//! RCU tables: the process table ([`process`]), the proxy's route table ([`route`]) and the
//! request log ([`requests`]).
//!
//! # The RCU publish protocol (the invariant this module keeps)
//!
//! A table is one [`Rcu<T>`]: a slot holding an immutable `Arc<Versioned<T>>` snapshot and a
//! `generation` counter on its own cache line.
//!
//! * **Readers** load the slot (`arc-swap` load: wait-free, no shared reference count is
//!   written on the fast path) and look inside the snapshot. A snapshot is never mutated after it
//!   is published, so a reader sees either all of a write or none of it.
//! * **Writers** are lock-free: each one loads the current snapshot `S(g)`, builds `S(g+1)` from
//!   it, and publishes it with one compare-and-swap on the slot. If another writer published
//!   first, the CAS fails and the writer rebuilds from the newer snapshot (checking its
//!   preconditions again, which is what makes `transition` a true compare-and-set). Concurrent
//!   writers are therefore totally ordered by the order of their successful CAS, and the
//!   snapshot's `gen` is its position in that order (no gaps, no duplicates).
//! * After its CAS succeeds, the writer raises `generation` to `g+1` with `fetch_max(Release)`.
//!   The invariant: **if a reader sees `generation() == G` (Acquire), every snapshot it loads
//!   afterwards has `gen >= G`** ("generation visible implies snapshot visible"). `generation` may
//!   lag the slot for the instant between a writer's CAS and its `fetch_max`, never lead it, and
//!   it never goes backwards (`fetch_max`). A UI polls "changed since G?" with one atomic load.
//!
//! # Cost of a write
//!
//! Snapshots are built from [`ShardedMap`]s: 16 shards, each an `Arc<HashMap<K, V>>`, where the
//! values are `Arc`'d records. Cloning a snapshot copies 16 shard pointers per index; a write
//! then copies only the one shard it touches (`Arc::make_mut`), i.e. `n/16` (key, pointer)
//! pairs, never the records themselves. Tables here hold tens to hundreds of entries, so a write
//! is a few hundred nanoseconds to a few microseconds; it grows as `O(n/16)`, which we accept
//! for these sizes (a persistent HAMT would make it `O(log n)` at the cost of slower reads).
//!
//! # Reclamation
//!
//! `arc-swap` keeps a snapshot alive while any reader holds it (the slot is
//! `crate::sync::ArcSlot`, which under loom is a stand-in that keeps every snapshot until the
//! table is dropped), so the loom model checks our ordering (`tests/loom_table.rs`) with the
//! same [`Rcu`] code.

pub mod process;
pub mod requests;
pub mod route;
pub(crate) mod route_index;

use crate::sync::{ArcSlot, AtomicU64, Ordering};
use crate::Result;
use crossbeam_utils::CachePadded;
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A published snapshot: the value and its generation (its position in the writers' order).
#[derive(Debug)]
pub struct Versioned<T> {
    /// 1 for the initial value, +1 for every successful write.
    pub gen: u64,
    /// The table contents at that generation.
    pub value: T,
}

/// What a table needs from its storage: the RCU cell ([`Rcu`]) or the lock baseline
/// (`lfe_baselines::table::Locked`), so both run the same table code.
pub trait Store<T>: Send + Sync {
    /// Makes a store holding `value` at generation 1.
    fn new(value: T) -> Self;
    /// Runs `f` on the current snapshot.
    fn read<R>(&self, f: impl FnOnce(&Versioned<T>) -> R) -> R;
    /// The current snapshot, kept alive as long as the caller holds it.
    fn snapshot(&self) -> Arc<Versioned<T>>;
    /// The generation of the latest write (one atomic load for [`Rcu`]).
    fn generation(&self) -> u64;
    /// Applies a write: `f` gets the current value and returns the next value and a result
    /// (or an error, which aborts the write). `f` may run more than once (on contention) and
    /// must be a pure function of its argument. Returns `f`'s result and the new generation.
    fn update<R>(&self, f: impl FnMut(&T) -> Result<(T, R)>) -> Result<(R, u64)>;
}

/// The RCU cell: wait-free reads of an immutable snapshot, lock-free writers that publish a new
/// one (the protocol is at the top of this module).
pub struct Rcu<T> {
    slot: ArcSlot<Versioned<T>>,
    generation: CachePadded<AtomicU64>,
}

impl<T: Send + Sync> Rcu<T> {
    /// A cell holding `value` at generation 1.
    pub fn new(value: T) -> Self {
        Rcu {
            slot: ArcSlot::new(Arc::new(Versioned { gen: 1, value })),
            generation: CachePadded::new(AtomicU64::new(1)),
        }
    }
}

impl<T: Send + Sync> Store<T> for Rcu<T> {
    fn new(value: T) -> Self {
        Rcu::new(value)
    }

    #[inline]
    fn read<R>(&self, f: impl FnOnce(&Versioned<T>) -> R) -> R {
        self.slot.read(f)
    }

    fn snapshot(&self) -> Arc<Versioned<T>> {
        self.slot.load_full()
    }

    #[inline]
    fn generation(&self) -> u64 {
        // Acquire: pairs with the writer's Release fetch_max, so a snapshot loaded after this
        // has gen >= the value read (the module invariant).
        self.generation.load(Ordering::Acquire)
    }

    fn update<R>(&self, mut f: impl FnMut(&T) -> Result<(T, R)>) -> Result<(R, u64)> {
        loop {
            let cur = self.slot.load_full();
            let (value, r) = f(&cur.value)?;
            let gen = cur.gen + 1;
            if self.slot.cas(&cur, Arc::new(Versioned { gen, value })) {
                // Release: a reader that sees `gen` here also sees the snapshot published by
                // the CAS above (which happens-before this store in this thread).
                self.generation.fetch_max(gen, Ordering::Release);
                return Ok((r, gen));
            }
            // Lost the race to another writer, which made progress: rebuild on its snapshot.
        }
    }
}

/// Number of shards of a [`ShardedMap`].
///
/// cbindgen:ignore
pub const SHARDS: usize = 16;
const _: () = assert!(SHARDS.is_power_of_two());

/// A fast word-at-a-time hasher (FxHash's step) with murmur3's finaliser: picks the shard (top
/// bits) and hashes inside the shard's map (low bits). Not DoS-resistant, which is fine here:
/// only the host's own configuration inserts keys (ids, names, hosts); request data is only
/// looked up.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyHash(u64);

/// Builds [`KeyHash`] hashers for the shards' maps.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyHashBuild;

impl std::hash::BuildHasher for KeyHashBuild {
    type Hasher = KeyHash;
    fn build_hasher(&self) -> KeyHash {
        KeyHash::default()
    }
}

impl KeyHash {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for KeyHash {
    #[inline]
    fn finish(&self) -> u64 {
        // murmur3's finaliser: spreads the bits over the whole word.
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^ (x >> 33)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
}

fn shard_of<Q: Hash + ?Sized>(k: &Q) -> usize {
    let mut h = KeyHash::default();
    k.hash(&mut h);
    // Top bits: the maps inside use the low bits for their buckets.
    (h.finish() >> (64 - SHARDS.trailing_zeros())) as usize
}

/// A persistent (structurally shared) hash map for snapshots: cloning it copies 16 shard
/// pointers; a write copies only the shard it touches.
#[derive(Debug)]
pub struct ShardedMap<K, V> {
    shards: [Arc<HashMap<K, V, KeyHashBuild>>; SHARDS],
    len: usize,
}

impl<K, V> Clone for ShardedMap<K, V> {
    fn clone(&self) -> Self {
        ShardedMap {
            shards: self.shards.clone(),
            len: self.len,
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Default for ShardedMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Hash + Eq + Clone, V: Clone> ShardedMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        ShardedMap {
            shards: std::array::from_fn(|_| Arc::new(HashMap::default())),
            len: 0,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `k`.
    #[inline]
    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shards[shard_of(k)].get(k)
    }

    /// Inserts or replaces; copies one shard if it is shared with a published snapshot.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        let s = shard_of(k.borrow());
        let old = Arc::make_mut(&mut self.shards[s]).insert(k, v);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// Removes `k`; copies one shard if it is shared with a published snapshot.
    pub fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let s = shard_of(k);
        if !self.shards[s].contains_key(k) {
            return None;
        }
        let old = Arc::make_mut(&mut self.shards[s]).remove(k);
        if old.is_some() {
            self.len -= 1;
        }
        old
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards.iter().flat_map(|s| s.iter())
    }
}

/// Checks a byte field against a bound.
pub(crate) fn check_len(b: &[u8], max: usize) -> Result<()> {
    if b.len() > max {
        Err(crate::Error::TooLarge)
    } else {
        Ok(())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn sharded_map_shares_untouched_shards() {
        let mut a = ShardedMap::<u64, u64>::new();
        for i in 0..100 {
            a.insert(i, i * 2);
        }
        let mut b = a.clone();
        b.insert(7, 0);
        assert_eq!(a.get(&7), Some(&14));
        assert_eq!(b.get(&7), Some(&0));
        let shared = a
            .shards
            .iter()
            .zip(b.shards.iter())
            .filter(|(x, y)| Arc::ptr_eq(x, y))
            .count();
        assert_eq!(shared, SHARDS - 1);
        assert_eq!(b.remove(&7), Some(0));
        assert_eq!(b.remove(&7), None);
        assert_eq!((a.len(), b.len()), (100, 99));
    }

    #[test]
    fn rcu_update_and_generation() {
        let r = Rcu::new(0u64);
        assert_eq!(r.generation(), 1);
        let (_, g) = r.update(|v| Ok((v + 1, ()))).unwrap();
        assert_eq!(g, 2);
        assert_eq!(r.generation(), 2);
        assert_eq!(r.read(|s| (s.gen, s.value)), (2, 1));
        let e = r.update(|_| Err::<(u64, ()), _>(crate::Error::Conflict));
        assert_eq!(e, Err(crate::Error::Conflict));
        assert_eq!(r.generation(), 2);
    }
}
