//! C ABI for the process table (`lfe::table::process`).
//!
//! Records come back as `lfe_proc_record` in an `lfe_batch` (`LFE_REC_PROC`). A record's
//! `labels` field holds its `label_count` labels encoded back to back as
//! `u32 key_len (little-endian), key bytes, u32 value_len (little-endian), value bytes`.

use crate::args::*;
use crate::batch::{lfe_batch, lfe_bytes, record, BatchBuilder};
use crate::guard::{call, Res, Status};
use crate::status::LFE_E_INVALID;
use lfe::table::process::{ProcConfig, ProcState, ProcTable, Process, ProcessSpec};

versioned_structs!(lfe_procs_config);

/// Record kind of `lfe_proc_record`.
pub const LFE_REC_PROC: u32 = 200;

/// Process state: registered, not started.
pub const LFE_PROC_PENDING: u32 = 0;
/// Process state: being started.
pub const LFE_PROC_STARTING: u32 = 1;
/// Process state: running.
pub const LFE_PROC_RUNNING: u32 = 2;
/// Process state: being stopped.
pub const LFE_PROC_STOPPING: u32 = 3;
/// Process state: stopped on request.
pub const LFE_PROC_STOPPED: u32 = 4;
/// Process state: exited with code 0.
pub const LFE_PROC_EXITED: u32 = 5;
/// Process state: exited with a non-zero code.
pub const LFE_PROC_FAILED: u32 = 6;

/// A process table (opaque).
pub struct lfe_procs {
    inner: ProcTable,
}

impl Handle for lfe_procs {}

/// Largest `lfe_procs_config.max_procs` (2^16); over it is `LFE_E_TOO_LARGE`.
pub const LFE_PROCS_MAX_PROCS: usize = 65_536;
/// Largest `lfe_procs_config.max_labels`; over it is `LFE_E_TOO_LARGE`.
pub const LFE_PROCS_MAX_LABELS: usize = 256;
/// Largest `lfe_procs_config.max_field` in bytes (1 MiB); over it is `LFE_E_TOO_LARGE`.
pub const LFE_PROCS_MAX_FIELD: usize = 1_048_576;

const _: () = {
    use lfe::table::process as p;
    assert!(LFE_PROCS_MAX_PROCS == p::MAX_PROCS);
    assert!(LFE_PROCS_MAX_LABELS == p::MAX_LABELS);
    assert!(LFE_PROCS_MAX_FIELD == p::MAX_FIELD);
};

/// Configuration of `lfe_procs_new`. Set `size = sizeof(lfe_procs_config)`, or pass NULL for
/// the defaults.
///
/// Zero `max_procs` or `max_field` is `LFE_E_INVALID`; zero `max_labels` means "no labels" (a
/// spec with any label is then `LFE_E_TOO_LARGE`). A field over its `LFE_PROCS_MAX_*` is
/// `LFE_E_TOO_LARGE`. Memory: nothing is allocated at creation; the table holds at most
/// `max_procs` records of at most `(3 + 2 * max_labels) * max_field` field bytes each.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_procs_config {
    pub size: usize,
    /// Most records at once (default 4096; at most `LFE_PROCS_MAX_PROCS`).
    pub max_procs: usize,
    /// Most labels per record (default 16; 0: no labels; at most `LFE_PROCS_MAX_LABELS`).
    pub max_labels: usize,
    /// Longest name, command, working dir, label key or value in bytes (default 4096; at most
    /// `LFE_PROCS_MAX_FIELD`).
    pub max_field: usize,
}

mirror_config!(lfe_procs_config => ProcConfig { max_procs, max_labels, max_field });

/// One label of an `lfe_proc_spec`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_label {
    pub key: lfe_bytes,
    pub value: lfe_bytes,
}

/// A process to register (input of `lfe_procs_insert`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_proc_spec {
    pub name: lfe_bytes,
    pub command: lfe_bytes,
    pub cwd: lfe_bytes,
    /// `label_count` labels (may be NULL when `label_count` is 0).
    pub labels: *const lfe_label,
    pub label_count: usize,
}

/// A process record in a batch (`LFE_REC_PROC`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct lfe_proc_record {
    pub id: u64,
    /// Wall clock ns of the last start (0 before the first).
    pub start_ns: u64,
    /// Wall clock ns of the last end (0 while live).
    pub end_ns: u64,
    /// One of `LFE_PROC_*`.
    pub state: u32,
    pub exit_code: i32,
    /// OS pid (0 when unknown).
    pub pid: u32,
    pub restarts: u32,
    pub label_count: u32,
    /// Always 0.
    pub reserved: u32,
    pub name: lfe_bytes,
    pub command: lfe_bytes,
    pub cwd: lfe_bytes,
    /// Labels encoded as described in the module docs.
    pub labels: lfe_bytes,
}

