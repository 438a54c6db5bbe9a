//! The fan-out bus against a per-subscriber model, single-threaded: each subscription gets
//! exactly the matching events published while it is subscribed, in sequence order, keeping the
//! newest `capacity` (drop-oldest), with `lagged` and `lost_before` exact; sequence numbers are
//! dense; unsubscribe drains then reports Closed; limits give their documented errors.
#![no_main]

mod common;
use common::Bytes;
use lfe::event::{BusConfig, EventBus, EventInput, Filter, Subscription};
use lfe::Error;
use libfuzzer_sys::fuzz_target;
use std::collections::VecDeque;

struct MSub {
    sub: Subscription,
    filter: Filter,
    cap: usize,
    /// (seq, kind, lost_before expected)
    q: VecDeque<(u64, u32)>,
    lagged: u64,
    /// Evicted since the last pop (the next popped event's lost_before).
    gap: u64,
    delivered: u64,
    popped: u64,
    closed: bool,
}

const TYPES: [u32; 5] = [0, 1, 2, 63, 1030];

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let cfg = BusConfig {
        max_payload: 8,
        max_subscribers: 3,
        max_capacity: 4,
        ..Default::default()
    };
    let bus = EventBus::new(cfg).unwrap();
    let mut subs: Vec<MSub> = Vec::new();
    let mut next_seq = 1u64;
    let mut nsubs = 0usize;
    while let Some(op) = b.u8() {
        match op % 5 {
            0 => {
                let cap = b.u8().unwrap_or(0) as usize % 6;
                let f = b.u8().unwrap_or(0);
                let filter = match f % 4 {
                    0 => Filter::all(),
                    1 => Filter::mask(u64::from(b.u8().unwrap_or(0))),
                    2 => Filter::types(&[TYPES[f as usize / 4 % 5], 2]),
                    _ => Filter::new(1 << 63, &[]),
                };
                match bus.subscribe(filter.clone(), cap) {
                    Ok(sub) => {
                        assert!(cap > 0 && cap <= 4 && nsubs < 3 && !filter.is_empty());
                        nsubs += 1;
                        subs.push(MSub {
                            sub,
                            filter,
                            cap,
                            q: VecDeque::new(),
                            lagged: 0,
                            gap: 0,
                            delivered: 0,
                            popped: 0,
                            closed: false,
                        });
                    }
                    Err(Error::Invalid(_)) => assert!(cap == 0 || filter.is_empty()),
                    Err(Error::TooLarge) => assert!(cap > 4 || nsubs >= 3),
                    Err(e) => panic!("undocumented subscribe error {e:?}"),
                }
            }
            1 | 2 => {
                let n = if op % 5 == 1 {
                    1
                } else {
                    b.u8().unwrap_or(0) as usize % 4
                };
                let mut kinds = Vec::new();
                for _ in 0..n {
                    kinds.push(TYPES[b.u8().unwrap_or(1) as usize % 5]);
                }
                let pl_len = b.u8().unwrap_or(0) as usize % 10;
                let pl = vec![7u8; pl_len];
                let inputs: Vec<EventInput<'_>> =
                    kinds.iter().map(|&k| EventInput::new(k, &pl)).collect();
                let r = if op % 5 == 1 {
                    bus.publish(&inputs[0])
                } else {
                    bus.publish_batch(&inputs)
                };
                let bad_kind = kinds.iter().any(|&k| !lfe::event::types::is_valid(k));
                match r {
                    Ok(first) => {
                        assert!(kinds.is_empty() || (!bad_kind && pl_len <= 8));
                        assert_eq!(first, next_seq, "sequence numbers not dense");
                        for &k in &kinds {
                            for s in subs.iter_mut().filter(|s| !s.closed) {
                                if s.filter.matches(k) {
                                    if s.q.len() == s.cap {
                                        s.q.pop_front();
                                        s.lagged += 1;
                                        s.gap += 1;
                                    }
                                    s.q.push_back((next_seq, k));
                                    s.delivered += 1;
                                }
                            }
                            next_seq += 1;
                        }
                    }
                    Err(Error::Invalid(_)) => assert!(bad_kind && !kinds.is_empty()),
                    Err(Error::TooLarge) => assert!(pl_len > 8 && !kinds.is_empty()),
                    Err(e) => panic!("undocumented publish error {e:?}"),
                }
            }
            3 => {
                if subs.is_empty() {
                    continue;
                }
                let i = b.u8().unwrap_or(0) as usize % subs.len();
                let s = &mut subs[i];
                let max = b.u8().unwrap_or(1) as usize % 4;
                let mut out = Vec::new();
                let r = if max == 3 {
                    s.sub.try_pop().map(|e| {
                        out.push(e);
                        1
                    })
                } else {
                    s.sub.try_pop_batch(&mut out, max)
                };
                match r {
                    Ok(k) => {
                        assert!(max > 0, "max 0 is Invalid");
                        assert_eq!(k, out.len());
                        for ev in out {
                            let (seq, kind) = s.q.pop_front().expect("model has an event");
                            assert_eq!((ev.seq, ev.kind), (seq, kind), "order or content");
                            assert_eq!(ev.lost_before, s.gap, "lost_before not exact");
                            s.gap = 0;
                            s.popped += 1;
                        }
                    }
                    // max 0 is Invalid (as LFE_E_INVALID in C), whatever the state.
                    Err(Error::Invalid(_)) => assert_eq!(max, 0),
                    Err(Error::Empty) => assert!(s.q.is_empty() && !s.closed && max > 0),
                    Err(Error::Closed) => assert!(s.q.is_empty() && s.closed && max > 0),
                    Err(e) => panic!("undocumented pop error {e:?}"),
                }
            }
            _ => {
                if subs.is_empty() {
                    continue;
                }
                let i = b.u8().unwrap_or(0) as usize % subs.len();
                if b.u8().unwrap_or(0) % 2 == 0 {
                    if !subs[i].closed {
                        nsubs -= 1;
                    }
                    subs[i].sub.unsubscribe();
                    subs[i].closed = true;
                } else {
                    if !subs[i].closed {
                        nsubs -= 1;
                    }
                    subs.swap_remove(i); // drop = unsubscribe
                }
            }
        }
        let bs = bus.stats();
        assert_eq!(bs.published, next_seq - 1);
        assert_eq!(bs.subscribers, nsubs as u64);
        for s in &subs {
            let st = s.sub.stats();
            assert_eq!(st.lagged, s.lagged);
            assert_eq!(st.delivered, s.delivered);
            assert_eq!(st.popped, s.popped);
            assert_eq!(st.depth, s.q.len() as u64);
            assert!(st.depth <= s.cap as u64);
        }
    }
});
