//! Loom models of the event parking protocol (`src/event/wait.rs`) and of the queue built on it.
//! Run with `make loom` (RUSTFLAGS="--cfg loom", LOOM_MAX_PREEMPTIONS=2, release).
//!
//! A lost wake-up shows up as a deadlock (a waiter parked forever with the condition true),
//! which loom reports as a failure.
//!
//! What these models do and do not check: the real fast path is fence-free and relies on the
//! total order of `SeqCst` operations (the notifier's SeqCst claim then SeqCst load of the
//! waiter count, against the waiter's SeqCst increment then SeqCst re-check). loom does not
//! model that order (tokio-rs/loom#180), so under `cfg(loom)` `WaitSet` adds a SeqCst fence on
//! each side and loom checks the rest of the protocol (epoch, mutex/condvar hand-off, the
//! in-flight retry, notify_one with two waiters, close) with that step taken as given. The
//! fence-free code itself is exercised by `tests/event_wakeup.rs` (watchdog stress tests).
//!
//! Models keep at most one thread in the in-flight retry (a waiter that found a claimed but
//! unpublished slot yields and retries): when two threads yield-spin at once, loom's explorer
//! may switch between them forever (a switch away from a yielding thread is not a preemption),
//! so such a model never finishes. The two-waiter case is checked at the `WaitSet` level
//! (`wait_set_two_waiters_notify_one`) and by the multi-consumer stress test.
#![cfg(loom)]

use lfe::event::wait::{block_on, WaitSet};
use lfe::event::{EventInput, EventQueue, QueueConfig};
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use std::time::Duration;

/// One waiter, one notifier; the condition is published with a SeqCst store and re-checked with
/// a SeqCst load (the `WaitSet` contract, wait.rs protocol).
#[test]
fn wait_set_no_lost_wakeup() {
    loom::model(|| {
        let ws = Arc::new(WaitSet::new());
        let flag = Arc::new(AtomicBool::new(false));
        let (ws2, flag2) = (ws.clone(), flag.clone());
        let waiter = thread::spawn(move || {
            block_on(&ws2, None, || flag2.load(Ordering::SeqCst).then_some(()));
        });
        flag.store(true, Ordering::SeqCst);
        ws.notify_one();
        waiter.join().unwrap();
        assert_eq!(ws.waiters(), 0);
    });
}

/// Two waiters each need one item; items are added one at a time with notify_one: both must
/// wake (notify_one must not be swallowed by a waiter that then finds nothing).
#[test]
fn wait_set_two_waiters_notify_one() {
    loom::model(|| {
        let ws = Arc::new(WaitSet::new());
        let items = Arc::new(AtomicUsize::new(0));
        let take = |items: &AtomicUsize| {
            let mut n = items.load(Ordering::SeqCst);
            while n > 0 {
                match items.compare_exchange(n, n - 1, Ordering::SeqCst, Ordering::SeqCst) {
                    Ok(_) => return Some(()),
                    Err(m) => n = m,
                }
            }
            None
        };
        let mut hs = Vec::new();
        for _ in 0..2 {
            let (ws, items) = (ws.clone(), items.clone());
            hs.push(thread::spawn(move || block_on(&ws, None, || take(&items))));
        }
        for _ in 0..2 {
            items.fetch_add(1, Ordering::SeqCst);
            ws.notify_one();
        }
        for h in hs {
            assert_eq!(h.join().unwrap(), Some(()));
        }
    });
}

/// The real queue: a blocking pop on an empty queue gets the event pushed by another thread.
#[test]
fn queue_blocking_pop_gets_push() {
    loom::model(|| {
        let q = Arc::new(EventQueue::with_capacity(1).unwrap());
        let q2 = q.clone();
        let c = thread::spawn(move || q2.pop_timeout(Duration::MAX).map(|e| e.kind));
        q.try_push(&EventInput::new(3, b"")).unwrap();
        assert_eq!(c.join().unwrap(), Ok(3));
    });
}

/// close() wakes a consumer blocked on an empty queue, which then returns Closed.
#[test]
fn queue_close_wakes_waiter() {
    loom::model(|| {
        let q = Arc::new(
            EventQueue::new(QueueConfig {
                capacity: 1,
                ..Default::default()
            })
            .unwrap(),
        );
        let q2 = q.clone();
        let c = thread::spawn(move || q2.pop_timeout(Duration::MAX).map(|e| e.seq));
        q.close();
        assert_eq!(c.join().unwrap(), Err(lfe::Error::Closed));
    });
}

/// A producer blocked on a full queue is woken by a pop.
#[test]
fn queue_blocking_push_gets_room() {
    loom::model(|| {
        let q = Arc::new(EventQueue::with_capacity(1).unwrap());
        q.try_push(&EventInput::new(1, b"")).unwrap();
        let q2 = q.clone();
        let p = thread::spawn(move || q2.push_timeout(&EventInput::new(2, b""), Duration::MAX));
        assert_eq!(q.pop_timeout(Duration::MAX).unwrap().kind, 1);
        assert!(p.join().unwrap().is_ok());
        assert_eq!(q.try_pop().unwrap().kind, 2);
    });
}