record!(lfe_proc_record, LFE_REC_PROC, name, command, cwd, labels);

fn push(b: &mut BatchBuilder<lfe_proc_record>, p: &Process) {
    let mut enc = Vec::new();
    for (k, v) in &p.labels {
        enc.extend_from_slice(&(k.len() as u32).to_le_bytes());
        enc.extend_from_slice(k);
        enc.extend_from_slice(&(v.len() as u32).to_le_bytes());
        enc.extend_from_slice(v);
    }
    let rec = lfe_proc_record {
        id: p.id,
        start_ns: p.start_ns,
        end_ns: p.end_ns,
        state: p.state as u32,
        exit_code: p.exit_code,
        pid: p.pid,
        restarts: p.restarts,
        label_count: p.labels.len() as u32,
        reserved: 0,
        name: b.bytes(&p.name),
        command: b.bytes(&p.command),
        cwd: b.bytes(&p.cwd),
        labels: b.bytes(&enc),
    };
    b.push(rec);
}

fn one(p: &Process) -> *mut lfe_batch {
    let mut b = BatchBuilder::new();
    push(&mut b, p);
    b.finish()
}

/// Copies an export's process spec argument.
fn spec_of(spec: *const lfe_proc_spec) -> Res<ProcessSpec> {
    let s = arg(spec)?;
    let labels = slice(s.labels, s.label_count)?;
    let mut spec = ProcessSpec {
        name: s.name.input()?.to_vec(),
        command: s.command.input()?.to_vec(),
        cwd: s.cwd.input()?.to_vec(),
        labels: Vec::with_capacity(labels.len().min(64)),
    };
    for l in labels {
        let (k, v) = (l.key.input()?, l.value.input()?);
        spec.labels.push((k.to_vec(), v.to_vec()));
    }
    Ok(spec)
}

fn state(v: u32) -> Res<ProcState> {
    ProcState::from_u32(v).ok_or(Status(LFE_E_INVALID))
}

/// Creates a process table.
///
/// Ownership: `*out` receives a new table; release it with `lfe_procs_free`.
/// Errors: `LFE_E_NULL` (out is NULL), `LFE_E_INVALID` (bad config size, zero max_procs or
/// max_field), `LFE_E_TOO_LARGE` (a bound over its `LFE_PROCS_MAX_*`).
/// Thread safety: safe to call from any thread.
///
/// # Safety
/// `cfg` must be NULL or point to a valid config of at least `cfg->size` bytes; `out` must be
/// writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_new(
    cfg: *const lfe_procs_config,
    out: *mut *mut lfe_procs,
) -> i32 {
    create(cfg, out, |c| {
        ProcTable::with_config(c.into()).map(|inner| lfe_procs { inner })
    })
}

/// Closes the handle: every later call on it, and a call racing this one, returns
/// `LFE_E_CLOSED` (a racing call may instead complete as if it ran first), and blocked calls
/// wake with `LFE_E_CLOSED`. The memory stays until `lfe_procs_free`, called once no call can be
/// in flight (README, "ABI notes": closing and freeing).
///
/// Ownership: nothing is freed.
/// Errors: `LFE_E_NULL` (NULL handle).
/// Thread safety: safe to call concurrently with any call on the handle but its `_free`, and
/// more than once.
///
/// # Safety
/// `p` is a live handle (not freed).
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_close_handle(p: *const lfe_procs) -> i32 {
    close_handle(p)
}

/// Frees a process table. NULL is a no-op.
///
/// Ownership: takes back the table; batches already returned stay valid.
/// Errors: none.
/// Thread safety: not concurrently with any other call on the same table.
///
/// # Safety
/// `p` must be NULL or a table from `lfe_procs_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_free(p: *mut lfe_procs) {
    free_handle(p)
}

