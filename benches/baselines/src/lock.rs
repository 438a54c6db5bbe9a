//! The locks the baselines use: `std::sync::Mutex` / `RwLock` with an optional observer.
//!
//! Every acquire and release is reported to the lock observer hook of `lfe::lockdep::observer`
//! with the lock's name and address; `lfe::lockdep::observer::install` puts the lock-order
//! validator there, so the baselines' own tests run with deadlock detection on. With no observer
//! the cost is one atomic load per acquire and per release.

use lfe::lockdep::observer::{on_acquire, on_release};
use std::ops::{Deref, DerefMut};
use std::time::Instant;

/// The guard of a poisoned lock, taken back: a panic while holding one of these locks leaves
/// the data as it was between two steps (each step writes whole values), so the next holder
/// can use it (lfe's own locks make the same choice, in its `sync::lock`).
fn unpoisoned<G>(r: std::sync::LockResult<G>) -> G {
    r.unwrap_or_else(|e| e.into_inner())
}

/// A std guard that reports its release to the lock observer when it drops (before the std
/// guard unlocks).
pub struct Observed<G> {
    name: &'static str,
    addr: usize,
    guard: G,
}

/// Guard of [`Mutex`].
pub type MutexGuard<'a, T> = Observed<std::sync::MutexGuard<'a, T>>;
/// Shared guard of [`RwLock`].
pub type ReadGuard<'a, T> = Observed<std::sync::RwLockReadGuard<'a, T>>;
/// Exclusive guard of [`RwLock`].
pub type WriteGuard<'a, T> = Observed<std::sync::RwLockWriteGuard<'a, T>>;

impl<G> Observed<G> {
    /// Reports the acquire of `lock` (named `name`), then takes it with `take`.
    fn acquire<L>(
        name: &'static str,
        lock: &L,
        shared: bool,
        take: impl FnOnce() -> std::sync::LockResult<G>,
    ) -> Self {
        let addr = lock as *const L as usize;
        on_acquire(name, addr, shared);
        Observed {
            name,
            addr,
            guard: unpoisoned(take()),
        }
    }
}

impl<G: Deref> Deref for Observed<G> {
    type Target = G::Target;
    fn deref(&self) -> &G::Target {
        &self.guard
    }
}

impl<G: DerefMut> DerefMut for Observed<G> {
    fn deref_mut(&mut self) -> &mut G::Target {
        &mut self.guard
    }
}

impl<G> Drop for Observed<G> {
    fn drop(&mut self) {
        on_release(self.name, self.addr);
    }
}

/// A named mutex (poisoning is ignored: a panic while holding it leaves the data as it was).
#[derive(Debug)]
pub struct Mutex<T> {
    name: &'static str,
    inner: std::sync::Mutex<T>,
}

impl<T> Mutex<T> {
    pub fn new(name: &'static str, v: T) -> Self {
        Mutex {
            name,
            inner: std::sync::Mutex::new(v),
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
        Observed::acquire(self.name, self, false, || self.inner.lock())
    }

    /// Locks without telling the observer, for a [`Condvar`] wait (which must see the std
    /// guard).
    pub fn lock_raw(&self) -> std::sync::MutexGuard<'_, T> {
        unpoisoned(self.inner.lock())
    }
}

/// A condition variable for [`Mutex::lock_raw`] guards.
#[derive(Debug, Default)]
pub struct Condvar(std::sync::Condvar);

impl Condvar {
    pub fn new() -> Self {
        Condvar(std::sync::Condvar::new())
    }

    /// Releases `g` and sleeps until notified (or spuriously) or until `end` (`None`: no
    /// deadline), then locks again; `None` without waiting if `end` has passed.
    pub fn wait_until<'a, T>(
        &self,
        g: std::sync::MutexGuard<'a, T>,
        end: Option<Instant>,
    ) -> Option<std::sync::MutexGuard<'a, T>> {
        match end {
            None => Some(unpoisoned(self.0.wait(g))),
            Some(end) => {
                let now = Instant::now();
                if now >= end {
                    return None;
                }
                Some(unpoisoned(self.0.wait_timeout(g, end - now)).0)
            }
        }
    }

    pub fn notify_one(&self) {
        self.0.notify_one();
    }

    pub fn notify_all(&self) {
        self.0.notify_all();
    }
}

/// A named reader-writer lock (poisoning ignored).
#[derive(Debug)]
pub struct RwLock<T> {
    name: &'static str,
    inner: std::sync::RwLock<T>,
}

impl<T> RwLock<T> {
    pub fn new(name: &'static str, v: T) -> Self {
        RwLock {
            name,
            inner: std::sync::RwLock::new(v),
        }
    }

    pub fn read(&self) -> ReadGuard<'_, T> {
        Observed::acquire(self.name, self, true, || self.inner.read())
    }

    pub fn write(&self) -> WriteGuard<'_, T> {
        Observed::acquire(self.name, self, false, || self.inner.write())
    }
}
