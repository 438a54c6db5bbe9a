//! The process table: one record per process the host runs, in an RCU snapshot ([`super::Rcu`]).
//!
//! Ids are assigned by the table from a counter (`fetch_add`), start at 1 and are never reused
//! nor derived from a clock. Names are unique. State changes go through
//! [`ProcTableIn::transition`], a compare-and-set on the state that only accepts the edges of
//! the graph below, so a late exit handler cannot turn a `stopped` record into `failed`:
//!
//! ```text
//! pending  -> starting | stopped
//! starting -> running | stopping | exited | failed
//! running  -> stopping | exited | failed
//! stopping -> stopped | exited | failed
//! stopped | exited | failed -> starting      (a restart: restart count + 1)
//! ```
//!
//! `exited` requires exit code 0 and `failed` a non-zero code; `stopped` records the code given
//! (e.g. a signal's); the code is ignored for the other targets. Entering `starting` sets
//! `start_ns` and clears `end_ns`, the OS pid and the exit code; entering a terminal state sets
//! `end_ns`. The whole record changes in one published snapshot.

use super::{check_len, Rcu, ShardedMap, Store, Versioned};
use crate::sync::{AtomicU64, Ordering};
use crate::{Error, Result};
use crossbeam_utils::CachePadded;
use std::sync::Arc;

/// The state of a process. The discriminants are the C constants `LFE_PROC_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcState {
    Pending = 0,
    Starting = 1,
    Running = 2,
    Stopping = 3,
    Stopped = 4,
    /// Exited with code 0.
    Exited = 5,
    /// Exited with a non-zero code.
    Failed = 6,
}

const ALL_STATES: [ProcState; 7] = [
    ProcState::Pending,
    ProcState::Starting,
    ProcState::Running,
    ProcState::Stopping,
    ProcState::Stopped,
    ProcState::Exited,
    ProcState::Failed,
];

impl ProcState {
    /// Every state, in discriminant order.
    pub fn all() -> [ProcState; 7] {
        ALL_STATES
    }

    /// The state of a C constant, or `None` when out of range.
    pub fn from_u32(v: u32) -> Option<Self> {
        ALL_STATES.get(v as usize).copied()
    }

    /// True for stopped, exited and failed.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ProcState::Stopped | ProcState::Exited | ProcState::Failed
        )
    }

    /// True when `self -> to` is an edge of the transition graph (module docs).
    pub fn can_go_to(self, to: ProcState) -> bool {
        use ProcState::*;
        match self {
            Pending => matches!(to, Starting | Stopped),
            Starting => matches!(to, Running | Stopping | Exited | Failed),
            Running => matches!(to, Stopping | Exited | Failed),
            Stopping => matches!(to, Stopped | Exited | Failed),
            Stopped | Exited | Failed => to == Starting,
        }
    }
}

/// Bounds of a process table (memory is bounded by these: at most `max_procs` records, each
/// at most `(3 + 2 * max_labels) * max_field` bytes of fields plus its fixed part). Nothing is
/// allocated at creation, so every accepted configuration can be made.
///
/// | field | default | zero | largest (over it: `TooLarge`) |
/// |---|---|---|---|
/// | `max_procs` | 4096 | `Invalid` | [`MAX_PROCS`] (2^16) |
/// | `max_labels` | 16 | no labels (a spec with any label is `TooLarge`) | [`MAX_LABELS`] (256) |
/// | `max_field` | 4096 | `Invalid` | [`MAX_FIELD`] (1 MiB) |
#[derive(Debug, Clone, Copy)]
pub struct ProcConfig {
    /// Most records at once (`Error::Full` beyond).
    pub max_procs: usize,
    /// Most labels per record (`Error::TooLarge` beyond; 0: no labels).
    pub max_labels: usize,
    /// Longest name, command, working dir, label key or label value in bytes.
    pub max_field: usize,
}

/// Largest `max_procs` (2^16; a write copies a sixteenth of the table).
///
/// cbindgen:ignore
pub const MAX_PROCS: usize = 1 << 16;
/// Largest `max_labels`.
///
/// cbindgen:ignore
pub const MAX_LABELS: usize = 256;
/// Largest `max_field` (1 MiB: room for a long command line).
///
/// cbindgen:ignore
pub const MAX_FIELD: usize = 1 << 20;

impl Default for ProcConfig {
    fn default() -> Self {
        ProcConfig {
            max_procs: 4096,
            max_labels: 16,
            max_field: 4096,
        }
    }
}

/// What the host supplies to register a process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessSpec {
    pub name: Vec<u8>,
    pub command: Vec<u8>,
    pub cwd: Vec<u8>,
    /// Host-defined (key, value) labels, kept in this order.
    pub labels: Vec<(Vec<u8>, Vec<u8>)>,
}

