//! Line analysis for enrichment: level, tags, URLs and error starts.
//!
//! Everything is compiled once in [`Detector::new`] (`regex-automata` meta regexes: linear time,
//! no backtracking). One line costs:
//! 1. one strip pass ([`strip_ansi`]; `analyze` strips into a reused per-thread buffer and keeps
//!    the targets of OSC 8 hyperlinks, which become URLs);
//! 2. the URL finder, only when the visible text has `://` (`memmem`); URL text is blanked;
//! 3. one overlapping pass of a pattern set holding every detector pattern (`SET_*` layout):
//!    it says which patterns match anywhere. Families with no hit are skipped; the set alone
//!    decides the error start (every start pattern is anchored, so the lowest-numbered hit is
//!    the leftmost-first match), the vite start, continuations, a single hint pattern and a
//!    single tag kind. Only a label or structured level (whose matched text is classified) and
//!    lines with several hint patterns or tag kinds (non-overlapping match semantics) run their
//!    family's own regex.
//!
//! `analyze_stripped_full` runs every family's regex instead (the detector before issue 21);
//! tests check both paths agree, and `tests/detect_diff.rs` checks the result against the
//! frozen old detector (`lfe_baselines::detect::OldDetector`).
//!
//! Level precedence: a structured field (`level=warn`, `"level":50`) wins; otherwise the leftmost
//! explicit label (`[INFO]`, `WARN`, `error:`, `✓`, `FAIL`, ...); otherwise the error start
//! (panics are critical, other errors error); otherwise hints (`3 errors`, `failed to compile`).
//! URL text is blanked before level/tag matching so `http://x/error` says nothing.

use std::borrow::Cow;
use std::ops::Range;

use regex_automata::{
    hybrid, meta, nfa::thompson, util::syntax, Input, MatchKind, PatternID, PatternSet,
};

use super::urls;

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

/// Structured level fields: logfmt `level=warn`, JSON `"level":"warn"` / pino `"level":50`.
const STRUCTURED: &str = r#"(?i-u)(?:^|[\s{,])"?(?:level|lvl|severity|loglevel|log_level)"?\s*[=:]\s*"?(?:trace|debug|dbg|info|information|notice|warn|warning|error|err|fatal|critical|crit|panic|emerg|alert|10|20|30|40|50|60)\b"#;

/// Explicit level labels; the leftmost match decides the level.
const LABELS: &[&str] = &[
    // [INFO] <warn> [error]
    r"(?i-u)[\[<]\s*(?:trace|debug|dbg|info|notice|warn|warning|err|error|fatal|crit|critical|panic|severe|emerg|alert)\s*[\]>]",
    // INFO WARN ERROR FATAL ... (upper case words; FAIL/PASS of test runners)
    r"(?-u)\b(?:TRACE|DEBUG|DBG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRIT|CRITICAL|PANIC|SEVERE|EMERG|ALERT|FAIL|FAILED|PASS|PASSED)\b",
    // error: warning: info: error[E0308]: (any case, after start/space/bracket)
    // ("trace:" is left out: "Stack trace:" is not a debug line)
    r"(?i-u)(?:^|[\s\]\)>|])(?:debug|info|notice|warn|warning|err|error|fatal|critical|crit|panic|severe)(?:\[[a-z]*[0-9]+\])?:(?:\s|$)",
    // eslint detail lines: "  3:10  error  'x' is defined but never used"
    r"(?-u)^\s+[0-9]+:[0-9]+\s+(?:error|warning)\s",
    // status symbols (`×` only as a leading mark: "1920×1080" is not a failure)
    r"✓|✔|✅|✗|✘|✕|✖|⨯|❌|⚠|^[ \t]*×[ \t]",
    // webpack infrastructure log prefixes
    r"(?-u)^<[eiw]>\s",
    // DeprecationWarning: UserWarning:
    r"(?-u)\b[A-Z][A-Za-z]*Warning:",
    // go test "ok  \tpkg\t0.1s", cargo test "test x ... ok" / "test result: ok."
    r"(?-u)^ok\s+\S+\s+(?:[0-9]|\(cached\))|\.\.\. ok$|^test result: ok\.",
];

/// Level hints used only when no label matched.
const HINT_ERROR_COUNT: usize = 0;
const HINT_WARN_COUNT: usize = 1;
const HINT_FAILED: usize = 2;
const HINT_COMPILED_WARN: usize = 3;
const HINT_HTTP_5XX: usize = 4;
const HINTS: &[&str] = &[
    r"(?i-u)\b[1-9][0-9]* (?:errors?|failed|failing|failures?|problems?)\b",
    r"(?i-u)\b[1-9][0-9]* warnings?\b",
    r"(?i-u)\bfailed to (?:compile|start|load|build|connect|fetch|resolve|parse|bind|listen)\b|\b(?:build|compilation|tests?|command) failed\b",
    r"(?i-u)\bcompiled with warnings\b",
    r"(?-u)\bCompleted 5[0-9][0-9]\b",
];

