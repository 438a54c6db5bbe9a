//! Event bus: filtering, per-subscriber order with concurrent publishers, gaps only where
//! `lagged` says, unsubscribe from any thread, eventfd readiness.

use lfe::event::{types, BusConfig, Event, EventBus, EventInput, Filter};
use lfe::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(30);

fn bus() -> EventBus {
    EventBus::new(BusConfig::default()).unwrap()
}

fn drain(s: &lfe::event::Subscription) -> Vec<Event> {
    let mut v = Vec::new();
    while let Ok(e) = s.try_pop() {
        v.push(e);
    }
    v
}

/// `max` 0 is `Invalid` and pops nothing, as `lfe_sub_pop_batch(s, 0, ..)` is `LFE_E_INVALID`.
#[test]
fn sub_pop_batch_max_zero_is_invalid() {
    let b = bus();
    let s = b.subscribe(Filter::all(), 4).unwrap();
    b.publish(&EventInput::new(types::LOG_LINE, b"x")).unwrap();
    let mut v = Vec::new();
    assert!(matches!(s.try_pop_batch(&mut v, 0), Err(Error::Invalid(_))));
    let r = s.pop_batch_timeout(&mut v, 0, Duration::from_millis(1));
    assert!(matches!(r, Err(Error::Invalid(_))));
    assert!(v.is_empty());
    assert_eq!(s.try_pop_batch(&mut v, 4), Ok(1));
}

