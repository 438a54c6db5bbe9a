//! Criterion benches for log, lfe against its baseline in the same run (filled in by its issue).
fn main() {}
