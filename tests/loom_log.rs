//! Loom models of the log store's helping protocol (`src/log/mod.rs`, `src/log/worker.rs`):
//! in manual mode with a one-line ring, two appenders race; the second to publish must enrich
//! the first line before overwriting it, so every URL is found. A second model adds the
//! analysis frontier and a manual enricher; a third races `sync` (which analyses outside the
//! mutex first) with a manual enricher. Exercises claim/publish, the enrichment cursor and the
//! try_lock helping loop under loom's scheduler (the ring uses loom atomics; reclamation is the
//! loom variant, see `src/ring/reclaim.rs`).
#![cfg(loom)]

use lfe::log::{Config, LogStore, Stream};
use loom::sync::Arc;
use loom::thread;

/// The detectors' regexes need more stack than loom's default coroutine stack.
const STACK: usize = 16 << 20;

/// Spawns a loom thread with a stack the detectors can run on.
fn spawn_big<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> thread::JoinHandle<T> {
    thread::Builder::new().stack_size(STACK).spawn(f).unwrap()
}

/// Runs `f` as a loom model, on a thread with a big stack.
fn model(f: fn()) {
    loom::model(move || spawn_big(f).join().unwrap());
}

fn manual_store(capacity: usize) -> Arc<LogStore> {
    Arc::new(
        LogStore::new(Config {
            capacity,
            manual: true,
            ..Config::default()
        })
        .unwrap(),
    )
}

/// After `sync`: `appended` lines were appended, every one of them was enriched (none evicted
/// before it), and `evicted` left the ring.
fn assert_all_enriched(s: &LogStore, appended: u64, evicted: u64) {
    s.sync();
    let st = s.stats();
    assert_eq!(st.appended, appended);
    assert_eq!(st.enriched, appended);
    assert_eq!(st.evicted, evicted);
}

#[test]
fn helping_never_misses_a_line() {
    model(|| {
        let s = manual_store(1);
        let s2 = s.clone();
        let t = spawn_big(move || {
            s2.append(1, Stream::Stdout, 1, b"http://a.test/");
        });
        s.append(2, Stream::Stdout, 1, b"http://b.test/");
        t.join().unwrap();
        assert_all_enriched(&s, 2, 1);
        assert_eq!(s.urls().len(), 2);
    });
}

/// Helpers, the analysis frontier and a manual enricher together: two appenders put three
/// lines into a two-line ring (so the last append must help), while a third thread enriches
/// one line. Every URL must be found and every line enriched, whatever the interleaving of
/// claims, analyses and applies. (Three lines keep the model to seconds at two preemptions;
/// four took over a minute.)
#[test]
fn helpers_and_enricher_share_the_work() {
    model(|| {
        let s = manual_store(2);
        let appender = |p: u64, lines: u64| {
            let s = s.clone();
            spawn_big(move || {
                for i in 0..lines {
                    let url = format!("http://p{p}-{i}.test/");
                    s.append(p, Stream::Stdout, 1, url.as_bytes());
                }
            })
        };
        let (a, b) = (appender(1, 2), appender(2, 1));
        s.enrich(1);
        a.join().unwrap();
        b.join().unwrap();
        assert_all_enriched(&s, 3, 1);
        let mut urls: Vec<_> = s.urls().into_iter().map(|u| u.url).collect();
        urls.sort();
        urls.dedup();
        assert_eq!(urls.len(), 3, "{urls:?}");
    });
}

/// `sync` analyses the lines nobody claimed outside the mutex (through the analysis
/// frontier), then applies them, while a manual enricher claims, analyses and applies under
/// the mutex: whatever the interleaving, when `sync` returns every line appended before it is
/// enriched and its URL published. (A `sync` racing an appender that must help spins on the
/// appender's unpublished line, which loom reports as a model without progress.)
#[test]
fn sync_races_an_enricher() {
    model(|| {
        let s = manual_store(2);
        s.append(1, Stream::Stdout, 1, b"http://a.test/");
        s.append(2, Stream::Stdout, 1, b"http://b.test/");
        let s2 = s.clone();
        let t = spawn_big(move || s2.enrich(1));
        s.sync();
        let st = s.stats();
        assert_eq!((st.appended, st.enriched, st.evicted), (2, 2, 0));
        assert_eq!(s.urls().len(), 2, "{:?}", s.urls());
        assert!(t.join().unwrap() <= 1);
    });
}
