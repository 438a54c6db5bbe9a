//! Loom models of the close contracts (`src/event/queue.rs`, `src/event/bus.rs`):
//!
//! **Close is final.** A push or publish that returned OK is delivered exactly once before any
//! consumer can observe closed-and-empty; one that returned `Closed` delivered nothing.
//!
//! Each model races the close (queue close, unsubscribe, bus drop) against a producer while a
//! consumer drains until it sees `Closed`, then checks that nothing acknowledged was left
//! behind (a pop after `Closed` still returns `Closed`), nothing was duplicated, and every OK
//! push reached the consumer. Before the close became part of the ring's tail (a mark bit the
//! producers' claim CAS sees), the first two models failed: a push that had checked the
//! `closed` flag just before `close()` landed after the consumer had returned `Closed`, and an
//! unsubscribe set `closed` before taking the publish lock, so a publisher holding the old
//! subscriber list delivered behind it. Run with `make loom`.
#![cfg(loom)]

use lfe::event::{BusConfig, EventBus, EventInput, EventQueue, Filter};
use lfe::Error;
use loom::sync::Arc;
use loom::thread;
use std::time::Duration;

/// Pops with `pop` (blocking) until `Closed`; returns what `field` takes of each event.
fn drain(
    mut pop: impl FnMut() -> lfe::Result<lfe::event::Event>,
    field: fn(&lfe::event::Event) -> u64,
) -> Vec<u64> {
    let mut got = Vec::new();
    loop {
        match pop() {
            Ok(e) => got.push(field(&e)),
            Err(Error::Closed) => return got,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
}

/// Drains a queue; returns the kinds received.
fn drain_queue(q: &EventQueue) -> Vec<u64> {
    drain(|| q.pop_timeout(Duration::MAX), |e| u64::from(e.kind))
}

fn queue(capacity: usize) -> Arc<EventQueue> {
    Arc::new(EventQueue::with_capacity(capacity).unwrap())
}

/// close() races a non-blocking push while a consumer drains.
#[test]
fn queue_close_races_push() {
    loom::model(|| {
        let q = queue(2);
        let (qp, qc) = (q.clone(), q.clone());
        let p = thread::spawn(move || qp.try_push(&EventInput::new(7, b"")));
        let c = thread::spawn(move || drain_queue(&qc));
        q.close();
        let pushed = p.join().unwrap();
        let got = c.join().unwrap();
        match pushed {
            Ok(_) => assert_eq!(got, vec![7], "an acknowledged push was not delivered"),
            Err(e) => {
                assert_eq!(e, Error::Closed);
                assert!(got.is_empty(), "a refused push was delivered");
            }
        }
        // Nothing stranded behind the consumer's Closed.
        assert_eq!(q.try_pop().unwrap_err(), Error::Closed);
        assert_eq!(q.try_push(&EventInput::new(8, b"")), Err(Error::Closed));
    });
}

/// close() races a producer blocked on a full queue: its push is either refused (Closed) or
/// delivered; the event queued before is delivered either way.
#[test]
fn queue_close_races_blocked_push() {
    loom::model(|| {
        let q = queue(1);
        q.try_push(&EventInput::new(1, b"")).unwrap();
        let qp = q.clone();
        let p = thread::spawn(move || qp.push_timeout(&EventInput::new(2, b""), Duration::MAX));
        q.close();
        let got = drain_queue(&q);
        let pushed = p.join().unwrap();
        match pushed {
            Ok(_) => assert_eq!(got, vec![1, 2]),
            Err(e) => {
                assert_eq!(e, Error::Closed);
                // The push may have been refused before or after the pop made room; either
                // way it delivered nothing. A push that returns after our drain could only
                // be an OK one landing late, which the next check rules out.
                assert_eq!(got, vec![1]);
            }
        }
        assert_eq!(q.try_pop().unwrap_err(), Error::Closed);
    });
}

/// unsubscribe races a publish while the subscriber drains: the subscriber sees every event
/// delivered to it before `Closed`, and nothing after.
#[test]
fn bus_unsubscribe_races_publish() {
    loom::model(|| {
        let bus = Arc::new(EventBus::new(BusConfig::default()).unwrap());
        let sub = Arc::new(bus.subscribe(Filter::all(), 2).unwrap());
        let bp = bus.clone();
        let p = thread::spawn(move || bp.publish(&EventInput::new(5, b"")).unwrap());
        let sc = sub.clone();
        let c = thread::spawn(move || drain(|| sc.pop_timeout(Duration::MAX), |e| e.seq));
        sub.unsubscribe();
        p.join().unwrap();
        let got = c.join().unwrap();
        assert!(got.len() <= 1, "duplicated: {got:?}");
        let st = sub.stats();
        assert_eq!(st.delivered, got.len() as u64, "delivered but not received");
        assert_eq!(st.depth, 0);
        assert_eq!(sub.try_pop().unwrap_err(), Error::Closed);
    });
}

/// Dropping the bus (what `lfe_bus_free` does) wakes a subscriber blocked in a pop, which
/// returns what was delivered and then `Closed`.
#[test]
fn bus_drop_wakes_subscriber() {
    loom::model(|| {
        let bus = EventBus::new(BusConfig::default()).unwrap();
        let sub = bus.subscribe(Filter::all(), 2).unwrap();
        let c = thread::spawn(move || drain(|| sub.pop_timeout(Duration::MAX), |e| e.seq).len());
        bus.publish(&EventInput::new(5, b"")).unwrap();
        drop(bus);
        assert_eq!(c.join().unwrap(), 1);
    });
}

/// The protocol behind `lfe_queue_free` / `lfe_sub_free` against a blocked waiter (the C ABI's
/// shared handles, `bindings/c/src/args.rs`): the waiter holds its own reference for the whole call,
/// and the free closes (waking it) and then drops the host's reference. The waiter returns
/// `Closed` and the queue is dropped by whichever of the two lets go last; loom checks no
/// interleaving leaves the waiter parked (a lost close wake-up shows up as a deadlock).
#[test]
fn queue_free_races_blocked_waiter() {
    loom::model(|| {
        let host = queue(1);
        let held = host.clone(); // what `guard::hold` takes for the blocking call
        let w = thread::spawn(move || held.pop_timeout(Duration::MAX).map(|e| e.kind));
        // lfe_queue_free: close, then drop the host's reference.
        host.close();
        drop(host);
        assert_eq!(w.join().unwrap(), Err(Error::Closed));
    });
}

/// The two payload states of a slot (inline up to `INLINE_PAYLOAD` bytes, a shared allocation
/// above) against close: a queue holding an inline payload, a push of a shared one racing the
/// close, a consumer draining. Every payload arrives whole, exactly once, or not at all.
#[test]
fn queue_close_races_push_payload_states() {
    use lfe::event::INLINE_PAYLOAD;
    loom::model(|| {
        let inline = vec![b'i'; INLINE_PAYLOAD];
        let shared = vec![b's'; INLINE_PAYLOAD + 1];
        let q = queue(2);
        q.try_push(&EventInput::new(1, &inline)).unwrap();
        let (qp, qc) = (q.clone(), q.clone());
        let sp = shared.clone();
        let p = thread::spawn(move || qp.try_push(&EventInput::new(2, &sp)));
        let c = thread::spawn(move || {
            let mut got = Vec::new();
            while let Ok(e) = qc.pop_timeout(Duration::MAX) {
                assert_eq!(e.payload.is_shared(), e.payload.len() > INLINE_PAYLOAD);
                got.push(e.payload.to_vec());
            }
            got
        });
        q.close();
        let pushed = p.join().unwrap();
        let got = c.join().unwrap();
        match pushed {
            Ok(_) => assert_eq!(got, vec![inline, shared]),
            Err(e) => {
                assert_eq!(e, Error::Closed);
                assert_eq!(got, vec![inline]);
            }
        }
        assert_eq!(q.try_pop().unwrap_err(), Error::Closed);
    });
}

/// Drop-oldest evicting a slot that holds a shared payload while a close lands: the shared
/// payload is popped whole exactly once or counted in `dropped`, never both; the evicting push
/// is delivered whole when it returned OK and not at all when it returned `Closed`. (A
/// concurrent consumer is left out: the evicting push retries while a pop is mid-slot, which
/// loom's branch bound cannot tell from a livelock.)
#[test]
fn queue_drop_oldest_evicts_shared_payload() {
    use lfe::event::{Overflow, QueueConfig, INLINE_PAYLOAD};
    loom::model(|| {
        let shared = vec![b's'; INLINE_PAYLOAD + 1];
        let q = Arc::new(
            EventQueue::new(QueueConfig {
                capacity: 1,
                overflow: Overflow::DropOldest,
                ..QueueConfig::default()
            })
            .unwrap(),
        );
        q.try_push(&EventInput::new(1, &shared)).unwrap();
        let qp = q.clone();
        let p = thread::spawn(move || qp.try_push(&EventInput::new(2, b"inline")));
        q.close();
        let pushed = p.join().unwrap();
        let mut got = Vec::new();
        while let Ok(e) = q.try_pop() {
            got.push((e.kind, e.payload.to_vec()));
        }
        match &pushed {
            Ok(_) => assert_eq!(got, vec![(2, b"inline".to_vec())]),
            Err(e) => {
                assert_eq!(*e, Error::Closed);
                assert!(got.iter().all(|g| g == &(1, shared.clone())), "{got:?}");
            }
        }
        assert_eq!(
            got.len() as u64 + q.stats().dropped,
            1 + pushed.is_ok() as u64
        );
        assert_eq!(q.try_pop().unwrap_err(), Error::Closed);
    });
}

/// unsubscribe races a publish of a shared payload (one allocation for every subscription):
/// the subscription that stays receives it whole; the one leaving receives it whole or not at
/// all, checked byte for byte.
#[test]
fn bus_unsubscribe_races_publish_shared_payload() {
    use lfe::event::INLINE_PAYLOAD;
    loom::model(|| {
        let shared = vec![b's'; INLINE_PAYLOAD + 8];
        let bus = Arc::new(EventBus::new(BusConfig::default()).unwrap());
        let stay = bus.subscribe(Filter::all(), 2).unwrap();
        let leave = Arc::new(bus.subscribe(Filter::all(), 2).unwrap());
        let (bp, sp) = (bus.clone(), shared.clone());
        let p = thread::spawn(move || bp.publish(&EventInput::new(5, &sp)).unwrap());
        let lc = leave.clone();
        let c = thread::spawn(move || {
            let mut got = Vec::new();
            while let Ok(e) = lc.pop_timeout(Duration::MAX) {
                got.push(e.payload.to_vec());
            }
            got
        });
        leave.unsubscribe();
        p.join().unwrap();
        let got = c.join().unwrap();
        assert!(
            got.len() <= 1 && got.iter().all(|b| b == &shared),
            "{got:?}"
        );
        assert_eq!(leave.stats().delivered, got.len() as u64);
        assert_eq!(&*stay.try_pop().unwrap().payload, &shared[..]);
    });
}
