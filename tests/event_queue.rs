//! Event queue: behaviour and N-producer/M-consumer stress, run against both the lock-free
//! queue (`lfe::event::EventQueue`) and the mutex baseline (`lfe_baselines::event::EventQueue`)
//! with the same checks.

mod common;

use lfe::event::{types, Event, EventInput, Overflow, QueueConfig};
use lfe::Error;
use std::collections::HashMap;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

const SHORT: Duration = Duration::from_millis(20);
const LONG: Duration = Duration::from_secs(30);

fn input(pid: u64, payload: &[u8]) -> EventInput<'_> {
    EventInput {
        kind: types::LOG_LINE,
        process_id: pid,
        ts_ns: 0,
        payload,
    }
}

macro_rules! queue_tests {
    ($modname:ident, $Q:ty) => {
        mod $modname {
            use super::*;
            type Q = $Q;

            fn mkq(capacity: usize, overflow: Overflow) -> Q {
                Q::new(QueueConfig {
                    capacity,
                    max_payload: 16,
                    overflow,
                })
                .unwrap()
            }

            /// `max` 0 is `Invalid` and pops nothing, as `lfe_queue_pop_batch(q, 0, ..)` is
            /// `LFE_E_INVALID` (the C ABI and the Rust API give one answer).
            #[test]
            fn pop_batch_max_zero_is_invalid() {
                let q = mkq(2, Overflow::Reject);
                q.try_push(&input(1, b"a")).unwrap();
                let mut v = Vec::new();
                assert!(matches!(q.try_pop_batch(&mut v, 0), Err(Error::Invalid(_))));
                let r = q.pop_batch_timeout(&mut v, 0, SHORT);
                assert!(matches!(r, Err(Error::Invalid(_))));
                assert!(v.is_empty());
                assert_eq!(q.try_pop_batch(&mut v, 5), Ok(1));
            }

            #[test]
            fn try_forms_and_errors() {
                let _lockdep = common::lockdep_on();
                assert!(matches!(Q::with_capacity(0), Err(Error::Invalid(_))));
                let q = mkq(2, Overflow::Reject);
                assert_eq!(q.try_pop(), Err(Error::Empty));
                let s1 = q.try_push(&input(1, b"a")).unwrap();
                let s2 = q.try_push(&input(1, b"b")).unwrap();
                assert!(s2 > s1);
                assert_eq!(q.try_push(&input(1, b"c")), Err(Error::Full));
                assert_eq!(q.try_push(&input(1, &[0u8; 17])), Err(Error::TooLarge));
                assert!(q.try_push(&input(1, &[0u8; 16])).is_err()); // full, but size ok
                let bad = EventInput::new(0, b"");
                assert!(matches!(q.try_push(&bad), Err(Error::Invalid(_))));
                let bad = EventInput::new(500, b"");
                assert!(matches!(q.try_push(&bad), Err(Error::Invalid(_))));
                let e = q.try_pop().unwrap();
                assert_eq!((e.seq, &*e.payload, e.process_id), (s1, &b"a"[..], 1));
                assert_eq!(e.kind, types::LOG_LINE);
                assert!(e.ts_ns > 0);
                assert_eq!(&*q.try_pop().unwrap().payload, b"b");
                assert_eq!(q.try_pop(), Err(Error::Empty));
                let st = q.stats();
                assert_eq!((st.depth, st.pushed, st.popped, st.dropped), (0, 2, 2, 0));
                // Host-defined type and explicit timestamp.
                let host = EventInput {
                    kind: types::HOST_MIN + 5,
                    process_id: 0,
                    ts_ns: 42,
                    payload: b"",
                };
                q.try_push(&host).unwrap();
                let e = q.try_pop().unwrap();
                assert_eq!((e.kind, e.ts_ns), (types::HOST_MIN + 5, 42));
            }

            #[test]
            fn drop_oldest_counts() {
                let _lockdep = common::lockdep_on();
                let q = mkq(3, Overflow::DropOldest);
                for i in 0..10u8 {
                    q.try_push(&input(0, &[i])).unwrap();
                }
                let st = q.stats();
                assert_eq!((st.depth, st.pushed, st.dropped), (3, 10, 7));
                let got: Vec<u8> = (0..3).map(|_| q.try_pop().unwrap().payload[0]).collect();
                assert_eq!(got, vec![7, 8, 9]);
                assert_eq!(q.stats().popped, 3);
            }

            #[test]
            fn batches() {
                let _lockdep = common::lockdep_on();
                let q = mkq(4, Overflow::Reject);
                let data: Vec<[u8; 1]> = (0..6u8).map(|i| [i]).collect();
                let ins: Vec<EventInput> = data.iter().map(|d| input(0, d)).collect();
                assert_eq!(q.try_push_batch(&ins), Ok(4));
                assert_eq!(q.try_push_batch(&ins[4..]), Err(Error::Full));
                // A bad input anywhere: nothing is pushed.
                let big = [0u8; 17];
                let mixed = vec![input(0, b"x"), input(0, &big)];
                q.try_pop().unwrap();
                assert_eq!(q.try_push_batch(&mixed), Err(Error::TooLarge));
                assert_eq!(q.len(), 3);
                let mut out = Vec::new();
                assert_eq!(q.try_pop_batch(&mut out, 2), Ok(2));
                assert_eq!(q.try_pop_batch(&mut out, 10), Ok(1));
                let got: Vec<u8> = out.iter().map(|e| e.payload[0]).collect();
                assert_eq!(got, vec![1, 2, 3]);
                assert_eq!(q.try_pop_batch(&mut out, 10), Err(Error::Empty));
                assert_eq!(
                    q.pop_batch_timeout(&mut out, 10, SHORT),
                    Err(Error::Timeout)
                );
            }

            #[test]
            fn timeouts() {
                let _lockdep = common::lockdep_on();
                let q = mkq(1, Overflow::Reject);
                assert_eq!(q.pop_timeout(SHORT), Err(Error::Timeout));
                assert_eq!(q.pop_timeout(Duration::ZERO), Err(Error::Timeout));
                q.try_push(&input(0, b"")).unwrap();
                assert_eq!(q.push_timeout(&input(0, b""), SHORT), Err(Error::Timeout));
                assert!(q.pop_timeout(SHORT).is_ok());
            }

            #[test]
            fn close_wakes_every_waiter_and_drains() {
                let _lockdep = common::lockdep_on();
                let q = Arc::new(mkq(1, Overflow::Reject));
                // Blocked consumers.
                let cons: Vec<_> = (0..3)
                    .map(|_| {
                        let q = q.clone();
                        thread::spawn(move || q.pop_timeout(LONG))
                    })
                    .collect();
                thread::sleep(Duration::from_millis(30));
                q.close();
                for c in cons {
                    assert_eq!(c.join().unwrap(), Err(Error::Closed));
                }
                // Blocked producers on a full queue.
                let q2 = Arc::new(mkq(1, Overflow::Reject));
                while q2.try_push(&input(0, b"")).is_ok() {}
                let prods: Vec<_> = (0..3)
                    .map(|_| {
                        let q = q2.clone();
                        thread::spawn(move || q.push_timeout(&input(0, b""), LONG))
                    })
                    .collect();
                thread::sleep(Duration::from_millis(30));
                q2.close();
                for p in prods {
                    assert_eq!(p.join().unwrap(), Err(Error::Closed));
                }
                // What was left is drained, then Closed.
                assert!(q2.try_pop().is_ok());
                assert_eq!(q2.try_pop(), Err(Error::Closed));
                assert_eq!(q2.pop_timeout(LONG), Err(Error::Closed));
                assert_eq!(q2.try_push(&input(0, b"")), Err(Error::Closed));
            }

            #[test]
            fn stress_exactly_once_and_producer_order() {
                let _lockdep = common::lockdep_on();
                for &(np, nc, cap) in &[(1usize, 1usize, 8usize), (2, 2, 16), (4, 4, 3), (3, 1, 1)]
                {
                    stress(np, nc, cap);
                }
            }

            fn stress(np: usize, nc: usize, cap: usize) {
                const PER: u64 = 3000;
                let q = Arc::new(mkq(cap, Overflow::Reject));
                let prods: Vec<_> = (0..np as u64)
                    .map(|p| {
                        let q = q.clone();
                        thread::spawn(move || {
                            let mut i = 0u64;
                            while i < PER {
                                let b = i.to_le_bytes();
                                let ev = input(p, &b);
                                if i % 3 == 0 {
                                    match q.try_push(&ev) {
                                        Ok(_) => i += 1,
                                        Err(Error::Full) => thread::yield_now(),
                                        Err(e) => panic!("{e}"),
                                    }
                                } else {
                                    q.push_timeout(&ev, LONG).unwrap();
                                    i += 1;
                                }
                            }
                        })
                    })
                    .collect();
                let cons: Vec<_> = (0..nc)
                    .map(|c| {
                        let q = q.clone();
                        thread::spawn(move || {
                            let mut got: Vec<Event> = Vec::new();
                            loop {
                                let r = if c % 2 == 0 {
                                    q.pop_timeout(LONG).map(|e| {
                                        got.push(e);
                                    })
                                } else {
                                    q.pop_batch_timeout(&mut got, 7, LONG).map(|_| ())
                                };
                                match r {
                                    Ok(()) => {}
                                    Err(Error::Closed) => return got,
                                    Err(e) => panic!("{e}"),
                                }
                            }
                        })
                    })
                    .collect();
                for p in prods {
                    p.join().unwrap();
                }
                q.close();
                // Sequential model: the multiset of (producer, i) pushed; each consumer's
                // history keeps each producer's order; sequence numbers unique.
                let mut seen: HashMap<(u64, u64), usize> = HashMap::new();
                let mut seqs = std::collections::HashSet::new();
                for c in cons {
                    let got = c.join().unwrap();
                    let mut last: HashMap<u64, u64> = HashMap::new();
                    for e in got {
                        let i = u64::from_le_bytes(e.payload[..8].try_into().unwrap());
                        if let Some(&prev) = last.get(&e.process_id) {
                            assert!(i > prev, "producer order broken");
                        }
                        last.insert(e.process_id, i);
                        *seen.entry((e.process_id, i)).or_default() += 1;
                        assert!(seqs.insert(e.seq), "duplicate seq");
                    }
                }
                assert_eq!(seen.len(), np * PER as usize, "lost events");
                assert!(seen.values().all(|&n| n == 1), "duplicated events");
                let st = q.stats();
                assert_eq!(st.pushed, np as u64 * PER);
                assert_eq!(st.popped, np as u64 * PER);
                assert_eq!(st.depth, 0);
            }
        }
    };
}

