//! `cargo bench --bench compare`: lfe side by side with its mutex baselines and peers, on the
//! same work, in one process, interleaved.
//!
//! `-- --quick` finishes in under a minute; `-- --workload NAME` runs one workload.
//! Results: a table on the terminal, `target/lfe-compare/results.json` and
//! `target/lfe-compare/compare.svg`.

#[path = "compare/harness.rs"]
#[allow(dead_code)] // parts are used only by some workloads
mod harness;

fn main() {
    let opts = harness::Options::from_args();
    let workloads: Vec<harness::Workload> = Vec::new();
    if workloads.is_empty() {
        println!("compare: no workloads registered yet");
        return;
    }
    let units: Vec<(&'static str, &'static str)> =
        workloads.iter().map(|w| (w.name, w.unit)).collect();
    let rows = harness::run_all(workloads, &opts);
    println!("{}", harness::table(&rows, &units));
    let dir = harness::write_outputs(&rows);
    println!("wrote {}/results.json and compare.svg", dir.display());
}
