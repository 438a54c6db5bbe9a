//! Mutex baselines: each lfe structure again, built the plain way (a lock around a deque or a
//! map), with the same Rust API. Tests run the same checks against both, and benchmarks put
//! them side by side (`cargo bench --bench compare`).

pub mod detect;
pub mod event;
pub mod lock;
pub mod log;
pub mod table;