queue_tests!(lockfree, lfe::event::EventQueue);
queue_tests!(baseline, lfe_baselines::event::EventQueue);

#[test]
fn power_of_two_and_odd_capacities_wrap() {
    for cap in [1usize, 2, 3, 5, 8] {
        let q = lfe::event::EventQueue::with_capacity(cap).unwrap();
        for round in 0..50u64 {
            for i in 0..cap as u64 {
                q.try_push(&input(round, &i.to_le_bytes())).unwrap();
            }
            assert_eq!(q.try_push(&input(0, b"")), Err(Error::Full));
            for i in 0..cap as u64 {
                let e = q.try_pop().unwrap();
                assert_eq!(
                    (e.process_id, &e.payload[..]),
                    (round, &i.to_le_bytes()[..])
                );
            }
        }
        assert_eq!(q.stats().pushed, 50 * cap as u64);
    }
}

#[test]
fn drop_with_events_inside_frees_them() {
    let q = lfe::event::EventQueue::with_capacity(8).unwrap();
    for _ in 0..5 {
        q.try_push(&input(0, b"payload")).unwrap();
    }
    drop(q);
}

/// With drop-oldest, a push into a full, closed queue is refused without evicting anything: the
/// events pushed before the close are all still popped.
#[test]
fn drop_oldest_push_after_close_evicts_nothing() {
    let q = lfe::event::EventQueue::new(QueueConfig {
        capacity: 2,
        overflow: Overflow::DropOldest,
        ..Default::default()
    })
    .unwrap();
    q.try_push(&EventInput::new(1, b"a")).unwrap();
    q.try_push(&EventInput::new(1, b"b")).unwrap();
    q.close();
    assert_eq!(q.try_push(&EventInput::new(1, b"c")), Err(Error::Closed));
    assert_eq!(&*q.try_pop().unwrap().payload, b"a");
    assert_eq!(&*q.try_pop().unwrap().payload, b"b");
    assert_eq!(q.try_pop(), Err(Error::Closed));
    assert_eq!(q.stats().dropped, 0);
}

