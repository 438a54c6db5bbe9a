//! The detector's patterns, and where each family sits in the one-pass pattern set.

use super::{tags, ErrorKind, Level};

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

/// `STRUCTURED` split by the level its value names: `STRUCTURED_VALUES[i]` lists the values of
/// level `.0`. The union is `STRUCTURED`; every text a part matches has its level (the value
/// after the last `=`/`:` is one of its words), so when the hits name one level, that is the
/// leftmost field's.
pub(super) const STRUCTURED_VALUES: &[(Level, &str)] = &[
    (Level::Debug, "trace|debug|dbg|10|20"),
    (Level::Info, "info|information|notice|30"),
    (Level::Warn, "warn|warning|40"),
    (Level::Error, "error|err|50"),
    (Level::Critical, "fatal|critical|crit|panic|emerg|alert|60"),
];

/// The set's structured patterns, in `STRUCTURED_VALUES` order.
pub(super) fn structured_split() -> Vec<String> {
    STRUCTURED_VALUES
        .iter()
        .map(|(_, v)| {
            format!(
                r#"(?i-u)(?:^|[\s{{,])"?(?:level|lvl|severity|loglevel|log_level)"?\s*[=:]\s*"?(?:{v})\b"#
            )
        })
        .collect()
}

/// What the text of one part of a label pattern says, whatever it is.
#[derive(Clone, Copy, Debug)]
pub(super) struct LabelPart {
    /// The `LABELS` pattern it is part of.
    pub(super) of: usize,
    /// The level `classify` gives every text of this part (`None`: it depends on the text).
    pub(super) level: Option<Level>,
    /// Every text of this part starts with `FAIL` or `PASS` (`Some(true)`), none does
    /// (`Some(false)`), or it depends.
    pub(super) fail_pass: Option<bool>,
}

/// `LABELS` split into parts whose texts all classify alike, so that when every label part a
/// line hits names the same level, that is the leftmost label's level with no search. Each
/// `LABELS[i]` is the union of its parts (an alternation split into its branches; `[a-z]*` into
/// `[a-z]?` and `[a-z]{2,}`). `classify` looks for words and symbols inside the text; no word
/// spans a bracket, space or digit, so the level of a part follows from the words it can hold.
pub(super) fn label_split() -> Vec<(String, LabelPart)> {
    use Level::*;
    let part = |of, level, fail_pass| LabelPart {
        of,
        level,
        fail_pass,
    };
    let mut out = Vec::new();
    // [INFO] <warn> [error]
    for (level, words) in [
        (Debug, "trace|debug|dbg"),
        (Info, "info|notice"),
        (Warn, "warn|warning"),
        (Error, "err|error"),
        (Critical, "fatal|crit|critical|panic|severe|emerg|alert"),
    ] {
        out.push((
            format!(r"(?i-u)[\[<]\s*(?:{words})\s*[\]>]"),
            part(0, Some(level), Some(false)),
        ));
    }
    // Upper-case words; FAIL/PASS apart (the caller asks whether the label is one of them).
    for (level, words, fail_pass) in [
        (Debug, "TRACE|DEBUG|DBG", false),
        (Info, "INFO|NOTICE", false),
        (Info, "PASS|PASSED", true),
        (Warn, "WARN|WARNING", false),
        (Error, "ERROR|ERR", false),
        (Error, "FAIL|FAILED", true),
        (
            Critical,
            "FATAL|CRIT|CRITICAL|PANIC|SEVERE|EMERG|ALERT",
            false,
        ),
    ] {
        out.push((
            format!(r"(?-u)\b(?:{words})\b"),
            part(1, Some(level), Some(fail_pass)),
        ));
    }
    // `error:` `error[E0308]:`: a code of at most one letter holds no word; a longer one might
    // (`warning[panic1]:` is critical).
    const WORDS2: &str =
        "debug|info|notice|warn|warning|err|error|fatal|critical|crit|panic|severe";
    for (level, words) in [
        (Debug, "debug"),
        (Info, "info|notice"),
        (Warn, "warn|warning"),
        (Error, "err|error"),
        (Critical, "fatal|critical|crit|panic|severe"),
    ] {
        out.push((
            format!(r"(?i-u)(?:^|[\s\]\)>|])(?:{words})(?:\[[a-z]?[0-9]+\])?:(?:\s|$)"),
            part(2, Some(level), Some(false)),
        ));
    }
    out.push((
        format!(r"(?i-u)(?:^|[\s\]\)>|])(?:{WORDS2})\[[a-z]{{2,}}[0-9]+\]:(?:\s|$)"),
        part(2, None, Some(false)),
    ));
    // eslint detail lines
    for (level, word) in [(Error, "error"), (Warn, "warning")] {
        out.push((
            format!(r"(?-u)^\s+[0-9]+:[0-9]+\s+{word}\s"),
            part(3, Some(level), Some(false)),
        ));
    }
    // status symbols
    for (level, pat) in [
        (Info, "✓|✔|✅"),
        (Error, r"✗|✘|✕|✖|⨯|❌|^[ \t]*×[ \t]"),
        (Warn, "⚠"),
    ] {
        out.push((pat.to_string(), part(4, Some(level), Some(false))));
    }
    // webpack prefixes
    for (level, c) in [(Error, 'e'), (Info, 'i'), (Warn, 'w')] {
        out.push((format!(r"(?-u)^<{c}>\s"), part(5, Some(level), Some(false))));
    }
    // `XxxWarning:`: the prefix may hold any word (`FatalWarning:`, `FAILWarning:`).
    out.push((LABELS[6].to_string(), part(6, None, None)));
    // go test `ok  pkg 0.1s` (the package path may hold any word), cargo test `... ok`.
    for (pat, level) in [
        (r"(?-u)^ok\s+\S+\s+(?:[0-9]|\(cached\))", None),
        (r"(?-u)\.\.\. ok$", Some(Info)),
        (r"(?-u)^test result: ok\.", Some(Info)),
    ] {
        out.push((pat.to_string(), part(7, level, Some(false))));
    }
    debug_assert_eq!(out.len(), LABEL_SPLIT_LEN);
    out
}

