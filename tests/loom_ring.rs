//! Loom models of the sequence ring's publish/read protocol (`src/ring/mod.rs`).
//!
//! Under `cfg(loom)` the ring's atomics are loom's; reclamation is the simple "free at drop"
//! variant (crossbeam-epoch is not loom-instrumented), so these models check the publish / read
//! / evict protocol, not epoch reclamation.
#![cfg(loom)]

use lfe::ring::Ring;
use loom::sync::Arc;
use loom::thread;

/// Two pushers race for one slot (capacity 1): exactly one value is retained, the other counted
/// as evicted, and the retained one is the higher sequence.
#[test]
fn two_pushers_one_slot() {
    loom::model(|| {
        let r = Arc::new(Ring::new(1).unwrap());
        let r2 = r.clone();
        let t = thread::spawn(move || r2.push(1u32));
        let s0 = r.push(0u32);
        let s1 = t.join().unwrap();
        assert_ne!(s0, s1);
        assert_eq!(r.evicted(), 1);
        assert_eq!(r.retained(), 1);
        let newest = s0.max(s1);
        let want = if newest == s0 { 0 } else { 1 };
        assert_eq!(r.get(newest, |v| *v), Some(want));
    });
}

/// A reader concurrent with a pusher (capacity 2, three pushes) sees each sequence at most once,
/// in order, with the right value, and delivered + missed accounts for every sequence before its
/// cursor.
#[test]
fn reader_vs_pusher() {
    loom::model(|| {
        let r = Arc::new(Ring::new(2).unwrap());
        let r2 = r.clone();
        let t = thread::spawn(move || {
            for i in 0..3u64 {
                assert_eq!(r2.push(i * 10), i);
            }
        });
        let mut seen = vec![];
        let res = r.read_from(0, 10, |s, v| {
            assert_eq!(*v, s * 10);
            seen.push(s);
        });
        assert!(seen.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(res.next, seen.len() as u64 + res.missed);
        t.join().unwrap();
        assert_eq!(r.evicted() + r.retained() as u64, 3);
    });
}
