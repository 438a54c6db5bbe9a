//! Line analysis for enrichment: level, tags, URLs and error starts.
//!
//! Everything is compiled once in [`Detector::new`] (`regex-automata`: linear time, no
//! backtracking). One line costs:
//! 1. one strip pass ([`strip_ansi`]; `analyze` strips into a reused per-thread buffer, copying
//!    the text between escapes a word at a time, and keeps the targets of OSC 8 hyperlinks,
//!    which become URLs) — only for a line with an ESC, which the set pass below finds: run
//!    over the raw line, it stops at the first ESC (its DFA's quit byte), so a line without
//!    one is analysed with the hits of that pass and no other scan;
//! 2. one overlapping pass of a pattern set holding every detector pattern (`SET_*` layout in
//!    `patterns`), driven byte by byte over the lazy DFA (`setpass`): it says which patterns
//!    match anywhere. The set also holds `://`, CR and LF (`SET_REDO`): only a line that hits
//!    one of them takes its visible part, runs the URL finder and blanks the URL text, and
//!    passes the set again if that changed the text;
//! 3. decisions from the hits: families with no hit are skipped; the error start (every start
//!    pattern is anchored, so the lowest-numbered hit is the leftmost-first match), the vite
//!    start, continuations, a single hint pattern, tags (split into whole-word parts and the
//!    rest) and levels (labels and structured fields split by the level their text names) come
//!    from the hits alone. A family's own regex runs only when the hits leave it open: label
//!    parts of different levels (the leftmost decides), several hint patterns, or several tag
//!    kinds not all by whole words (non-overlapping match semantics).
//!
//! `analyze_stripped_full` runs every family's regex instead (the detector before issue 21);
//! tests check both paths agree, and `tests/detect_diff.rs` checks the result against the
//! frozen old detector (`lfe_baselines::detect::OldDetector`).
//!
//! Level precedence: a structured field (`level=warn`, `"level":50`) wins; otherwise the leftmost
//! explicit label (`[INFO]`, `WARN`, `error:`, `✓`, `FAIL`, ...); otherwise the error start
//! (panics are critical, other errors error); otherwise hints (`3 errors`, `failed to compile`).
//! URL text is blanked before level/tag matching so `http://x/error` says nothing.

mod patterns;
#[doc(hidden)]
pub mod re;
mod scratch;
mod setpass;
mod strip;
mod text;

use regex_automata::{hybrid, meta, nfa::thompson, util::syntax, MatchKind};

use super::urls;
#[doc(hidden)]
pub use patterns::all_patterns;
use patterns::*;
use re::{build_many, build_one, each_match, find, is_match};
#[doc(hidden)]
pub use scratch::SparePool;
use scratch::{Decision, DecisionKey, Search, KEEP_BYTES};
use setpass::{Hits, Pass, Stop};
use strip::{add_links, strip_from, strip_into, Link};
pub use strip::{strip_ansi, visible_part};
use text::{classify, is_indented_continuation, starts_indented};
#[doc(hidden)]
pub use text::{is_cargo_status, numeric_level};

/// Log level detected from a line's text.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    #[default]
    Unknown = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
    Critical = 5,
}

impl Level {
    /// Every level, in discriminant order (`ALL[l as usize] == l`).
    pub const ALL: [Level; 6] = [
        Level::Unknown,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Critical,
    ];
}

/// Tag bits detected from a line's text (a line can carry several).
///
/// (Not exported to C as is: bare `BUILD`/`ERROR` macros would pollute `lfe.h`; the FFI layer
/// should define its own `LFE_*` constants.)
///
/// cbindgen:ignore
pub mod tags {
    pub const BUILD: u32 = 1 << 0;
    pub const TEST: u32 = 1 << 1;
    pub const LINT: u32 = 1 << 2;
    pub const COMPILE: u32 = 1 << 3;
    pub const WARNING: u32 = 1 << 4;
    pub const ERROR: u32 = 1 << 5;
    /// Every tag bit.
    pub const ALL: u32 = (1 << 6) - 1;
}

