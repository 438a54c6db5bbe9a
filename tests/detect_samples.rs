//! Realistic tool output (with ANSI colours) from `tests/data/*.log`, line by line: exact level,
//! tags, error start and continuation for every line (lines not listed detect nothing), the
//! normalised URLs in order, and the error groups (kind, first line, the seqs that joined).
//! The dev-server samples (`check_keys`) list only their key lines.

use lfe::log::enrich::{strip_ansi, tags, Analysis, Detector, ErrorKind, Level};
use lfe::log::errors::{ErrorGrouper, GroupConfig};
use lfe::log::urls::UrlList;
use std::collections::BTreeMap;

fn level(s: &str) -> Level {
    match s {
        "Unknown" => Level::Unknown,
        "Debug" => Level::Debug,
        "Info" => Level::Info,
        "Warn" => Level::Warn,
        "Error" => Level::Error,
        "Critical" => Level::Critical,
        _ => panic!("bad level {s}"),
    }
}

fn tag_bits(s: &str) -> u32 {
    s.chars()
        .map(|c| match c {
            '-' => 0,
            'B' => tags::BUILD,
            'T' => tags::TEST,
            'L' => tags::LINT,
            'C' => tags::COMPILE,
            'W' => tags::WARNING,
            'E' => tags::ERROR,
            _ => panic!("bad tag {c}"),
        })
        .fold(0, |a, b| a | b)
}

fn kind(s: &str) -> Option<ErrorKind> {
    Some(match s {
        "-" => return None,
        "JavaScript" => ErrorKind::JavaScript,
        "GoPanic" => ErrorKind::GoPanic,
        "Python" => ErrorKind::Python,
        "RustPanic" => ErrorKind::RustPanic,
        "Java" => ErrorKind::Java,
        "Compiler" => ErrorKind::Compiler,
        "Generic" => ErrorKind::Generic,
        _ => panic!("bad kind {s}"),
    })
}

/// What a row expects of its line: `(level, tags, error kind, continuation)`; tags `None`
/// when the row leaves them unchecked.
type Want = (Level, Option<u32>, Option<ErrorKind>, bool);

/// `table`: one row per line, `index level tags kind continuation`, e.g. `9 Error CE Compiler -`
/// (`-`: no tag, no kind, not a continuation; `c`: a continuation; tags `?`: not checked).
fn rows(table: &str) -> BTreeMap<usize, Want> {
    let mut rows = BTreeMap::new();
    for row in table.lines().map(str::trim).filter(|r| !r.is_empty()) {
        let f: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(f.len(), 5, "bad row {row:?}");
        let tags = (f[2] != "?").then(|| tag_bits(f[2]));
        let want = (level(f[1]), tags, kind(f[3]), f[4] == "c");
        assert!(
            rows.insert(f[0].parse().unwrap(), want).is_none(),
            "row {row:?} twice"
        );
    }
    rows
}

type Groups<'a> = &'a [(ErrorKind, &'a str, &'a [u64])];

/// A sample whose table lists every line that detects something (the others detect nothing).
fn check(file: &str, table: &str, groups: Groups<'_>, urls: &[&str]) {
    check_sample(file, table, true, Some(groups), urls);
}

/// A dev-server sample whose table lists only the lines that matter (the others are not
/// checked), with the error groups when given.
fn check_keys(file: &str, table: &str, groups: Option<Groups<'_>>, urls: &[&str]) {
    check_sample(file, table, false, groups, urls);
}

