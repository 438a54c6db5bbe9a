//! Unit tests of the request log (internals: slot size, chunks, histogram buckets).

use super::counters::*;
use super::ring::*;
use super::*;

/// Regression (found by the `abi` fuzz target / test_hostile.c): capacity = SIZE_MAX from
/// C panicked in the slot allocation (LFE_E_PANIC), and a large but not overflowing one
/// would abort on allocation failure. Now refused up front.
#[test]
fn absurd_capacity_is_too_large() {
    let cfg = |capacity| RequestsConfig {
        capacity,
        ..Default::default()
    };
    assert!(matches!(
        RequestLog::new(cfg(usize::MAX)),
        Err(Error::TooLarge)
    ));
    assert!(matches!(
        RequestLog::new(cfg(MAX_CAPACITY + 1)),
        Err(Error::TooLarge)
    ));
    assert!(RequestLog::new(cfg(4)).is_ok());
}

#[test]
fn a_slot_is_four_cache_lines() {
    assert_eq!(std::mem::size_of::<RingSlot>(), SLOT_BYTES);
    assert_eq!(SLOT_INLINE, INLINE_BYTES);
}

fn long(route: u64, path_len: usize) -> Request {
    Request {
        method: b"GET".to_vec(),
        path: vec![b'p'; path_len],
        route_id: route,
        ..Default::default()
    }
}

/// A log of `capacity` slots with fields up to 300 bytes whose `max_bytes` leaves exactly
/// `Spill::charge_of(spill)` for long fields.
fn spill_budget_log(capacity: usize, spill: usize) -> RequestLog {
    RequestLog::new(RequestsConfig {
        capacity,
        max_field: 300,
        max_bytes: RequestLog::fixed_bytes(capacity) + Spill::charge_of(spill),
        ..Default::default()
    })
    .unwrap()
}

/// With the budget taken by long fields held elsewhere (as by writers and readers in
/// flight), a record with long fields is refused with `Full` and nothing changes; short
/// records still go in; once the holders let go, long ones do too.
#[test]
fn long_fields_over_the_budget_held_elsewhere_are_full() {
    let l = spill_budget_log(4, 1200);
    let budget = l.spill_budget;
    l.spilled.fetch_add(budget, Ordering::Relaxed);
    assert_eq!(l.record(long(1, 200)), Err(Error::Full));
    assert_eq!(
        l.record_batch(vec![long(1, 1), long(1, 200)]),
        Err(Error::Full)
    );
    assert_eq!((l.head(), l.global_stats().requests), (0, 0));
    assert_eq!(l.record(long(1, 10)), Ok(0));
    l.spilled.fetch_sub(budget, Ordering::Relaxed);
    assert_eq!(l.record(long(1, 200)), Ok(1));
    assert_eq!(l.spilled.load(Ordering::Relaxed), Spill::charge_of(203));
    let got = l.read(0, 10);
    assert_eq!((got.requests.len(), got.missed), (2, 0));
    assert_eq!(got.requests[1].path.len(), 200);
}

/// A batch whose long fields together exceed what `max_bytes` can ever hold is `TooLarge`.
#[test]
fn a_batch_longer_than_the_budget_is_too_large() {
    let l = spill_budget_log(8, 1200);
    let b = vec![long(0, 200); 6];
    assert_eq!(l.record_batch(b), Err(Error::TooLarge));
    assert_eq!((l.head(), l.spilled.load(Ordering::Relaxed)), (0, 0));
}

/// Slot chunks are allocated as the ring first fills, before their sequences are claimed.
#[test]
fn slot_chunks_are_committed_as_the_ring_fills() {
    let cap = 3 * CHUNK;
    let l = RequestLog::new(RequestsConfig {
        capacity: cap,
        max_bytes: RequestLog::fixed_bytes(cap) + (1 << 20),
        ..Default::default()
    })
    .unwrap();
    let table = Chunks::table_bytes(cap);
    assert_eq!(l.retained_bytes(), table);
    l.record(long(0, 1)).unwrap();
    assert_eq!(l.retained_bytes(), table + CHUNK * SLOT_BYTES);
    // A batch spanning the rest of chunk 0 and into chunk 1 makes chunk 1 first.
    l.record_batch(vec![long(0, 1); CHUNK]).unwrap();
    assert_eq!(l.retained_bytes(), table + 2 * CHUNK * SLOT_BYTES);
    // A batch wrapping past the end makes the last chunk (and finds chunk 0 made).
    l.record_batch(vec![long(0, 1); 2 * CHUNK]).unwrap();
    assert_eq!(l.retained_bytes(), table + cap * SLOT_BYTES);
    assert!(l.slots.all_made());
    assert_eq!(l.read(0, usize::MAX).requests.len(), cap);
}

#[test]
fn long_fields_spill_and_read_back() {
    let l = RequestLog::new(RequestsConfig {
        capacity: 2,
        ..Default::default()
    })
    .unwrap();
    let mut r = Request {
        method: b"GET".to_vec(),
        host: vec![b'h'; INLINE_BYTES - 3],
        ..Default::default()
    };
    l.record(r.clone()).unwrap(); // exactly fills the inline words
    r.path = b"/".to_vec();
    l.record(r.clone()).unwrap(); // one byte over: spilled
    r.host = b"h".to_vec();
    l.record(r.clone()).unwrap(); // inline again, over the slot of record 0
    let got = l.read(0, 10);
    assert_eq!((got.next, got.missed), (3, 1));
    assert_eq!(got.requests[0].host.len(), INLINE_BYTES - 3);
    assert_eq!(got.requests[0].path, b"/");
    assert_eq!(got.requests[1].host, b"h");
    assert_eq!(got.requests[1].path, b"/");
    assert_eq!(got.requests[1].method, b"GET");
}

#[test]
fn routes_colliding_in_the_cache_keep_their_own_stats() {
    let l = RequestLog::default();
    let ids = [1, 1 + ROUTE_CACHE as u64, 2, 1 + 2 * ROUTE_CACHE as u64];
    for k in 0..40u64 {
        let id = ids[(k % 4) as usize];
        l.record(Request {
            route_id: id,
            bytes: id,
            ..Default::default()
        })
        .unwrap();
    }
    for id in ids {
        let s = l.route_stats(id).unwrap();
        assert_eq!((s.requests, s.bytes), (10, 10 * id), "route {id}");
    }
    assert_eq!(l.global_stats().requests, 40);
}

#[test]
fn buckets_are_monotone_and_bound_values() {
    let mut last = 0;
    for v in (0..20)
        .chain((1..64).map(|s| 1u64 << s))
        .chain([u64::MAX, 1000, 999_999])
    {
        let b = bucket_of(v);
        assert!(bucket_upper(b) >= v, "{v}");
        if v > 4 {
            assert!(bucket_upper(b) - v <= v / 4, "{v}");
        }
        let _ = last;
        last = b;
    }
    for i in 1..BUCKETS {
        assert!(bucket_upper(i) > bucket_upper(i - 1));
        assert_eq!(bucket_of(bucket_upper(i)), i);
    }
}