/// The kind of error a line starts.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// JS/TS `TypeError:`, `ReferenceError:`, `Error:` ...
    JavaScript = 1,
    /// Go `panic:` / `fatal error:`.
    GoPanic = 2,
    /// Python `Traceback (most recent call last):` or `XxxError:`.
    Python = 3,
    /// Rust `thread '...' panicked at`.
    RustPanic = 4,
    /// Java / JVM `Exception in thread` or `xxx.XxxException:`.
    Java = 5,
    /// Compiler errors: `error[E0308]:`, `error TS2322:`, `file.c:1:2: error:`, ...
    Compiler = 6,
    /// Any other line that clearly reports an error.
    Generic = 7,
}

impl ErrorKind {
    /// The kind with discriminant `v` (`None` for 0 or an unknown value).
    pub fn from_u8(v: u8) -> Option<ErrorKind> {
        Some(match v {
            1 => ErrorKind::JavaScript,
            2 => ErrorKind::GoPanic,
            3 => ErrorKind::Python,
            4 => ErrorKind::RustPanic,
            5 => ErrorKind::Java,
            6 => ErrorKind::Compiler,
            7 => ErrorKind::Generic,
            _ => return None,
        })
    }

    /// The least level of a line that starts this kind of error: panics are critical, every
    /// other error is an error.
    pub fn level(self) -> Level {
        match self {
            ErrorKind::GoPanic | ErrorKind::RustPanic => Level::Critical,
            _ => Level::Error,
        }
    }
}

/// What the detectors found in one line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    pub level: Level,
    /// `tags::*` bits.
    pub tags: u32,
    /// URLs found, already trimmed and normalised (see `urls::normalize`), in order of appearance.
    pub urls: Vec<Vec<u8>>,
    /// Set when this line starts an error (opens an error group).
    pub error: Option<ErrorKind>,
    /// Set when this line looks like a continuation of an error (stack frame, context line,
    /// caret line, `at ...`, indented line, `Caused by:`).
    pub continuation: bool,
}

/// The compiled detectors. Cheap to share (`Send + Sync`); build once per store.
#[derive(Debug)]
pub struct Detector {
    /// Every pattern below in one overlapping pattern set (`MatchKind::All`), laid out as
    /// [`SetLayout`] says: one pass over a line tells which patterns match anywhere.
    set: meta::Regex,
    /// The same set as a lazy DFA, driven byte by byte by [`Detector::set_pass`].
    set_dfa: hybrid::dfa::DFA,
    structured: meta::Regex,
    labels: meta::Regex,
    /// What the label parts of the set say.
    label_parts: LabelParts,
    /// Each label pattern on its own (`LABELS[i]`).
    label_one: Vec<meta::Regex>,
    hints: meta::Regex,
    tags: meta::Regex,
    starts: meta::Regex,
    start_kinds: Vec<ErrorKind>,
    vite: meta::Regex,
    continuations: meta::Regex,
    /// Identifies this detector's regexes in the per-thread scratch table.
    id: u64,
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

impl Detector {
    /// Compiles the detectors.
    pub fn new() -> Detector {
        let (start_pats, start_kinds) = start_patterns();
        let start_refs: Vec<&str> = start_pats.iter().map(String::as_str).collect();
        let all = all_patterns();
        let all_refs: Vec<&str> = all.iter().map(String::as_str).collect();
        Detector {
            set: build_many(&all_refs, MatchKind::All),
            set_dfa: hybrid::dfa::DFA::builder()
                .syntax(syntax::Config::new().utf8(false))
                .thompson(thompson::Config::new().utf8(false))
                // ESC stops it: `analyze` runs it over the raw line, which needs stripping
                // from its first ESC on.
                .configure(
                    hybrid::dfa::DFA::config()
                        .match_kind(MatchKind::All)
                        .quit(0x1b, true),
                )
                .build_many(&all_refs)
                .unwrap_or_else(|e| panic!("detector pattern set: {e}")),
            structured: build_one(STRUCTURED, MatchKind::LeftmostFirst),
            labels: build_many(LABELS, MatchKind::LeftmostFirst),
            label_parts: LabelParts::new(),
            label_one: LABELS
                .iter()
                .map(|p| build_one(p, MatchKind::LeftmostFirst))
                .collect(),
            hints: build_many(HINTS, MatchKind::LeftmostFirst),
            tags: build_many(TAGS, MatchKind::LeftmostFirst),
            starts: build_many(&start_refs, MatchKind::LeftmostFirst),
            start_kinds,
            vite: build_one(VITE_ERROR, MatchKind::LeftmostFirst),
            continuations: build_many(CONTINUATIONS, MatchKind::LeftmostFirst),
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                // Relaxed: only uniqueness matters.
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        }
    }

