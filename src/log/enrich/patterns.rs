//! The detector's patterns, and where each family sits in the one-pass pattern set.

use regex_automata::{meta, util::syntax, MatchKind};

use super::{tags, ErrorKind};

/// Structured level fields: logfmt `level=warn`, JSON `"level":"warn"` / pino `"level":50`.
pub(super) const STRUCTURED: &str = r#"(?i-u)(?:^|[\s{,])"?(?:level|lvl|severity|loglevel|log_level)"?\s*[=:]\s*"?(?:trace|debug|dbg|info|information|notice|warn|warning|error|err|fatal|critical|crit|panic|emerg|alert|10|20|30|40|50|60)\b"#;

/// Explicit level labels; the leftmost match decides the level.
pub(super) const LABELS: &[&str] = &[
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
pub(super) const HINT_ERROR_COUNT: usize = 0;
pub(super) const HINT_WARN_COUNT: usize = 1;
pub(super) const HINT_FAILED: usize = 2;
pub(super) const HINT_COMPILED_WARN: usize = 3;
pub(super) const HINT_HTTP_5XX: usize = 4;
pub(super) const HINTS: &[&str] = &[
    r"(?i-u)\b[1-9][0-9]* (?:errors?|failed|failing|failures?|problems?)\b",
    r"(?i-u)\b[1-9][0-9]* warnings?\b",
    r"(?i-u)\bfailed to (?:compile|start|load|build|connect|fetch|resolve|parse|bind|listen)\b|\b(?:build|compilation|tests?|command) failed\b",
    r"(?i-u)\bcompiled with warnings\b",
    r"(?-u)\bCompleted 5[0-9][0-9]\b",
];

/// Tag patterns (every leftmost-first match counts); `TAG_BITS[i]` is pattern i's bit.
pub(super) const TAGS: &[&str] = &[
    r"(?i-u)\b(?:re)?build(?:s|ing)?\b|\b(?:re)?built\b|\bbundl(?:e|ed|es|ing)\b|\bwebpack\b|\besbuild\b|\brollup\b|\bturbopack\b|\btarget\(s\) in\b",
    r"(?i-u)\b(?:re)?compil(?:e|ed|es|ing|ation|er)\b|\berror\[E[0-9]{4}\]|\berror TS[0-9]+|\btsc\b|\([0-9]+,[0-9]+\): (?:error|warning) TS[0-9]+|^\S+:[0-9]+:[0-9]+: (?:fatal )?(?:error|warning):",
    r"(?i-u)\btest(?:s|ing|ed)?\b|\bspecs?\b|\bjest\b|\bvitest\b|\bpytest\b|\bmocha\b|\brspec\b|\b[0-9]+ (?:passed|failed|skipped|pending|passing|failing)\b|::test_|\.(?:test|spec)\.[cm]?[jt]sx?\b|\btest_[a-z0-9_]+|_test\.(?:go|py)\b",
    r"(?-u)\b(?:PASS|PASSED|FAIL|FAILED)\b|^=== RUN|^--- (?:PASS|FAIL|SKIP)|^ok\s+\S+\s+(?:[0-9]|\(cached\))",
    r"(?i-u)\b(?:es|style|py)?lint(?:s|er|ers|ing|ed)?\b|\bclippy\b|\bprettier\b|\bruff\b|\bflake8\b|\brubocop\b|\bmypy\b|\b[0-9]+ problems?\b|^\s+[0-9]+:[0-9]+\s+(?:error|warning)\s",
];
pub(super) const TAG_BITS: &[u32] = &[
    tags::BUILD,
    tags::COMPILE,
    tags::TEST,
    tags::TEST,
    tags::LINT,
];

/// Optional prefix before an error start: Next.js/esbuild/jest status symbols, node pid.
pub(super) const START_PREFIX: &str =
    r"(?-u)^(?:[ \t]*(?:⨯|✖|✗|✘|✕|×|●|❌)[ \t]+)?(?:\(node:[0-9]+\)\s+)?";

/// Error starts, in priority order, with their kinds.
pub(super) const STARTS: &[(ErrorKind, &str)] = &[
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
pub(super) const VITE_ERROR: &str =
    r"(?-u)\[vite\] (?:Internal server error|Pre-transform error|error while)";

/// Further anchored starts, not prefixed by `START_PREFIX` (checked after `STARTS`).
pub(super) const STARTS_ANYWHERE: &[(ErrorKind, &str)] = &[
    // esbuild
    (ErrorKind::Compiler, r"(?-u)^\s*✘ \[ERROR\] "),
    // A failure status symbol before any text: jest `●`/`✕`, Next.js `⨯`, eslint `✖`.
    (
        ErrorKind::Generic,
        r"(?-u)^[ \t]*(?:⨯|✖|✗|✘|✕|×|●|❌)[ \t]+\S",
    ),
];

/// Continuation patterns (besides "indented").
pub(super) const CONTINUATIONS: &[&str] = &[
    r"(?-u)^\s+(?:left|right)(?::|\s=)|^\s*(?:at\s|-->|\||[0-9]+\s*\||>\s*[0-9]+\s*\||=\s(?:note|help)|\^|~|\.\.\.\s[0-9]+\s(?:more|common frames omitted)|@\s)",
    r"(?-u)^(?:Caused by:|note:|help:|Suppressed:|During handling of the above exception|The above exception was the direct cause|goroutine [0-9]+ \[|created by |stack backtrace:|E\s|>\s)",
    r"(?-u)^[a-zA-Z0-9_./\-()*\[\]{}]+\([^()]*\)$",
    r"(?-u)^\S+\.(?:py|rb|go|java|kt|js|ts|jsx|tsx|mjs|cjs|rs|c|cc|cpp|h|hpp|cs|php|ex|exs):[0-9]+",
];

/// Where each family's patterns sit in `Detector::set` (pattern IDs `FAMILY..FAMILY_END`).
pub(super) const SET_STRUCTURED: usize = 0;
pub(super) const SET_LABELS: usize = 1;
pub(super) const SET_HINTS: usize = SET_LABELS + LABELS.len();
pub(super) const SET_TAGS: usize = SET_HINTS + HINTS.len();
pub(super) const SET_STARTS: usize = SET_TAGS + TAGS.len();
pub(super) const SET_VITE: usize = SET_STARTS + STARTS.len() + STARTS_ANYWHERE.len();
pub(super) const SET_CONTINUATIONS: usize = SET_VITE + 1;
pub(super) const SET_LEN: usize = SET_CONTINUATIONS + CONTINUATIONS.len();

pub(super) fn build_one(pat: &str, kind: MatchKind) -> meta::Regex {
    build_many(&[pat], kind)
}

pub(super) fn build_many(pats: &[&str], kind: MatchKind) -> meta::Regex {
    meta::Regex::builder()
        .syntax(syntax::Config::new().utf8(false))
        .configure(meta::Config::new().match_kind(kind).utf8_empty(false))
        .build_many(pats)
        .unwrap_or_else(|e| panic!("detector regex {pats:?}: {e}"))
}

/// The start patterns (each `STARTS` one behind `START_PREFIX`, then `STARTS_ANYWHERE`) and
/// their kinds.
pub(super) fn start_patterns() -> (Vec<String>, Vec<ErrorKind>) {
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
