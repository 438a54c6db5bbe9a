//! `cargo bench --bench compare`: lfe side by side with its baselines (filled in by its issue).
fn main() {
    println!("compare: no workloads yet");
}
