//! Model-based stress test of the sequence ring: several pushers and readers; every reader's
//! history and the final state are checked against what a sequential ring would allow.
use lfe::ring::Ring;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

/// A value encoding (producer, counter) with a checksum, so a torn or foreign value shows.
#[derive(Debug, Clone, PartialEq)]
struct V {
    producer: u32,
    n: u64,
    payload: Vec<u8>,
    sum: u64,
}

fn make(producer: u32, n: u64) -> V {
    let len = (n % 37) as usize;
    let payload: Vec<u8> = (0..len)
        .map(|i| (producer as u64 * 31 + n + i as u64) as u8)
        .collect();
    let sum = payload.iter().map(|&b| b as u64).sum::<u64>() ^ (producer as u64) << 40 ^ n;
    V {
        producer,
        n,
        payload,
        sum,
    }
}

fn check(v: &V) {
    assert_eq!(*v, make(v.producer, v.n), "torn value");
}

fn run(cap: usize, producers: u32, per: u64, batch: bool) {
    let ring = Arc::new(Ring::new(cap).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(producers as usize + 3));
    let mut hs = vec![];
    for p in 0..producers {
        let (ring, start) = (ring.clone(), start.clone());
        hs.push(thread::spawn(move || {
            start.wait();
            let mut seqs = Vec::with_capacity(per as usize);
            let mut n = 0;
            while n < per {
                if batch && n % 3 == 0 {
                    let k = (per - n).min(5);
                    let r = ring.push_batch((n..n + k).map(|i| make(p, i)));
                    seqs.extend(r);
                    n += k;
                } else {
                    seqs.push(ring.push(make(p, n)));
                    n += 1;
                }
            }
            // One producer's sequences increase in push order.
            assert!(seqs.windows(2).all(|w| w[0] < w[1]));
            seqs
        }));
    }
    let mut readers = vec![];
    for _ in 0..2 {
        let (ring, start, done) = (ring.clone(), start.clone(), done.clone());
        readers.push(thread::spawn(move || {
            start.wait();
            let mut cursor = 0u64;
            let mut seen = 0u64;
            let mut missed = 0u64;
            let mut last: Vec<Option<u64>> = vec![None; producers as usize];
            loop {
                let finished = done.load(Ordering::Acquire);
                let mut prev = None;
                let r = ring.read_from(cursor, 64, |s, v: &V| {
                    check(v);
                    // Delivered in increasing sequence order, no duplicates.
                    assert!(s >= cursor && prev.is_none_or(|p| p < s));
                    prev = Some(s);
                    // A producer's values arrive in its order.
                    let l = &mut last[v.producer as usize];
                    assert!(l.is_none_or(|x| x < v.n), "producer order broken");
                    *l = Some(v.n);
                    seen += 1;
                });
                missed += r.missed;
                assert_eq!(r.next, cursor + r.delivered as u64 + r.missed);
                cursor = r.next;
                if finished && r.delivered == 0 && r.missed == 0 {
                    break;
                }
                if r.delivered == 0 {
                    thread::yield_now();
                }
            }
            // Every sequence was either delivered or reported missed, exactly once.
            assert_eq!(seen + missed, cursor);
            cursor
        }));
    }
    start.wait();
    let mut all: Vec<u64> = hs.into_iter().flat_map(|h| h.join().unwrap()).collect();
    done.store(true, Ordering::Release);
    let total = producers as u64 * per;
    for r in readers {
        assert_eq!(r.join().unwrap(), total);
    }
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len() as u64, total, "sequences are unique");
    assert_eq!(all, (0..total).collect::<Vec<_>>());
    // Nothing dropped silently.
    assert_eq!(ring.appended(), total);
    let retained = ring.retained() as u64;
    assert_eq!(ring.evicted() + retained, total);
    assert!(retained <= cap as u64);
    // The retained values are the newest ones, intact, in sequence order.
    let mut prev = None;
    ring.for_each(|s, v| {
        check(v);
        assert!(prev.is_none_or(|p| p < s));
        prev = Some(s);
    });
}

#[test]
fn stress_small_ring() {
    run(8, 4, 20_000, false);
}

#[test]
fn stress_batches() {
    run(64, 3, 20_000, true);
}

#[test]
fn stress_large_ring_no_eviction() {
    let per = 5_000;
    run(4 * per as usize, 4, per, true);
}
