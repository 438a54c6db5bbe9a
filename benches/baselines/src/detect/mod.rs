//! The detector as it was before the one-pass analyser (issue 21): `OldDetector` is a frozen
//! copy of `log::enrich::Detector` and of the URL finder it used (`log::urls`), kept as the
//! reference for the `detect` benchmark (`cargo bench --bench compare -- --workload detect`)
//! and the differential test (`tests/detect_diff.rs`, the `detect` fuzz target).
//!
//! Do not improve it: its value is that it does not change. It returns the same
//! [`Analysis`] type as the new detector, so results compare with `==`.
//!
//! How it works: it strips ANSI escapes, then runs the URL finder only when the line contains
//! `://`, and runs the level/tag/error/continuation regexes only when a cheap single-pass
//! prefilter ([`needs_full_scan`]) sees a keyword-like word, a status symbol, a `|`, a leading
//! punctuation byte, a Go frame shape or a `file.ext:N` location.

//!
//! Files: this one holds the patterns and the detector; `prefilter.rs` the single-pass
//! keyword scan, `text.rs` the byte helpers (ANSI stripping, trims, continuation shapes),
//! `urls.rs` the URL finder.

use std::borrow::Cow;

use regex_automata::{meta, MatchKind, PatternID, PatternSet};

use lfe::log::enrich::{tags, Analysis, ErrorKind, Level, SparePool};
// The core's regex plumbing (compile options, cached searches): the same code, byte for byte,
// as this copy had when it was frozen.
use lfe::log::enrich::re::{build_many, build_one, each_match, find, is_match};

mod prefilter;
mod text;
pub mod urls;

pub use prefilter::needs_full_scan;
use prefilter::{scan_flags, SCAN_HINT, SCAN_STRUCT};
use text::{classify, contains, is_indented_continuation, starts_indented, trim_start};
pub use text::{strip_ansi, visible_part};

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
pub struct OldDetector {
    structured: meta::Regex,
    labels: meta::Regex,
    hints: meta::Regex,
    tags: meta::Regex,
    starts: meta::Regex,
    start_kinds: Vec<ErrorKind>,
    vite: meta::Regex,
    continuations: meta::Regex,
    /// Identifies this detector's regexes in the per-thread cache table.
    id: u64,
    /// Find URLs with today's finder (`lfe::log::urls`) instead of the frozen copy, so a
    /// differential test compares the classification alone (see `with_current_url_finder`).
    current_urls: bool,
}

/// Search caches for one detector's regexes, one set per thread.
///
/// regex-automata's own cache pool has a fast path only for the thread that first used a
/// regex; every other thread locks a pool stack on each search, twice. With analysis running
/// on several threads at once (the worker and helping appenders), profiles showed that
/// locking as a large share of analysis. So each thread keeps its own caches, and searches
/// pass them explicitly.
struct Caches {
    structured: meta::Cache,
    labels: meta::Cache,
    hints: meta::Cache,
    tags: meta::Cache,
    starts: meta::Cache,
    vite: meta::Cache,
    continuations: meta::Cache,
    url: meta::Cache,
    /// The hint patterns a line matched (reused: a new set per line was an allocation).
    hint_set: PatternSet,
}

/// Detectors whose caches a thread keeps (in use at once: normally one, the shared one).
const CACHED_DETECTORS: usize = 4;

/// One thread's caches, by detector id. When the thread exits they go to [`SPARE`], so the
/// next thread starts with warm lazy-DFA caches (building DFA states again is the slow part of
/// a cold search).
struct ThreadCaches(Vec<(u64, Box<Caches>)>);

impl Drop for ThreadCaches {
    fn drop(&mut self) {
        SPARE.give_back(&mut self.0);
    }
}

impl ThreadCaches {
    fn take(&mut self, id: u64) -> Option<Box<Caches>> {
        let i = self.0.iter().position(|(x, _)| *x == id)?;
        Some(self.0.swap_remove(i).1)
    }

    fn put(&mut self, id: u64, c: Box<Caches>) {
        if self.0.len() >= CACHED_DETECTORS {
            self.0.remove(0);
        }
        self.0.push((id, c));
    }
}

/// Caches an exited thread left for detector `id`, if any.
fn take_spare(id: u64) -> Option<Box<Caches>> {
    SPARE.take(id)
}