/// Tag patterns (every leftmost-first match counts); `TAG_BITS[i]` is pattern i's bit.
const TAGS: &[&str] = &[
    r"(?i-u)\b(?:re)?build(?:s|ing)?\b|\b(?:re)?built\b|\bbundl(?:e|ed|es|ing)\b|\bwebpack\b|\besbuild\b|\brollup\b|\bturbopack\b|\btarget\(s\) in\b",
    r"(?i-u)\b(?:re)?compil(?:e|ed|es|ing|ation|er)\b|\berror\[E[0-9]{4}\]|\berror TS[0-9]+|\btsc\b|\([0-9]+,[0-9]+\): (?:error|warning) TS[0-9]+|^\S+:[0-9]+:[0-9]+: (?:fatal )?(?:error|warning):",
    r"(?i-u)\btest(?:s|ing|ed)?\b|\bspecs?\b|\bjest\b|\bvitest\b|\bpytest\b|\bmocha\b|\brspec\b|\b[0-9]+ (?:passed|failed|skipped|pending|passing|failing)\b|::test_|\.(?:test|spec)\.[cm]?[jt]sx?\b|\btest_[a-z0-9_]+|_test\.(?:go|py)\b",
    r"(?-u)\b(?:PASS|PASSED|FAIL|FAILED)\b|^=== RUN|^--- (?:PASS|FAIL|SKIP)|^ok\s+\S+\s+(?:[0-9]|\(cached\))",
    r"(?i-u)\b(?:es|style|py)?lint(?:s|er|ers|ing|ed)?\b|\bclippy\b|\bprettier\b|\bruff\b|\bflake8\b|\brubocop\b|\bmypy\b|\b[0-9]+ problems?\b|^\s+[0-9]+:[0-9]+\s+(?:error|warning)\s",
];
const TAG_BITS: &[u32] = &[
    tags::BUILD,
    tags::COMPILE,
    tags::TEST,
    tags::TEST,
    tags::LINT,
];

/// Optional prefix before an error start: Next.js/esbuild/jest status symbols, node pid.
const START_PREFIX: &str = r"(?-u)^(?:[ \t]*(?:⨯|✖|✗|✘|✕|×|●|❌)[ \t]+)?(?:\(node:[0-9]+\)\s+)?";

/// Error starts, in priority order, with their kinds.
const STARTS: &[(ErrorKind, &str)] = &[
    (ErrorKind::RustPanic, r"(?-u)^thread '[^']*' panicked at"),
    (ErrorKind::GoPanic, r"(?-u)^(?:panic|fatal error): "),
    (
        ErrorKind::Python,
        r"(?-u)^Traceback \(most recent call last\):",
    ),
    (
        ErrorKind::Java,
        r#"(?-u)^Exception in thread "|^(?:java|javax|jdk|sun|com|org|net|io|kotlin|scala|android)\.(?:[a-zA-Z0-9_$]+\.)*(?:[A-Z][a-zA-Z0-9_$]*)?(?:Exception|Error)\b(?::|$)"#,
    ),
    (
        ErrorKind::JavaScript,
        r"(?-u)(?:Uncaught\s+(?:\(in promise\)\s+)?)?(?:Error|TypeError|ReferenceError|SyntaxError|RangeError|EvalError|URIError|AggregateError|InternalError)(?:\s\[[A-Z0-9_]+\])?:|\[?Unhandled\s?(?:Promise\s?)?Rejection|Uncaught\b",
    ),
    (
        ErrorKind::Compiler,
        r"(?-u)error(?:\[E[0-9]+\])?:\s|\S+\([0-9]+,[0-9]+\): error TS[0-9]+:|error TS[0-9]+:|\S+:[0-9]+(?::[0-9]+)?: (?:fatal )?error:|(?:\./)?[a-zA-Z0-9_./\-]+\.go:[0-9]+:[0-9]+: |\S+:[0-9]+:[0-9]+ - error TS[0-9]+:|ERROR in |Failed to compile",
    ),
    (
        ErrorKind::Python,
        r"(?-u)(?:[a-z_][a-zA-Z0-9_]*\.)*(?:[A-Z][a-zA-Z0-9_]*)?(?:Error|Exception|Interrupt)(?::\s|:?$)",
    ),
    (
        ErrorKind::Generic,
        r"(?-u)(?:[A-Z][a-zA-Z0-9_]*::)+(?:[A-Z][a-zA-Z0-9_]*)?(?:Error|Exception)\b|(?:[A-Z][a-zA-Z0-9_]*)?(?:Error|Exception) \(.*\):$|--- FAIL: |FAILED |_{3,} .+ _{3,}$|fatal: ",
    ),
];

/// Vite errors, after its timestamp anywhere in the line (checked when no anchored start
/// matched and the line has `[vite]`, so the `STARTS` search stays anchored and cheap).
const VITE_ERROR: &str = r"(?-u)\[vite\] (?:Internal server error|Pre-transform error|error while)";

/// Further anchored starts, not prefixed by `START_PREFIX` (checked after `STARTS`).
const STARTS_ANYWHERE: &[(ErrorKind, &str)] = &[
    // esbuild
    (ErrorKind::Compiler, r"(?-u)^\s*✘ \[ERROR\] "),
    // A failure status symbol before any text: jest `●`/`✕`, Next.js `⨯`, eslint `✖`.
    (
        ErrorKind::Generic,
        r"(?-u)^[ \t]*(?:⨯|✖|✗|✘|✕|×|●|❌)[ \t]+\S",
    ),
];

/// Continuation patterns (besides "indented").
const CONTINUATIONS: &[&str] = &[
    r"(?-u)^\s+(?:left|right)(?::|\s=)|^\s*(?:at\s|-->|\||[0-9]+\s*\||>\s*[0-9]+\s*\||=\s(?:note|help)|\^|~|\.\.\.\s[0-9]+\s(?:more|common frames omitted)|@\s)",
    r"(?-u)^(?:Caused by:|note:|help:|Suppressed:|During handling of the above exception|The above exception was the direct cause|goroutine [0-9]+ \[|created by |stack backtrace:|E\s|>\s)",
    r"(?-u)^[a-zA-Z0-9_./\-()*\[\]{}]+\([^()]*\)$",
    r"(?-u)^\S+\.(?:py|rb|go|java|kt|js|ts|jsx|tsx|mjs|cjs|rs|c|cc|cpp|h|hpp|cs|php|ex|exs):[0-9]+",
];

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
    /// Each label pattern on its own (`LABELS[i]`).
    label_one: Vec<meta::Regex>,
    hints: meta::Regex,
    tags: meta::Regex,
    starts: meta::Regex,
    start_kinds: Vec<ErrorKind>,
    vite: meta::Regex,
    continuations: meta::Regex,
    /// `://`, the URL finder's trigger.
    url_marker: memchr::memmem::Finder<'static>,
    /// Identifies this detector's regexes in the per-thread scratch table.
    id: u64,
}

