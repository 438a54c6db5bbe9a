//! `detect`: line analysis alone (issue 21), single thread, on every line of the dev-server
//! corpus (`benches/data/`, the tools interleaved as `corpus::mixed`). One operation = one line
//! analysed. Time is the thread's CPU time (the machine is shared; wall time is noisy), so
//! `ops/s` is lines per CPU second; notes give `ns_line` and `MB_s` (mean over rounds).
//!
//! Implementations:
//! * `lfe` — `lfe::log::enrich::Detector::analyze` (one strip pass, one pattern-set pass, only
//!   the hit families' own regexes);
//! * `old` — `lfe_baselines::detect::OldDetector::analyze`, the detector before issue 21 (same
//!   results but for the documented OSC 8 improvement: `tests/detect_diff.rs`);
//! * `regex-set` — what a host would write: one `regex_automata::meta::Regex::new_many` with
//!   every detector pattern, `which_overlapping_matches` per raw line. It only says which
//!   patterns match (no strip, no URLs, no level decision), so it is a floor for "one automaton
//!   per line", not the same work.
//!
//!
//! URL finding alone, on the same lines (only URL work, so a peer for that part):
//! * `lfe-urls` — `lfe::log::urls::find_urls` (from each `://` marker, scheme, host and port
//!   by hand, then the RFC 3986 scan) and `normalize` of each span, on the raw line;
//! * `linkify` — the `linkify` crate's `LinkFinder` (URLs only) collecting each link's text.
//!
//! Measured when issue 21 landed (2 shared cores, 7 rounds): lfe 329 ns/line, old 780 ns/line
//! (2.39x), regex-set 196 ns/line.
//!
//! After the second speed pass (labels, structured levels and tags decided by the set's hits,
//! the set pass first with a `://`/CR/LF marker, word-at-a-time strip, memoised match states):
//! * instructions (repeatable): `valgrind --tool=callgrind` on `detect_perf corpus_profile`,
//!   `LFE_DETECT_REPS=12` minus `LFE_DETECT_REPS=4`, inclusive cost of `OldDetector::analyze` and
//!   `Detector::analyze`, over 8 x 2,470 lines: old ~6,008, new ~1,418 instructions per line
//!   (4.24x; 2.58x before this pass: old ~5,990, new ~2,320);
//! * one `cargo bench --bench compare -- --workload detect` (load average ~5 on 2 cores): lfe
//!   254.8 ns/line, old 899.6 ns/line (3.35x), regex-set 211.0 ns/line (lfe/regex-set 0.82x).
//!   Time gains less than instructions: the set pass is a chain of dependent loads from a
//!   ~1 MB lazy-DFA table (128 byte classes + EOI make 256-wide rows), about half of lfe's time.
//!
//! After the third pass (the set pass over the raw line stops at the first ESC and goes on over
//! the stripped text from there; decisions from the hits remembered by key; the analysis filled
//! in place; URL heads matched by hand; tighter CSI/run loops in the strip):
//! * instructions, as above: old ~6,040, new ~1,195 per line (5.05x);
//! * one `cargo bench --bench compare -- --workload detect` (load average ~7 on 2 cores): lfe
//!   203.8 ns/line, old 845.3 ns/line (4.15x by ns/line; 3.73x by the table's ops/s), regex-set
//!   199.2 ns/line, lfe-urls 15.8 ns/line, linkify 99.3 ns/line; `detect_perf corpus_timing`
//!   (median CPU time, 9 alternating rounds): old 749.2, new 180.5 ns/line (4.15x). The set
//!   pass's dependent loads are still about half of lfe's time.

use super::corpus;
use super::harness::{Sample, Variant, Workload};
use regex_automata::{meta, util::syntax, Input, MatchKind, PatternSet};
use std::hint::black_box;
use std::time::Duration;

/// This thread's CPU time.
fn cpu_now() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Analyses the corpus with `f` in whole passes until `dur` of CPU time has gone by.
fn run(dur: Duration, lines: &[&'static [u8]], mut f: impl FnMut(&[u8])) -> Sample {
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let start = cpu_now();
    let mut passes = 0u64;
    loop {
        for l in lines {
            f(black_box(l));
        }
        passes += 1;
        if cpu_now() - start >= dur {
            break;
        }
    }
    let elapsed = cpu_now() - start;
    let ops = passes * lines.len() as u64;
    let ns = elapsed.as_nanos() as f64 / ops as f64;
    let mb_s = (passes as f64 * bytes as f64) / elapsed.as_secs_f64() / 1e6;
    Sample {
        ops,
        elapsed,
        latencies_ns: Vec::new(),
        extra: vec![("ns_line", ns), ("MB_s", mb_s)],
    }
}

fn regex_set() -> meta::Regex {
    let pats = lfe::log::enrich::all_patterns();
    meta::Regex::builder()
        .syntax(syntax::Config::new().utf8(false))
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::All)
                .utf8_empty(false),
        )
        .build_many(&pats)
        .expect("detector patterns compile")
}

/// A one-thread variant that runs `f` on every line of `lines` (see [`run`]).
fn per_line(
    imp: &'static str,
    lines: &[&'static [u8]],
    mut f: impl FnMut(&[u8]) + 'static,
) -> Variant {
    let lines = lines.to_vec();
    Variant {
        imp,
        threads: 1,
        run: Box::new(move |dur| run(dur, &lines, &mut f)),
    }
}

fn detect() -> Workload {
    let lines = corpus::mixed();
    let d = lfe::log::enrich::Detector::new();
    let old = lfe_baselines::detect::OldDetector::new();
    let re = regex_set();
    let mut cache = re.create_cache();
    let mut set = PatternSet::new(re.pattern_len());
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    let variants = vec![
        per_line("lfe", &lines, move |l| {
            black_box(d.analyze(l));
        }),
        per_line("old", &lines, move |l| {
            black_box(old.analyze(l));
        }),
        per_line("regex-set", &lines, move |l| {
            set.clear();
            re.which_overlapping_matches_with(&mut cache, &Input::new(l), &mut set);
            black_box(set.len());
        }),
        per_line("lfe-urls", &lines, move |l| {
            for r in lfe::log::urls::find_urls(l) {
                black_box(lfe::log::urls::normalize(&l[r]));
            }
        }),
        per_line("linkify", &lines, move |l| {
            // linkify works on &str: a host would decode lossily first, as here.
            let text = String::from_utf8_lossy(l);
            for link in finder.links(&text) {
                black_box(link.as_str().to_owned());
            }
        }),
    ];
    Workload {
        name: "detect",
        unit: "lines",
        variants,
    }
}

pub fn workloads() -> Vec<Workload> {
    vec![detect()]
}
