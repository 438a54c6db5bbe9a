//! The MPMC event queue against a `VecDeque` model, single-threaded, both overflow policies:
//! same accept/reject decisions, same events in the same order, dense increasing sequence
//! numbers, exact counters, and close semantics (pushes fail with Closed, pops drain then fail
//! with Closed).
#![no_main]

mod common;
use common::Bytes;
use lfe::event::{EventInput, EventQueue, Overflow, QueueConfig};
use lfe::Error;
use libfuzzer_sys::fuzz_target;
use std::collections::VecDeque;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let (Some(c), Some(p)) = (b.u8(), b.u8()) else {
        return;
    };
    let cap = (c % 9) as usize; // 0 is invalid
    let overflow = if p & 1 == 0 {
        Overflow::Reject
    } else {
        Overflow::DropOldest
    };
    let max_payload = (p >> 1) as usize % 16;
    let q = match EventQueue::new(QueueConfig {
        capacity: cap,
        max_payload,
        overflow,
    }) {
        Ok(q) => q,
        Err(e) => {
            assert_eq!(cap, 0);
            assert!(matches!(e, Error::Invalid(_)));
            return;
        }
    };
    // Model: (seq, kind, payload).
    let mut m: VecDeque<(u64, u32, Vec<u8>)> = VecDeque::new();
    let (mut pushed, mut popped, mut dropped, mut closed) = (0u64, 0u64, 0u64, false);
    let mut last_seq = 0u64;
    let push_model = |m: &mut VecDeque<(u64, u32, Vec<u8>)>,
                      dropped: &mut u64,
                      kind: u32,
                      pl: &[u8],
                      seq: u64| {
        if m.len() == cap {
            m.pop_front();
            *dropped += 1;
        }
        m.push_back((seq, kind, pl.to_vec()));
    };
    while let Some(op) = b.u8() {
        match op % 6 {
            0 | 1 => {
                let kind = u32::from(b.u16().unwrap_or(0)) % 1100; // invalid types too
                let pl = b.bytes(20).unwrap_or(&[]);
                let r = if op % 6 == 0 {
                    q.try_push(&EventInput::new(kind, pl))
                } else {
                    q.push_timeout(&EventInput::new(kind, pl), Duration::ZERO)
                };
                let valid_kind = lfe::event::types::is_valid(kind);
                match r {
                    Ok(seq) => {
                        assert!(!closed && valid_kind && pl.len() <= max_payload);
                        assert_eq!(seq, last_seq + 1, "seq not dense and increasing");
                        last_seq = seq;
                        assert!(overflow == Overflow::DropOldest || m.len() < cap);
                        push_model(&mut m, &mut dropped, kind, pl, seq);
                        pushed += 1;
                    }
                    Err(Error::Closed) => assert!(closed),
                    Err(Error::Invalid(_)) => assert!(!valid_kind),
                    Err(Error::TooLarge) => assert!(pl.len() > max_payload),
                    Err(Error::Full) => {
                        assert!(overflow == Overflow::Reject && m.len() == cap && op % 6 == 0)
                    }
                    Err(Error::Timeout) => {
                        assert!(overflow == Overflow::Reject && m.len() == cap && op % 6 == 1)
                    }
                    Err(e) => panic!("undocumented push error {e:?}"),
                }
            }
            2 => {
                let n = b.u8().unwrap_or(0) as usize % 4;
                let inputs: Vec<EventInput<'_>> = (0..n)
                    .map(|i| EventInput::new(1 + i as u32, b"x"))
                    .collect();
                match q.try_push_batch(&inputs) {
                    Ok(k) => {
                        assert!(!closed);
                        for inp in &inputs[..k] {
                            let seq = last_seq + 1; // dense
                            last_seq = seq;
                            push_model(&mut m, &mut dropped, inp.kind, inp.payload, seq);
                            pushed += 1;
                        }
                        if overflow == Overflow::DropOldest {
                            assert_eq!(k, n);
                        }
                    }
                    Err(Error::Closed) => assert!(closed),
                    Err(Error::Full) => assert!(overflow == Overflow::Reject && m.len() == cap),
                    Err(Error::TooLarge) => assert!(n > 0 && max_payload == 0),
                    Err(e) => panic!("undocumented batch error {e:?}"),
                }
            }
            3 | 4 => {
                let r = if op % 6 == 3 {
                    q.try_pop()
                } else {
                    q.pop_timeout(Duration::ZERO)
                };
                match (r, m.pop_front()) {
                    (Ok(ev), Some((seq, kind, pl))) => {
                        assert_eq!((ev.kind, &ev.payload[..]), (kind, &pl[..]));
                        assert_eq!(ev.seq, seq);
                        assert_eq!(ev.lost_before, 0);
                        popped += 1;
                    }
                    (Err(Error::Empty), None) => assert!(!closed && op % 6 == 3),
                    (Err(Error::Timeout), None) => assert!(!closed && op % 6 == 4),
                    (Err(Error::Closed), None) => assert!(closed),
                    (r, mm) => panic!("queue {r:?} vs model {mm:?}"),
                }
            }
            _ => {
                if b.u8().unwrap_or(0) % 8 == 0 {
                    q.close();
                    closed = true;
                } else {
                    let mut out = Vec::new();
                    let max = b.u8().unwrap_or(0) as usize % 5;
                    match q.try_pop_batch(&mut out, max) {
                        Ok(k) => {
                            assert!(max > 0, "max 0 is Invalid");
                            assert_eq!(k, out.len());
                            assert!(k <= max);
                            for ev in out {
                                let (seq, kind, _) = m.pop_front().expect("model has it");
                                assert_eq!(ev.seq, seq);
                                assert_eq!(ev.kind, kind);
                                popped += 1;
                            }
                            assert!(k > 0);
                        }
                        // max 0 is Invalid (as LFE_E_INVALID in C), whatever the state.
                        Err(Error::Invalid(_)) => assert_eq!(max, 0),
                        Err(Error::Empty) => assert!(m.is_empty() && !closed && max > 0),
                        Err(Error::Closed) => assert!(m.is_empty() && closed && max > 0),
                        Err(e) => panic!("undocumented pop_batch error {e:?}"),
                    }
                }
            }
        }
        let s = q.stats();
        assert_eq!(s.depth, m.len() as u64);
        assert_eq!((s.pushed, s.popped, s.dropped), (pushed, popped, dropped));
        assert_eq!(q.len(), m.len());
        assert!(s.depth <= cap as u64);
    }
});
