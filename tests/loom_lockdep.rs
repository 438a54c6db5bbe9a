//! Loom model of the validator's order-graph protocol (src/lockdep/graph.rs): two tokens race
//! to add the edges A->B and B->A. In every interleaving exactly one of them closes the cycle:
//! one acquisition gets `Conflict`, one report is made, the graph keeps one edge.
#![cfg(loom)]

use lfe::lockdep::{Config, Kind, Validator};
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

#[test]
fn racing_inversion_is_reported_exactly_once() {
    loom::model(|| {
        let v = Arc::new(Validator::new(small()).unwrap());
        let a = v.register(b"A").unwrap();
        let b = v.register(b"B").unwrap();
        let v2 = v.clone();
        let t = thread::spawn(move || {
            v2.acquire(2, b).unwrap();
            let r = v2.acquire(2, a);
            v2.release(2, a).unwrap();
            v2.release(2, b).unwrap();
            r
        });
        v.acquire(1, a).unwrap();
        let r1 = v.acquire(1, b);
        v.release(1, b).unwrap();
        v.release(1, a).unwrap();
        let r2 = t.join().unwrap();
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
        let v = Arc::new(Validator::new(small()).unwrap());
        let a = v.register(b"A").unwrap();
        let b = v.register(b"B").unwrap();
        let v2 = v.clone();
        let t = thread::spawn(move || {
            v2.acquire(2, a).unwrap();
            let r = v2.acquire(2, b);
            v2.release(2, b).unwrap();
            v2.release(2, a).unwrap();
            r
        });
        v.acquire(1, a).unwrap();
        let r1 = v.acquire(1, b);
        v.release(1, b).unwrap();
        v.release(1, a).unwrap();
        assert_eq!(r1, Ok(()));
        assert_eq!(t.join().unwrap(), Ok(()));
        assert!(v.violations().is_empty());
        assert_eq!(v.stats().edges, 1);
    });
}