/// Where each family's patterns sit in `Detector::set` (pattern IDs `FAMILY..FAMILY_END`).
const SET_STRUCTURED: usize = 0;
const SET_LABELS: usize = 1;
const SET_HINTS: usize = SET_LABELS + LABELS.len();
const SET_TAGS: usize = SET_HINTS + HINTS.len();
const SET_STARTS: usize = SET_TAGS + TAGS.len();
const SET_VITE: usize = SET_STARTS + STARTS.len() + STARTS_ANYWHERE.len();
const SET_CONTINUATIONS: usize = SET_VITE + 1;
const SET_LEN: usize = SET_CONTINUATIONS + CONTINUATIONS.len();

/// An OSC 8 hyperlink: the offset in the stripped line where it stood, and the range of its URI
/// in the raw line.
type Link = (usize, Range<usize>);

/// Per-thread search state for one detector: regex caches and reused buffers.
///
/// regex-automata's own cache pool has a fast path only for the thread that first used a
/// regex; every other thread locks a pool stack on each search. With analysis running on
/// several threads at once (the worker and helping appenders), each thread keeps its own
/// caches, and searches pass them explicitly.
struct Scratch {
    set: meta::Cache,
    set_dfa: hybrid::dfa::Cache,
    structured: meta::Cache,
    labels: meta::Cache,
    label_one: Vec<meta::Cache>,
    hints: meta::Cache,
    tags: meta::Cache,
    starts: meta::Cache,
    vite: meta::Cache,
    continuations: meta::Cache,
    url: meta::Cache,
    /// The set patterns a line matched.
    hits: PatternSet,
    /// The hint patterns `each_match` found (the rare lines with several hint patterns).
    hint_set: PatternSet,
    /// The line without escapes (`analyze`).
    stripped: Vec<u8>,
    /// The OSC 8 links of the line.
    links: Vec<Link>,
    /// The visible text with its URLs blanked.
    masked: Vec<u8>,
}

/// Bytes of line buffer a thread's scratch keeps between lines.
const KEEP_BYTES: usize = 64 << 10;

/// Detectors whose scratch a thread keeps (in use at once: normally one, the shared one).
const CACHED_DETECTORS: usize = 4;

/// One thread's scratch, by detector id. When the thread exits it goes to [`SPARE`], so the
/// next thread starts with warm lazy-DFA caches (building DFA states again is the slow part of
/// a cold search).
struct ThreadScratch(Vec<(u64, Box<Scratch>)>);

impl Drop for ThreadScratch {
    fn drop(&mut self) {
        if let Ok(mut spare) = SPARE.lock() {
            for c in self.0.drain(..) {
                if spare.len() < MAX_SPARE {
                    spare.push(c);
                }
            }
        }
    }
}

/// Scratch an exited thread left for detector `id`, if any.
fn take_spare(id: u64) -> Option<Box<Scratch>> {
    let mut spare = SPARE.lock().ok()?;
    let i = spare.iter().position(|(x, _)| *x == id)?;
    Some(spare.swap_remove(i).1)
}

/// Scratch left by exited threads (bounded).
static SPARE: std::sync::Mutex<Vec<(u64, Box<Scratch>)>> = std::sync::Mutex::new(Vec::new());
const MAX_SPARE: usize = 16;

thread_local! {
    static SCRATCH: std::cell::RefCell<ThreadScratch> =
        const { std::cell::RefCell::new(ThreadScratch(Vec::new())) };
}

fn find(re: &meta::Regex, c: &mut meta::Cache, text: &[u8]) -> Option<regex_automata::Match> {
    re.search_with(c, &Input::new(text))
}

fn is_match(re: &meta::Regex, c: &mut meta::Cache, text: &[u8]) -> bool {
    re.search_half_with(c, &Input::new(text).earliest(true))
        .is_some()
}