/// Registers a process in state `LFE_PROC_PENDING` and returns its id (ids start at 1 and are
/// never reused).
///
/// Ownership: the spec's bytes are copied; the caller keeps them.
/// Errors: `LFE_E_NULL` (p, spec or out_id NULL, or NULL bytes with a non-zero length),
/// `LFE_E_INVALID` (empty name), `LFE_E_TOO_LARGE` (a field or the label count over its bound),
/// `LFE_E_EXISTS` (name taken), `LFE_E_FULL` (max_procs records).
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `p` must be a live table; `spec` must point to a valid spec whose bytes and labels are
/// readable; `out_id` must be writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_insert(
    p: *const lfe_procs,
    spec: *const lfe_proc_spec,
    out_id: *mut u64,
) -> i32 {
    fill(p, out_id, |t| -> Res<_> {
        Ok(t.inner.insert(spec_of(spec)?)?)
    })
}

/// Gets a copy of record `id` as a batch of one `lfe_proc_record`.
///
/// Ownership: `*out` receives a batch; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL`, `LFE_E_NOT_FOUND`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`
/// (wait-free).
///
/// # Safety
/// `p` must be a live table; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_get(
    p: *const lfe_procs,
    id: u64,
    out: *mut *mut lfe_batch,
) -> i32 {
    fill(p, out, |t| t.inner.get_with(id, one))
}

/// Finds the record named `(name, name_len)`; a batch of one `lfe_proc_record`.
///
/// Ownership: `*out` receives a batch; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL`, `LFE_E_TOO_LARGE`, `LFE_E_NOT_FOUND`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `p` must be a live table; `name` readable for `name_len` bytes; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_find(
    p: *const lfe_procs,
    name: *const u8,
    name_len: usize,
    out: *mut *mut lfe_batch,
) -> i32 {
    fill(p, out, |t| -> Res<_> {
        Ok(one(&t.inner.find(bytes(name, name_len)?)?))
    })
}

/// Every record from one consistent snapshot, sorted by id. The batch's `next` field holds the
/// snapshot's generation.
///
/// Ownership: `*out` receives a batch; free it with `lfe_batch_free`.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `p` must be a live table; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_list(p: *const lfe_procs, out: *mut *mut lfe_batch) -> i32 {
    fill(p, out, |t| -> Res<_> {
        let l = t.inner.list();
        Ok(BatchBuilder::of(
            &l.procs,
            |b, r| push(b, r),
            l.generation,
            0,
        ))
    })
}

/// Compare-and-set of a record's state from `expected` to `new_state` (`LFE_PROC_*`). Legal
/// edges: pending->starting|stopped; starting->running|stopping|exited|failed;
/// running->stopping|exited|failed; stopping->stopped|exited|failed;
/// stopped|exited|failed->starting (a restart: restart count + 1). `exit_code` must be 0 for
/// exited and non-zero for failed; it is recorded for stopped and ignored otherwise.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`, `LFE_E_INVALID` (a state out of range, not an edge, or a wrong exit
/// code), `LFE_E_NOT_FOUND`, `LFE_E_CONFLICT` (the state is no longer `expected`).
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `p` must be a live table.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_transition(
    p: *const lfe_procs,
    id: u64,
    expected: u32,
    new_state: u32,
    exit_code: i32,
) -> i32 {
    on(p, |t| -> Res<_> {
        let (from, to) = (state(expected)?, state(new_state)?);
        Ok(t.inner.transition(id, from, to, exit_code)?)
    })
}

/// Records the OS pid of process `id`.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`, `LFE_E_NOT_FOUND`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `p` must be a live table.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_set_pid(p: *const lfe_procs, id: u64, pid: u32) -> i32 {
    on(p, |t| t.inner.set_pid(id, pid))
}

/// Removes record `id` (its id is not reused).
///
/// Ownership: nothing is allocated; batches already returned stay valid.
/// Errors: `LFE_E_NULL`, `LFE_E_NOT_FOUND`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `p` must be a live table.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_remove(p: *const lfe_procs, id: u64) -> i32 {
    on(p, |t| t.inner.remove(id))
}

/// The number of records.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `p` must be a live table; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_count(p: *const lfe_procs, out: *mut usize) -> i32 {
    call(|| put(out, live(p)?.inner.count()))
}

/// The table's generation: changes on every write and never goes backwards, so "changed since
/// G?" costs one atomic load. Starts at 1.
///
/// Ownership: nothing is allocated.
/// Errors: `LFE_E_NULL`.
/// Thread safety: safe to call concurrently with every call on the table except `_free`.
///
/// # Safety
/// `p` must be a live table; `out` writable.
#[no_mangle]
pub unsafe extern "C" fn lfe_procs_generation(p: *const lfe_procs, out: *mut u64) -> i32 {
    call(|| put(out, live(p)?.inner.generation()))
}
