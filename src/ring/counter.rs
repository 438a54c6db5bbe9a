//! [`StripedCounter`]: a statistic many threads add to without sharing a cache line.

use crate::sync::{AtomicU64, Ordering};
use crossbeam_utils::CachePadded;

/// A counter striped over several cache lines: writers from different threads add to
/// different stripes (picked from the thread's address space), readers sum the stripes.
/// Exact once writers are quiescent; a read during writes is a value between the true counts
/// at its start and end.
#[derive(Debug)]
pub struct StripedCounter {
    stripes: Box<[CachePadded<AtomicU64>]>,
}

pub(crate) const STRIPES: usize = 8;

thread_local! {
    static STRIPE_HINT: u8 = const { 0 };
}

pub(crate) fn stripe_index() -> usize {
    // The address of a thread-local differs per thread: a cheap, lock-free per-thread hint.
    STRIPE_HINT.with(|x| {
        let a = x as *const u8 as usize;
        (a >> 6 ^ a >> 12 ^ a >> 20) % STRIPES
    })
}

impl Default for StripedCounter {
    fn default() -> Self {
        Self::new()
    }
}

impl StripedCounter {
    pub fn new() -> Self {
        StripedCounter {
            stripes: (0..STRIPES)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
        }
    }

    #[inline]
    pub fn add(&self, n: u64) {
        // Relaxed: a statistic; no other memory is published through it.
        self.stripes[stripe_index()].fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        // Relaxed: a statistic; see the type's docs for what a concurrent read means.
        self.stripes.iter().map(|s| s.load(Ordering::Relaxed)).sum()
    }
}
