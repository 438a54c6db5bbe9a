//! OpenMetrics text exposition of every structure's counters: the one renderer the C ABI and
//! the Go and Python bindings expose, so a host scrapes queue depths, lag, drops and the
//! enrichment backlog without writing exposition by hand.
//!
//! [`render`] takes the stats of any number of structures, each with a name, and writes one
//! exposition (OpenMetrics 1.0 text): every family once, with `# TYPE` and `# HELP`, one sample
//! per structure of that kind labelled `name="<structure name>"`, then `# EOF`. Names are
//! `lfe_<structure>_<counter>`; a counter's sample carries the `_total` suffix. Values are the
//! structures' own counters, read at the time of the caller's `stats()` calls; a scrape is as
//! consistent as those reads (each is documented on its structure).

use crate::error::{Error, Result};
use crate::event::{BusStats, QueueStats, SubStats};
use crate::lockdep;
use crate::log;
use crate::table::requests::StatsView;

/// The stats of one request log: the global view and the routed requests counted only in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestStats {
    pub global: StatsView,
    /// Requests of routes that had no per-route stats slot left (`stats_overflow`).
    pub overflow: u64,
}

/// One structure's stats, as read by its `stats()` method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stats {
    Log(log::Stats),
    Queue(QueueStats),
    Bus(BusStats),
    Sub(SubStats),
    Requests(RequestStats),
    Lockdep(lockdep::Stats),
}

/// A structure to export: its name (the `name` label; any bytes, shown lossily as UTF-8) and
/// its stats.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub name: &'a [u8],
    pub stats: Stats,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Type {
    Counter,
    Gauge,
}

struct Family {
    name: &'static str,
    ty: Type,
    help: &'static str,
    get: fn(&Stats) -> Option<u64>,
}

/// `fam!(Variant, field.path, "name", Counter|Gauge, "help")`: a family reading one field of
/// one kind of stats.
macro_rules! fam {
    ($v:ident, $($f:ident).+, $name:literal, $ty:ident, $help:literal) => {
        Family {
            name: $name,
            ty: Type::$ty,
            help: $help,
            get: |s| match s {
                Stats::$v(x) => Some(x.$($f).+),
                _ => None,
            },
        }
    };
}

