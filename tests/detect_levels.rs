//! Level, tag, error-start and continuation detection on single lines, including the negative
//! cases (no error level for "0 errors", no URL-borne keywords, no false URLs).

use lfe::log::enrich::{tags, Detector, ErrorKind, Level};

fn lv(d: &Detector, line: &str) -> Level {
    d.analyze(line.as_bytes()).level
}

#[test]
fn level_formats() {
    let d = Detector::new();
    let cases: &[(&str, Level)] = &[
        ("[INFO] server started", Level::Info),
        ("[info] server started", Level::Info),
        ("INFO: server started", Level::Info),
        ("info: server started", Level::Info),
        ("2024-01-01T10:00:00Z INFO  api: listening", Level::Info),
        ("level=warn msg=slow", Level::Warn),
        ("lvl=dbug msg=x severity=ERROR", Level::Error),
        ("WARN deprecated option", Level::Warn),
        ("warning: unused import", Level::Warn),
        ("ERROR something broke", Level::Error),
        ("error: something broke", Level::Error),
        ("\x1b[31merror\x1b[39m: something broke", Level::Error),
        ("DEBUG cache hit", Level::Debug),
        ("[debug] cache hit", Level::Debug),
        ("TRACE enter fn", Level::Debug),
        ("CRITICAL disk failure", Level::Critical),
        ("FATAL out of memory", Level::Critical),
        ("fatal: not a git repository", Level::Critical),
        ("panic: boom", Level::Critical),
        (
            "thread 'main' panicked at src/main.rs:1:1:",
            Level::Critical,
        ),
        (" ✓ Compiled in 120ms", Level::Info),
        ("    ✗ should work", Level::Error),
        ("   × src/a.test.ts > adds 2ms", Level::Error),
        (" FAIL  src/a.test.js", Level::Error),
        (" PASS  src/a.test.js", Level::Info),
        ("--- FAIL: TestX (0.00s)", Level::Error),
        ("--- PASS: TestX (0.00s)", Level::Info),
        ("{\"level\":50,\"msg\":\"x\"}", Level::Error),
        (
            "{\"level\":30,\"msg\":\"ERROR in message text\"}",
            Level::Info,
        ),
        ("{\"level\":\"warn\",\"msg\":\"x\"}", Level::Warn),
        ("{\"level\":10,\"msg\":\"x\"}", Level::Debug),
        ("{\"level\":60,\"msg\":\"x\"}", Level::Critical),
        ("<w> [webpack-dev-server] overlay disabled", Level::Warn),
        ("<e> [webpack-dev-server] failed", Level::Error),
        (
            "(node:1) DeprecationWarning: Buffer() is deprecated",
            Level::Warn,
        ),
        (
            "TypeError: Cannot read properties of undefined",
            Level::Error,
        ),
        ("Uncaught (in promise) Error: nope", Level::Error),
        ("Tests:       1 failed, 3 passed, 4 total", Level::Error),
        ("Found 2 errors. Watching for file changes.", Level::Error),
        ("webpack compiled with 3 warnings", Level::Warn),
        ("Failed to compile.", Level::Error),
        ("Completed 500 Internal Server Error in 3ms", Level::Error),
        ("Compiled with warnings.", Level::Warn),
        ("npm ERR! code ELIFECYCLE", Level::Error),
    ];
    for (line, want) in cases {
        assert_eq!(lv(&d, line), *want, "{line:?}");
    }
}

#[test]
fn precise_negatives() {
    let d = Detector::new();
    for line in [
        "0 errors",
        "Found 0 errors. Watching for file changes.",
        "compiled with 0 errors and 0 warnings",
        "the build is error-free",
        "GET http://localhost:3000/error 200 in 12ms",
        "see https://example.com/docs/ERROR-codes/warning:x",
        "errors.go compiled",
        "handleError called",
        "no errors found",
        "at foo (file.js:12:3)",
        "Completed 200 OK in 12ms",
        "Stack trace:",
        "resolution 1920×1080 ✓",
        "plain boring line",
        "",
        "   ",
    ] {
        let a = d.analyze(line.as_bytes());
        assert!(a.level < Level::Warn, "{line:?}: {a:?}");
        assert_eq!(a.error, None, "{line:?}");
        assert_eq!(a.tags & (tags::ERROR | tags::WARNING), 0, "{line:?}");
    }
    // No URL in file positions or host:port without a scheme.
    for line in [
        "at foo (file.js:12:3)",
        "listening on 0.0.0.0:8080",
        "src/main.rs:2:5",
    ] {
        assert!(d.analyze(line.as_bytes()).urls.is_empty(), "{line:?}");
    }
}

