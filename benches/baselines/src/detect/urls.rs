//! The URL finder of `log::urls` as it was.

use std::ops::Range;
use std::sync::OnceLock;

use regex_automata::{meta, Input, MatchKind};

use lfe::log::enrich::re::build_one;

/// The core's normaliser: it has not changed since this copy was frozen (same code, byte for
/// byte), so the reference shares it.
pub use lfe::log::urls::normalize;
// The same holds for the trimmer of trailing punctuation and unbalanced closing brackets.
use lfe::log::urls::trim_end;

fn find_sub(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// True when `line` may contain a URL (cheap prefilter: a `://`).
pub fn may_contain_url(line: &[u8]) -> bool {
    let mut i = 0;
    while let Some(p) = line[i..].iter().position(|&b| b == b':') {
        let at = i + p;
        if line.len() >= at + 3 && line[at + 1] == b'/' && line[at + 2] == b'/' {
            return true;
        }
        i = at + 1;
    }
    false
}

const URL_PATTERN: &str = r#"(?i-u)\b(?:https?|wss?)://(?:\[[0-9a-f:.]+(?:%[\w.]+)?\]|[a-z0-9](?:[a-z0-9_\-.]*[a-z0-9_\-])?|[a-z0-9])(?::[0-9]{1,5})?(?:[/?#][^\s"'<>`\x00-\x1f\x7f]*)?"#;

fn url_regex() -> &'static meta::Regex {
    static RE: OnceLock<meta::Regex> = OnceLock::new();
    RE.get_or_init(|| build_one(URL_PATTERN, MatchKind::LeftmostFirst))
}

/// Finds the URLs in an ANSI-stripped line: the trimmed raw spans, in order of appearance.
/// Each span is a sub-range of `stripped`; normalise it with [`normalize`].
pub fn find_urls(stripped: &[u8]) -> Vec<Range<usize>> {
    find_urls_with(stripped, &mut url_cache())
}

/// A search cache for [`find_urls_with`].
pub fn url_cache() -> meta::Cache {
    url_regex().create_cache()
}

/// [`find_urls`] with the caller's search cache (see `enrich::Caches`).
pub fn find_urls_with(stripped: &[u8], cache: &mut meta::Cache) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if !may_contain_url(stripped) {
        return out;
    }
    let re = url_regex();
    let mut it = regex_automata::util::iter::Searcher::new(Input::new(stripped));
    while let Some(m) = it.advance(|input| Ok(re.search_with(cache, input))) {
        let start = m.start();
        let end = trim_end(&stripped[start..m.end()]) + start;
        // A URL needs at least "x://h".
        if let Some(sep) = find_sub(&stripped[start..end], b"://") {
            if end > start + sep + 3 {
                out.push(start..end);
            }
        }
    }
    out
}
