//! loom models of the table protocols (`make loom`): the RCU publish protocol of
//! `lfe::table::Rcu` ("generation visible implies snapshot visible", no lost update, dense
//! generations) and the request log's seq-stamped ring (no torn, duplicated or reordered
//! record). Under `cfg(loom)` the snapshot slot is an `AtomicPtr` from `crate::sync`, so these
//! run the tables' own code.
#![cfg(loom)]

use lfe::table::requests::{Request, RequestLog, RequestsConfig};
use lfe::table::{Rcu, Store};
use loom::sync::Arc;
use loom::thread;

#[test]
fn rcu_generation_implies_snapshot() {
    loom::model(|| {
        let r = Arc::new(Rcu::new(0u64));
        let ws: Vec<_> = (0..2)
            .map(|_| {
                let r = r.clone();
                thread::spawn(move || {
                    let (_, g) = r.update(|v| Ok((v + 1, ()))).unwrap();
                    assert!(g == 2 || g == 3);
                })
            })
            .collect();
        let g = r.generation();
        let (sg, v) = r.read(|s| (s.gen, s.value));
        assert!(sg >= g, "generation {g} visible but snapshot {sg} older");
        assert_eq!(v, sg - 1, "snapshot value and generation disagree");
        for w in ws {
            w.join().unwrap();
        }
        assert_eq!(r.read(|s| s.value), 2, "an update was lost");
        assert_eq!(r.generation(), 3);
    });
}

#[test]
fn ring_records_are_whole_and_ordered() {
    loom::model(|| {
        let l = Arc::new(
            RequestLog::new(RequestsConfig {
                capacity: 2,
                max_routes: 1,
                max_field: 8,
            })
            .unwrap(),
        );
        let ws: Vec<_> = (1..=2u64)
            .map(|w| {
                let l = l.clone();
                thread::spawn(move || {
                    let r = Request {
                        process_id: w,
                        bytes: w * 10,
                        time_ns: 1,
                        ..Default::default()
                    };
                    l.record(r).unwrap()
                })
            })
            .collect();
        let got = l.read(0, 10);
        assert_eq!(got.next, got.requests.len() as u64 + got.missed);
        for (i, r) in got.requests.iter().enumerate() {
            assert_eq!(r.seq, i as u64, "in order, from the start, no gap");
            assert_eq!(r.bytes, r.process_id * 10, "torn record");
        }
        let seqs: Vec<u64> = ws.into_iter().map(|w| w.join().unwrap()).collect();
        assert!(seqs.contains(&0) && seqs.contains(&1));
        let all = l.read(0, 10);
        assert_eq!((all.requests.len(), all.next, all.missed), (2, 2, 0));
        let mut ids: Vec<u64> = all.requests.iter().map(|r| r.process_id).collect();
        ids.sort_unstable();
        assert_eq!(ids, vec![1, 2]);
        assert_eq!(l.global_stats().requests, 2);
    });
}
