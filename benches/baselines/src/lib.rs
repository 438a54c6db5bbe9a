//! Mutex baselines: each lfe structure again, built the plain way (a lock around a deque or a
//! map), with the same Rust API. Tests run the same checks against both, and benchmarks put
//! them side by side (`cargo bench --bench compare`). [`api`] states the shared API once, one
//! trait per structure, for tests and benches to be generic over.

pub mod api;
pub mod detect;
pub mod event;
pub mod lock;
pub mod log;
pub mod model;
pub mod table;
