//! `Mutex`, `Condvar` and `RwLock` without poisoning in their API (tokio's `loom/std/mutex.rs`
//! is the model): `lock()` returns the guard.
//!
//! **Why a poisoned lock is recovered, not propagated.** A lock is poisoned when a thread
//! panicked while holding it. In lfe that panic is caught at the C ABI boundary and returned
//! as `LFE_E_PANIC`; propagating the poison would then make every later call on that handle
//! panic too, turning one failed call into a dead handle. Every state lfe guards with these
//! locks is valid between any two of its critical section's steps (counters and flags written
//! in one step, maps and lists whose entries are inserted whole); each lock's declaration says
//! what it guards. So the state a panicking thread left is a state the next holder can use,
//! and this is the one place that says so.
use super::imp;
use std::time::Duration;

pub(crate) use super::imp::MutexGuard;

/// A mutex whose `lock` recovers from poisoning (module docs).
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(imp::Mutex<T>);

impl<T> Mutex<T> {
    pub(crate) fn new(v: T) -> Self {
        Mutex(imp::Mutex::new(v))
    }

    /// Locks the mutex (a poisoned one too: module docs).
    #[inline]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the mutex if no thread holds it (a poisoned one too: module docs); `None` if one
    /// does.
    #[inline]
    pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        match self.0.try_lock() {
            Ok(g) => Some(g),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }
}

/// A condition variable for [`Mutex`] guards, recovering from poisoning like it.
#[derive(Debug, Default)]
pub(crate) struct Condvar(imp::Condvar);

impl Condvar {
    pub(crate) fn new() -> Self {
        Condvar(imp::Condvar::new())
    }

    /// Releases `g`, sleeps until notified (or spuriously), and locks again.
    pub(crate) fn wait<'a, T>(&self, g: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.0.wait(g).unwrap_or_else(|e| e.into_inner())
    }

    /// As [`wait`](Self::wait), for at most `d` (the caller re-checks its deadline).
    pub(crate) fn wait_timeout<'a, T>(
        &self,
        g: MutexGuard<'a, T>,
        d: Duration,
    ) -> MutexGuard<'a, T> {
        self.0
            .wait_timeout(g, d)
            .unwrap_or_else(|e| e.into_inner())
            .0
    }

    pub(crate) fn notify_one(&self) {
        self.0.notify_one();
    }

    pub(crate) fn notify_all(&self) {
        self.0.notify_all();
    }
}

/// A reader-writer lock whose `read`/`write` recover from poisoning (module docs).
#[derive(Debug, Default)]
pub(crate) struct RwLock<T>(imp::RwLock<T>);

impl<T> RwLock<T> {
    pub(crate) fn new(v: T) -> Self {
        RwLock(imp::RwLock::new(v))
    }

    pub(crate) fn read(&self) -> impl std::ops::Deref<Target = T> + '_ {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn write(&self) -> impl std::ops::DerefMut<Target = T> + '_ {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
}
