//! Criterion benches for lockdep, lfe against its baseline in the same run (filled in by its issue).
fn main() {}
