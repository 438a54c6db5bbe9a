//! Loom model of the log store's helping protocol (`src/log/mod.rs`): in manual mode with a
//! one-line ring, two appenders race; the second to publish must enrich the first line before
//! overwriting it, so every URL is found. Exercises claim/publish, the enrichment cursor and the
//! try_lock helping loop under loom's scheduler (the ring uses loom atomics; reclamation is the
//! loom variant, see `src/ring.rs`).
#![cfg(loom)]

use lfe::log::{Config, LogStore, Stream};
use loom::sync::Arc;
use loom::thread;

/// The detectors' regexes need more stack than loom's default coroutine stack.
const STACK: usize = 16 << 20;

#[test]
fn helping_never_misses_a_line() {
    loom::model(|| {
        let main = thread::Builder::new()
            .stack_size(STACK)
            .spawn(|| {
                let s = Arc::new(
                    LogStore::new(Config {
                        capacity: 1,
                        manual: true,
                        ..Config::default()
                    })
                    .unwrap(),
                );
                let s2 = s.clone();
                let t = thread::Builder::new()
                    .stack_size(STACK)
                    .spawn(move || {
                        s2.append(1, Stream::Stdout, 1, b"http://a.test/");
                    })
                    .unwrap();
                s.append(2, Stream::Stdout, 1, b"http://b.test/");
                t.join().unwrap();
                s.sync();
                let st = s.stats();
                assert_eq!(st.appended, 2);
                assert_eq!(st.enriched, 2);
                assert_eq!(st.evicted, 1);
                assert_eq!(s.urls().len(), 2);
            })
            .unwrap();
        main.join().unwrap();
    });
}

/// Helpers, the analysis frontier and a manual enricher together: two appenders each append two
/// lines into a two-line ring (so each later append must help), while a third thread enriches
/// one line. Every URL must be found exactly once and every line enriched, whatever the
/// interleaving of claims, analyses and applies.
#[test]
fn helpers_and_enricher_share_the_work() {
    loom::model(|| {
        let main = thread::Builder::new()
            .stack_size(STACK)
            .spawn(|| {
                let s = Arc::new(
                    LogStore::new(Config {
                        capacity: 2,
                        manual: true,
                        ..Config::default()
                    })
                    .unwrap(),
                );
                let appender = |p: u64| {
                    let s = s.clone();
                    thread::Builder::new()
                        .stack_size(STACK)
                        .spawn(move || {
                            for i in 0..2 {
                                let url = format!("http://p{p}-{i}.test/");
                                s.append(p, Stream::Stdout, 1, url.as_bytes());
                            }
                        })
                        .unwrap()
                };
                let (a, b) = (appender(1), appender(2));
                s.enrich(1);
                a.join().unwrap();
                b.join().unwrap();
                s.sync();
                let st = s.stats();
                assert_eq!(st.appended, 4);
                assert_eq!(st.enriched, 4);
                assert_eq!(st.evicted, 2);
                let mut urls: Vec<_> = s.urls().into_iter().map(|u| u.url).collect();
                urls.sort();
                urls.dedup();
                assert_eq!(urls.len(), 4, "{urls:?}");
            })
            .unwrap();
        main.join().unwrap();
    });
}