    /// Analyses one line (any bytes; ANSI escape sequences are ignored). The targets of OSC 8
    /// hyperlinks (`ESC ] 8 ; params ; URI ST`) in the visible part are added to `urls`
    /// (normalised, in order of appearance, unless the same URL is already listed).
    pub fn analyze(&self, line: &[u8]) -> Analysis {
        self.analyze_with(line, |_| ()).0
    }

    /// [`analyze`](Self::analyze), also giving `f` the line's stripped text (what the error
    /// grouper's line shape is computed from), so the line is stripped once.
    pub fn analyze_with<R>(&self, line: &[u8], f: impl FnOnce(&[u8]) -> R) -> (Analysis, R) {
        // Filled in place (not returned through the scratch closure): fewer copies.
        let mut a = Analysis::default();
        let r = self.with_scratch(|s| {
            let (buf, c) = (&mut s.line, &mut s.search);
            // The set pass over the raw line stops at its first ESC (the DFA's quit byte; many
            // coloured lines start with one): a line without one is analysed as it is, with its
            // hits, and no other scan for an ESC.
            let raw = match line.first() {
                Some(0x1b) => Pass::Esc(Stop::unscanned(0)),
                _ => self.set_dfa_pass(line, c),
            };
            let (text, links, hits) = match raw {
                Pass::Hits(h) => (line, None, Some(h)),
                Pass::Esc(stop) => {
                    let len = strip_from(line, stop.at, &mut buf.stripped, Some(&mut buf.links));
                    let text = &buf.stripped[..len];
                    let hits = match self.set_dfa_resume(text, stop, c) {
                        Pass::Hits(h) => Some(h),
                        // (No ESC is left; a DFA that gives up: `set_pass` falls back.)
                        _ => None,
                    };
                    (text, Some((line, &buf.links[..])), hits)
                }
                Pass::GaveUp => match strip_into(line, &mut buf.stripped, Some(&mut buf.links)) {
                    Some(len) => (&buf.stripped[..len], Some((line, &buf.links[..])), None),
                    None => (line, None, None),
                },
            };
            self.analyze_cached(text, links, hits, false, c, &mut a);
            let r = f(text);
            // A huge line does not leave a huge buffer behind in every thread.
            if buf.stripped.capacity() > KEEP_BYTES {
                buf.stripped.clear();
                buf.stripped.shrink_to(KEEP_BYTES);
                buf.links.shrink_to(KEEP_BYTES / 64);
            }
            r
        });
        (a, r)
    }

    /// Analyses a line already passed through [`strip_ansi`] (the enricher strips once and
    /// feeds the same text to `ErrorGrouper::feed`). URL spans come from `urls::find_urls` on
    /// this text.
    pub fn analyze_stripped(&self, stripped: &[u8]) -> Analysis {
        let mut a = Analysis::default();
        self.with_scratch(|s| {
            self.analyze_cached(stripped, None, None, false, &mut s.search, &mut a)
        });
        a
    }

