//! The regex plumbing the detector is built on: how a detector regex is compiled (bytes, not
//! UTF-8; no empty matches inside a code point) and how it is searched with a caller's cache.
//!
//! `#[doc(hidden)] pub` so the frozen old detector (`lfe_baselines::detect`) uses the same
//! plumbing instead of a copy; the patterns and the decisions stay its own.

use regex_automata::{meta, util::syntax, Input, MatchKind};

/// Compiles one detector pattern (panics on a bad pattern: the patterns are constants).
pub fn build_one(pat: &str, kind: MatchKind) -> meta::Regex {
    build_many(&[pat], kind)
}

/// Compiles detector patterns into one regex (pattern `i` is `PatternID` `i`).
pub fn build_many(pats: &[&str], kind: MatchKind) -> meta::Regex {
    meta::Regex::builder()
        .syntax(syntax::Config::new().utf8(false))
        .configure(meta::Config::new().match_kind(kind).utf8_empty(false))
        .build_many(pats)
        .unwrap_or_else(|e| panic!("detector regex {pats:?}: {e}"))
}

/// The leftmost match of `re` in `text`.
pub fn find(re: &meta::Regex, c: &mut meta::Cache, text: &[u8]) -> Option<regex_automata::Match> {
    re.search_with(c, &Input::new(text))
}

/// True when `re` matches anywhere in `text` (stops at the first match end it sees).
pub fn is_match(re: &meta::Regex, c: &mut meta::Cache, text: &[u8]) -> bool {
    re.search_half_with(c, &Input::new(text).earliest(true))
        .is_some()
}

/// Calls `f` on each successive non-overlapping match (as `meta::Regex::find_iter` does).
pub fn each_match(
    re: &meta::Regex,
    c: &mut meta::Cache,
    text: &[u8],
    mut f: impl FnMut(regex_automata::Match),
) {
    let mut it = regex_automata::util::iter::Searcher::new(Input::new(text));
    while let Some(m) = it.advance(|input| Ok(re.search_with(c, input))) {
        f(m);
    }
}
