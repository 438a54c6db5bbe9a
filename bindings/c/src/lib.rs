//! The C ABI: a thin, mechanical layer over the safe Rust API (DESIGN.md, "C ABI rules").
//!
//! * `status` — the `LFE_OK` / `LFE_E_*` codes and `lfe_status_str`;
//! * `guard` — the panic boundary every export runs in, and the `Status` a body fails with;
//! * `args` — the one module that turns C pointers into Rust values (handles, inputs, bytes,
//!   versioned structs, out-parameters), with the contract that makes it sound written once;
//! * `version` — `lfe_version`, `lfe_abi_version` and the version macros;
//! * `batch` — `lfe_batch`, the one result object every query returns;
//! * one file per structure (`log`, with its reading side in `log_read`; `procs`, `routes`,
//!   `requests`, `queue`, `bus`, `lockdep`), and `metrics`, the OpenMetrics export over them.
//!
//! No logic lives here that a Rust user would not also get from the safe API.
#![allow(non_camel_case_types)]

pub use args::Versioned;

mod args;
pub mod batch;
pub mod guard;
pub mod status;
pub mod version;

// One file per structure.
pub mod bus;
pub mod lockdep;
pub mod log;
pub mod log_read;
pub mod metrics;
pub mod procs;
pub mod queue;
pub mod requests;
pub mod routes;
