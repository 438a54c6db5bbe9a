//! The lock observer hook, and its adapter to a [`Validator`].
//!
//! A named lock that wants checking (the mutex baselines' locks, `lfe_baselines::lock`, or a
//! host's own wrapper) calls [`on_acquire`] before it blocks and [`on_release`] after it unlocks;
//! they forward to the process-wide [`LockObserver`] installed with [`set_observer`], if any.
//! With no observer the cost is one atomic load per call. The hook lives here, with the
//! validator, so the locks depend on lockdep and never the other way round.
//!
//! [`LockdepObserver`] is the observer that reports to a validator. Each lock name is registered once as a lock class (names are classes: two instances
//! with the same name are one lock to the validator); the token is the current OS thread (the
//! address of a thread-local, unique among live threads). Baseline locks report before they
//! block, so an inversion is caught even in a run that would deadlock.

use super::{LockId, Validator};
use crate::sync::RwLock;
use arc_swap::ArcSwapOption;
use std::collections::HashMap;
use std::sync::Arc;

/// Receives lock events from locks that report through [`on_acquire`] / [`on_release`].
pub trait LockObserver: Send + Sync {
    /// `name` is about to be acquired (exclusive, or shared when `shared`) by this thread.
    fn acquire(&self, name: &'static str, addr: usize, shared: bool);
    /// `name` was released by this thread.
    fn release(&self, name: &'static str, addr: usize);
}

static OBSERVER: ArcSwapOption<Box<dyn LockObserver>> = ArcSwapOption::const_empty();

/// Installs (or with `None`, removes) the process-wide lock observer.
pub fn set_observer(o: Option<Box<dyn LockObserver>>) {
    OBSERVER.store(o.map(Arc::new));
}

/// Reports that the lock `name` at `addr` is about to be acquired by this thread.
#[inline]
pub fn on_acquire(name: &'static str, addr: usize, shared: bool) {
    if let Some(o) = OBSERVER.load().as_ref() {
        o.acquire(name, addr, shared);
    }
}

/// Reports that the lock `name` at `addr` was released by this thread.
#[inline]
pub fn on_release(name: &'static str, addr: usize) {
    if let Some(o) = OBSERVER.load().as_ref() {
        o.release(name, addr);
    }
}

/// A [`LockObserver`] that reports to a [`Validator`].
pub struct LockdepObserver {
    v: Arc<Validator>,
    /// Names registered so far (each entry inserted whole: a poisoned lock keeps a usable map).
    ids: RwLock<HashMap<&'static str, LockId>>,
}

thread_local! {
    static TOKEN_ANCHOR: u8 = const { 0 };
}

/// The token of the calling OS thread, as the adapter uses it.
pub fn current_token() -> u64 {
    TOKEN_ANCHOR.with(|a| a as *const u8 as usize as u64)
}

impl LockdepObserver {
    /// An adapter reporting to `v`.
    pub fn new(v: Arc<Validator>) -> Self {
        LockdepObserver {
            v,
            ids: RwLock::new(HashMap::new()),
        }
    }

    /// The validator it reports to.
    pub fn validator(&self) -> &Arc<Validator> {
        &self.v
    }

    /// The id of `name`, registering it on first use; None when the validator is full.
    fn id(&self, name: &'static str) -> Option<LockId> {
        if let Some(&id) = self.ids.read().get(name) {
            return Some(id);
        }
        let id = self.v.register(name.as_bytes()).ok()?;
        self.ids.write().insert(name, id);
        Some(id)
    }
}

impl LockObserver for LockdepObserver {
    fn acquire(&self, name: &'static str, _addr: usize, shared: bool) {
        if !self.v.is_enabled() {
            return;
        }
        if let Some(id) = self.id(name) {
            // The status is in the validator's reports; the reporting lock cannot act on it.
            let now = if self.v.config().long_hold_ns == 0 {
                0
            } else {
                crate::time::mono_ns()
            };
            let _ = self.v.acquire_at(current_token(), id, shared, now);
        }
    }

    fn release(&self, name: &'static str, _addr: usize) {
        if !self.v.is_enabled() {
            return;
        }
        if let Some(id) = self.id(name) {
            let _ = self.v.release(current_token(), id);
        }
    }
}

/// Installs an adapter for `v` as the process-wide lock observer.
pub fn install(v: Arc<Validator>) {
    set_observer(Some(Box::new(LockdepObserver::new(v))));
}

/// Removes the process-wide lock observer.
pub fn uninstall() {
    set_observer(None);
}

/// Panics listing every report of `v`, if there is any. For tests that ran with the observer
/// installed: call it at the end (not from inside a lock's drop).
pub fn assert_clean(v: &Validator) {
    let vs = v.violations();
    if !vs.is_empty() {
        let lines: Vec<String> = vs.iter().map(|x| format!("  {x}")).collect();
        panic!(
            "lock-order validator found {} problem(s):\n{}",
            vs.len(),
            lines.join("\n")
        );
    }
}