    /// `analyze_stripped` without the pattern-set shortcuts: every family's own regex runs, as
    /// the pre-issue-21 detector did. For tests: the result must equal `analyze_stripped`'s.
    #[doc(hidden)]
    pub fn analyze_stripped_full(&self, stripped: &[u8]) -> Analysis {
        let mut a = Analysis::default();
        self.with_scratch(|s| {
            self.analyze_cached(stripped, None, None, true, &mut s.search, &mut a)
        });
        a
    }

    /// True when a pattern of any detector family matches `text` (after URL masking, no
    /// escapes): when false, the analysis is empty but for `continuation` by indentation.
    fn any_hit(&self, text: &[u8]) -> bool {
        self.with_scratch(|s| self.set_pass(text, &mut s.search).0 & !(1 << SET_REDO) != 0)
    }

    /// Fills `a` (empty) with the analysis of `stripped`. `links`: the raw line and the OSC 8
    /// links `strip_into` found in it (offsets into `stripped`); `hits`: the set pass over
    /// `stripped`, when the caller made it.
    fn analyze_cached(
        &self,
        stripped: &[u8],
        links: Option<(&[u8], &[Link])>,
        hits: Option<Hits>,
        force_full: bool,
        c: &mut Search,
        a: &mut Analysis,
    ) {
        // One set pass over the whole stripped line first: unless it hit `SET_REDO` (`://`, CR,
        // LF), the line is its own visible part and has no URL to blank, so these are the hits.
        let first = match force_full {
            true => None,
            false => Some(hits.unwrap_or_else(|| self.set_pass(stripped, c))),
        };
        let mut masked = Vec::new();
        let (text, hits) = match first {
            Some(hits) if !hits.has(SET_REDO) => {
                match links {
                    Some((line, links)) if !links.is_empty() => {
                        add_links(&mut a.urls, &[], stripped, stripped, line, links)
                    }
                    _ => {}
                }
                (stripped, hits)
            }
            _ => {
                masked = std::mem::take(&mut c.masked);
                let text = self.visible_text(stripped, links, &mut masked, a);
                let hits = match first {
                    None => Hits(0),
                    // Nothing to blank and the whole line visible: the same text.
                    Some(h) if std::ptr::eq(text, stripped) => Hits(h.0 & !(1 << SET_REDO)),
                    Some(_) => Hits(self.set_pass(text, c).0 & !(1 << SET_REDO)),
                };
                (text, hits)
            }
        };
        if hits.0 == 0 && !force_full {
            a.continuation = is_indented_continuation(text);
        } else {
            self.full(text, hits, force_full, a, c);
        }
        if masked.capacity() != 0 {
            masked.shrink_to(KEEP_BYTES);
            c.masked = masked;
        }
    }