#[test]
fn tags_from_text() {
    let d = Detector::new();
    let t = |l: &str| d.analyze(l.as_bytes()).tags;
    assert_eq!(t("vite v5.0.0 building for production..."), tags::BUILD);
    assert_eq!(t("✓ built in 1.20s"), tags::BUILD);
    assert_eq!(t("   Compiling demo v0.1.0 (/app)"), tags::COMPILE);
    assert_eq!(t("Running 12 tests"), tags::TEST);
    assert_eq!(t("eslint: 0 problems"), tags::LINT);
    assert_eq!(
        t("✖ 3 problems (1 error, 2 warnings)"),
        tags::LINT | tags::WARNING | tags::ERROR
    );
    assert_eq!(t("warning: unused variable"), tags::WARNING);
    assert_eq!(
        t("error[E0308]: mismatched types"),
        tags::COMPILE | tags::ERROR
    );
    assert_eq!(t("GET http://localhost/test/build 200"), 0);
    assert_eq!(
        t("    at run (/app/node_modules/jest/build/index.js:1:2)"),
        0
    );
}

#[test]
fn error_starts() {
    let d = Detector::new();
    let cases: &[(&str, ErrorKind)] = &[
        ("TypeError: x is not a function", ErrorKind::JavaScript),
        ("ReferenceError: foo is not defined", ErrorKind::JavaScript),
        ("SyntaxError: Unexpected token '<'", ErrorKind::JavaScript),
        ("Error: ENOENT: no such file", ErrorKind::JavaScript),
        ("RangeError [ERR_OUT_OF_RANGE]: bad", ErrorKind::JavaScript),
        ("Uncaught TypeError: x", ErrorKind::JavaScript),
        (
            "[UnhandledPromiseRejection: This error originated ...]",
            ErrorKind::JavaScript,
        ),
        ("Unhandled Rejection at: Promise", ErrorKind::JavaScript),
        (
            "panic: runtime error: invalid memory address",
            ErrorKind::GoPanic,
        ),
        (
            "fatal error: all goroutines are asleep - deadlock!",
            ErrorKind::GoPanic,
        ),
        ("Traceback (most recent call last):", ErrorKind::Python),
        ("ValueError: invalid literal for int()", ErrorKind::Python),
        ("KeyboardInterrupt", ErrorKind::Python),
        (
            "requests.exceptions.ConnectionError: refused",
            ErrorKind::Python,
        ),
        (
            "thread 'main' panicked at 'boom', src/main.rs:2:5",
            ErrorKind::RustPanic,
        ),
        (
            "thread 'tokio-runtime-worker' panicked at src/x.rs:1:1:",
            ErrorKind::RustPanic,
        ),
        ("error[E0308]: mismatched types", ErrorKind::Compiler),
        ("error: could not compile `x`", ErrorKind::Compiler),
        (
            "Exception in thread \"main\" java.lang.RuntimeException: x",
            ErrorKind::Java,
        ),
        ("java.lang.NullPointerException: null", ErrorKind::Java),
        (
            "org.springframework.beans.BeanCreationException: x",
            ErrorKind::Java,
        ),
        (
            "src/a.ts(3,5): error TS2322: Type 'string'",
            ErrorKind::Compiler,
        ),
        ("error TS6053: File 'x' not found.", ErrorKind::Compiler),
        ("src/a.c:1:2: error: expected ';'", ErrorKind::Compiler),
        (
            "main.c:3: fatal error: x.h: No such file",
            ErrorKind::Compiler,
        ),
        ("ERROR in ./src/index.js 3:0-28", ErrorKind::Compiler),
        (
            "10:00:00 AM [vite] Internal server error: x",
            ErrorKind::Compiler,
        ),
        ("Failed to compile.", ErrorKind::Compiler),
        ("✘ [ERROR] Could not resolve \"x\"", ErrorKind::Compiler),
        (" ⨯ Error: boom", ErrorKind::JavaScript),
        ("  ● Suite › test", ErrorKind::Generic),
        (
            "ActionController::RoutingError (No route matches [GET] \"/x\"):",
            ErrorKind::Generic,
        ),
        ("[ERROR] connection lost", ErrorKind::Generic),
    ];
    for (line, want) in cases {
        assert_eq!(d.analyze(line.as_bytes()).error, Some(*want), "{line:?}");
    }
    for line in [
        "    TypeError: inside an indented block",
        "Caused by: java.lang.NullPointerException",
        "the error word mid-line",
        "0 errors",
        "warning: unused",
        "FAIL\tpkg\t0.01s",
        "test result: FAILED. 1 passed; 1 failed",
    ] {
        assert_eq!(d.analyze(line.as_bytes()).error, None, "{line:?}");
    }
}

