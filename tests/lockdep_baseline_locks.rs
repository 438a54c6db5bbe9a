//! The baseline locks (`lfe_baselines::lock`) report to the validator through the observer
//! adapter: an AB/BA pattern is caught (before anything blocks), consistent use is not.
//!
//! The observer is process-wide, so everything runs in one test function.

use lfe::lockdep::observer;
use lfe::lockdep::{Config, Kind, Validator};
use lfe_baselines::lock::{Mutex, RwLock};
use std::sync::Arc;
use std::thread;

/// Runs `f` on the two locks on a new thread (a new lockdep token) and waits for it.
fn on_a_new_thread(m1: &Arc<Mutex<()>>, m2: &Arc<RwLock<()>>, f: fn(&Mutex<()>, &RwLock<()>)) {
    let (m1, m2) = (m1.clone(), m2.clone());
    thread::spawn(move || f(&m1, &m2)).join().unwrap();
}

#[test]
fn baseline_locks_report_to_the_validator() {
    // Consistent order across threads: no report.
    let v = Arc::new(Validator::new(Config::default()).unwrap());
    observer::install(v.clone());
    let a = Arc::new(Mutex::new("test.a", 0u64));
    let b = Arc::new(RwLock::new("test.b", 0u64));
    let hs: Vec<_> = (0..4)
        .map(|i| {
            let (a, b) = (a.clone(), b.clone());
            thread::spawn(move || {
                for _ in 0..1_000 {
                    let mut ga = a.lock();
                    *ga += 1;
                    if i % 2 == 0 {
                        let gb = b.read();
                        assert!(*gb <= *ga);
                    } else {
                        *b.write() += 1;
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    observer::assert_clean(&v);
    let s = v.stats();
    assert_eq!(s.acquires, 8_000);
    assert_eq!(s.releases, 8_000);
    assert_eq!(s.edges, 1);

    // AB on one thread, then BA on another (sequentially: it never deadlocks, still caught).
    let w = Arc::new(Validator::new(Config::default()).unwrap());
    observer::install(w.clone());
    let m1 = Arc::new(Mutex::new("test.m1", ()));
    let m2 = Arc::new(RwLock::new("test.m2", ()));
    on_a_new_thread(&m1, &m2, |m1, m2| {
        let _g1 = m1.lock();
        let _g2 = m2.write();
    });
    for _ in 0..3 {
        on_a_new_thread(&m1, &m2, |m1, m2| {
            let _g2 = m2.read();
            let _g1 = m1.lock();
        });
    }
    // A recursive read of the same RwLock on one thread.
    {
        let _r1 = m2.read();
        let _r2 = m2.read();
    }
    observer::uninstall();
    let vs = w.violations();
    let got: Vec<(Kind, String)> = vs.iter().map(|x| (x.kind, x.path_text())).collect();
    assert_eq!(
        got,
        vec![
            (
                Kind::OrderInversion,
                "test.m2 -> test.m1 -> test.m2".to_string()
            ),
            (Kind::RecursiveRead, "test.m2 -> test.m2".to_string()),
        ]
    );
    assert_eq!(w.stats().holding_tokens, 0);
    let msg = std::panic::catch_unwind(|| observer::assert_clean(&w))
        .unwrap_err()
        .downcast::<String>()
        .unwrap();
    assert!(
        msg.contains("order_inversion: test.m2 -> test.m1 -> test.m2"),
        "{msg}"
    );
    // After uninstall nothing more is reported.
    {
        let _g2 = m2.write();
        let _g1 = m1.lock();
    }
    assert_eq!(w.violations().len(), 2);
}
