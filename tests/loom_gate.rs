//! Loom models of closing a handle while other threads use it (`src/gate.rs`; the C ABI's
//! `_close_handle` and `_free`, README "C API conventions": closing and freeing are two steps).
//!
//! The handle is what the C ABI makes of a log store: an `Arc<Gated<LogStore>>` (counted,
//! because `lfe_log_wait` blocks). Each model checks, under every interleaving within the
//! bound: a call racing the close either completes as before the close or is refused
//! (`Closed`), never anything else; a waiter is never stranded (loom reports a deadlock if a
//! thread can block forever); and the store is freed exactly once, after the last user (loom's
//! `Arc` and leak checks), including when the free races a waiter that holds its own reference.
#![cfg(loom)]

use lfe::gate::Gated;
use lfe::log::{Config, LogStore, Stream};
use lfe::Error;
use loom::sync::Arc;
use loom::thread;

/// The detectors' regexes need more stack than loom's default coroutine stack.
const STACK: usize = 16 << 20;

fn spawn_big<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> thread::JoinHandle<T> {
    thread::Builder::new().stack_size(STACK).spawn(f).unwrap()
}

fn model(f: fn()) {
    loom::model(move || spawn_big(f).join().unwrap());
}

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