    /// The visible part of `stripped` with its URLs blanked (in `masked` when there are any);
    /// the URLs, and the OSC 8 link targets (`links`), go to `a.urls`.
    fn visible_text<'t>(
        &self,
        stripped: &'t [u8],
        links: Option<(&[u8], &[Link])>,
        masked: &'t mut Vec<u8>,
        a: &mut Analysis,
    ) -> &'t [u8] {
        let vis = visible_part(stripped);
        let spans = urls::find_urls(vis);
        for r in &spans {
            a.urls.push(urls::normalize(&vis[r.clone()]));
        }
        if let Some((line, links)) = links {
            add_links(&mut a.urls, &spans, stripped, vis, line, links);
        }
        if spans.is_empty() {
            return vis;
        }
        masked.clear();
        masked.extend_from_slice(vis);
        for r in &spans {
            masked[r.clone()].fill(b' ');
        }
        masked
    }

    /// The decision logic of the detector. Without `force_full`, a family whose patterns the
    /// set pass did not hit is skipped, and a family whose result the set alone decides (an
    /// anchored start, `is_match` continuations, one hint or one tag bit) runs no regex; such a
    /// decision is a function of the hits and two facts about the text's start (indented, a
    /// stack frame), so it is remembered by them ([`Decisions`]) and the next line with the same
    /// hits and start takes it from there.
    fn full(&self, text: &[u8], hits: Hits, force_full: bool, a: &mut Analysis, c: &mut Search) {
        let indented = starts_indented(text);
        // Stack frames name paths (`.../compiled/...`, `*.test.js`), not build steps.
        let stack_frame = text.trim_ascii_start().starts_with(b"at ");
        let key = (hits.0, indented, stack_frame);
        let d = match force_full {
            true => self.decide(text, hits, true, key, c).0,
            false => match c.decisions.get(key) {
                Some(d) => d,
                None => {
                    let (d, searched) = self.decide(text, hits, false, key, c);
                    if !searched {
                        c.decisions.put(key, d);
                    }
                    d
                }
            },
        };
        (a.level, a.tags, a.error) = (d.level, d.tags, d.error);
        if d.error.is_none() {
            a.continuation = is_indented_continuation(text) || d.continuation;
        }
    }

    /// [`full`](Self::full)'s decision, and whether it searched the text with a regex (then it
    /// depends on more than its key).
    fn decide(
        &self,
        text: &[u8],
        hits: Hits,
        force_full: bool,
        (_, indented, stack_frame): DecisionKey,
        c: &mut Search,
    ) -> (Decision, bool) {
        let mut searched = force_full;
        let (start_hit, vite_hit) = (hits.first(SET_STARTS..SET_VITE), hits.has(SET_VITE));
        let label_hits = hits.within(SET_LABELS..SET_HINTS);
        // With the label parts hit all from one label pattern, that pattern alone finds the same
        // leftmost-first match (no other label pattern matches anywhere), with a smaller
        // automaton and often a literal prefilter.
        let only_label = match force_full || label_hits == 0 {
            true => None,
            false => self.label_parts.only_pattern(label_hits),
        };
        let mut error = if force_full {
            self.error_start(text, c)
        } else {
            // Every start pattern is anchored at the line start, so leftmost-first picks the
            // lowest-numbered one that matches at all.
            match start_hit {
                Some(i) => Some(self.start_kinds[i - SET_STARTS]),
                None if vite_hit => Some(ErrorKind::Compiler),
                None => None,
            }
        };
        let structured_hits = hits.within(SET_STRUCTURED..SET_LABELS);
        let mut level = if force_full || structured_hits.count_ones() > 1 {
            searched = true;
            self.structured_level(text, c)
        } else if structured_hits != 0 {
            // The hits name one level: the leftmost field's.
            Some(STRUCTURED_VALUES[structured_hits.trailing_zeros() as usize - SET_STRUCTURED].0)
        } else {
            None
        };
        let mut explicit = level.is_some();
        // The leftmost label: found at most once per line, and only when the parts hit do not
        // decide what is asked.
        let mut label: Option<Option<regex_automata::Match>> = if force_full || label_hits != 0 {
            None
        } else {
            Some(None)
        };
        let mut label_match = |c: &mut Search, searched: &mut bool| {
            *searched = true;
            *label.get_or_insert_with(|| match only_label {
                Some(i) => find(&self.label_one[i], &mut c.label_one[i], text),
                None => find(&self.labels, &mut c.labels, text),
            })
        };
        if level.is_none() {
            match self.label_parts.level(label_hits) {
                Some(l) if !force_full && label_hits != 0 => {
                    level = Some(l);
                    explicit = true;
                }
                _ if !force_full && label_hits == 0 => {}
                _ => {
                    if let Some(m) = label_match(c, &mut searched) {
                        level = classify(&text[m.range()]);
                        explicit = level.is_some();
                    }
                }
            }
        }
        // A line that starts an error is at least at that error's level.
        level = level.max(error.map(ErrorKind::level));
        // The hint patterns the non-overlapping matches find, as bits (`HINTS` order).
        let mut hints = hits.within(SET_HINTS..SET_TAGS) >> SET_HINTS;
        if force_full || hints.count_ones() > 1 {
            // Several hint patterns: which ones the non-overlapping matches keep needs the
            // search (one alone is found by it, and only it).
            (hints, searched) = (0, true);
            each_match(&self.hints, &mut c.hints, text, |m| {
                hints |= 1 << m.pattern().as_usize();
            });
        }
        let hit = |i: usize| hints >> i & 1 != 0;
        if level.is_none() {
            if hit(HINT_ERROR_COUNT) || hit(HINT_FAILED) || hit(HINT_HTTP_5XX) {
                level = Some(Level::Error);
            } else if hit(HINT_WARN_COUNT) || hit(HINT_COMPILED_WARN) {
                level = Some(Level::Warn);
            }
        }
        let warn_count = hit(HINT_WARN_COUNT);
        let level = level.unwrap_or(Level::Unknown);
        // A line at error level by an explicit label, not indented, reports an error.
        if error.is_none() && explicit && level >= Level::Error && !indented {
            let fail_label = match self.label_parts.fail_pass(label_hits) {
                Some(fp) if !force_full => fp,
                _ => label_match(c, &mut searched)
                    .map(|m| {
                        let s = &text[m.range()];
                        s.starts_with(b"FAIL") || s.starts_with(b"PASS")
                    })
                    .unwrap_or(false),
            };
            if !fail_label {
                error = Some(ErrorKind::Generic);
            }
        }
        let (mut tag_bits, mut words_only) = (0, true);
        let mut tag_hits = hits.within(SET_TAGS..SET_STARTS) >> SET_TAGS;
        while tag_hits != 0 {
            let (bit, word, _) = TAG_PARTS[tag_hits.trailing_zeros() as usize];
            tag_bits |= bit;
            words_only &= word;
            tag_hits &= tag_hits - 1;
        }
        if force_full || (!stack_frame && !words_only && tag_bits.count_ones() > 1) {
            // Several tag kinds, not all by whole words: which ones the non-overlapping matches
            // keep needs the search.
            (tag_bits, searched) = (0, true);
            each_match(&self.tags, &mut c.tags, text, |m| {
                tag_bits |= TAG_BITS[m.pattern().as_usize()];
            });
        }
        if stack_frame {
            tag_bits = 0;
        }
        if error == Some(ErrorKind::Compiler) {
            tag_bits |= tags::COMPILE;
        }
        if level == Level::Warn || warn_count {
            tag_bits |= tags::WARNING;
        }
        if level >= Level::Error || error.is_some() {
            tag_bits |= tags::ERROR;
        }
        let continuation = error.is_none()
            && if force_full {
                is_match(&self.continuations, &mut c.continuations, text)
            } else {
                hits.any(SET_CONTINUATIONS..SET_REDO)
            };
        let d = Decision {
            level,
            tags: tag_bits,
            error,
            continuation,
        };
        (d, searched)
    }

    fn structured_level(&self, text: &[u8], c: &mut Search) -> Option<Level> {
        let m = find(&self.structured, &mut c.structured, text)?;
        let s = &text[m.range()];
        let value_at = s.iter().rposition(|&b| b == b'=' || b == b':')? + 1;
        classify(&s[value_at..])
    }

    fn error_start(&self, text: &[u8], c: &mut Search) -> Option<ErrorKind> {
        if let Some(m) = find(&self.starts, &mut c.starts, text) {
            return Some(self.start_kinds[m.pattern().as_usize()]);
        }
        if memchr::memmem::find(text, b"[vite] ").is_some()
            && is_match(&self.vite, &mut c.vite, text)
        {
            return Some(ErrorKind::Compiler);
        }
        None
    }
}

/// True when a pattern of any detector family can match `text` (an ANSI-stripped, visible line
/// with its URLs blanked): false means no level, tag, error start or non-indent continuation.
/// One pass of the detectors' pattern set (the shared detector's).
pub fn needs_full_scan(text: &[u8]) -> bool {
    crate::log::shared_detector().any_hit(text)
}
