//! Wall-clock and monotonic time helpers shared by every structure.

use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch (wall clock). Used for timestamps the host did not supply.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Nanoseconds on a monotonic clock (arbitrary origin). Used for durations and deadlines.
pub fn mono_ns() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    origin.elapsed().as_nanos() as u64
}