/// What the label parts a line hit say together (bits at their `Detector::set` positions).
#[derive(Debug)]
pub(super) struct LabelParts {
    /// By level (`Level as usize`): the parts whose texts all have that level.
    level: [u64; 6],
    /// The parts whose texts all start with `FAIL`/`PASS`, and those whose texts never do.
    fail_pass: u64,
    not_fail_pass: u64,
    /// By `LABELS` pattern: its parts.
    of: Vec<u64>,
}

impl LabelParts {
    pub(super) fn new() -> LabelParts {
        let mut p = LabelParts {
            level: [0; 6],
            fail_pass: 0,
            not_fail_pass: 0,
            of: vec![0; LABELS.len()],
        };
        for (i, (_, part)) in label_split().iter().enumerate() {
            let bit = 1u64 << (SET_LABELS + i);
            if let Some(l) = part.level {
                p.level[l as usize] |= bit;
            }
            match part.fail_pass {
                Some(true) => p.fail_pass |= bit,
                Some(false) => p.not_fail_pass |= bit,
                None => {}
            }
            p.of[part.of] |= bit;
        }
        p
    }

    /// The leftmost label's level when the parts hit (`hits`, not empty) all name the same one.
    pub(super) fn level(&self, hits: u64) -> Option<Level> {
        let l = self.level.iter().position(|&m| hits & !m == 0)?;
        Some(Level::ALL[l])
    }

    /// Whether the leftmost label starts with `FAIL`/`PASS`, when the parts hit decide it.
    pub(super) fn fail_pass(&self, hits: u64) -> Option<bool> {
        if hits & !self.not_fail_pass == 0 {
            Some(false)
        } else if hits & !self.fail_pass == 0 {
            Some(true)
        } else {
            None
        }
    }

    /// The `LABELS` pattern every part hit (`hits`, not empty) belongs to, if there is one.
    pub(super) fn only_pattern(&self, hits: u64) -> Option<usize> {
        self.of.iter().position(|&m| hits & !m == 0)
    }
}

/// How many parts [`label_split`] makes.
pub(super) const LABEL_SPLIT_LEN: usize = 5 + 7 + 6 + 2 + 3 + 3 + 1 + 3;

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

