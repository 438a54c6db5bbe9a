//! `cargo bench --bench compare`: lfe side by side with its mutex baselines and peers, on the
//! same work, in one process, interleaved.
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) every variant runs once for 10 ms
//! and nothing is written: a check that each workload works, not a measurement.
//! `-- --quick` finishes in under a minute; `-- --workload NAME` runs one workload;
//! `-- --rounds N` overrides the number of measured rounds.
//! Results: a table on the terminal, `target/lfe-compare/results.json` and
//! `target/lfe-compare/compare.svg`.
//!
//! One module per workload family: `log` (`log_append`, `log_append_detect`, `log_tail_read`,
//! `log_search`), `detect` (line analysis alone: lfe vs the old detector vs a regex set), `table` (`table_read`, `route_lookup`), `event` (`queue_mpmc`, `bus_fanout`),
//! `devserver` (everything at once, replaying the corpus in `benches/data/`). Each module's docs
//! say what one operation is and what every implementation does.

#[path = "compare/corpus.rs"]
mod corpus;
#[path = "compare/detect.rs"]
mod detect;
#[path = "compare/devserver.rs"]
mod devserver;
#[path = "compare/event.rs"]
mod event;
#[path = "compare/harness.rs"]
#[allow(dead_code)] // parts are used only by some workloads
mod harness;
#[path = "compare/log.rs"]
mod log;
#[path = "compare/table.rs"]
mod table;

fn main() {
    let opts = harness::Options::from_args();
    let mut workloads: Vec<harness::Workload> = Vec::new();
    workloads.extend(log::workloads());
    workloads.extend(detect::workloads());
    workloads.extend(table::workloads());
    workloads.extend(event::workloads());
    workloads.extend(devserver::workloads());
    let units: Vec<(&'static str, &'static str)> =
        workloads.iter().map(|w| (w.name, w.unit)).collect();
    let rows = harness::run_all(workloads, &opts);
    println!("{}", harness::table(&rows, &units));
    if opts.smoke {
        println!("smoke run (no --bench): nothing measured or written");
        return;
    }
    let dir = harness::write_outputs(&rows);
    println!("wrote {}/results.json and compare.svg", dir.display());
}