impl ProcessSpec {
    /// A spec with a name and command, no working dir and no labels.
    pub fn new(name: impl Into<Vec<u8>>, command: impl Into<Vec<u8>>) -> Self {
        ProcessSpec {
            name: name.into(),
            command: command.into(),
            ..Default::default()
        }
    }
}

/// One process record (a copy: it does not change when the table does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub id: u64,
    pub name: Vec<u8>,
    pub command: Vec<u8>,
    pub cwd: Vec<u8>,
    /// OS pid, 0 when unknown.
    pub pid: u32,
    pub state: ProcState,
    pub exit_code: i32,
    /// Wall clock ns when it last entered `starting` (0 before).
    pub start_ns: u64,
    /// Wall clock ns when it last entered a terminal state (0 while live).
    pub end_ns: u64,
    pub restarts: u32,
    pub labels: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The contents of one process-table snapshot.
#[derive(Debug, Clone, Default)]
pub struct ProcSnap {
    by_id: ShardedMap<u64, Arc<Process>>,
    by_name: ShardedMap<Box<[u8]>, u64>,
}

/// A consistent listing: every record from the same snapshot, sorted by id.
#[derive(Debug, Clone)]
pub struct ProcList {
    /// The generation of the snapshot the records come from.
    pub generation: u64,
    pub procs: Vec<Arc<Process>>,
}

/// The process table over a storage `S`: [`ProcTable`] (RCU) or the lock baseline.
pub struct ProcTableIn<S> {
    store: S,
    next_id: CachePadded<AtomicU64>,
    cfg: ProcConfig,
}

/// The lock-free process table.
pub type ProcTable = ProcTableIn<Rcu<ProcSnap>>;

impl<S: Store<ProcSnap>> Default for ProcTableIn<S> {
    fn default() -> Self {
        Self::new(ProcConfig::default())
    }
}

impl<S: Store<ProcSnap>> ProcTableIn<S> {
    /// An empty table (the bounds are not checked: a zero `max_procs` makes every insert
    /// `Full`; [`ProcTableIn::with_config`] rejects zero bounds).
    pub fn new(cfg: ProcConfig) -> Self {
        ProcTableIn {
            store: S::new(ProcSnap::default()),
            next_id: CachePadded::new(AtomicU64::new(1)),
            cfg,
        }
    }

    /// An empty table. Errors: `Invalid` (zero `max_procs` or `max_field`; zero `max_labels`
    /// is allowed and means no labels), `TooLarge` (a bound over its `MAX_*`).
    pub fn with_config(cfg: ProcConfig) -> Result<Self> {
        if cfg.max_procs == 0 || cfg.max_field == 0 {
            return Err(Error::Invalid("max_procs and max_field must be > 0"));
        }
        if cfg.max_procs > MAX_PROCS || cfg.max_labels > MAX_LABELS || cfg.max_field > MAX_FIELD {
            return Err(Error::TooLarge);
        }
        Ok(Self::new(cfg))
    }

    /// Registers a process in state `pending`; returns its new id.
    ///
    /// Errors: `Invalid` (empty name), `TooLarge` (a field or the label count over its bound),
    /// `Exists` (the name is taken), `Full` (`max_procs` records).
    pub fn insert(&self, spec: ProcessSpec) -> Result<u64> {
        if spec.name.is_empty() {
            return Err(Error::Invalid("process name is empty"));
        }
        let m = self.cfg.max_field;
        check_len(&spec.name, m)?;
        check_len(&spec.command, m)?;
        check_len(&spec.cwd, m)?;
        if spec.labels.len() > self.cfg.max_labels {
            return Err(Error::TooLarge);
        }
        for (k, v) in &spec.labels {
            check_len(k, m)?;
            check_len(v, m)?;
        }
        // Relaxed: the counter only has to hand out distinct values; an id burnt by a failed
        // insert is simply never used.
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let rec = Arc::new(Process {
            id,
            name: spec.name,
            command: spec.command,
            cwd: spec.cwd,
            pid: 0,
            state: ProcState::Pending,
            exit_code: 0,
            start_ns: 0,
            end_ns: 0,
            restarts: 0,
            labels: spec.labels,
        });
        let max = self.cfg.max_procs;
        self.store
            .update(|s| {
                if s.by_name.get(&rec.name[..]).is_some() {
                    return Err(Error::Exists);
                }
                if s.by_id.len() >= max {
                    return Err(Error::Full);
                }
                let mut n = s.clone();
                n.by_name.insert(rec.name.clone().into_boxed_slice(), id);
                n.by_id.insert(id, rec.clone());
                Ok((n, ()))
            })
            .map(|_| id)
    }

    /// A copy of record `id` (`NotFound`).
    pub fn get(&self, id: u64) -> Result<Process> {
        self.get_with(id, Process::clone)
    }