/// `TAGS` in the set, split by kind into word parts and the rest (the two `TEST` patterns
/// merged): `(tag bit, whole words only, pattern)`. A word part matches only whole words
/// (`\bword\b`, word bytes between): its matches are maximal word runs, which never overlap
/// another word part's, and no word is in two kinds' parts. So when every tag part a line hits
/// is a word part, the non-overlapping leftmost-first matches of `TAGS` hit every one of them:
/// the tags are the union of their bits, with no search.
pub(super) const TAG_PARTS: &[(u32, bool, &str)] = &[
    (
        tags::BUILD,
        true,
        r"(?i-u)\b(?:re)?build(?:s|ing)?\b|\b(?:re)?built\b|\bbundl(?:e|ed|es|ing)\b|\bwebpack\b|\besbuild\b|\brollup\b|\bturbopack\b",
    ),
    (tags::BUILD, false, r"(?i-u)\btarget\(s\) in\b"),
    (
        tags::COMPILE,
        true,
        r"(?i-u)\b(?:re)?compil(?:e|ed|es|ing|ation|er)\b|\btsc\b",
    ),
    (
        tags::COMPILE,
        false,
        r"(?i-u)\berror\[E[0-9]{4}\]|\berror TS[0-9]+|\([0-9]+,[0-9]+\): (?:error|warning) TS[0-9]+|^\S+:[0-9]+:[0-9]+: (?:fatal )?(?:error|warning):",
    ),
    (
        tags::TEST,
        true,
        r"(?i-u)\btest(?:s|ing|ed)?\b|\bspecs?\b|\bjest\b|\bvitest\b|\bpytest\b|\bmocha\b|\brspec\b|(?-i:\b(?:PASS|PASSED|FAIL|FAILED)\b)",
    ),
    (
        tags::TEST,
        false,
        r"(?i-u)\b[0-9]+ (?:passed|failed|skipped|pending|passing|failing)\b|::test_|\.(?:test|spec)\.[cm]?[jt]sx?\b|\btest_[a-z0-9_]+|_test\.(?:go|py)\b|(?-i:^=== RUN|^--- (?:PASS|FAIL|SKIP)|^ok\s+\S+\s+(?:[0-9]|\(cached\)))",
    ),
    (
        tags::LINT,
        true,
        r"(?i-u)\b(?:es|style|py)?lint(?:s|er|ers|ing|ed)?\b|\bclippy\b|\bprettier\b|\bruff\b|\bflake8\b|\brubocop\b|\bmypy\b",
    ),
    (
        tags::LINT,
        false,
        r"(?i-u)\b[0-9]+ problems?\b|^\s+[0-9]+:[0-9]+\s+(?:error|warning)\s",
    ),
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
/// The structured field and the labels are there split by level ([`structured_split`],
/// [`label_split`]), so the hits alone usually name the level.
pub(super) const SET_STRUCTURED: usize = 0;
pub(super) const SET_LABELS: usize = SET_STRUCTURED + STRUCTURED_VALUES.len();
pub(super) const SET_HINTS: usize = SET_LABELS + LABEL_SPLIT_LEN;
pub(super) const SET_TAGS: usize = SET_HINTS + HINTS.len();
pub(super) const SET_STARTS: usize = SET_TAGS + TAG_PARTS.len();
pub(super) const SET_VITE: usize = SET_STARTS + STARTS.len() + STARTS_ANYWHERE.len();
pub(super) const SET_CONTINUATIONS: usize = SET_VITE + 1;
/// Not a detector: `://` (a URL may need blanking) or a line break (the visible part may be
/// shorter). A line that hits none of these is analysed as it is.
pub(super) const SET_REDO: usize = SET_CONTINUATIONS + CONTINUATIONS.len();
pub(super) const REDO: &str = r"(?-u)://|\r|\n";
pub(super) const SET_LEN: usize = SET_REDO + 1;

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
    let mut all = structured_split();
    all.extend(label_split().into_iter().map(|(p, _)| p));
    all.extend(HINTS.iter().map(|s| s.to_string()));
    all.extend(TAG_PARTS.iter().map(|(_, _, p)| p.to_string()));
    all.extend(start_patterns().0);
    all.push(VITE_ERROR.to_string());
    all.extend(CONTINUATIONS.iter().map(|s| s.to_string()));
    all.push(REDO.to_string());
    debug_assert_eq!(all.len(), SET_LEN);
    all
}