/// Every family, grouped by structure.
const FAMILIES: &[Family] = &[
    fam!(
        Log,
        appended,
        "lfe_log_appended",
        Counter,
        "Lines appended since the store was created."
    ),
    fam!(
        Log,
        bytes,
        "lfe_log_bytes",
        Gauge,
        "Bytes of the lines retained (after truncation)."
    ),
    fam!(
        Log,
        evicted,
        "lfe_log_evicted",
        Counter,
        "Lines evicted from the ring."
    ),
    fam!(
        Log,
        truncated,
        "lfe_log_truncated",
        Counter,
        "Lines cut at max_line_len."
    ),
    fam!(
        Log,
        enriched,
        "lfe_log_enriched",
        Counter,
        "Lines enriched (level, URLs, error groups)."
    ),
    fam!(
        Log,
        enrich_lag,
        "lfe_log_enrich_lag",
        Gauge,
        "Lines appended but not enriched yet."
    ),
    fam!(
        Log,
        inline_enriched,
        "lfe_log_inline_enriched",
        Counter,
        "Lines enriched inline by appenders that had to help."
    ),
    fam!(
        Log,
        capacity,
        "lfe_log_capacity",
        Gauge,
        "Lines the ring holds."
    ),
    fam!(
        Log,
        unreclaimed_bytes,
        "lfe_log_unreclaimed_bytes",
        Gauge,
        "Bytes of evicted lines not freed yet."
    ),
    fam!(Queue, depth, "lfe_queue_depth", Gauge, "Events held now."),
    fam!(Queue, pushed, "lfe_queue_pushed", Counter, "Events pushed."),
    fam!(Queue, popped, "lfe_queue_popped", Counter, "Events popped."),
    fam!(
        Queue,
        dropped,
        "lfe_queue_dropped",
        Counter,
        "Events dropped by the drop-oldest overflow policy."
    ),
    fam!(
        Queue,
        capacity,
        "lfe_queue_capacity",
        Gauge,
        "Events the queue holds."
    ),
    fam!(
        Bus,
        published,
        "lfe_bus_published",
        Counter,
        "Events published."
    ),
    fam!(
        Bus,
        subscribers,
        "lfe_bus_subscribers",
        Gauge,
        "Subscriptions now."
    ),
    fam!(
        Sub,
        lagged,
        "lfe_sub_lagged",
        Counter,
        "Events dropped because the subscription was full."
    ),
    fam!(
        Sub,
        delivered,
        "lfe_sub_delivered",
        Counter,
        "Events delivered into the subscription."
    ),
    fam!(
        Sub,
        popped,
        "lfe_sub_popped",
        Counter,
        "Events popped by the subscriber."
    ),
    fam!(Sub, depth, "lfe_sub_depth", Gauge, "Events waiting now."),
    fam!(
        Sub,
        capacity,
        "lfe_sub_capacity",
        Gauge,
        "Events the subscription holds."
    ),
    fam!(
        Sub,
        bytes,
        "lfe_sub_bytes",
        Gauge,
        "Payload bytes waiting now."
    ),
    fam!(
        Requests,
        global.requests,
        "lfe_requests",
        Counter,
        "Requests logged."
    ),
    fam!(
        Requests,
        global.errors,
        "lfe_requests_errors",
        Counter,
        "Requests logged with an error status."
    ),
    fam!(
        Requests,
        global.bytes,
        "lfe_requests_bytes",
        Counter,
        "Response bytes of the requests logged."
    ),
    fam!(
        Requests,
        global.p50_ns,
        "lfe_requests_latency_p50_nanoseconds",
        Gauge,
        "Median latency (bucket upper bound)."
    ),
    fam!(
        Requests,
        global.p90_ns,
        "lfe_requests_latency_p90_nanoseconds",
        Gauge,
        "90th percentile latency (bucket upper bound)."
    ),
    fam!(
        Requests,
        global.p99_ns,
        "lfe_requests_latency_p99_nanoseconds",
        Gauge,
        "99th percentile latency (bucket upper bound)."
    ),
    fam!(
        Requests,
        overflow,
        "lfe_requests_stats_overflow",
        Counter,
        "Routed requests counted only globally (no per-route slot left)."
    ),
    fam!(
        Lockdep,
        locks,
        "lfe_lockdep_locks",
        Gauge,
        "Locks registered."
    ),
    fam!(
        Lockdep,
        acquires,
        "lfe_lockdep_acquires",
        Counter,
        "Acquisitions reported."
    ),
    fam!(
        Lockdep,
        releases,
        "lfe_lockdep_releases",
        Counter,
        "Releases reported."
    ),
    fam!(
        Lockdep,
        edges,
        "lfe_lockdep_edges",
        Gauge,
        "Edges in the lock-order graph."
    ),
    fam!(
        Lockdep,
        slow_paths,
        "lfe_lockdep_slow_paths",
        Counter,
        "Acquisitions that met an unknown edge."
    ),
    fam!(
        Lockdep,
        conflicts,
        "lfe_lockdep_conflicts",
        Counter,
        "Calls that returned a conflict."
    ),
    fam!(
        Lockdep,
        violations,
        "lfe_lockdep_violations",
        Counter,
        "Violation reports made (kept or dropped)."
    ),
    fam!(
        Lockdep,
        violations_dropped,
        "lfe_lockdep_violations_dropped",
        Counter,
        "Violation reports dropped (max_violations kept)."
    ),
    fam!(
        Lockdep,
        holding_tokens,
        "lfe_lockdep_holding_tokens",
        Gauge,
        "Tokens holding at least one lock now."
    ),
];