#[test]
fn continuations() {
    let d = Detector::new();
    for line in [
        "    at foo (file.js:1:2)",
        "  File \"x.py\", line 3, in f",
        "goroutine 1 [running]:",
        "\tmain.go:12 +0x1d",
        "main.main()",
        "net/http.(*conn).serve(0xc000120000, {0x6f5e10, 0xc000110000})",
        "created by net/http.(*Server).Serve in goroutine 1",
        "note: run with `RUST_BACKTRACE=1`",
        " --> src/main.rs:2:5",
        "  |",
        "2 |     let x = 1;",
        "  |     ^^^^^",
        "\tat com.x.Y(Y.java:1)",
        "\t... 3 more",
        "... 3 more",
        "Caused by: java.io.IOException: x",
        "During handling of the above exception, another exception occurred:",
        "E       assert 1 == 2",
        "tests/test_a.py:9: AssertionError",
        "  indented context",
    ] {
        let a = d.analyze(line.as_bytes());
        assert!(a.continuation, "{line:?}");
        assert_eq!(a.error, None, "{line:?}");
    }
    for line in [
        "plain",
        "",
        "    ",
        "   Compiling x v0.1.0",
        "    Finished `dev` profile",
        "  ✓ passes",
        " single space indent",
        "Error: x",
    ] {
        assert!(!d.analyze(line.as_bytes()).continuation, "{line:?}");
    }
}

#[test]
fn any_bytes_never_panic() {
    let d = Detector::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let alphabet: &[u8] =
        b"\x1b[]m;:/.()<>\"' \t0123456789httpswlocaERRORerrorwarn\xe2\x9c\x93\xff\x80ab:";
    for _ in 0..3000 {
        let mut line = Vec::new();
        for _ in 0..(x % 60) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            line.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        let a = d.analyze(&line);
        let stripped = lfe::log::enrich::strip_ansi(&line);
        assert_eq!(a, d.analyze_stripped_full(&stripped));
        x = x.wrapping_add(0x9e37);
    }
}

#[test]
fn detector_is_shareable() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Detector>();
    let d = std::sync::Arc::new(Detector::new());
    let handles: Vec<_> = (0..2)
        .map(|i| {
            let d = d.clone();
            std::thread::spawn(move || {
                for _ in 0..100 {
                    let a = d.analyze(format!("ERROR in worker {i}").as_bytes());
                    assert_eq!(a.level, Level::Error);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn more_formats() {
    let d = Detector::new();
    let e = |l: &str| d.analyze(l.as_bytes()).error;
    assert_eq!(
        e("ActionView::Template::Error (undefined method `x'):"),
        Some(ErrorKind::Generic)
    );
    assert_eq!(
        e("Exception: something went wrong"),
        Some(ErrorKind::Python)
    );
    assert_eq!(e("java.lang.Exception: checked"), Some(ErrorKind::Java));
    assert_eq!(
        e("src/a.ts:3:5 - error TS2322: Type 'string'"),
        Some(ErrorKind::Compiler)
    );
    assert_eq!(
        e("10:00:00 AM [vite] Pre-transform error: Failed to resolve import"),
        Some(ErrorKind::Compiler)
    );
    assert_eq!(
        e("main.go:10:2: ineffectual assignment to err (ineffassign)"),
        Some(ErrorKind::Compiler)
    );
    // Rust assert_eq! output: the aligned " right:" line continues the panic.
    let a = d.analyze(b" right: 2");
    assert!(a.continuation && a.error.is_none());
    assert!(d.analyze(b"  left: 1").continuation);
    assert_eq!(
        d.analyze(b"src/a.ts:3:5 - error TS2322: x").tags,
        tags::COMPILE | tags::ERROR
    );
}

#[test]
fn carriage_returns() {
    let d = Detector::new();
    // CRLF line endings do not break end-anchored patterns.
    let a = d.analyze(b"test tests::adds ... ok\r\n");
    assert_eq!(a.level, Level::Info);
    let a = d.analyze(b"RuntimeError (boom):\r");
    assert_eq!(a.error, Some(ErrorKind::Generic));
    // A progress bar redrawn with \r: only the last state counts.
    let a =
        d.analyze(b"building 10%\rERROR failed at 50%\rbuilt in 2s, see http://localhost:3000\r\n");
    assert_eq!(a.level, Level::Unknown);
    assert_eq!(a.tags, tags::BUILD);
    assert_eq!(a.urls, [b"http://localhost:3000/".to_vec()]);
    assert_eq!(lfe::log::enrich::visible_part(b"a\rb\r\n"), b"b");
    assert_eq!(lfe::log::enrich::visible_part(b"\r\r"), b"");
}
