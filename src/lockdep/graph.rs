//! The lock-order graph as a fixed-capacity adjacency bitset, read lock-free.
//!
//! Invariant: a bit `from -> to` goes from 0 to 1 exactly once and is never cleared. Bits are set
//! only by a thread holding the validator's graph mutex, after it has run the cycle search under
//! that same mutex. Readers on the fast path load words without the mutex; a reader that sees a 1
//! knows the edge is in the graph forever, and a reader that sees a stale 0 takes the slow path,
//! where the mutex orders it after every earlier insertion and the bit is re-checked. No other data
//! is published through the bits, so `Relaxed` is enough for both loads and stores (the mutex
//! supplies the happens-before the slow path needs).

use crate::sync::{AtomicU64, Ordering};

/// `n * n` bits, one row of `stride` words per source lock.
pub(super) struct Bits {
    words: Box<[AtomicU64]>,
    stride: usize,
}

impl Bits {
    pub(super) fn new(n: usize) -> Self {
        let stride = n.div_ceil(64).max(1);
        let words = (0..stride * n).map(|_| AtomicU64::new(0)).collect();
        Bits { words, stride }
    }

    #[inline]
    fn word(&self, from: u32, to: u32) -> (&AtomicU64, u64) {
        let i = from as usize * self.stride + to as usize / 64;
        (&self.words[i], 1u64 << (to % 64))
    }

    /// True when the edge is known. Lock-free; see the module invariant.
    #[inline]
    pub(super) fn test(&self, from: u32, to: u32) -> bool {
        let (w, bit) = self.word(from, to);
        // Relaxed: a set bit is never cleared and publishes nothing; a stale 0 only sends the
        // caller to the mutex-protected slow path, which re-checks.
        w.load(Ordering::Relaxed) & bit != 0
    }

    /// Sets the edge; returns true if it was not set before. Call with the graph mutex held.
    pub(super) fn set(&self, from: u32, to: u32) -> bool {
        let (w, bit) = self.word(from, to);
        // Relaxed: writers are serialised by the graph mutex, readers need no other data.
        w.fetch_or(bit, Ordering::Relaxed) & bit == 0
    }

    /// Calls `f` for every `to` with an edge `from -> to`, `to < n`. Call with the graph mutex
    /// held (so the row is stable).
    pub(super) fn for_each_out(&self, from: u32, n: usize, mut f: impl FnMut(u32)) {
        let base = from as usize * self.stride;
        for wi in 0..n.div_ceil(64).min(self.stride) {
            // Relaxed: under the graph mutex every earlier set is visible (the mutex orders it).
            let mut bits = self.words[base + wi].load(Ordering::Relaxed);
            while bits != 0 {
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                f(wi as u32 * 64 + b);
            }
        }
    }

    /// Shortest path `from -> ... -> to` over the set edges among locks `< n` (BFS), as the list
    /// of ids including both ends; None when `to` is unreachable. Call with the graph mutex held.
    pub(super) fn path(&self, from: u32, to: u32, n: usize) -> Option<Vec<u32>> {
        const NONE: u32 = u32::MAX;
        let mut parent = vec![NONE; n];
        let mut queue = std::collections::VecDeque::new();
        parent[from as usize] = from;
        queue.push_back(from);
        while let Some(x) = queue.pop_front() {
            if x == to {
                let mut p = vec![to];
                let mut c = to;
                while c != from {
                    c = parent[c as usize];
                    p.push(c);
                }
                p.reverse();
                return Some(p);
            }
            self.for_each_out(x, n, |y| {
                if parent[y as usize] == NONE {
                    parent[y as usize] = x;
                    queue.push_back(y);
                }
            });
        }
        None
    }
}
