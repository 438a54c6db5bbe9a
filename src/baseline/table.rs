//! Mutex baselines of the tables: the same table code ([`crate::table::process::ProcTableIn`],
//! [`crate::table::route::RouteTableIn`]) over [`Locked`], a `RwLock` around the current
//! snapshot instead of the RCU cell. Readers take the read lock for the lookup; writers take
//! the write lock for the whole read-modify-write, so writers are ordered by the lock.

use super::lock::RwLock;
use crate::table::process::{ProcSnap, ProcTableIn};
use crate::table::route::{RouteSnap, RouteTableIn};
use crate::table::{Store, Versioned};
use crate::Result;
use std::sync::Arc;

/// A `RwLock`-protected value with the [`Store`] API of [`crate::table::Rcu`].
pub struct Locked<T> {
    inner: RwLock<Arc<Versioned<T>>>,
}

impl<T: Send + Sync> Store<T> for Locked<T> {
    fn new(value: T) -> Self {
        Locked {
            inner: RwLock::new("lfe.baseline.table", Arc::new(Versioned { gen: 1, value })),
        }
    }

    fn read<R>(&self, f: impl FnOnce(&Versioned<T>) -> R) -> R {
        let g = self.inner.read();
        f(&g)
    }

    fn snapshot(&self) -> Arc<Versioned<T>> {
        self.inner.read().clone()
    }

    fn generation(&self) -> u64 {
        self.inner.read().gen
    }

    fn update<R>(&self, mut f: impl FnMut(&T) -> Result<(T, R)>) -> Result<(R, u64)> {
        let mut g = self.inner.write();
        let (value, r) = f(&g.value)?;
        let gen = g.gen + 1;
        *g = Arc::new(Versioned { gen, value });
        Ok((r, gen))
    }
}

/// The process table behind a `RwLock`.
pub type ProcTable = ProcTableIn<Locked<ProcSnap>>;
/// The route table behind a `RwLock`.
pub type RouteTable = RouteTableIn<Locked<RouteSnap>>;
