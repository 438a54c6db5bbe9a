//! Many threads at once: consistent ordering gives no report; an inversion racing with itself
//! is reported exactly once. Histories are checked against a sequential model of the counters.

use lfe::lockdep::{Config, Kind, Validator};
use lfe::Error;
use std::sync::Arc;
use std::thread;

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

#[test]
fn consistent_order_across_many_threads_no_false_positive() {
    const LOCKS: u32 = 24;
    const THREADS: u64 = 8;
    const ROUNDS: u64 = 3_000;
    let v = Arc::new(
        Validator::new(Config {
            shards: 4, // force tokens to share shards
            ..Config::default()
        })
        .unwrap(),
    );
    for i in 0..LOCKS {
        assert_eq!(v.register(format!("L{i:02}").as_bytes()).unwrap(), i);
    }
    let hs: Vec<_> = (0..THREADS)
        .map(|t| {
            let v = v.clone();
            thread::spawn(move || {
                let mut seed = 0x9e37_79b9_7f4a_7c15 ^ (t + 1);
                let mut acquires = 0u64;
                for round in 0..ROUNDS {
                    // Tokens move: each round uses one of two tokens per thread, as goroutines.
                    let token = t * 2 + (round % 2);
                    // A random increasing subset (the global order is by id); some shared.
                    let mut held = Vec::new();
                    for id in 0..LOCKS {
                        let r = xorshift(&mut seed);
                        if r % 5 == 0 {
                            let res = if r % 3 == 0 {
                                v.acquire_shared(token, id)
                            } else {
                                v.acquire(token, id)
                            };
                            assert_eq!(res, Ok(()));
                            acquires += 1;
                            held.push(id);
                        }
                    }
                    // Release in a random order (not necessarily LIFO).
                    while !held.is_empty() {
                        let i = (xorshift(&mut seed) % held.len() as u64) as usize;
                        assert_eq!(v.release(token, held.swap_remove(i)), Ok(()));
                    }
                }
                acquires
            })
        })
        .collect();
    let total: u64 = hs.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(v.violations().is_empty(), "{:?}", v.violations());
    let s = v.stats();
    assert_eq!(s.acquires, total);
    assert_eq!(s.releases, total);
    assert_eq!(s.conflicts, 0);
    assert_eq!(s.holding_tokens, 0);
    // Only edges i -> j with i < j can exist.
    assert!(s.edges <= (LOCKS as u64 * (LOCKS as u64 - 1)) / 2);
    assert!(s.edges > 0);
}

#[test]
fn racing_inversion_reported_exactly_once() {
    for iter in 0..200 {
        let v = Arc::new(Validator::new(Config::default()).unwrap());
        let a = v.register(b"A").unwrap();
        let b = v.register(b"B").unwrap();
        let hs: Vec<_> = [(1u64, a, b), (2u64, b, a)]
            .into_iter()
            .map(|(t, x, y)| {
                let v = v.clone();
                thread::spawn(move || {
                    v.acquire(t, x).unwrap();
                    let r = v.acquire(t, y);
                    v.release(t, y).unwrap();
                    v.release(t, x).unwrap();
                    r
                })
            })
            .collect();
        let rs: Vec<Result<(), Error>> = hs.into_iter().map(|h| h.join().unwrap()).collect();
        // Exactly one of the two closing edges comes second and is refused.
        assert_eq!(
            rs.iter().filter(|r| **r == Err(Error::Conflict)).count(),
            1,
            "iter {iter}: {rs:?}"
        );
        let vs = v.violations();
        assert_eq!(vs.len(), 1);
        assert_eq!(vs[0].kind, Kind::OrderInversion);
        let text = vs[0].path_text();
        assert!(text == "A -> B -> A" || text == "B -> A -> B", "{text}");
        assert_eq!(v.stats().edges, 1);
    }
}

#[test]
fn one_bad_thread_among_many_reported_once() {
    let v = Arc::new(Validator::new(Config::default()).unwrap());
    let ids: Vec<u32> = (0..6)
        .map(|i| v.register(format!("M{i}").as_bytes()).unwrap())
        .collect();
    let hs: Vec<_> = (0..6u64)
        .map(|t| {
            let v = v.clone();
            let ids = ids.clone();
            thread::spawn(move || {
                let mut conflicts = 0;
                for _ in 0..2_000 {
                    // Thread 0 takes M5 then M0; everyone else goes in id order.
                    let (x, y) = if t == 0 {
                        (ids[5], ids[0])
                    } else {
                        (ids[(t as usize - 1) % 5], ids[5])
                    };
                    v.acquire(t, x).unwrap();
                    if v.acquire(t, y).is_err() {
                        conflicts += 1;
                    }
                    v.release(t, y).unwrap();
                    v.release(t, x).unwrap();
                }
                conflicts
            })
        })
        .collect();
    let conflicts: u64 = hs.into_iter().map(|h| h.join().unwrap()).sum();
    let vs = v.violations();
    assert_eq!(vs.len(), 1, "{vs:?}");
    assert_eq!(vs[0].kind, Kind::OrderInversion);
    let text = vs[0].path_text();
    assert!(
        text == "M5 -> M0 -> M5" || text == "M0 -> M5 -> M0",
        "{text}"
    );
    assert_eq!(v.stats().conflicts, conflicts);
    assert!(conflicts >= 1);
}
