//! Loom model of the validator's order-graph protocol (src/lockdep/graph.rs): two tokens race
//! to add the edges A->B and B->A. In every interleaving exactly one of them closes the cycle:
//! one acquisition gets `Conflict`, one report is made, the graph keeps one edge.
#![cfg(loom)]

use lfe::lockdep::{Config, Kind, LockId, Validator};
use lfe::Error;
use loom::sync::Arc;
use loom::thread;

fn small() -> Config {
    Config {
        max_locks: 2,
        shards: 2,
        ..Config::default()
    }
}

/// Token `token` takes `outer` then `inner` and releases both; the result of taking `inner`.
fn nest(v: &Validator, token: u64, outer: LockId, inner: LockId) -> Result<(), Error> {
    v.acquire(token, outer).unwrap();
    let r = v.acquire(token, inner);
    v.release(token, inner).unwrap();
    v.release(token, outer).unwrap();
    r
}

/// Token 1 nests A then B while token 2 nests B then A (`invert`) or A then B; the validator
/// and the results of the two inner acquisitions.
fn race(invert: bool) -> (Arc<Validator>, Result<(), Error>, Result<(), Error>) {
    let v = Arc::new(Validator::new(small()).unwrap());
    let a = v.register(b"A").unwrap();
    let b = v.register(b"B").unwrap();
    let v2 = v.clone();
    let (outer, inner) = if invert { (b, a) } else { (a, b) };
    let t = thread::spawn(move || nest(&v2, 2, outer, inner));
    let r1 = nest(&v, 1, a, b);
    let r2 = t.join().unwrap();
    (v, r1, r2)
}

#[test]
fn racing_inversion_is_reported_exactly_once() {
    loom::model(|| {
        let (v, r1, r2) = race(true);
        let conflicts = [r1, r2]
            .iter()
            .filter(|r| **r == Err(Error::Conflict))
            .count();
        assert_eq!(conflicts, 1);
        let vs = v.violations();
        assert_eq!(vs.len(), 1);
        assert_eq!(vs[0].kind, Kind::OrderInversion);
        assert_eq!(v.stats().edges, 1);
    });
}

#[test]
fn known_edge_seen_lock_free_no_false_report() {
    loom::model(|| {
        let (v, r1, r2) = race(false);
        assert_eq!(r1, Ok(()));
        assert_eq!(r2, Ok(()));
        assert!(v.violations().is_empty());
        assert_eq!(v.stats().edges, 1);
    });
}