/// Payloads on both sides of the inline size arrive byte for byte, with the fields around them,
/// through every path a slot takes: a plain push/pop, a batch pop, a drop-oldest eviction and
/// a drop of the queue with payloads still inside (leaks show under the C tests' valgrind run
/// and `make sanitize`).
#[test]
fn payloads_across_the_inline_size() {
    use lfe::event::INLINE_PAYLOAD;
    let sizes = [
        0,
        1,
        INLINE_PAYLOAD - 1,
        INLINE_PAYLOAD,
        INLINE_PAYLOAD + 1,
        256,
        4096,
    ];
    let body = |n: usize| (0..n).map(|i| (i * 7 + n) as u8).collect::<Vec<u8>>();
    let q = lfe::event::EventQueue::new(QueueConfig {
        capacity: 4,
        overflow: Overflow::DropOldest,
        ..Default::default()
    })
    .unwrap();
    for (pid, &n) in sizes.iter().enumerate() {
        let b = body(n);
        let seq = q.try_push(&input(pid as u64, &b)).unwrap();
        let e = q.try_pop().unwrap();
        assert_eq!(
            (e.seq, e.process_id, &e.payload[..]),
            (seq, pid as u64, &b[..])
        );
        assert_eq!(e.payload.is_shared(), n > INLINE_PAYLOAD);
    }
    // Fill past capacity so the oldest (a mix of inline and shared) are evicted.
    for &n in sizes.iter() {
        q.try_push(&input(n as u64, &body(n))).unwrap();
    }
    assert_eq!(q.stats().dropped, (sizes.len() - 4) as u64);
    let mut out = Vec::new();
    q.try_pop_batch(&mut out, 2).unwrap();
    for e in &out {
        assert_eq!(&e.payload[..], &body(e.process_id as usize)[..]);
    }
    drop(q); // two events, both shared, still inside
}
