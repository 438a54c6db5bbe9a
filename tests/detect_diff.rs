//! Differential test: the one-pass `Detector` against the frozen `OldDetector`
//! (`lfe_baselines::detect`) on every corpus line (`benches/data/*.log`, `tests/data/*.log`),
//! every string literal of the other `tests/detect_*.rs` files (their sample lines) and a
//! deterministic stream of generated lines built from the detectors' keywords, ANSI escapes and
//! URLs. Results must be equal except for the intended improvements in [`intended`].
//!
//! The old detector runs with today's URL finder (`OldDetector::with_current_url_finder`): the
//! URL boundaries changed on purpose in issue 21 (a URL ends at the first byte the URL grammar
//! forbids, a trailing partial UTF-8 sequence is dropped, `'` may be inside a path); those rules
//! are tested in `tests/detect_urls.rs`. Everything the classification decides is compared here.

use lfe::log::enrich::{strip_ansi, Analysis, Detector};
use lfe::log::urls::normalize;
use lfe_baselines::detect::OldDetector;

/// The targets of the OSC 8 hyperlinks in `line` (`ESC ] 8 ; params ; URI ST`) that contain
/// `://` — the URLs the new detector adds.
fn osc8_targets(line: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = find(&line[i..], b"\x1b]8;") {
        let body = i + p + 4;
        let end = line[body..]
            .iter()
            .position(|&b| b == 0x07 || b == 0x1b)
            .map_or(line.len(), |e| body + e);
        if let Some(semi) = line[body..end].iter().position(|&b| b == b';') {
            let uri = &line[body + semi + 1..end];
            if find(uri, b"://").is_some() {
                out.push(normalize(uri));
            }
        }
        i = body;
    }
    out
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The intended differences, each a predicate on the line; `None` when none applies (then the
/// analyses must be equal).
///
/// 1. **OSC 8 hyperlinks** (line contains `ESC ] 8 ;`): the old strip dropped the link target;
///    the new detector adds the normalised target URI to `urls` (when it is `scheme://...`, see
///    `enrich::is_link_url`, and is not already listed). Everything else is equal, and the
///    extra URLs are exactly such targets.
fn intended(line: &[u8], new: &Analysis, old: &Analysis) -> Option<&'static str> {
    if find(line, b"\x1b]8;").is_some() {
        let targets = osc8_targets(line);
        let mut n = new.clone();
        let mut o = old.clone();
        n.urls.retain(|u| !targets.contains(u));
        o.urls.retain(|u| !targets.contains(u));
        assert_eq!(n, o, "OSC 8 line differs beyond its link targets: {line:?}");
        return Some("osc8");
    }
    None
}

fn compare(new: &Detector, old: &OldDetector, line: &[u8], what: &str) -> bool {
    let a = new.analyze(line);
    let b = old.analyze(line);
    if a != b && intended(line, &a, &b).is_none() {
        panic!(
            "{what}: {:?}\n new {a:?}\n old {b:?}",
            String::from_utf8_lossy(line)
        );
    }
    // The stripped entry point agrees with the old one on the old strip (no OSC 8 there).
    let stripped = strip_ansi(line);
    assert_eq!(
        new.analyze_stripped(&stripped),
        old.analyze_stripped(&stripped),
        "{what} (stripped): {:?}",
        String::from_utf8_lossy(line)
    );
    a != b
}

fn corpus_files(dir: &str) -> Vec<(String, Vec<u8>)> {
    let path = format!("{}/{dir}", env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn corpora_agree() {
    let (new, old) = (Detector::new(), OldDetector::with_current_url_finder());
    let mut n = 0;
    for dir in ["benches/data", "tests/data"] {
        let files = corpus_files(dir);
        assert!(!files.is_empty(), "no corpus in {dir}");
        for (name, data) in files {
            for (i, line) in data.split_inclusive(|&b| b == b'\n').enumerate() {
                compare(&new, &old, line, &format!("{name}:{i}"));
                n += 1;
            }
        }
    }
    assert!(n > 2000, "only {n} corpus lines");
}

/// The string literals of a Rust source (`"..."`, `b"..."`, `r"..."`, `r#"..."#`), unescaped.
fn literals(src: &str) -> Vec<Vec<u8>> {
    let s = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        // Skip line comments (doc comments contain quotes).
        if s[i..].starts_with(b"//") {
            i += s[i..]
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(s.len() - i);
            continue;
        }
        if s[i] == b'\'' {
            // A char literal such as '"' or '\''; lifetimes have no closing quote nearby.
            if s.get(i + 2) == Some(&b'\'') {
                i += 3;
                continue;
            }
            if s.get(i + 1) == Some(&b'\\') && s.get(i + 3) == Some(&b'\'') {
                i += 4;
                continue;
            }
        }
        let raw = s[i] == b'r'
            && (i == 0 || !s[i - 1].is_ascii_alphanumeric() || s[i - 1] == b'b')
            && matches!(s.get(i + 1), Some(b'"' | b'#'));
        if raw {
            let hashes = s[i + 1..].iter().take_while(|&&b| b == b'#').count();
            if s.get(i + 1 + hashes) == Some(&b'"') {
                let start = i + 2 + hashes;
                let mut close = vec![b'"'];
                close.extend(std::iter::repeat_n(b'#', hashes));
                let end = start + find(&s[start..], &close).expect("raw string closes");
                out.push(s[start..end].to_vec());
                i = end + close.len();
                continue;
            }
        }
        if s[i] == b'"' {
            let mut v = Vec::new();
            i += 1;
            while i < s.len() && s[i] != b'"' {
                if s[i] == b'\\' {
                    i += 1;
                    match s[i] {
                        b'n' => v.push(b'\n'),
                        b'r' => v.push(b'\r'),
                        b't' => v.push(b'\t'),
                        b'0' => v.push(0),
                        b'x' => {
                            let h = std::str::from_utf8(&s[i + 1..i + 3]).unwrap();
                            v.push(u8::from_str_radix(h, 16).unwrap());
                            i += 2;
                        }
                        b'u' => {
                            let close = i + s[i..].iter().position(|&b| b == b'}').unwrap();
                            let h = std::str::from_utf8(&s[i + 2..close]).unwrap();
                            let c = char::from_u32(u32::from_str_radix(h, 16).unwrap()).unwrap();
                            v.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                            i = close;
                        }
                        b'\n' => {
                            // Line continuation: skip the newline and leading whitespace.
                            while i + 1 < s.len() && s[i + 1].is_ascii_whitespace() {
                                i += 1;
                            }
                        }
                        c => v.push(c),
                    }
                    i += 1;
                    continue;
                }
                v.push(s[i]);
                i += 1;
            }
            out.push(v);
        }
        i += 1;
    }
    out
}

#[test]
fn literal_extraction_works() {
    let l = literals(concat!(
        "let a = \"x\\x1b[1my\"; // \"comment\"\n",
        "let b = br#\"q\"u\"#; let c = '\"'; let d = \"\\u{2713} \";\n"
    ));
    assert_eq!(
        l,
        vec![
            b"x\x1b[1my".to_vec(),
            b"q\"u".to_vec(),
            "\u{2713} ".as_bytes().to_vec()
        ]
    );
}

#[test]
fn test_samples_agree() {
    let (new, old) = (Detector::new(), OldDetector::with_current_url_finder());
    let dir = format!("{}/tests", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("detect_") && name.ends_with(".rs")
        })
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for p in files {
        let src = std::fs::read_to_string(&p).unwrap();
        for lit in literals(&src) {
            // Whole literal (tables are multi-line) and each of its lines.
            compare(&new, &old, &lit, &p.display().to_string());
            for line in lit.split(|&b| b == b'\n') {
                compare(&new, &old, line, &p.display().to_string());
                n += 1;
            }
        }
    }
    assert!(n > 300, "only {n} sample lines");
}

/// Pieces the generated lines are made of: the detectors' keywords in several cases, status
/// symbols, escapes (complete and cut), URLs, separators.
const PIECES: &[&str] = &[
    "error",
    "Error",
    "ERROR",
    "error:",
    "error[E0308]:",
    "warning",
    "WARN",
    "warn:",
    "info",
    "INFO",
    "[info]",
    "<w> ",
    "<e> ",
    "debug",
    "trace",
    "fatal",
    "panic: ",
    "panicked at",
    "thread 'main' panicked at",
    "Traceback (most recent call last):",
    "TypeError: ",
    "Uncaught ",
    "Exception",
    "java.lang.IllegalStateException: ",
    "Caused by:",
    "at ",
    "  at foo (a.js:1:2)",
    "-->",
    " | ",
    "^^^",
    "~~~",
    "... 3 more",
    "note:",
    "help:",
    "goroutine 1 [running]:",
    "created by ",
    "main.main()",
    "src/a.rs:1:2: error: ",
    "x.go:3:4: ",
    "error TS2322:",
    "(1,2): error TS2322: x",
    "ERROR in ",
    "Failed to compile",
    "failed to load",
    "build failed",
    "compiled with warnings",
    "3 errors",
    "1 warning",
    "2 problems",
    "Completed 500",
    "level=warn",
    "\"level\":50",
    "lvl=info",
    "severity: error",
    "log_level=debug",
    "PASS",
    "FAIL",
    "--- FAIL: ",
    "=== RUN",
    "ok  \tpkg\t0.1s",
    "test result: ok.",
    "... ok",
    "test_foo",
    "::test_",
    ".test.js",
    "_test.go",
    "jest",
    "pytest",
    "eslint",
    "lint",
    "clippy",
    "webpack",
    "build",
    "rebuilt",
    "compiling",
    "Compiling",
    "tsc",
    "target(s) in",
    "3 passed",
    "DeprecationWarning:",
    "✓",
    "✔",
    "✅",
    "✗",
    "✘",
    "✕",
    "✖",
    "⨯",
    "❌",
    "⚠",
    "×",
    "●",
    "○",
    "➜",
    "▲",
    "1920×1080",
    "[vite] ",
    "[vite] Internal server error",
    "(node:123) ",
    "Foo::BarError",
    "Error (x):",
    "___ test ___",
    "fatal: ",
    "FAILED ",
    "E ",
    "> ",
    "= note",
    "@ ",
    "|",
    "http://localhost:3000",
    "https://Example.COM/a?b=(c)",
    "ws://[::1]:8080/x",
    "http://",
    "://",
    "http://a.b/c.",
    "\x1b[31m",
    "\x1b[0m",
    "\x1b[1;2",
    "\x1b]0;title\x07",
    "\x1b]8;;http://Link.Example/p\x1b\\",
    "\x1b]8;id=1;https://x.y/z\x07",
    "\x1b]8;;\x1b\\",
    "\x1bP q\x1b\\",
    "\x1b(B",
    "\x1b",
    "\x1b\x1b[",
    "\r",
    "\n",
    "\t",
    "  ",
    " ",
    "\x0b",
    ":",
    "1",
    "42",
    "(",
    ")",
    "[",
    "]",
    "\"",
    "'",
    "x",
    "foo",
    "é",
    "\u{2028}",
    "\u{ff}",
    "_",
];

#[test]
fn generated_lines_agree() {
    let (new, old) = (Detector::new(), OldDetector::with_current_url_finder());
    // xorshift: deterministic, so a failure reproduces.
    let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut osc8 = 0;
    for _ in 0..60_000 {
        let parts = 1 + next() % 7;
        let mut line = Vec::new();
        for _ in 0..parts {
            let r = next();
            if r % 11 == 0 {
                // A random byte now and then.
                line.push((r >> 8) as u8);
            } else {
                line.extend_from_slice(PIECES[(r >> 8) as usize % PIECES.len()].as_bytes());
            }
        }
        if compare(&new, &old, &line, "generated") {
            osc8 += 1;
        }
    }
    // The OSC 8 exception was exercised (and checked) at least once.
    assert!(osc8 > 0);
}
