//! Loom model of the bus fan-out (`src/event/bus.rs`): concurrent publishers into one small
//! subscription whose consumer pops at the same time. The publish critical section evicts the
//! oldest event (drop-oldest) while the consumer may be popping the same ring, so this checks
//! the ring's pop/pop race as used by the bus and the accounting built on it:
//! events come out in sequence order, nothing is duplicated, every delivered event is either
//! popped or counted in `lagged` (exactly once), and `lost_before` adds up to `lagged`.
//! Run with `make loom`.
#![cfg(loom)]

use lfe::event::{BusConfig, EventBus, EventInput, Filter};
use loom::sync::Arc;
use loom::thread;

#[test]
fn bus_fanout_order_and_lagged() {
    loom::model(|| {
        let bus = Arc::new(EventBus::new(BusConfig::default()).unwrap());
        let sub = bus.subscribe(Filter::all(), 1).unwrap();
        let pubs: Vec<_> = (0..2)
            .map(|i| {
                let bus = bus.clone();
                thread::spawn(move || bus.publish(&EventInput::new(1 + i, b"")).unwrap())
            })
            .collect();
        // Consume concurrently with the publishers.
        let mut got = Vec::new();
        let mut lost = 0;
        if let Ok(ev) = sub.try_pop() {
            lost += ev.lost_before;
            got.push(ev.seq);
        }
        for p in pubs {
            p.join().unwrap();
        }
        while let Ok(ev) = sub.try_pop() {
            lost += ev.lost_before;
            got.push(ev.seq);
        }
        assert!(got.windows(2).all(|w| w[0] < w[1]), "out of order: {got:?}");
        let st = sub.stats();
        assert_eq!(st.delivered, 2);
        assert_eq!(
            got.len() as u64 + st.lagged,
            2,
            "lost or duplicated: {got:?} {st:?}"
        );
        assert_eq!(st.popped, got.len() as u64);
        assert_eq!(st.depth, 0);
        // The last event published is never the one evicted.
        assert_eq!(got.last(), Some(&2));
        // Every eviction shows up as `lost_before` on the next popped event.
        assert_eq!(lost, st.lagged);
    });
}

/// Two subscriptions with different filters: each gets exactly its events, in order, while a
/// publisher and an unsubscribe race (an event published after unsubscribe started is never
/// delivered; one published before is delivered or counted).
#[test]
fn bus_filter_and_unsubscribe_race() {
    loom::model(|| {
        let bus = Arc::new(EventBus::new(BusConfig::default()).unwrap());
        let a = bus.subscribe(Filter::types(&[1]), 2).unwrap();
        let b = bus.subscribe(Filter::types(&[2]), 2).unwrap();
        let bus2 = bus.clone();
        let p = thread::spawn(move || {
            bus2.publish(&EventInput::new(1, b"")).unwrap();
            bus2.publish(&EventInput::new(2, b"")).unwrap();
        });
        b.unsubscribe();
        p.join().unwrap();
        let ea = a.try_pop().unwrap();
        assert_eq!((ea.seq, ea.kind), (1, 1));
        assert!(a.try_pop().is_err());
        // b: either got event 2 (published before the unsubscribe) or nothing; then Closed.
        match b.try_pop() {
            Ok(e) => {
                assert_eq!((e.seq, e.kind), (2, 2));
                assert_eq!(b.try_pop().unwrap_err(), lfe::Error::Closed);
            }
            Err(e) => assert_eq!(e, lfe::Error::Closed),
        }
        assert_eq!(bus.stats().subscribers, 1);
    });
}