/// Calls `f` on each successive non-overlapping match (as `meta::Regex::find_iter` does).
fn each_match(
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

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

fn build_one(pat: &str, kind: MatchKind) -> meta::Regex {
    build_many(&[pat], kind)
}

fn build_many(pats: &[&str], kind: MatchKind) -> meta::Regex {
    meta::Regex::builder()
        .syntax(syntax::Config::new().utf8(false))
        .configure(meta::Config::new().match_kind(kind).utf8_empty(false))
        .build_many(pats)
        .unwrap_or_else(|e| panic!("detector regex {pats:?}: {e}"))
}

/// The start patterns (each `STARTS` one behind `START_PREFIX`, then `STARTS_ANYWHERE`) and
/// their kinds.
fn start_patterns() -> (Vec<String>, Vec<ErrorKind>) {
    let mut pats = Vec::new();
    let mut kinds = Vec::new();
    for (kind, pat) in STARTS {
        pats.push(format!("{START_PREFIX}(?:{pat})"));
        kinds.push(*kind);
    }
    for (kind, pat) in STARTS_ANYWHERE {
        pats.push((*pat).to_string());
        kinds.push(*kind);
    }
    (pats, kinds)
}

/// Every detector pattern in `SET_*` order (for the one-pass pattern set, and for the
/// benchmark's "one `Regex::new_many`" peer).
#[doc(hidden)]
pub fn all_patterns() -> Vec<String> {
    let mut all = vec![STRUCTURED.to_string()];
    all.extend(LABELS.iter().map(|s| s.to_string()));
    all.extend(HINTS.iter().map(|s| s.to_string()));
    all.extend(TAGS.iter().map(|s| s.to_string()));
    all.extend(start_patterns().0);
    all.push(VITE_ERROR.to_string());
    all.extend(CONTINUATIONS.iter().map(|s| s.to_string()));
    debug_assert_eq!(all.len(), SET_LEN);
    all
}

/// Which set patterns the set pass found: bit `i` for pattern `i`.
#[derive(Clone, Copy)]
struct Hits(u64);

const _: () = assert!(SET_LEN <= 64, "the set hits are a u64");

impl Hits {
    fn has(self, i: usize) -> bool {
        self.0 >> i & 1 != 0
    }

    /// The hits in `r` (still at their own bit positions).
    fn within(self, r: Range<usize>) -> u64 {
        self.0 & (((1u64 << (r.end - r.start)) - 1) << r.start)
    }

    /// The first pattern in `r` that matched.
    fn first(self, r: Range<usize>) -> Option<usize> {
        let m = self.within(r);
        (m != 0).then(|| m.trailing_zeros() as usize)
    }

    fn any(self, r: Range<usize>) -> bool {
        self.within(r) != 0
    }

    fn count(self, r: Range<usize>) -> u32 {
        self.within(r).count_ones()
    }
}

impl Detector {
    /// Compiles the detectors.
    pub fn new() -> Detector {
        let (start_pats, start_kinds) = start_patterns();
        let start_refs: Vec<&str> = start_pats.iter().map(String::as_str).collect();
        let all = all_patterns();
        let all_refs: Vec<&str> = all.iter().map(String::as_str).collect();
        // Make sure the shared URL regex is compiled now, not on the first URL.
        let _ = urls::find_urls(b"http://x");
        Detector {
            set: build_many(&all_refs, MatchKind::All),
            set_dfa: hybrid::dfa::DFA::builder()
                .syntax(syntax::Config::new().utf8(false))
                .thompson(thompson::Config::new().utf8(false))
                .configure(hybrid::dfa::DFA::config().match_kind(MatchKind::All))
                .build_many(&all_refs)
                .unwrap_or_else(|e| panic!("detector pattern set: {e}")),
            structured: build_one(STRUCTURED, MatchKind::LeftmostFirst),
            labels: build_many(LABELS, MatchKind::LeftmostFirst),
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
            url_marker: memchr::memmem::Finder::new(b"://"),
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                // Relaxed: only uniqueness matters.
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        }
    }

    fn new_scratch(&self) -> Scratch {
        Scratch {
            set: self.set.create_cache(),
            set_dfa: self.set_dfa.create_cache(),
            structured: self.structured.create_cache(),
            labels: self.labels.create_cache(),
            label_one: self.label_one.iter().map(|r| r.create_cache()).collect(),
            hints: self.hints.create_cache(),
            tags: self.tags.create_cache(),
            starts: self.starts.create_cache(),
            vite: self.vite.create_cache(),
            continuations: self.continuations.create_cache(),
            url: urls::url_cache(),
            hits: PatternSet::new(self.set.pattern_len()),
            hint_set: PatternSet::new(self.hints.pattern_len()),
            stripped: Vec::new(),
            links: Vec::new(),
            masked: Vec::new(),
        }
    }

    /// Runs `f` with this thread's scratch for this detector (from the thread's table, or the
    /// spares of exited threads, or new). A thread being torn down gets a fresh one.
    fn with_scratch<R>(&self, f: impl FnOnce(&mut Scratch) -> R) -> R {
        let mut f = Some(f);
        let r = SCRATCH.try_with(|t| {
            let mut t = t.try_borrow_mut().ok()?;
            let i = match t.0.iter().position(|(x, _)| *x == self.id) {
                Some(i) => i,
                None => {
                    let s = take_spare(self.id).unwrap_or_else(|| Box::new(self.new_scratch()));
                    if t.0.len() >= CACHED_DETECTORS {
                        t.0.remove(0);
                    }
                    t.0.push((self.id, s));
                    t.0.len() - 1
                }
            };
            let f = f.take()?;
            Some(f(&mut t.0[i].1))
        });
        match (r, f) {
            (Ok(Some(r)), _) => r,
            // Thread-local gone (thread exit) or in use: a fresh scratch, dropped after.
            (_, Some(f)) => f(&mut self.new_scratch()),
            (_, None) => unreachable!("analysis ran but returned nothing"),
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
        self.with_scratch(|c| {
            let mut stripped = std::mem::take(&mut c.stripped);
            let mut links = std::mem::take(&mut c.links);
            let (a, r) = if strip_into(line, &mut stripped, Some(&mut links)) {
                let a = self.analyze_cached(&stripped, Some((line, &links)), false, c);
                (a, f(&stripped))
            } else {
                (self.analyze_cached(line, None, false, c), f(line))
            };
            // A huge line does not leave a huge buffer behind in every thread.
            stripped.shrink_to(KEEP_BYTES);
            links.shrink_to(KEEP_BYTES / 64);
            c.stripped = stripped;
            c.links = links;
            (a, r)
        })
    }

    /// Analyses a line already passed through [`strip_ansi`] (the enricher strips once and
    /// feeds the same text to `ErrorGrouper::feed`). URL spans come from `urls::find_urls` on
    /// this text.
    pub fn analyze_stripped(&self, stripped: &[u8]) -> Analysis {
        self.with_scratch(|c| self.analyze_cached(stripped, None, false, c))
    }

    /// `analyze_stripped` without the pattern-set shortcuts: every family's own regex runs, as
    /// the pre-issue-21 detector did. For tests: the result must equal `analyze_stripped`'s.
    #[doc(hidden)]
    pub fn analyze_stripped_full(&self, stripped: &[u8]) -> Analysis {
        self.with_scratch(|c| self.analyze_cached(stripped, None, true, c))
    }

    /// True when a pattern of any detector family matches `text` (after URL masking, no
    /// escapes): when false, the analysis is empty but for `continuation` by indentation.
    fn any_hit(&self, text: &[u8]) -> bool {
        self.with_scratch(|c| self.set_pass(text, c).0 != 0)
    }

    /// Fills `c.hits` with the set patterns that match anywhere in `text`: what
    /// `which_overlapping_matches` reports, by a plain loop over the lazy DFA's transitions
    /// (with `MatchKind::All` and an unanchored start, the match states visited name every
    /// pattern that matches somewhere). Should the lazy DFA give up (a quit state or a cache
    /// that keeps filling), the meta regex does the same search with its fallbacks.
    fn set_pass(&self, text: &[u8], c: &mut Scratch) -> Hits {
        if let Ok(h) = self.set_dfa_pass(text, c) {
            return h;
        }
        c.hits.clear();
        self.set
            .which_overlapping_matches_with(&mut c.set, &Input::new(text), &mut c.hits);
        Hits(c.hits.iter().fold(0, |m, p| m | 1 << p.as_usize()))
    }

    fn set_dfa_pass(&self, text: &[u8], c: &mut Scratch) -> Result<Hits, ()> {
        let dfa = &self.set_dfa;
        let cache = &mut c.set_dfa;
        let mut hits = 0u64;
        let note = |cache: &mut hybrid::dfa::Cache, sid: hybrid::LazyStateID, hits: &mut u64| {
            for i in 0..dfa.match_len(cache, sid) {
                *hits |= 1 << dfa.match_pattern(cache, sid, i).as_usize();
            }
        };
        let mut sid = dfa
            .start_state_forward(cache, &Input::new(text))
            .map_err(drop)?;
        let (n, mut at) = (text.len(), 0);
        loop {
            if !sid.is_tagged() {
                // The hot loop: cached transitions between plain states (the cache is only
                // read here, so its table stays in registers).
                let cache: &hybrid::dfa::Cache = cache;
                // Four bytes a round while none of them leaves the plain states (most of a
                // line), then byte by byte up to the first transition that does.
                while at + 4 <= n {
                    let b = &text[at..at + 4];
                    // SAFETY: `sid` is untagged (checked above, or an untagged result below)
                    // and came from this cache, which is not modified in this loop: each
                    // call's `current` is a valid untagged state of `cache`, as
                    // `next_state_untagged_unchecked` requires.
                    let s1 = unsafe { dfa.next_state_untagged_unchecked(cache, sid, b[0]) };
                    if s1.is_tagged() {
                        break;
                    }
                    // SAFETY: as above (`s1` is an untagged state of `cache`).
                    let s2 = unsafe { dfa.next_state_untagged_unchecked(cache, s1, b[1]) };
                    if s2.is_tagged() {
                        sid = s1;
                        at += 1;
                        break;
                    }
                    // SAFETY: as above.
                    let s3 = unsafe { dfa.next_state_untagged_unchecked(cache, s2, b[2]) };
                    if s3.is_tagged() {
                        sid = s2;
                        at += 2;
                        break;
                    }
                    // SAFETY: as above.
                    let s4 = unsafe { dfa.next_state_untagged_unchecked(cache, s3, b[3]) };
                    if s4.is_tagged() {
                        sid = s3;
                        at += 3;
                        break;
                    }
                    sid = s4;
                    at += 4;
                }
                while at < n {
                    let next = dfa.next_state_untagged(cache, sid, text[at]);
                    if next.is_tagged() {
                        break;
                    }
                    sid = next;
                    at += 1;
                }
            }
            if at >= n {
                break;
            }
            // A transition to a special state (or one not computed yet), or out of a match
            // state: the full step.
            sid = dfa.next_state(cache, sid, text[at]).map_err(drop)?;
            at += 1;
            if sid.is_tagged() {
                if sid.is_match() {
                    note(cache, sid, &mut hits);
                } else if sid.is_dead() {
                    return Ok(Hits(hits));
                } else if sid.is_quit() {
                    return Err(());
                }
            }
        }
        sid = dfa.next_eoi_state(cache, sid).map_err(drop)?;
        if sid.is_match() {
            note(cache, sid, &mut hits);
        } else if sid.is_quit() {
            return Err(());
        }
        Ok(Hits(hits))
    }

    /// `links`: the raw line and the OSC 8 links `strip_into` found in it (offsets into
    /// `stripped`).
    fn analyze_cached(
        &self,
        stripped: &[u8],
        links: Option<(&[u8], &[Link])>,
        force_full: bool,
        c: &mut Scratch,
    ) -> Analysis {
        let vis = visible_part(stripped);
        let mut a = Analysis::default();
        let mut masked = std::mem::take(&mut c.masked);
        let text: &[u8] = if self.url_marker.find(vis).is_some() {
            let spans = urls::find_urls_with(vis, &mut c.url);
            if spans.is_empty() {
                vis
            } else {
                masked.clear();
                masked.extend_from_slice(vis);
                for r in &spans {
                    a.urls.push(urls::normalize(&vis[r.clone()]));
                    masked[r.clone()].fill(b' ');
                }
                if let Some((line, links)) = links {
                    add_links(&mut a.urls, &spans, stripped, vis, line, links);
                }
                &masked
            }
        } else {
            if let Some((line, links)) = links {
                add_links(&mut a.urls, &[], stripped, vis, line, links);
            }
            vis
        };
        let hits = if force_full {
            Hits(0)
        } else {
            let hits = self.set_pass(text, c);
            if hits.0 == 0 {
                a.continuation = is_indented_continuation(text);
                masked.shrink_to(KEEP_BYTES);
                c.masked = masked;
                return a;
            }
            hits
        };
        self.full(text, hits, force_full, &mut a, c);
        masked.shrink_to(KEEP_BYTES);
        c.masked = masked;
        a
    }

    /// The decision logic of the detector. Without `force_full`, a family whose patterns the
    /// set pass did not hit is skipped, and a family whose result the set alone decides (an
    /// anchored start, `is_match` continuations, one hint or one tag bit) runs no regex.
    fn full(&self, text: &[u8], hits: Hits, force_full: bool, a: &mut Analysis, c: &mut Scratch) {
        let (start_hit, vite_hit, structured_hit, label_hit) = (
            hits.first(SET_STARTS..SET_VITE),
            hits.has(SET_VITE),
            hits.has(SET_STRUCTURED),
            hits.any(SET_LABELS..SET_HINTS),
        );
        // With one label pattern hit, that pattern alone finds the same leftmost-first match
        // (no other label pattern matches anywhere), with a smaller automaton and often a
        // literal prefilter.
        let only_label = match hits.first(SET_LABELS..SET_HINTS) {
            Some(i) if !force_full && hits.count(SET_LABELS..SET_HINTS) == 1 => {
                Some(i - SET_LABELS)
            }
            _ => None,
        };
        a.error = if force_full {
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
        let mut level = if force_full || structured_hit {
            self.structured_level(text, c)
        } else {
            None
        };
        let mut explicit = level.is_some();
        // The leftmost label: found at most once per line.
        let mut label: Option<Option<regex_automata::Match>> = if force_full || label_hit {
            None
        } else {
            Some(None)
        };
        let mut label_match = |c: &mut Scratch| {
            *label.get_or_insert_with(|| match only_label {
                Some(i) => find(&self.label_one[i], &mut c.label_one[i], text),
                None => find(&self.labels, &mut c.labels, text),
            })
        };
        if level.is_none() {
            if let Some(m) = label_match(c) {
                level = classify(&text[m.range()]);
                explicit = level.is_some();
            }
        }
        // A line that starts an error is at least at error level (panics are critical).
        let start_level = match a.error {
            Some(ErrorKind::GoPanic | ErrorKind::RustPanic) => Some(Level::Critical),
            Some(_) => Some(Level::Error),
            None => None,
        };
        level = level.max(start_level);
        c.hint_set.clear();
        let first_hint = hits.first(SET_HINTS..SET_TAGS);
        let more_hints = hits.count(SET_HINTS..SET_TAGS) > 1;
        if force_full || more_hints {
            let hints = &mut c.hint_set;
            each_match(&self.hints, &mut c.hints, text, |m| {
                let _ = hints.try_insert(m.pattern());
            });
        } else if let Some(i) = first_hint {
            // One hint pattern matches: `each_match` would find it (and only it).
            c.hint_set.insert(PatternID::must(i - SET_HINTS));
        }
        let hints = &c.hint_set;
        if level.is_none() {
            if hit(hints, HINT_ERROR_COUNT) || hit(hints, HINT_FAILED) || hit(hints, HINT_HTTP_5XX)
            {
                level = Some(Level::Error);
            } else if hit(hints, HINT_WARN_COUNT) || hit(hints, HINT_COMPILED_WARN) {
                level = Some(Level::Warn);
            }
        }
        let warn_count = hit(hints, HINT_WARN_COUNT);
        a.level = level.unwrap_or(Level::Unknown);
        // A line at error level by an explicit label, not indented, reports an error.
        if a.error.is_none() && explicit && a.level >= Level::Error && !starts_indented(text) {
            let fail_label = label_match(c)
                .map(|m| {
                    let s = &text[m.range()];
                    s.starts_with(b"FAIL") || s.starts_with(b"PASS")
                })
                .unwrap_or(false);
            if !fail_label {
                a.error = Some(ErrorKind::Generic);
            }
        }
        let mut tag_bits = 0;
        for i in SET_TAGS..SET_STARTS {
            if hits.has(i) {
                tag_bits |= TAG_BITS[i - SET_TAGS];
            }
        }
        if force_full || tag_bits.count_ones() > 1 {
            // Several tag kinds: which ones the non-overlapping matches keep needs the search.
            tag_bits = 0;
            each_match(&self.tags, &mut c.tags, text, |m| {
                tag_bits |= TAG_BITS[m.pattern().as_usize()];
            });
        }
        a.tags |= tag_bits;
        // Stack frames name paths (`.../compiled/...`, `*.test.js`), not build steps.
        if trim_start(text).starts_with(b"at ") {
            a.tags = 0;
        }
        if a.error == Some(ErrorKind::Compiler) {
            a.tags |= tags::COMPILE;
        }
        if a.level == Level::Warn || warn_count {
            a.tags |= tags::WARNING;
        }
        if a.level >= Level::Error || a.error.is_some() {
            a.tags |= tags::ERROR;
        }
        if a.error.is_none() {
            a.continuation = is_indented_continuation(text)
                || if force_full {
                    is_match(&self.continuations, &mut c.continuations, text)
                } else {
                    hits.any(SET_CONTINUATIONS..SET_LEN)
                };
        }
    }

    fn structured_level(&self, text: &[u8], c: &mut Scratch) -> Option<Level> {
        let m = find(&self.structured, &mut c.structured, text)?;
        let s = &text[m.range()];
        let value_at = s.iter().rposition(|&b| b == b'=' || b == b':')? + 1;
        classify(&s[value_at..])
    }

    fn error_start(&self, text: &[u8], c: &mut Scratch) -> Option<ErrorKind> {
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

/// An OSC 8 target worth listing: `scheme://rest` with an RFC 3986 scheme (a letter, then
/// letters, digits, `+`, `-`, `.`), something after `://`, and no space or control byte.
fn is_link_url(uri: &[u8]) -> bool {
    let Some(sep) = memchr::memmem::find(uri, b"://") else {
        return false;
    };
    let scheme = &uri[..sep];
    scheme.first().is_some_and(u8::is_ascii_alphabetic)
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && uri.len() > sep + 3
        && !uri.iter().any(|&b| b <= b' ' || b == 0x7f)
}

/// Adds the OSC 8 link targets in the visible part `vis` of `stripped` to `urls`, merged by
/// position with the URLs found in the text (`spans`, offsets into `vis`): a target is added,
/// normalised, when [`is_link_url`] accepts it and it is not listed yet.
fn add_links(
    urls: &mut Vec<Vec<u8>>,
    spans: &[Range<usize>],
    stripped: &[u8],
    vis: &[u8],
    line: &[u8],
    links: &[Link],
) {
    if links.is_empty() {
        return;
    }
    // `vis` is a sub-slice of `stripped`.
    let vis_start = vis.as_ptr() as usize - stripped.as_ptr() as usize;
    let vis_end = vis_start + vis.len();
    // Linear in the number of URLs: a set for "listed yet", then one merge by position.
    let mut seen: Option<std::collections::HashSet<Vec<u8>>> = None;
    let mut extra: Vec<(usize, Vec<u8>)> = Vec::new();
    for (at, uri) in links {
        if *at < vis_start || *at > vis_end {
            continue;
        }
        let uri = &line[uri.clone()];
        if !is_link_url(uri) {
            continue;
        }
        let u = urls::normalize(uri);
        let seen = seen.get_or_insert_with(|| urls.iter().cloned().collect());
        if seen.insert(u.clone()) {
            extra.push((at - vis_start, u));
        }
    }
    if extra.is_empty() {
        return;
    }
    // A link goes before the first text URL that starts at or after it.
    let text_urls = std::mem::take(urls);
    let mut text_urls = text_urls
        .into_iter()
        .zip(spans.iter().map(|s| s.start))
        .peekable();
    for (pos, u) in extra {
        while let Some((t, _)) = text_urls.next_if(|(_, start)| *start < pos) {
            urls.push(t);
        }
        urls.push(u);
    }
    urls.extend(text_urls.map(|(t, _)| t));
}

fn hit(set: &PatternSet, i: usize) -> bool {
    set.contains(PatternID::must(i))
}

/// What a terminal would show: without a trailing `\r`/`\n`, and only the text after the last
/// carriage return (progress bars redraw the line with `\r`).
pub fn visible_part(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |p| p + 1);
    let text = &text[..end];
    match memchr::memrchr(b'\r', text) {
        Some(p) => &text[p + 1..],
        None => text,
    }
}

/// Maps a matched label to its level (ASCII case-insensitive; no allocation).
fn classify(s: &[u8]) -> Option<Level> {
    // One pass for the letters present (any case) and whether any non-ASCII byte is: a word
    // whose letters are not all present, or a symbol in an ASCII text, is skipped unsearched.
    let mut letters = 0u32;
    let mut high = false;
    for &b in s {
        let l = b.to_ascii_lowercase();
        if l.is_ascii_lowercase() {
            letters |= 1 << (l - b'a');
        } else if b >= 0x80 {
            high = true;
        }
    }
    let has = |w: &[u8]| {
        let maybe = if w[0] >= 0x80 {
            high
        } else {
            w.iter()
                .all(|&c| !c.is_ascii_lowercase() || letters >> (c - b'a') & 1 != 0)
        };
        maybe && contains_ci(s, w)
    };
    let t = trim(s);
    let t = t.strip_prefix(b"\"").unwrap_or(t);
    match t {
        b"10" | b"20" => return Some(Level::Debug),
        b"30" => return Some(Level::Info),
        b"40" => return Some(Level::Warn),
        b"50" => return Some(Level::Error),
        b"60" => return Some(Level::Critical),
        _ => {}
    }
    let prefix = |p: &[u8]| s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p);
    if prefix(b"<e>") {
        return Some(Level::Error);
    }
    if prefix(b"<w>") {
        return Some(Level::Warn);
    }
    if prefix(b"<i>") {
        return Some(Level::Info);
    }
    let any = |ws: &[&str]| ws.iter().any(|w| has(w.as_bytes()));
    if any(&["crit", "fatal", "panic", "emerg", "alert", "severe"]) {
        Some(Level::Critical)
    } else if any(&["err", "fail", "✗", "✘", "✕", "✖", "×", "⨯", "❌"]) {
        Some(Level::Error)
    } else if any(&["warn", "⚠"]) {
        Some(Level::Warn)
    } else if any(&["info", "notice", "pass", "ok", "✓", "✔", "✅"]) {
        Some(Level::Info)
    } else if any(&["debug", "trace", "dbg"]) {
        Some(Level::Debug)
    } else {
        None
    }
}

/// `hay` contains `needle` (lower-case ASCII or non-ASCII bytes), ignoring ASCII case in `hay`.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    needle.len() <= hay.len()
        && hay.windows(needle.len()).any(|w| {
            w.iter()
                .zip(needle)
                .all(|(a, b)| a.to_ascii_lowercase() == *b)
        })
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &s[start..end]
}

/// Tab or at least two spaces before the first visible byte.
fn starts_indented(text: &[u8]) -> bool {
    text.first() == Some(&b'\t') || text.starts_with(b"  ")
}

/// Cargo's right-aligned status lines (`   Compiling x v0.1.0`) are indented but not context.
fn is_cargo_status(rest: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"Compiling ",
        b"Finished ",
        b"Running ",
        b"Checking ",
        b"Downloaded ",
        b"Downloading ",
        b"Updating ",
        b"Fresh ",
        b"Blocking ",
        b"Building ",
        b"Documenting ",
        b"Installing ",
        b"Installed ",
        b"Doc-tests ",
        b"Locking ",
        b"Adding ",
    ];
    WORDS.iter().any(|w| rest.starts_with(w))
}

/// Indented, with visible content, and not a status line (`✓ passes`, cargo `Compiling`).
fn is_indented_continuation(text: &[u8]) -> bool {
    if !starts_indented(text) {
        return false;
    }
    let rest = &text[text.len() - trim_start(text).len()..];
    if rest.is_empty() {
        return false;
    }
    if is_cargo_status(rest) {
        return false;
    }
    const PASS: &[&str] = &["✓", "✔", "✅", "○", "➜", "▲", "-"];
    !PASS.iter().any(|s| rest.starts_with(s.as_bytes()))
}

fn trim_start(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    &s[start..]
}

/// True when a pattern of any detector family can match `text` (an ANSI-stripped, visible line
/// with its URLs blanked): false means no level, tag, error start or non-indent continuation.
/// One pass of the detectors' pattern set (the shared detector's).
pub fn needs_full_scan(text: &[u8]) -> bool {
    crate::log::shared_detector().any_hit(text)
}

/// Removes ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, two-byte
/// `ESC x`). Borrowed when the line has none.
///
/// Also removes DCS/SOS/PM/APC strings (`ESC P|X|^|_ ... ST`) and `ESC <intermediates> final`
/// (e.g. `ESC ( B`). An unterminated sequence at the end of the line is dropped; a CSI cut short
/// by a byte that cannot belong to it ends there and that byte is kept.
pub fn strip_ansi(line: &[u8]) -> Cow<'_, [u8]> {
    let mut out = Vec::new();
    if strip_into(line, &mut out, None) {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(line)
    }
}