#[test]
fn filters_select_types() {
    let b = bus();
    let logs = b.subscribe(Filter::types(&[types::LOG_LINE]), 16).unwrap();
    let procs = b
        .subscribe(
            Filter::mask(Filter::bit(types::PROCESS_STARTED) | Filter::bit(types::PROCESS_EXITED)),
            16,
        )
        .unwrap();
    let host = b.subscribe(Filter::mask(1 << 63), 16).unwrap();
    let all = b.subscribe(Filter::all(), 16).unwrap();
    assert!(matches!(
        b.subscribe(Filter::mask(0), 16),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        b.subscribe(Filter::all(), 0),
        Err(Error::Invalid(_))
    ));
    for t in [
        types::LOG_LINE,
        types::PROCESS_STARTED,
        types::HOST_MIN + 1,
        types::PROCESS_EXITED,
    ] {
        b.publish(&EventInput::new(t, b"")).unwrap();
    }
    let kinds = |s| drain(s).iter().map(|e| e.kind).collect::<Vec<_>>();
    assert_eq!(kinds(&logs), vec![types::LOG_LINE]);
    assert_eq!(
        kinds(&procs),
        vec![types::PROCESS_STARTED, types::PROCESS_EXITED]
    );
    assert_eq!(kinds(&host), vec![types::HOST_MIN + 1]);
    assert_eq!(kinds(&all).len(), 4);
    assert_eq!(b.stats().published, 4);
    assert_eq!(b.stats().subscribers, 4);
    assert_eq!(
        b.publish(&EventInput::new(types::LOG_LINE, &[0; 4097])),
        Err(Error::TooLarge)
    );
    assert!(matches!(
        b.publish(&EventInput::new(0, b"")),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn lagged_counts_and_gap_position() {
    let b = bus();
    let s = b.subscribe(Filter::all(), 4).unwrap();
    for i in 0..10u8 {
        b.publish(&EventInput::new(types::LOG_LINE, &[i])).unwrap();
    }
    let st = s.stats();
    assert_eq!((st.lagged, st.delivered, st.depth), (6, 10, 4));
    let got = drain(&s);
    let payloads: Vec<u8> = got.iter().map(|e| e.payload[0]).collect();
    assert_eq!(payloads, vec![6, 7, 8, 9]);
    let lost: Vec<u64> = got.iter().map(|e| e.lost_before).collect();
    assert_eq!(lost, vec![6, 0, 0, 0]);
    assert_eq!(got[0].seq, 7);
    // Batch publish: consecutive sequence numbers.
    let ins: Vec<EventInput> = (0..3)
        .map(|_| EventInput::new(types::TEST_PASSED, b""))
        .collect();
    assert_eq!(b.publish_batch(&ins), Ok(11));
    let mut out = Vec::new();
    assert_eq!(s.try_pop_batch(&mut out, 10), Ok(3));
    assert_eq!(
        out.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![11, 12, 13]
    );
    assert_eq!(s.stats().popped, 7);
}

#[test]
fn unsubscribe_wakes_drains_then_closed() {
    let b = bus();
    let s = Arc::new(b.subscribe(Filter::all(), 8).unwrap());
    let s2 = s.clone();
    let waiter = thread::spawn(move || s2.pop_timeout(LONG));
    thread::sleep(Duration::from_millis(20));
    b.publish(&EventInput::new(types::LOG_LINE, b"x")).unwrap();
    assert_eq!(&*waiter.join().unwrap().unwrap().payload, b"x");
    let s2 = s.clone();
    let waiter = thread::spawn(move || s2.pop_timeout(LONG));
    thread::sleep(Duration::from_millis(20));
    s.unsubscribe();
    assert_eq!(waiter.join().unwrap(), Err(Error::Closed));
    assert_eq!(b.stats().subscribers, 0);

    let s = b.subscribe(Filter::all(), 8).unwrap();
    b.publish(&EventInput::new(types::LOG_LINE, b"1")).unwrap();
    s.unsubscribe();
    b.publish(&EventInput::new(types::LOG_LINE, b"2")).unwrap();
    assert_eq!(&*s.try_pop().unwrap().payload, b"1");
    assert_eq!(s.try_pop(), Err(Error::Closed));
    assert_eq!(s.pop_timeout(Duration::from_millis(5)), Err(Error::Closed));
    drop(s);
    let s = b.subscribe(Filter::all(), 8).unwrap();
    assert_eq!(s.pop_timeout(Duration::from_millis(5)), Err(Error::Timeout));
    b.publish(&EventInput::new(types::LOG_LINE, b"3")).unwrap();
    drop(b); // the subscription outlives the bus, which closes it: drain, then Closed
    assert_eq!(&*s.try_pop().unwrap().payload, b"3");
    assert_eq!(s.try_pop(), Err(Error::Closed));
    assert_eq!(s.pop_timeout(LONG), Err(Error::Closed));
}

#[cfg(target_os = "linux")]
#[test]
fn eventfd_readable_when_waiting() {
    fn readable(fd: i32) -> bool {
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, timeout 0.
        let n = unsafe { libc::poll(&mut p, 1, 0) };
        n == 1 && p.revents & libc::POLLIN != 0
    }
    let b = bus();
    let s = b.subscribe(Filter::all(), 8).unwrap();
    let fd = s.fd().unwrap();
    assert!(!readable(fd));
    b.publish(&EventInput::new(types::LOG_LINE, b"")).unwrap();
    b.publish(&EventInput::new(types::LOG_LINE, b"")).unwrap();
    assert!(readable(fd));
    s.try_pop().unwrap();
    s.try_pop().unwrap();
    assert_eq!(s.try_pop(), Err(Error::Empty));
    assert!(!readable(fd), "drained subscription must not stay readable");
    b.publish(&EventInput::new(types::LOG_LINE, b"")).unwrap();
    assert!(readable(fd));
}

/// Concurrent publishers and consumers with small capacities (so subscribers lag), while other
/// threads subscribe and unsubscribe. Model check per subscription: sequence numbers strictly
/// increase; for a subscribe-all subscription each gap in seq equals `lost_before`; received +
/// lagged == delivered; each publisher's events appear in its order.
#[test]
fn stress_order_and_gaps() {
    const PUBS: u64 = 3;
    const PER: u64 = 4000;
    let b = Arc::new(bus());
    let subs: Vec<Arc<lfe::event::Subscription>> = vec![
        Arc::new(b.subscribe(Filter::all(), 4).unwrap()),
        Arc::new(b.subscribe(Filter::all(), 64).unwrap()),
        Arc::new(b.subscribe(Filter::types(&[types::LOG_LINE]), 16).unwrap()),
        Arc::new(b.subscribe(Filter::all(), 1 << 15).unwrap()),
    ];
    let done = Arc::new(AtomicBool::new(false));
    let consumers: Vec<_> = subs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (s, done) = (s.clone(), done.clone());
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    let r = if i % 2 == 0 {
                        s.pop_timeout(Duration::from_millis(2)).map(|e| got.push(e))
                    } else {
                        s.try_pop_batch(&mut got, 5).map(|_| ())
                    };
                    match r {
                        Ok(()) => {}
                        Err(Error::Timeout) | Err(Error::Empty) => {
                            if done.load(Ordering::SeqCst) {
                                got.extend(drain(&s));
                                return got;
                            }
                            thread::yield_now();
                        }
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    let churn = {
        let (b, done) = (b.clone(), done.clone());
        thread::spawn(move || {
            let mut n = 0u64;
            while !done.load(Ordering::SeqCst) {
                let s = b.subscribe(Filter::all(), 2).unwrap();
                let _ = s.try_pop();
                drop(s);
                n += 1;
                thread::yield_now();
            }
            n
        })
    };
    let pubs: Vec<_> = (0..PUBS)
        .map(|p| {
            let b = b.clone();
            thread::spawn(move || {
                for i in 0..PER {
                    let kind = if i % 2 == 0 {
                        types::LOG_LINE
                    } else {
                        types::BUILD_EVENT
                    };
                    let bytes = i.to_le_bytes();
                    let ev = EventInput {
                        kind,
                        process_id: p,
                        ts_ns: 1,
                        payload: &bytes,
                    };
                    if i % 10 == 0 {
                        b.publish_batch(&[ev]).unwrap();
                    } else {
                        b.publish(&ev).unwrap();
                    }
                }
            })
        })
        .collect();
    for p in pubs {
        p.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    churn.join().unwrap();
    let total = PUBS * PER;
    for (i, c) in consumers.into_iter().enumerate() {
        let got = c.join().unwrap();
        let st = subs[i].stats();
        let matching = if i == 2 { total / 2 } else { total };
        assert_eq!(st.delivered, matching, "sub {i}");
        assert_eq!(got.len() as u64 + st.lagged, matching, "sub {i}");
        let lost_sum: u64 = got.iter().map(|e| e.lost_before).sum();
        assert_eq!(lost_sum, st.lagged, "sub {i}: gaps reported != lagged");
        let mut last_per_pub = [None::<u64>; PUBS as usize];
        for w in got.windows(2) {
            assert!(w[1].seq > w[0].seq, "sub {i}: seq order broken");
            if i != 2 {
                assert_eq!(w[1].seq - w[0].seq - 1, w[1].lost_before, "sub {i}: gap");
            }
        }
        for e in &got {
            let k = u64::from_le_bytes(e.payload[..8].try_into().unwrap());
            let slot = &mut last_per_pub[e.process_id as usize];
            if let Some(prev) = *slot {
                assert!(k > prev, "sub {i}: publisher order broken");
            }
            *slot = Some(k);
        }
        if i == 3 {
            assert_eq!(st.lagged, 0);
            assert_eq!(got.len() as u64, total);
        }
    }
    assert_eq!(b.stats().published, total);
    assert_eq!(b.stats().subscribers, 4);
}

/// A subscription holds at most `max_sub_bytes` of payload: a delivery that would pass it drops
/// the oldest events first, counted in `lagged` and reported as `lost_before`.
#[test]
fn subscription_bounded_in_bytes() {
    let b = EventBus::new(lfe::event::BusConfig {
        max_payload: 100,
        max_sub_bytes: 250,
        ..Default::default()
    })
    .unwrap();
    let s = b.subscribe(Filter::all(), 100).unwrap();
    let payload = [7u8; 100];
    for _ in 0..5 {
        b.publish(&EventInput::new(types::LOG_LINE, &payload))
            .unwrap();
    }
    let st = s.stats();
    assert_eq!(
        (st.depth, st.bytes, st.lagged, st.delivered),
        (2, 200, 3, 5)
    );
    let first = s.try_pop().unwrap();
    assert_eq!((first.seq, first.lost_before), (4, 3));
    assert_eq!(s.try_pop().unwrap().seq, 5);
    assert_eq!(s.stats().bytes, 0);
    // Empty payloads cost nothing against the bound.
    for _ in 0..10 {
        b.publish(&EventInput::new(types::LOG_LINE, b"")).unwrap();
    }
    assert_eq!((s.stats().depth, s.stats().lagged), (10, 3));
    // A bound below one payload is refused.
    let bad = EventBus::new(lfe::event::BusConfig {
        max_payload: 100,
        max_sub_bytes: 99,
        ..Default::default()
    });
    assert!(matches!(bad, Err(Error::Invalid(_))));
}

/// One publish of a payload on each side of the inline size reaches every subscription byte
/// for byte; the long one is one allocation shared by the subscriptions (its bytes sit at the
/// same address in each), the short ones arrive as inline payloads.
#[test]
fn payloads_across_the_inline_size_fan_out() {
    use lfe::event::INLINE_PAYLOAD;
    let b = bus();
    let subs: Vec<_> = (0..3)
        .map(|_| b.subscribe(Filter::all(), 4).unwrap())
        .collect();
    // 25 bytes: past what a subscription's slot holds inline (24), within an event's (32).
    let mid: Vec<u8> = (0..25u8).collect();
    let short = vec![b'a'; INLINE_PAYLOAD];
    let long = vec![b'b'; INLINE_PAYLOAD + 1];
    for p in [&mid, &short, &long] {
        b.publish(&EventInput::new(types::LOG_LINE, p)).unwrap();
    }
    let mut long_addrs = Vec::new();
    for s in &subs {
        let e0 = s.try_pop().unwrap();
        assert_eq!((&e0.payload[..], e0.payload.is_shared()), (&mid[..], false));
        let e1 = s.try_pop().unwrap();
        let e2 = s.try_pop().unwrap();
        assert_eq!(
            (&e1.payload[..], e1.payload.is_shared()),
            (&short[..], false)
        );
        assert_eq!((&e2.payload[..], e2.payload.is_shared()), (&long[..], true));
        long_addrs.push(e2.payload.as_ptr());
        assert_eq!(s.stats().bytes, 0);
    }
    assert!(
        long_addrs.windows(2).all(|w| w[0] == w[1]),
        "one shared copy"
    );
}

/// `interrupt` ends a pop blocked with no timeout (Timeout), and events still arrive after it.
#[test]
fn interrupt_ends_a_blocked_pop() {
    use lfe::event::{BusConfig, EventBus, EventInput, Filter};
    use std::time::Duration;
    let bus = EventBus::new(BusConfig::default()).unwrap();
    let sub = std::sync::Arc::new(bus.subscribe(Filter::all(), 4).unwrap());
    let w = {
        let sub = sub.clone();
        std::thread::spawn(move || sub.pop_timeout(Duration::MAX))
    };
    while !w.is_finished() {
        sub.interrupt();
        std::thread::yield_now();
    }
    assert_eq!(w.join().unwrap().unwrap_err(), lfe::Error::Timeout);
    bus.publish(&EventInput::new(7, b"x")).unwrap();
    assert_eq!(sub.pop_timeout(Duration::MAX).unwrap().kind, 7);
}