/// Writes the exposition of `sources` to `out` (appending). Errors: `Invalid` when a name is
/// empty or two structures of one kind share a name (their samples would be indistinguishable).
pub fn render(sources: &[Source<'_>], out: &mut Vec<u8>) -> Result<()> {
    for (i, a) in sources.iter().enumerate() {
        if a.name.is_empty() {
            return Err(Error::Invalid("metrics: a structure's name is empty"));
        }
        let kind = std::mem::discriminant(&a.stats);
        if sources[..i]
            .iter()
            .any(|b| b.name == a.name && std::mem::discriminant(&b.stats) == kind)
        {
            return Err(Error::Invalid(
                "metrics: two structures of one kind share a name",
            ));
        }
    }
    for f in FAMILIES {
        let mut samples = sources
            .iter()
            .filter_map(|s| (f.get)(&s.stats).map(|v| (s.name, v)));
        let Some(first) = samples.next() else {
            continue;
        };
        let (ty, suffix) = match f.ty {
            Type::Counter => ("counter", "_total"),
            Type::Gauge => ("gauge", ""),
        };
        push(
            out,
            &[
                "# TYPE ",
                f.name,
                " ",
                ty,
                "\n# HELP ",
                f.name,
                " ",
                f.help,
                "\n",
            ],
        );
        for (name, v) in std::iter::once(first).chain(samples) {
            push(out, &[f.name, suffix, "{name=\""]);
            escape_label(name, out);
            push(out, &["\"} ", &v.to_string(), "\n"]);
        }
    }
    out.extend_from_slice(b"# EOF\n");
    Ok(())
}

fn push(out: &mut Vec<u8>, parts: &[&str]) {
    for p in parts {
        out.extend_from_slice(p.as_bytes());
    }
}

/// A label value: UTF-8 (invalid bytes replaced), with `\`, `"` and newline escaped.
fn escape_label(name: &[u8], out: &mut Vec<u8>) {
    for c in String::from_utf8_lossy(name).chars() {
        match c {
            '\\' => out.extend_from_slice(b"\\\\"),
            '"' => out.extend_from_slice(b"\\\""),
            '\n' => out.extend_from_slice(b"\\n"),
            c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(sources: &[Source<'_>]) -> String {
        let mut out = Vec::new();
        render(sources, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn families_once_samples_per_structure_eof_last() {
        let q = |d| {
            Stats::Queue(QueueStats {
                depth: d,
                capacity: 8,
                ..Default::default()
            })
        };
        let t = text(&[
            Source {
                name: b"a",
                stats: q(3),
            },
            Source {
                name: b"b\"\\\n",
                stats: q(5),
            },
        ]);
        assert_eq!(t.matches("# TYPE lfe_queue_depth gauge\n").count(), 1);
        assert!(t.contains("lfe_queue_depth{name=\"a\"} 3\n"));
        assert!(t.contains("lfe_queue_depth{name=\"b\\\"\\\\\\n\"} 5\n"));
        assert!(t.contains("lfe_queue_pushed_total{name=\"a\"} 0\n"));
        assert!(!t.contains("lfe_log_"));
        assert!(t.ends_with("\n# EOF\n"));
    }

    #[test]
    fn empty_and_duplicate_names_are_invalid() {
        let s = Stats::Bus(BusStats::default());
        let mut out = Vec::new();
        let e = render(
            &[Source {
                name: b"",
                stats: s,
            }],
            &mut out,
        );
        assert_eq!(
            e,
            Err(Error::Invalid("metrics: a structure's name is empty"))
        );
        let dup = [
            Source {
                name: b"x",
                stats: s,
            },
            Source {
                name: b"x",
                stats: s,
            },
        ];
        assert!(matches!(render(&dup, &mut out), Err(Error::Invalid(_))));
        // One name for two kinds is fine: the family names differ.
        let two = [
            Source {
                name: b"x",
                stats: s,
            },
            Source {
                name: b"x",
                stats: Stats::Log(Default::default()),
            },
        ];
        assert!(render(&two, &mut out).is_ok());
    }
}