/// [`strip_ansi`] into a reused buffer: false (and `out` untouched) when `line` has no escape;
/// otherwise `out` is the stripped line. With `links`, it also receives each OSC 8 hyperlink
/// (`ESC ] 8 ; params ; URI` ended by BEL or ST): the offset in `out` where it stood and the
/// range of its URI in `line` (a link that closes with an empty URI gives an empty range).
fn strip_into(line: &[u8], out: &mut Vec<u8>, mut links: Option<&mut Vec<Link>>) -> bool {
    let Some(first) = memchr::memchr(0x1b, line) else {
        return false;
    };
    out.clear();
    if let Some(l) = links.as_deref_mut() {
        l.clear();
    }
    out.extend_from_slice(&line[..first]);
    let n = line.len();
    let mut i = first;
    while i < n {
        if line[i] != 0x1b {
            // Copy the run up to the next escape at once.
            let end = memchr::memchr(0x1b, &line[i..]).map_or(n, |p| i + p);
            out.extend_from_slice(&line[i..end]);
            i = end;
            continue;
        }
        i += 1;
        let Some(&k) = line.get(i) else { break };
        match k {
            b'[' => {
                i += 1;
                while i < n && (0x30..=0x3f).contains(&line[i]) {
                    i += 1;
                }
                while i < n && (0x20..=0x2f).contains(&line[i]) {
                    i += 1;
                }
                if i < n && (0x40..=0x7e).contains(&line[i]) {
                    i += 1;
                }
            }
            b']' | b'P' | b'X' | b'^' | b'_' => {
                i += 1;
                let body = i;
                let mut terminated = false;
                while i < n {
                    if line[i] == 0x07 && k == b']' {
                        terminated = true;
                        break;
                    }
                    if line[i] == 0x1b {
                        // ST ends the string; any other escape starts a new sequence (the
                        // string ended unterminated).
                        terminated = line.get(i + 1) == Some(&b'\\');
                        break;
                    }
                    i += 1;
                }
                let body_end = i;
                if terminated {
                    i += if line[i] == 0x07 { 1 } else { 2 };
                }
                if let Some(l) = links.as_deref_mut() {
                    let s = &line[body..body_end];
                    if k == b']' && terminated && s.starts_with(b"8;") {
                        if let Some(semi) = memchr::memchr(b';', &s[2..]) {
                            let uri = body + 2 + semi + 1;
                            l.push((out.len(), uri..body_end));
                        }
                    }
                }
            }
            0x20..=0x2f => {
                while i < n && (0x20..=0x2f).contains(&line[i]) {
                    i += 1;
                }
                if i < n && (0x30..=0x7e).contains(&line[i]) {
                    i += 1;
                }
            }
            0x1b => {
                // ESC ESC: the first is dropped, the second starts a new sequence.
            }
            _ => {
                i += 1;
            }
        }
    }
    true
}