/// Runs the sample through the detector, the error grouper and the URL list, line by line, and
/// checks the rows, the URLs in order, the URL list (distinct, latest first) and the groups.
fn check_sample(
    file: &str,
    table: &str,
    every_line: bool,
    groups: Option<Groups<'_>>,
    urls: &[&str],
) {
    let data = std::fs::read(format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let d = Detector::new();
    let mut grouper = ErrorGrouper::new(GroupConfig::default());
    let mut list = UrlList::new(16);
    let mut want = rows(table);
    let mut seen_urls = Vec::new();
    for (i, line) in data.split(|&b| b == b'\n').enumerate() {
        let text = strip_ansi(line);
        let mut a = d.analyze(line);
        let full = d.analyze_stripped_full(&text);
        // The shortcuts of the one-pass analysis change nothing.
        assert_eq!(d.analyze_stripped(&text), full, "{file}:{i} prefilter");
        if every_line {
            // No OSC 8 link targets in these samples: the raw line adds nothing to its text.
            assert_eq!(a, full, "{file}:{i} raw line");
        }
        grouper.feed(7, i as u64, i as u64 * 1_000, &text, &a);
        for u in a.urls.drain(..) {
            list.record(&u, 7, i as u64);
            seen_urls.push(String::from_utf8(u).unwrap());
        }
        let shown = String::from_utf8_lossy(&text);
        match want.remove(&i) {
            Some(w) => assert_eq!(
                (a.level, w.1.map(|_| a.tags), a.error, a.continuation),
                w,
                "{file}:{i} {shown:?}"
            ),
            None if every_line => assert_eq!(a, Analysis::default(), "{file}:{i} {shown:?}"),
            None => {}
        }
    }
    assert!(want.is_empty(), "{file}: rows past the end {want:?}");
    assert_eq!(seen_urls, urls, "{file} urls");
    if let Some(groups) = groups {
        let got: Vec<(ErrorKind, String, Vec<u64>)> = grouper
            .groups()
            .into_iter()
            .map(|g| (g.kind, String::from_utf8(g.first_line).unwrap(), g.seqs))
            .collect();
        let want: Vec<(ErrorKind, String, Vec<u64>)> = groups
            .iter()
            .map(|(k, l, s)| (*k, l.to_string(), s.to_vec()))
            .collect();
        assert_eq!(got, want, "{file} groups");
    }
    let mut distinct: Vec<&str> = Vec::new();
    for u in urls.iter().rev() {
        if !distinct.contains(u) {
            distinct.push(u);
        }
    }
    let listed: Vec<String> = list
        .list()
        .into_iter()
        .map(|e| String::from_utf8(e.url).unwrap())
        .collect();
    assert_eq!(listed, distinct, "{file} url list");
}

#[test]
fn cargo() {
    check(
        "cargo.log",
        "
0 Unknown C - -
1 Warn W - -
2 Unknown - - c
3 Unknown - - c
4 Unknown - - c
5 Unknown - - c
6 Unknown - - c
7 Unknown - - c
9 Error CE Compiler -
10 Unknown - - c
11 Unknown - - c
12 Unknown - - c
13 Unknown - - c
16 Warn W - -
17 Error CWE Compiler -
18 Unknown B - -
20 Critical E RustPanic -
22 Unknown - - c
23 Info T - -
24 Error TE - -
25 Error TE - -
",
        &[
            (ErrorKind::Compiler, "error[E0308]: mismatched types", &[9, 10, 11, 12, 13]),
            (ErrorKind::Compiler, "error: could not compile `demo` (bin \"demo\") due to 1 previous error; 1 warning emitted", &[17]),
            (ErrorKind::RustPanic, "thread 'main' panicked at src/main.rs:4:5:", &[20, 21, 22]),
        ],
        &[],
    );
}

#[test]
fn eslint() {
    check(
        "eslint.log",
        "
2 Error LE - c
3 Warn LW - c
5 Error LWE Generic -
",
        &[(
            ErrorKind::Generic,
            "✖ 2 problems (1 error, 1 warning)",
            &[5],
        )],
        &[],
    );
}

#[test]
fn go_test() {
    check(
        "go_test.log",
        "
0 Unknown T - -
1 Info T - -
2 Unknown T - -
3 Error TE Generic -
4 Unknown T - c
5 Error TE - -
6 Error TE - -
7 Info T - -
8 Info T - -
9 Critical E GoPanic -
11 Unknown - - c
12 Unknown - - c
13 Unknown - - c
15 Error CE Compiler -
",
        &[
            (ErrorKind::Generic, "--- FAIL: TestSub (0.00s)", &[3, 4]),
            (
                ErrorKind::GoPanic,
                "panic: runtime error: index out of range [5] with length 3",
                &[9, 11, 12, 13],
            ),
            (ErrorKind::Compiler, "./main.go:5:2: undefined: foo", &[15]),
        ],
        &[],
    );
}

#[test]
fn java() {
    check(
        "java.log",
        "
0 Error E Java -
1 Unknown - - c
2 Unknown - - c
3 Unknown - - c
4 Unknown - - c
5 Unknown - - c
",
        &[(
            ErrorKind::Java,
            "Exception in thread \"main\" java.lang.IllegalStateException: boom",
            &[0, 1, 2, 3, 4, 5],
        )],
        &[],
    );
}

#[test]
fn jest() {
    check(
        "jest.log",
        "
0 Error TE - -
1 Unknown - - c
2 Info - - -
3 Error E Generic -
5 Error E Generic -
7 Unknown - - c
9 Unknown - - c
10 Unknown - - c
12 Unknown T - c
13 Unknown - - c
14 Unknown - - c
16 Unknown - - c
18 Error TE - -
19 Error TE - -
22 Unknown T - -
23 Info T - -
",
        &[
            (ErrorKind::Generic, "    ✕ subtracts (3 ms)", &[3]),
            (
                ErrorKind::Generic,
                "  ● Calculator › subtracts",
                &[5, 7, 9, 10, 12, 13, 14, 16],
            ),
        ],
        &[],
    );
}

#[test]
fn next() {
    check(
        "next.log",
        "
3 Info - - -
4 Unknown C - -
5 Info C - -
6 Warn W - -
7 Error E Generic -
11 Error E JavaScript -
12 Unknown - - c
13 Unknown - - c
14 Info C - -
",
        &[
            (ErrorKind::Generic, " ⨯ ./app/page.tsx:3:1", &[7, 8]),
            (ErrorKind::JavaScript, " ⨯ Error: boom", &[11, 12, 13]),
        ],
        &[
            "http://localhost:3000/",
            "https://nextjs.org/docs/messages/module-not-found",
        ],
    );
}

#[test]
fn node() {
    check(
        "node.log",
        "
1 Unknown - - c
2 Unknown - - c
3 Unknown - - c
5 Error E JavaScript -
6 Unknown - - c
7 Unknown - - c
10 Error E JavaScript -
11 Error E JavaScript -
12 Warn W - -
13 Info - - -
14 Error E Generic -
15 Warn W - -
16 Debug - - -
17 Critical E Generic -
18 Info - - -
19 Error E Generic -
20 Debug - - -
21 Info - - -
22 Warn W - -
23 Critical E Generic -
24 Error CE Compiler -
25 Error CE Compiler -
27 Error E - -
28 Unknown B - -
",
        &[
            (ErrorKind::JavaScript, "Error: boom", &[5, 6, 7]),
            (ErrorKind::JavaScript, "Uncaught ReferenceError: foo is not defined", &[10]),
            (ErrorKind::JavaScript, "(node:4242) UnhandledPromiseRejectionWarning: TypeError: Cannot read properties of undefined (reading 'x')", &[11]),
            (ErrorKind::Generic, "{\"level\":50,\"time\":1700000000001,\"pid\":4242,\"msg\":\"db down\"}", &[14]),
            (ErrorKind::Generic, "{\"level\":60,\"msg\":\"out of memory\"}", &[17]),
            (ErrorKind::Generic, "time=2024-01-01T10:00:01Z level=error msg=\"connect failed\" err=\"dial tcp\"", &[19]),
            (ErrorKind::Generic, "CRITICAL: out of disk", &[23]),
            (ErrorKind::Compiler, "src/a.ts(3,5): error TS2322: Type 'string' is not assignable to type 'number'.", &[24]),
            (ErrorKind::Compiler, "src/lib.c:1:2: error: expected ';' before '}' token", &[25]),
        ],
        &["http://localhost:4000/", "http://localhost:4000/error"],
    );
}

#[test]
fn pytest() {
    check(
        "pytest.log",
        "
0 Unknown T - -
1 Unknown T - -
5 Unknown T - -
8 Error TE Generic -
10 Unknown T - c
11 Unknown - - c
12 Unknown - - c
13 Unknown - - c
15 Unknown T - c
16 Unknown T - -
17 Error TE Generic -
18 Error TE - -
",
        &[
            (
                ErrorKind::Generic,
                "___________________________________ test_sub ___________________________________",
                &[8, 10, 11, 12, 13, 15],
            ),
            (
                ErrorKind::Generic,
                "FAILED tests/test_calc.py::test_sub - assert 1 == 2",
                &[17],
            ),
        ],
        &[],
    );
}

#[test]
fn rails() {
    check(
        "rails.log",
        "
9 Error E - -
13 Error E Generic -
15 Unknown - - c
18 Error E Generic -
",
        &[
            (ErrorKind::Generic, "RuntimeError (boom):", &[13, 15]),
            (
                ErrorKind::Generic,
                "E, [2024-01-01T10:00:06.123456 #4242] ERROR -- : Redis connection refused",
                &[18],
            ),
        ],
        &["http://127.0.0.1:3000/", "http://[::1]:3000/"],
    );
}

#[test]
fn uvicorn() {
    check(
        "uvicorn.log",
        "
0 Info - - -
1 Info - - -
2 Info - - -
3 Info - - -
4 Error E Generic -
5 Error E Python -
6 Unknown - - c
7 Unknown - - c
8 Unknown - - c
9 Error E Python -
10 Warn W - -
11 Info - - -
",
        // The `ERROR:` log header opens the group of the traceback right after it (issue 21).
        &[(
            ErrorKind::Python,
            "ERROR:    Exception in ASGI application",
            &[4, 5, 6, 7, 8, 9],
        )],
        &["http://127.0.0.1:8000/"],
    );
}

#[test]
fn vite() {
    check(
        "vite.log",
        "
1 Unknown - - c
6 Error CE Compiler -
7 Unknown - - c
8 Unknown - - c
9 Unknown - - c
10 Unknown - - c
11 Unknown - - c
",
        &[
            (ErrorKind::Compiler, "10:21:09 AM [vite] Internal server error: Failed to resolve import \"./Missing\" from \"src/App.tsx\". Does the file exist?", &[6, 7, 8, 9, 10, 11]),
        ],
        &["http://localhost:5173/"],
    );
}

#[test]
fn webpack() {
    check(
        "webpack.log",
        "
0 Info B - -
1 Info B - -
2 Info B - -
4 Error CE Compiler -
5 Error E Generic -
6 Unknown - - c
8 Error BCE - -
9 Unknown BC - -
10 Warn W - -
11 Warn BCW - -
",
        &[(
            ErrorKind::Compiler,
            "ERROR in ./src/index.js 3:0-28",
            &[4, 5, 6],
        )],
        &["http://localhost:8080/", "http://192.168.1.23:8080/"],
    );
}

#[test]
fn astro_dev() {
    check_keys(
        "astro.log",
        "
3 Unknown ? - -
7 Unknown ? - -
9 Warn ? - -
10 Error ? Compiler -
11 Unknown ? - c
15 Unknown ? - c
16 Unknown ? - c
17 Unknown ? - -
",
        Some(&[(
            ErrorKind::Compiler,
            "14:02:25 [ERROR] [vite] Internal server error: Unexpected token (3:9)",
            &[10, 11, 12, 13, 14, 15, 16],
        )]),
        &["http://localhost:4321/"],
    );
}

#[test]
fn remix_dev() {
    check_keys(
        "remix.log",
        "
2 Unknown ? - -
5 Error ? JavaScript -
6 Unknown ? - c
8 Unknown ? - -
9 Warn ? - -
",
        Some(&[(
            ErrorKind::JavaScript,
            "Error: Could not find a matching route for /dashboard/settings",
            &[5, 6, 7],
        )]),
        &["http://localhost:3000/", "http://192.168.0.12:3000/"],
    );
}

#[test]
fn nuxt_dev() {
    check_keys(
        "nuxt.log",
        "
2 Unknown ? - -
6 Info ? - -
9 Error ? Generic -
10 Unknown ? - c
11 Unknown ? - c
12 Warn ? - -
",
        Some(&[(
            ErrorKind::Generic,
            " ERROR  [nuxt] [request error] [unhandled] [500] Cannot read properties of undefined (reading 'name')",
            &[9, 10, 11],
        )]),
        &["http://localhost:3000/"],
    );
}

#[test]
fn django_runserver() {
    check_keys(
        "django.log",
        "
6 Unknown ? - -
9 Unknown ? - -
11 Error ? Generic -
12 Error ? Python -
13 Unknown ? - c
17 Error ? Python -
18 Unknown ? - -
",
        // Django's `Internal Server Error: /path` has no timestamp or `LEVEL:` prefix, so it is
        // not a log header: the traceback makes its own group.
        Some(&[
            (
                ErrorKind::Generic,
                "Internal Server Error: /polls/3/vote/",
                &[11],
            ),
            (
                ErrorKind::Python,
                "Traceback (most recent call last):",
                &[12, 13, 14, 15, 16, 17],
            ),
        ]),
        &["http://127.0.0.1:8000/"],
    );
}

#[test]
fn flask_dev() {
    check_keys(
        "flask.log",
        "
2 Warn ? - -
4 Unknown ? - -
5 Unknown ? - -
10 Unknown ? - -
11 Error ? Generic -
12 Error ? Python -
17 Error ? Python -
18 Unknown ? - -
",
        // The timestamped `ERROR in app:` header opens the traceback's group (issue 21).
        Some(&[(
            ErrorKind::Python,
            "[2024-01-01 12:00:02,345] ERROR in app: Exception on /items/7 [GET]",
            &[11, 12, 13, 14, 15, 16, 17],
        )]),
        &["http://127.0.0.1:5000/", "http://[::1]:5000/"],
    );
}

#[test]
fn phoenix_dev() {
    check_keys(
        "phoenix.log",
        "
0 Info ? - -
1 Info ? - -
6 Debug ? - -
7 Unknown ? - c
12 Error ? Generic -
17 Unknown ? - c
18 Warn ? - -
",
        Some(&[(
            ErrorKind::Generic,
            "[error] ** (ArgumentError) errors were found at the given arguments:",
            &[12, 14, 16, 17],
        )]),
        &[
            "http://localhost:4000/",
            "ws://localhost:4000/phoenix/live_reload/socket/websocket?vsn=2.0.0",
        ],
    );
}

#[test]
fn go_server() {
    check_keys(
        "go_server.log",
        "
1 Unknown ? - -
3 Info ? - -
4 Warn ? - -
5 Error ? Generic -
6 Error ? Generic -
7 Unknown ? - c
13 Unknown ? - c
14 Unknown ? - -
",
        Some(&[
            (
                ErrorKind::Generic,
                "time=2024-01-01T12:00:04.000Z level=ERROR msg=\"upstream failed\" url=http://localhost:9000/v1/items err=\"connection refused\"",
                &[5],
            ),
            (
                ErrorKind::Generic,
                "2024/01/01 12:00:05 http: panic serving 127.0.0.1:51234: runtime error: index out of range [3] with length 3",
                &[6, 7, 8, 9, 10, 11, 12, 13],
            ),
        ]),
        &["http://[::]:8080/", "http://localhost:9000/v1/items"],
    );
}

#[test]
fn tsc_watch() {
    check_keys(
        "tsc.log",
        "
0 Unknown ? - -
2 Error ? Compiler -
7 Error ? Compiler -
12 Error ? - -
13 Error ? Compiler -
",
        None,
        &[],
    );
}

#[test]
fn vitest_watch() {
    check_keys(
        "vitest.log",
        "
3 Info ? - -
4 Error ? - -
5 Error ? Generic -
6 Unknown ? - c
10 Error ? - -
14 Error ? - -
",
        None,
        &["http://localhost:51204/__vitest__/"],
    );
}

/// IPv6 literals, ws/wss, colour codes inside URLs, OSC 8 hyperlinks (the link target is part
/// of the escape sequence and is not reported; a URL in the visible text is), JSON, bytes the
/// URL grammar forbids, and a cut UTF-8 sequence at the end of the line.
#[test]
fn url_edges() {
    check_keys(
        "url_edges.log",
        "
0 Unknown ? - -
4 Unknown ? - -
",
        Some(&[]),
        &[
            "http://[::1]:3000/",
            "http://[2001:db8::7]:8443/api",
            "ws://localhost:24678/",
            "wss://dev.example.test/socket?token=abc123",
            "http://localhost:5173/app/",
            // The OSC 8 link target (its visible text, "the docs", is not a URL).
            "http://localhost:8080/docs",
            "http://localhost:8080/",
            "http://localhost:4000/graphql",
            "ws://localhost:4000/graphql",
            "http://localhost:3000/a",
            "http://localhost:3000/c",
            "http://localhost:3000/e",
            "http://localhost:3000/x",
            "http://localhost:3000/y",
            "http://localhost:3000/caf\u{e9}/",
        ],
    );
}