/// Caches left by exited threads (bounded: the core's pool, the same code, byte for byte, as
/// this copy had when it was frozen).
static SPARE: SparePool<Caches> = SparePool::new();

thread_local! {
    static CACHES: std::cell::RefCell<ThreadCaches> =
        const { std::cell::RefCell::new(ThreadCaches(Vec::new())) };
}

impl Default for OldDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl OldDetector {
    /// Compiles the detectors.
    pub fn new() -> OldDetector {
        let mut start_pats = Vec::new();
        let mut start_kinds = Vec::new();
        for (kind, pat) in STARTS {
            start_pats.push(format!("{START_PREFIX}(?:{pat})"));
            start_kinds.push(*kind);
        }
        for (kind, pat) in STARTS_ANYWHERE {
            start_pats.push((*pat).to_string());
            start_kinds.push(*kind);
        }
        let start_refs: Vec<&str> = start_pats.iter().map(String::as_str).collect();
        // Make sure the shared URL regex is compiled now, not on the first URL.
        let _ = urls::find_urls(b"http://x");
        OldDetector {
            structured: build_one(STRUCTURED, MatchKind::LeftmostFirst),
            labels: build_many(LABELS, MatchKind::LeftmostFirst),
            hints: build_many(HINTS, MatchKind::LeftmostFirst),
            tags: build_many(TAGS, MatchKind::LeftmostFirst),
            starts: build_many(&start_refs, MatchKind::LeftmostFirst),
            start_kinds,
            vite: build_one(VITE_ERROR, MatchKind::LeftmostFirst),
            continuations: build_many(CONTINUATIONS, MatchKind::LeftmostFirst),
            current_urls: false,
            id: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                // Relaxed: only uniqueness matters.
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        }
    }

    fn new_caches(&self) -> Caches {
        Caches {
            structured: self.structured.create_cache(),
            labels: self.labels.create_cache(),
            hints: self.hints.create_cache(),
            tags: self.tags.create_cache(),
            starts: self.starts.create_cache(),
            vite: self.vite.create_cache(),
            continuations: self.continuations.create_cache(),
            url: urls::url_cache(),
            hint_set: PatternSet::new(self.hints.pattern_len()),
        }
    }

    /// Runs `f` with this thread's caches for this detector: taken out of the thread's table
    /// (or from the spares of exited threads, or created), and put back afterwards. A thread
    /// being torn down gets fresh ones.
    fn with_caches<R>(&self, f: impl FnOnce(&mut Caches) -> R) -> R {
        let mut c = CACHES
            .try_with(|t| t.borrow_mut().take(self.id))
            .ok()
            .flatten()
            .or_else(|| take_spare(self.id))
            .unwrap_or_else(|| Box::new(self.new_caches()));
        let r = f(&mut c);
        // Gone thread-local (thread exit): the caches are simply dropped.
        let _ = CACHES.try_with(|t| t.borrow_mut().put(self.id, c));
        r
    }

    /// Analyses one line (any bytes; ANSI escape sequences are ignored).
    pub fn analyze(&self, line: &[u8]) -> Analysis {
        let stripped = strip_ansi(line);
        self.analyze_stripped(&stripped)
    }

    /// Analyses a line already passed through [`strip_ansi`] (the enricher strips once and
    /// feeds the same text to `ErrorGrouper::feed`). URL spans come from `urls::find_urls` on
    /// this text.
    pub fn analyze_stripped(&self, stripped: &[u8]) -> Analysis {
        self.analyze_inner(stripped, false)
    }

    /// `analyze_stripped` without the prefilter (every regex runs). For tests: the result must
    /// equal `analyze_stripped`'s.
    #[doc(hidden)]
    pub fn analyze_stripped_full(&self, stripped: &[u8]) -> Analysis {
        self.analyze_inner(stripped, true)
    }

    fn analyze_inner(&self, stripped: &[u8], force_full: bool) -> Analysis {
        self.with_caches(|c| self.analyze_cached(stripped, force_full, c))
    }

    /// The old classification with today's URL finder (issue 21 changed URL boundaries on
    /// purpose: a URL ends where the URL grammar says; the finder has its own tests). With it a
    /// differential test compares everything else exactly.
    pub fn with_current_url_finder() -> OldDetector {
        OldDetector {
            current_urls: true,
            ..OldDetector::new()
        }
    }

