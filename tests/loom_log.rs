//! Loom models of the log store's helping protocol (`src/log/mod.rs`, `src/log/worker.rs`):
//! in manual mode with a one-line ring, two appenders race; the second to publish must enrich
//! the first line before overwriting it, so every URL is found. A second model adds the
//! analysis frontier and a manual enricher; a third races `sync` (which analyses outside the
//! mutex first) with a manual enricher. Exercises claim/publish, the enrichment cursor and the
//! try_lock helping loop under loom's scheduler (the ring uses loom atomics; reclamation is the
//! loom variant, see `src/ring/reclaim.rs`). The last three models close and free a log
//! store's handle (`src/gate.rs`) while a call and a follower use it.
#![cfg(loom)]

use lfe::gate::Gated;
use lfe::log::{Config, LogStore, Stream};
use lfe::Error;
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

// ---------------------------------------------------------------------------------------------
// Closing a handle while other threads use it (`src/gate.rs`; the C ABI's `_close_handle` and
// `_free`, README "C API conventions": closing and freeing are two steps). The handle is what
// the C ABI makes of a log store: an `Arc<Gated<LogStore>>` (counted, because `lfe_log_wait`
// blocks). Each model checks, under every interleaving within the bound: a call racing the
// close either completes as before the close or is refused (`Closed`), never anything else; a
// waiter is never stranded (loom reports a deadlock if a thread can block forever: it does when
// the store's close forgets to wake its followers); and the store is freed exactly once, after
// the last user (loom's `Arc` and leak checks), including when the free races a waiter that
// holds its own reference.

type Handle = Arc<Gated<LogStore>>;

fn handle() -> Handle {
    let s = LogStore::new(Config {
        capacity: 2,
        manual: true,
        ..Config::default()
    })
    .unwrap();
    Arc::new(Gated::new(s))
}

/// `_close_handle`: the first closer closes the store (waking its waiters).
fn close(h: &Handle) {
    if h.close() {
        h.value().close();
    }
}

/// A follower's wait through the handle, as `lfe_log_wait` makes it (its own reference taken
/// while the host's is alive, then the gate, then the wait).
fn wait(h: Handle, cursor: u64) -> lfe::Result<bool> {
    match h.get() {
        None => Err(Error::Closed),
        Some(s) => s.wait(cursor, None),
    }
}

/// An append racing the close: OK (and then the line is there) or refused; after the close,
/// every call is refused.
#[test]
fn close_races_call() {
    model(|| {
        let h = handle();
        let hc = h.clone();
        let c = spawn_big(move || hc.get().map(|s| s.append(1, Stream::Stdout, 1, b"x")));
        close(&h);
        let appended = c.join().unwrap();
        assert!(h.get().is_none());
        if appended.is_some() {
            assert_eq!(h.value().read(0, 8).unwrap().lines.len(), 1);
        }
    });
}

/// The close wakes a follower blocked in its wait: it returns `Closed` (or `Ok(true)` for a
/// line appended before the close), never blocks forever.
#[test]
fn close_races_waiter() {
    model(|| {
        let h = handle();
        let w = {
            let h = h.clone();
            spawn_big(move || wait(h, 0))
        };
        close(&h);
        assert_eq!(w.join().unwrap(), Err(Error::Closed));
    });
}

/// `_free` racing a waiter: the free closes and drops the host's reference while the waiter
/// holds its own; the waiter returns `Closed`, and the store is dropped once, by whichever
/// thread lets go last (the waiter or the free).
#[test]
fn free_races_waiter() {
    model(|| {
        let h = handle();
        let held = h.clone();
        let w = spawn_big(move || wait(held, 0));
        close(&h);
        drop(h);
        assert_eq!(w.join().unwrap(), Err(Error::Closed));
    });
}
