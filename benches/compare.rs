//! `cargo bench --bench compare`: lfe side by side with its mutex baselines and peers, on the
//! same work, in one process, interleaved.
//!
//! `-- --quick` finishes in under a minute; `-- --workload NAME` runs one workload.
//! Results: a table on the terminal, `target/lfe-compare/results.json` and
//! `target/lfe-compare/compare.svg`.
//!
//! One module per workload family: `table` (`table_read`, `route_lookup`), `event`
//! (`queue_mpmc`, `bus_fanout`). Each module's docs say what every implementation does.

#[path = "compare/event.rs"]
mod event;
#[path = "compare/harness.rs"]
#[allow(dead_code)] // parts are used only by some workloads
mod harness;
#[path = "compare/table.rs"]
mod table;

fn main() {
    let opts = harness::Options::from_args();
    let mut workloads: Vec<harness::Workload> = Vec::new();
    workloads.extend(table::workloads());
    workloads.extend(event::workloads());
    let units: Vec<(&'static str, &'static str)> =
        workloads.iter().map(|w| (w.name, w.unit)).collect();
    let rows = harness::run_all(workloads, &opts);
    println!("{}", harness::table(&rows, &units));
    let dir = harness::write_outputs(&rows);
    println!("wrote {}/results.json and compare.svg", dir.display());
}
