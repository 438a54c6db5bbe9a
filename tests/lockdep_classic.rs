//! The classic lock-order bugs, each detected exactly once with the right names, and the status
//! codes the host sees.

use lfe::lockdep::{Config, Kind, Validator};
use lfe::Error;

fn validator(long_hold_ns: u64) -> (Validator, [u32; 4]) {
    let v = Validator::new(Config {
        long_hold_ns,
        ..Config::default()
    })
    .unwrap();
    let ids = [
        v.register(b"A").unwrap(),
        v.register(b"B").unwrap(),
        v.register(b"C").unwrap(),
        v.register(b"D").unwrap(),
    ];
    (v, ids)
}

fn names(v: &lfe::lockdep::Violation) -> Vec<String> {
    v.names
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect()
}

/// Asserts the reported violations, in order: kind, path text and one more field of each.
fn assert_violations(
    v: &Validator,
    field: impl Fn(&lfe::lockdep::Violation) -> u64,
    want: &[(Kind, &str, u64)],
) {
    let got: Vec<(Kind, String, u64)> = v
        .violations()
        .iter()
        .map(|x| (x.kind, x.path_text(), field(x)))
        .collect();
    let want: Vec<(Kind, String, u64)> = want
        .iter()
        .map(|&(k, p, f)| (k, p.to_string(), f))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn register_is_idempotent_and_bounded() {
    let v = Validator::new(Config {
        max_locks: 2,
        ..Config::default()
    })
    .unwrap();
    let a = v.register(b"A").unwrap();
    assert_eq!(v.register(b"A").unwrap(), a);
    let b = v.register(b"\xffB").unwrap();
    assert_ne!(a, b);
    assert_eq!(v.register(b"C"), Err(Error::Full));
    assert_eq!(v.lookup(b"\xffB"), Some(b));
    assert_eq!(v.name(b).unwrap(), b"\xffB");
    assert_eq!(v.acquire(1, 7), Err(Error::NotFound));
    assert_eq!(v.release(1, 7), Err(Error::NotFound));
    assert!(Validator::new(Config {
        max_locks: 0,
        ..Config::default()
    })
    .is_err());
}

#[test]
fn ab_ba_detected_once() {
    let (v, [a, b, ..]) = validator(0);
    for round in 0..3 {
        assert_eq!(v.acquire(1, a), Ok(()));
        assert_eq!(v.acquire(1, b), Ok(()));
        assert_eq!(v.release(1, b), Ok(()));
        assert_eq!(v.release(1, a), Ok(()));
        // Token 2 takes them the other way round: never blocks here, still caught.
        assert_eq!(v.acquire(2, b), Ok(()));
        assert_eq!(v.acquire(2, a), Err(Error::Conflict), "round {round}");
        assert_eq!(v.release(2, a), Ok(()));
        assert_eq!(v.release(2, b), Ok(()));
    }
    let vs = v.violations();
    assert_eq!(vs.len(), 1, "{vs:?}");
    let x = &vs[0];
    assert_eq!(x.kind, Kind::OrderInversion);
    assert_eq!(x.path_text(), "B -> A -> B");
    assert_eq!(x.path, vec![b, a, b]);
    assert_eq!(x.tokens, vec![2, 1]);
    assert_eq!(x.token, 2);
    assert_eq!(x.lock_name(), b"A");
    let s = v.stats();
    assert_eq!(s.edges, 1);
    assert_eq!(s.conflicts, 3);
    assert_eq!(s.violations, 1);
    assert_eq!(s.holding_tokens, 0);
}

#[test]
fn abc_cycle_across_three_tokens_detected_once() {
    let (v, [a, b, c, _]) = validator(0);
    let pairs = [(1, a, b), (2, b, c), (3, c, a)];
    for _ in 0..2 {
        for (i, &(t, x, y)) in pairs.iter().enumerate() {
            v.acquire(t, x).unwrap();
            let r = v.acquire(t, y);
            assert_eq!(r.is_err(), i == 2);
            v.release(t, y).unwrap();
            v.release(t, x).unwrap();
        }
    }
    let vs = v.violations();
    assert_eq!(vs.len(), 1, "{vs:?}");
    assert_eq!(vs[0].kind, Kind::Cycle);
    assert_eq!(names(&vs[0]), ["C", "A", "B", "C"]);
    assert_eq!(vs[0].path_text(), "C -> A -> B -> C");
    assert_eq!(vs[0].tokens, vec![3, 1, 2]);
}

#[test]
fn cycle_found_through_transitive_path_with_nested_holds() {
    // One token takes A, B, C nested; another takes C then A.
    let (v, [a, b, c, _]) = validator(0);
    for id in [a, b, c] {
        v.acquire(1, id).unwrap();
    }
    for id in [c, b, a] {
        v.release(1, id).unwrap();
    }
    v.acquire(2, c).unwrap();
    assert_eq!(v.acquire(2, a), Err(Error::Conflict));
    let vs = v.violations();
    assert_eq!(vs.len(), 1);
    // A->C is a direct edge (A was held when C was taken), so it is a 2-cycle.
    assert_eq!(vs[0].kind, Kind::OrderInversion);
    assert_eq!(vs[0].path_text(), "C -> A -> C");
}

#[test]
fn recursive_and_read_under_write_detected_once_each() {
    let (v, [a, b, c, _]) = validator(0);
    for _ in 0..2 {
        v.acquire(1, a).unwrap();
        assert_eq!(v.acquire(1, a), Err(Error::Conflict));
        v.release(1, a).unwrap();
        v.release(1, a).unwrap();
    }
    // Read lock under the same lock's write lock: a real Go deadlock.
    v.acquire(1, b).unwrap();
    assert_eq!(v.acquire_shared(1, b), Err(Error::Conflict));
    v.release(1, b).unwrap();
    v.release(1, b).unwrap();
    // Shared under shared: its own kind.
    v.acquire_shared(1, c).unwrap();
    assert_eq!(v.acquire_shared(1, c), Err(Error::Conflict));
    v.release(1, c).unwrap();
    v.release(1, c).unwrap();
    // Other tokens sharing the read lock is fine.
    v.acquire_shared(1, c).unwrap();
    assert_eq!(v.acquire_shared(2, c), Ok(()));
    v.release(2, c).unwrap();
    v.release(1, c).unwrap();

    let vs = v.violations();
    let got: Vec<(Kind, String)> = vs.iter().map(|x| (x.kind, x.path_text())).collect();
    assert_eq!(
        got,
        vec![
            (Kind::Recursive, "A -> A".to_string()),
            (Kind::Recursive, "B -> B".to_string()),
            (Kind::RecursiveRead, "C -> C".to_string()),
        ]
    );
    assert_eq!(v.stats().holding_tokens, 0);
}

#[test]
fn release_unheld_detected_once() {
    let (v, [a, b, ..]) = validator(0);
    assert_eq!(v.release(5, a), Err(Error::Conflict));
    assert_eq!(v.release(5, a), Err(Error::Conflict));
    v.acquire(5, b).unwrap();
    assert_eq!(v.release(5, a), Err(Error::Conflict));
    v.release(5, b).unwrap();
    // Held by another token is still unheld for this one.
    v.acquire(6, b).unwrap();
    assert_eq!(v.release(7, b), Err(Error::Conflict));
    v.release(6, b).unwrap();
    assert_violations(
        &v,
        |x| x.token,
        &[(Kind::ReleaseUnheld, "A", 5), (Kind::ReleaseUnheld, "B", 7)],
    );
}

#[test]
fn long_hold_on_release_and_by_scan_with_injected_time() {
    let (v, [a, b, c, _]) = validator(1_000);
    // Short hold: nothing.
    v.acquire_at(1, a, false, 10).unwrap();
    assert_eq!(v.release_at(1, a, 500), Ok(()));
    // Long hold, seen at release.
    v.acquire_at(1, a, false, 1_000).unwrap();
    assert_eq!(v.release_at(1, a, 3_000), Err(Error::Conflict));
    // Long hold still open, seen by scan; its release is not reported again.
    v.acquire_at(2, b, true, 10_000).unwrap();
    v.acquire_at(3, c, false, 10_500).unwrap();
    assert_eq!(v.scan_at(10_900), 0);
    assert_eq!(v.scan_at(11_200), 1);
    assert_eq!(v.scan_at(12_000), 2);
    assert_eq!(v.release_at(2, b, 13_000), Err(Error::Conflict));
    v.release_at(3, c, 13_000).unwrap_err();
    assert_violations(
        &v,
        |x| x.held_ns,
        &[
            (Kind::LongHold, "A", 2_000),
            (Kind::LongHold, "B", 1_200),
            (Kind::LongHold, "C", 1_500),
        ],
    );
    // Off by default: no clock, no report.
    let (w, [a, ..]) = validator(0);
    w.acquire_at(1, a, false, 1).unwrap();
    w.release_at(1, a, u64::MAX).unwrap();
    assert_eq!(w.scan_at(u64::MAX), 0);
    assert!(w.violations().is_empty());
}

#[test]
fn disabled_records_nothing() {
    let (v, [a, b, ..]) = validator(0);
    v.disable();
    assert!(!v.is_enabled());
    v.acquire(1, a).unwrap();
    v.acquire(1, b).unwrap();
    v.acquire(2, b).unwrap();
    v.acquire(2, a).unwrap();
    v.release(3, a).unwrap();
    assert!(v.violations().is_empty());
    assert_eq!(v.stats().acquires, 0);
    v.enable();
    assert!(v.is_enabled());
    assert!(v.violations().is_empty());
}

#[test]
fn bounds_give_full_without_false_reports() {
    let v = Validator::new(Config {
        max_held: 2,
        max_tokens: 1,
        shards: 1,
        max_violations: 1,
        ..Config::default()
    })
    .unwrap();
    let ids: Vec<u32> = (0..4).map(|i| v.register(&[b'a' + i]).unwrap()).collect();
    v.acquire(1, ids[0]).unwrap();
    v.acquire(1, ids[1]).unwrap();
    assert_eq!(v.acquire(1, ids[2]), Err(Error::Full));
    // Another token while the only token slot is taken.
    assert_eq!(v.acquire(2, ids[3]), Err(Error::Full));
    // Their releases are not reported as unheld.
    v.release(1, ids[2]).unwrap();
    v.release(2, ids[3]).unwrap();
    v.release(1, ids[1]).unwrap();
    v.release(1, ids[0]).unwrap();
    assert!(v.violations().is_empty());
    // max_violations: the second distinct report is dropped and counted.
    assert_eq!(v.release(3, ids[0]), Err(Error::Conflict));
    assert_eq!(v.release(3, ids[1]), Err(Error::Conflict));
    assert_eq!(v.violations().len(), 1);
    assert_eq!(v.stats().violations_dropped, 1);
}

#[test]
fn violations_since_is_a_cursor() {
    let (v, [a, b, ..]) = validator(0);
    v.release(1, a).unwrap_err();
    let (first, next) = v.violations_since(0);
    assert_eq!((first.len(), next), (1, 1));
    v.release(1, b).unwrap_err();
    let (second, next) = v.violations_since(next);
    assert_eq!((second.len(), next), (1, 2));
    assert_eq!(second[0].seq, 1);
    assert_eq!(second[0].lock, b);
    assert_eq!(v.violations_since(next).0.len(), 0);
    assert_eq!(v.violations_since(100).0.len(), 0);
}

#[test]
fn idle_tokens_make_room_for_new_ones() {
    let v = Validator::new(Config {
        max_tokens: 2,
        shards: 1,
        ..Config::default()
    })
    .unwrap();
    let a = v.register(b"A").unwrap();
    // Many distinct tokens (goroutine ids), two at most holding at once: never Full.
    for t in 0..1_000u64 {
        assert_eq!(v.acquire(t, a), Ok(()));
        assert_eq!(v.acquire_shared(t + 10_000, a), Ok(()));
        assert_eq!(v.release(t, a), Ok(()));
        assert_eq!(v.release(t + 10_000, a), Ok(()));
    }
    assert!(v.violations().is_empty());
    assert_eq!(v.stats().holding_tokens, 0);
}
