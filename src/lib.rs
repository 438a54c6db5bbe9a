//! # lfe — a lock-free engine for developer-tool hosts
//!
//! lfe gives a process runner / log viewer / dev proxy / event bus host the four shared
//! structures such hosts usually build with mutexes and channels, built so that writers never
//! wait on readers:
//!
//! * [`log`] — the log store: a lock-free ring of log lines with asynchronous enrichment;
//! * [`table`] — RCU tables (processes, proxy routes) and the request log;
//! * [`event`] — a bounded MPMC event queue and a filtered fan-out bus;
//! * [`lockdep`] — a lock-order validator for the host's own locks.
//!
//! [`metrics`] renders every structure's counters as OpenMetrics text.
//!
//! The safe Rust API is the first-class API. Two crates of the workspace sit on it: `lfe-capi`
//! (`bindings/c/`), a thin C ABI (see `include/lfe.h`) used by the C, Go and Python bindings, and
//! `lfe-baselines` (`benches/baselines/`), mutex versions of each structure with the same API,
//! for tests and benchmarks. This crate depends on neither.
//!
//! See `ARCHITECTURE.md` for a map of the code and `DESIGN.md` rules it follows.

pub mod error;
pub mod event;
pub mod gate;
mod inline;
pub mod lockdep;
pub mod log;
pub mod metrics;
pub mod ring;
pub(crate) mod sync;
pub mod table;
pub mod time;

pub use error::{Error, Result};