    /// Runs `f` on record `id` without copying it (`NotFound`).
    #[inline]
    pub fn get_with<R>(&self, id: u64, f: impl FnOnce(&Process) -> R) -> Result<R> {
        self.store
            .read(|s| s.value.by_id.get(&id).map(|p| f(p)))
            .ok_or(Error::NotFound)
    }

    /// A copy of the record named `name` (`NotFound`).
    pub fn find(&self, name: &[u8]) -> Result<Process> {
        self.store
            .read(|s| {
                let id = s.value.by_name.get(name)?;
                s.value.by_id.get(id).map(|p| Process::clone(p))
            })
            .ok_or(Error::NotFound)
    }

    /// Every record from one snapshot, sorted by id, with that snapshot's generation.
    pub fn list(&self) -> ProcList {
        let snap = self.store.snapshot();
        list_of(&snap)
    }

    /// Number of records.
    pub fn count(&self) -> usize {
        self.store.read(|s| s.value.by_id.len())
    }

    /// The generation: changes on every write, never goes backwards (one atomic load).
    pub fn generation(&self) -> u64 {
        self.store.generation()
    }

    /// Compare-and-set of the state of `id` from `expected` to `to`; returns the new
    /// generation. `exit_code` is recorded for `stopped`, must be 0 for `exited` and non-zero
    /// for `failed`, and is ignored otherwise.
    ///
    /// Errors: `Invalid` (not an edge of the graph, or a wrong exit code), `NotFound`,
    /// `Conflict` (the state is no longer `expected`).
    pub fn transition(
        &self,
        id: u64,
        expected: ProcState,
        to: ProcState,
        exit_code: i32,
    ) -> Result<u64> {
        if !expected.can_go_to(to) {
            return Err(Error::Invalid("illegal process state transition"));
        }
        match to {
            ProcState::Exited if exit_code != 0 => {
                return Err(Error::Invalid("exited needs exit code 0"))
            }
            ProcState::Failed if exit_code == 0 => {
                return Err(Error::Invalid("failed needs a non-zero exit code"))
            }
            _ => {}
        }
        let now = crate::time::now_ns();
        self.modify(id, |p| {
            if p.state != expected {
                return Err(Error::Conflict);
            }
            p.state = to;
            if to == ProcState::Starting {
                if expected.is_terminal() {
                    p.restarts = p.restarts.saturating_add(1);
                }
                p.start_ns = now;
                p.end_ns = 0;
                p.exit_code = 0;
                p.pid = 0;
            } else if to.is_terminal() {
                p.end_ns = now;
                p.exit_code = exit_code;
            }
            Ok(())
        })
    }

    /// Records the OS pid of `id` (`NotFound`); returns the new generation.
    pub fn set_pid(&self, id: u64, pid: u32) -> Result<u64> {
        self.modify(id, |p| {
            p.pid = pid;
            Ok(())
        })
    }

    /// Removes `id` (`NotFound`); returns the new generation.
    pub fn remove(&self, id: u64) -> Result<u64> {
        self.store
            .update(|s| {
                let p = s.by_id.get(&id).ok_or(Error::NotFound)?;
                let mut n = s.clone();
                n.by_name.remove(&p.name[..]);
                n.by_id.remove(&id);
                Ok((n, ()))
            })
            .map(|(_, g)| g)
    }

    fn modify(&self, id: u64, mut f: impl FnMut(&mut Process) -> Result<()>) -> Result<u64> {
        self.store
            .update(|s| {
                let cur = s.by_id.get(&id).ok_or(Error::NotFound)?;
                let mut rec = Process::clone(cur);
                f(&mut rec)?;
                let mut n = s.clone();
                n.by_id.insert(id, Arc::new(rec));
                Ok((n, ()))
            })
            .map(|(_, g)| g)
    }
}

fn list_of(snap: &Versioned<ProcSnap>) -> ProcList {
    let mut procs: Vec<Arc<Process>> = snap.value.by_id.iter().map(|(_, p)| p.clone()).collect();
    procs.sort_unstable_by_key(|p| p.id);
    ProcList {
        generation: snap.gen,
        procs,
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use ProcState::*;

    #[test]
    fn graph_is_as_documented() {
        let edges = [
            (Pending, Starting),
            (Pending, Stopped),
            (Starting, Running),
            (Starting, Stopping),
            (Starting, Exited),
            (Starting, Failed),
            (Running, Stopping),
            (Running, Exited),
            (Running, Failed),
            (Stopping, Stopped),
            (Stopping, Exited),
            (Stopping, Failed),
            (Stopped, Starting),
            (Exited, Starting),
            (Failed, Starting),
        ];
        for a in ProcState::all() {
            for b in ProcState::all() {
                assert_eq!(a.can_go_to(b), edges.contains(&(a, b)), "{a:?}->{b:?}");
            }
        }
        assert_eq!(ProcState::from_u32(7), None);
        assert_eq!(ProcState::from_u32(6), Some(Failed));
    }
}