    fn analyze_cached(&self, stripped: &[u8], force_full: bool, c: &mut Caches) -> Analysis {
        let stripped = visible_part(stripped);
        let mut a = Analysis::default();
        let spans = if self.current_urls {
            lfe::log::urls::find_urls(stripped)
        } else {
            urls::find_urls_with(stripped, &mut c.url)
        };
        let text: Cow<'_, [u8]> = if spans.is_empty() {
            Cow::Borrowed(stripped)
        } else {
            let mut masked = stripped.to_vec();
            for r in &spans {
                a.urls.push(urls::normalize(&stripped[r.clone()]));
                masked[r.clone()].fill(b' ');
            }
            Cow::Owned(masked)
        };
        let text = &*text;
        let flags = if force_full {
            u8::MAX
        } else {
            scan_flags(text)
        };
        if flags == 0 {
            a.continuation = is_indented_continuation(text);
            return a;
        }
        self.full(text, flags, &mut a, c);
        a
    }

    fn full(&self, text: &[u8], flags: u8, a: &mut Analysis, c: &mut Caches) {
        a.error = self.error_start(text, c);
        let mut level = if flags & SCAN_STRUCT != 0 {
            self.structured_level(text, c)
        } else {
            None
        };
        let mut explicit = level.is_some();
        if level.is_none() {
            if let Some(m) = find(&self.labels, &mut c.labels, text) {
                level = classify(&text[m.range()]);
                explicit = level.is_some();
            }
        }
        // A line that starts an error is at least at that error's level.
        level = level.max(a.error.map(ErrorKind::level));
        let hints = &mut c.hint_set;
        hints.clear();
        if flags & SCAN_HINT != 0 {
            each_match(&self.hints, &mut c.hints, text, |m| {
                let _ = hints.try_insert(m.pattern());
            });
        }
        let hints = &*hints;
        if level.is_none() {
            if hit(hints, HINT_ERROR_COUNT) || hit(hints, HINT_FAILED) || hit(hints, HINT_HTTP_5XX)
            {
                level = Some(Level::Error);
            } else if hit(hints, HINT_WARN_COUNT) || hit(hints, HINT_COMPILED_WARN) {
                level = Some(Level::Warn);
            }
        }
        a.level = level.unwrap_or(Level::Unknown);
        // A line at error level by an explicit label, not indented, reports an error.
        if a.error.is_none() && explicit && a.level >= Level::Error && !starts_indented(text) {
            let fail_label = find(&self.labels, &mut c.labels, text)
                .map(|m| {
                    let s = &text[m.range()];
                    s.starts_with(b"FAIL") || s.starts_with(b"PASS")
                })
                .unwrap_or(false);
            if !fail_label {
                a.error = Some(ErrorKind::Generic);
            }
        }

        each_match(&self.tags, &mut c.tags, text, |m| {
            a.tags |= TAG_BITS[m.pattern().as_usize()];
        });
        // Stack frames name paths (`.../compiled/...`, `*.test.js`), not build steps.
        if trim_start(text).starts_with(b"at ") {
            a.tags = 0;
        }
        if a.error == Some(ErrorKind::Compiler) {
            a.tags |= tags::COMPILE;
        }
        if a.level == Level::Warn || hit(hints, HINT_WARN_COUNT) {
            a.tags |= tags::WARNING;
        }
        if a.level >= Level::Error || a.error.is_some() {
            a.tags |= tags::ERROR;
        }
        if a.error.is_none() {
            a.continuation = is_indented_continuation(text)
                || is_match(&self.continuations, &mut c.continuations, text);
        }
    }

    fn structured_level(&self, text: &[u8], c: &mut Caches) -> Option<Level> {
        let m = find(&self.structured, &mut c.structured, text)?;
        let s = &text[m.range()];
        let value_at = s.iter().rposition(|&b| b == b'=' || b == b':')? + 1;
        classify(&s[value_at..])
    }

    fn error_start(&self, text: &[u8], c: &mut Caches) -> Option<ErrorKind> {
        if let Some(m) = find(&self.starts, &mut c.starts, text) {
            return Some(self.start_kinds[m.pattern().as_usize()]);
        }
        if contains(text, b"[vite] ") && is_match(&self.vite, &mut c.vite, text) {
            return Some(ErrorKind::Compiler);
        }
        None
    }
}

fn hit(set: &PatternSet, i: usize) -> bool {
    set.contains(PatternID::must(i))
}
