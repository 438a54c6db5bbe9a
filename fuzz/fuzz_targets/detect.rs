//! The log-line detectors on arbitrary bytes: no panic; every URL span `find_urls` returns is a
//! sub-range of the ANSI-stripped input that contains `://`, and the same as `find_urls_regex`
//! (scheme, host and port by the regex instead of by hand); `normalize` is idempotent; every
//! URL the analysis reports is the normalised text of one such span; the prefilter is
//! conservative (`analyze_stripped` equals `analyze_stripped_full`); the one-pass detector
//! agrees with the old one (`lfe_baselines::detect::OldDetector`, with today's URL finder: the URL
//! boundaries changed on purpose) except for the intended
//! improvements of `tests/detect_diff.rs` (OSC 8 link targets are listed); the error grouper
//! takes any line sequence and keeps its bound.
#![no_main]

use lfe::log::enrich::{strip_ansi, visible_part, Analysis, Detector};
use lfe::log::errors::{ErrorGrouper, GroupConfig};
use lfe::log::urls::{find_urls, find_urls_regex, normalize, UrlList};
use lfe_baselines::detect::OldDetector;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn detector() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(Detector::new)
}

fn old_detector() -> &'static OldDetector {
    static D: OnceLock<OldDetector> = OnceLock::new();
    D.get_or_init(OldDetector::with_current_url_finder)
}

/// `new` equals `old`, or the line has an OSC 8 link (`ESC ] 8 ;`) and they differ only in
/// `urls`, by URLs that are link targets (normalised URIs that occur in the line).
fn same_or_intended(line: &[u8], new: &Analysis, old: &Analysis) -> bool {
    if new == old {
        return true;
    }
    if !contains(line, b"\x1b]8;") {
        return false;
    }
    // `ESC ] 8 ; params ; URI` up to BEL or ESC: the URI is everything after params.
    let mut targets = Vec::new();
    for (k, w) in line.windows(4).enumerate() {
        if w == b"\x1b]8;" {
            let body = &line[k + 4..];
            let body = &body[..body
                .iter()
                .position(|&b| b == 0x07 || b == 0x1b)
                .unwrap_or(body.len())];
            if let Some(semi) = body.iter().position(|&b| b == b';') {
                targets.push(normalize(&body[semi + 1..]));
            }
        }
    }
    let strip = |a: &Analysis| {
        let mut a = a.clone();
        a.urls.retain(|u| !targets.contains(u));
        a
    };
    strip(new) == strip(old)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fuzz_target!(|data: &[u8]| {
    let d = detector();
    let mut grouper = ErrorGrouper::new(GroupConfig {
        capacity: 4,
        max_lines: 3,
        max_gap_ns: 10,
    });
    let mut urls = UrlList::new(3);
    // Up to 8 lines, split at '\n' (kept, as a log line may carry its newline).
    for (i, line) in data.split_inclusive(|&b| b == b'\n').take(8).enumerate() {
        let stripped = strip_ansi(line);
        assert!(stripped.len() <= line.len(), "stripping never grows a line");
        assert!(!stripped.contains(&0x1b) || line.contains(&0x1b));
        let vis = visible_part(&stripped);
        let spans = find_urls(vis);
        assert_eq!(spans, find_urls_regex(vis), "URL heads by hand != by the regex");
        let mut last_end = 0;
        for s in &spans {
            assert!(
                s.start >= last_end && s.end <= vis.len(),
                "span out of order/range"
            );
            last_end = s.end;
            let raw = &vis[s.clone()];
            assert!(contains(raw, b"://"), "a URL span without ://");
            assert!(
                contains(&stripped, raw),
                "URL not a substring of the stripped input"
            );
            let n = normalize(raw);
            assert_eq!(normalize(&n), n, "normalize is not idempotent");
        }
        let a = d.analyze_stripped(&stripped);
        assert_eq!(
            a,
            d.analyze_stripped_full(&stripped),
            "prefilter not conservative"
        );
        assert_eq!(a, old_detector().analyze_stripped(&stripped), "new != old");
        let raw = d.analyze(line);
        assert!(
            same_or_intended(line, &raw, &old_detector().analyze(line)),
            "new != old on the raw line"
        );
        assert!(same_or_intended(line, &raw, &a));
        assert_eq!(a.urls.len(), spans.len());
        for (u, s) in a.urls.iter().zip(&spans) {
            assert_eq!(u, &normalize(&vis[s.clone()]));
            urls.record(u, i as u64 % 2, i as u64);
        }
        grouper.feed(i as u64 % 2, i as u64, i as u64 * 3, &stripped, &a);
        assert!(grouper.len() <= 4, "error groups over capacity");
        assert!(urls.len() <= 3, "url list over capacity");
    }
    for g in grouper.groups() {
        assert!(!g.seqs.is_empty() && g.seqs.len() <= 3);
        assert!(g.seqs.windows(2).all(|w| w[0] < w[1]));
    }
});
