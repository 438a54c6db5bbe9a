//! Error grouping: per-process groups, joining, closing on gap / max_lines / time, bounds.

use lfe::log::enrich::{strip_ansi, Detector, ErrorKind};
use lfe::log::errors::{ErrorGroup, ErrorGrouper, GroupConfig};

struct Feeder {
    d: Detector,
    g: ErrorGrouper,
    seq: u64,
}

impl Feeder {
    fn new(cfg: GroupConfig) -> Feeder {
        Feeder {
            d: Detector::new(),
            g: ErrorGrouper::new(cfg),
            seq: 0,
        }
    }

    /// Feeds one line of `pid` at `ts`; returns its seq.
    fn line(&mut self, pid: u64, ts: u64, line: &str) -> u64 {
        let seq = self.seq;
        self.seq += 1;
        let text = strip_ansi(line.as_bytes());
        let a = self.d.analyze(line.as_bytes());
        self.g.feed(pid, seq, ts, &text, &a);
        seq
    }
}

fn summary(g: &[ErrorGroup]) -> Vec<(u64, ErrorKind, Vec<u64>, bool)> {
    g.iter()
        .map(|g| (g.process_id, g.kind, g.seqs.clone(), g.closed))
        .collect()
}

#[test]
fn interleaved_processes_keep_separate_groups() {
    let mut f = Feeder::new(GroupConfig::default());
    f.line(1, 0, "TypeError: a is undefined"); // 0
    f.line(2, 1, "panic: boom"); // 1
    f.line(1, 2, "    at f (a.js:1:1)"); // 2
    f.line(2, 3, ""); // 3 blank: neutral
    f.line(2, 4, "goroutine 1 [running]:"); // 4
    f.line(1, 5, "    at g (a.js:2:1)"); // 5
    f.line(2, 6, "main.main()"); // 6
    f.line(2, 7, "\t/app/main.go:8 +0x1d"); // 7
    f.line(1, 8, "server restarted"); // 8 closes p1's group
    f.line(3, 9, "    at orphan (x.js:1:1)"); // 9 continuation without a group
    let g = f.g.groups();
    assert_eq!(
        summary(&g),
        [
            (1, ErrorKind::JavaScript, vec![0, 2, 5], true),
            (2, ErrorKind::GoPanic, vec![1, 4, 6, 7], false),
        ]
    );
    assert_eq!(g[0].first_line, b"TypeError: a is undefined");
    assert_eq!((g[0].first_ns, g[0].last_ns), (0, 5));
    assert_eq!((g[1].first_ns, g[1].last_ns), (1, 7));
    assert!(g[0].id < g[1].id);
    f.line(2, 10, "exit status 2");
    assert!(f.g.groups()[1].closed);
}

#[test]
fn new_error_closes_the_open_group() {
    let mut f = Feeder::new(GroupConfig::default());
    f.line(1, 0, "Error: one");
    f.line(1, 1, "    at a (a.js:1:1)");
    f.line(1, 2, "Error: two");
    f.line(1, 3, "    at b (b.js:1:1)");
    assert_eq!(
        summary(&f.g.groups()),
        [
            (1, ErrorKind::JavaScript, vec![0, 1], true),
            (1, ErrorKind::JavaScript, vec![2, 3], false),
        ]
    );
}

#[test]
fn closes_on_time_gap() {
    let cfg = GroupConfig {
        max_gap_ns: 100,
        ..GroupConfig::default()
    };
    let mut f = Feeder::new(cfg);
    f.line(1, 1_000, "Error: x");
    f.line(1, 1_100, "    at a (a.js:1:1)"); // exactly max_gap later: joins
    f.line(1, 1_201, "    at b (a.js:2:1)"); // 101 later: closes, does not join
    f.line(2, 5_000, "Error: y");
    assert_eq!(
        summary(&f.g.groups()),
        [
            (1, ErrorKind::JavaScript, vec![0, 1], true),
            (2, ErrorKind::JavaScript, vec![3], false)
        ]
    );
}

#[test]
fn closes_at_max_lines() {
    let cfg = GroupConfig {
        max_lines: 3,
        ..GroupConfig::default()
    };
    let mut f = Feeder::new(cfg);
    f.line(1, 0, "Error: x");
    for i in 1..6 {
        f.line(1, i, "    at a (a.js:1:1)");
    }
    assert_eq!(
        summary(&f.g.groups()),
        [(1, ErrorKind::JavaScript, vec![0, 1, 2], true)]
    );

    let mut one = Feeder::new(GroupConfig {
        max_lines: 1,
        ..GroupConfig::default()
    });
    one.line(1, 0, "Error: x");
    one.line(1, 1, "    at a (a.js:1:1)");
    assert_eq!(
        summary(&one.g.groups()),
        [(1, ErrorKind::JavaScript, vec![0], true)]
    );
}

#[test]
fn capacity_drops_oldest_and_open_state() {
    let cfg = GroupConfig {
        capacity: 2,
        ..GroupConfig::default()
    };
    let mut f = Feeder::new(cfg);
    f.line(1, 0, "Error: a"); // 0, open for p1
    f.line(2, 1, "Error: b"); // 1
    f.line(3, 2, "Error: c"); // 2 evicts p1's open group
    f.line(1, 3, "    at x (x.js:1:1)"); // p1's group is gone: ignored
    let g = f.g.groups();
    assert_eq!(g.len(), 2);
    assert_eq!(
        summary(&g),
        [
            (2, ErrorKind::JavaScript, vec![1], false),
            (3, ErrorKind::JavaScript, vec![2], false)
        ]
    );
    for i in 0..100 {
        f.line(i % 5, 10 + i, "panic: again");
        assert!(f.g.groups().len() <= 2);
    }
    let ids: Vec<u64> = f.g.groups().iter().map(|g| g.id).collect();
    assert!(ids[0] < ids[1]);

    let mut z = Feeder::new(GroupConfig {
        capacity: 0,
        ..GroupConfig::default()
    });
    z.line(1, 0, "Error: a");
    z.line(1, 1, "    at x (x.js:1:1)");
    assert!(z.g.groups().is_empty());
}

#[test]
fn clear_and_clear_process() {
    let mut f = Feeder::new(GroupConfig::default());
    f.line(1, 0, "Error: a");
    f.line(2, 1, "Error: b");
    f.g.clear_process(1);
    f.line(1, 2, "    at x (x.js:1:1)"); // p1 no longer has an open group
    f.line(2, 3, "    at y (y.js:1:1)");
    assert_eq!(
        summary(&f.g.groups()),
        [(2, ErrorKind::JavaScript, vec![1, 3], false)]
    );
    f.g.clear();
    assert!(f.g.groups().is_empty());
    f.line(2, 4, "    at z (z.js:1:1)");
    assert!(f.g.groups().is_empty());
    f.line(2, 5, "Error: c");
    let g = f.g.groups();
    assert_eq!(summary(&g), [(2, ErrorKind::JavaScript, vec![5], false)]);
}

#[test]
fn python_chained_traceback_is_one_group() {
    let mut f = Feeder::new(GroupConfig::default());
    for l in [
        "Traceback (most recent call last):",
        "  File \"a.py\", line 2, in <module>",
        "    int('x')",
        "ValueError: invalid literal for int() with base 10: 'x'",
        "",
        "During handling of the above exception, another exception occurred:",
        "",
        "Traceback (most recent call last):",
        "  File \"a.py\", line 4, in <module>",
        "    raise RuntimeError('wrapped')",
        "RuntimeError: wrapped",
        "next unrelated line",
        "KeyError: 'k'",
    ] {
        f.line(1, 0, l);
    }
    assert_eq!(
        summary(&f.g.groups()),
        [
            (1, ErrorKind::Python, vec![0, 1, 2, 3, 5, 7, 8, 9, 10], true),
            (1, ErrorKind::Python, vec![12], false),
        ]
    );
}

#[test]
fn headers_take_the_next_line() {
    let mut f = Feeder::new(GroupConfig::default());
    f.line(1, 0, "thread 'main' panicked at src/main.rs:2:5:");
    f.line(1, 1, "attempt to subtract with overflow");
    f.line(
        1,
        2,
        "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
    );
    f.line(1, 3, "after");
    f.line(1, 4, "\x1b[31mERROR\x1b[39m in ./src/a.js 1:0-10");
    f.line(
        1,
        5,
        "Module not found: Error: Can't resolve './b' in '/app/src'",
    );
    f.line(1, 6, "webpack compiled with 1 error");
    let g = f.g.groups();
    assert_eq!(
        summary(&g),
        [
            (1, ErrorKind::RustPanic, vec![0, 1, 2], true),
            (1, ErrorKind::Compiler, vec![4, 5], true),
        ]
    );
    assert_eq!(g[1].first_line, b"ERROR in ./src/a.js 1:0-10");
}

#[test]
fn java_caused_by_chain() {
    let mut f = Feeder::new(GroupConfig::default());
    for l in [
        "Exception in thread \"main\" java.lang.RuntimeException: outer",
        "\tat com.x.A.run(A.java:10)",
        "Caused by: java.io.IOException: inner",
        "\tat com.x.B.read(B.java:20)",
        "\t... 1 more",
        "done",
    ] {
        f.line(9, 0, l);
    }
    assert_eq!(
        summary(&f.g.groups()),
        [(9, ErrorKind::Java, vec![0, 1, 2, 3, 4], true)]
    );
}

/// Random multi-process feeds: bounds hold, ids increase, every seq is in at most one group and
/// groups' seqs increase, each process has at most one open group (its newest).
#[test]
fn random_feeds_keep_invariants() {
    let lines = [
        "Error: a",
        "panic: b",
        "Traceback (most recent call last):",
        "ValueError: c",
        "    at f (a.js:1:1)",
        "\tmain.go:1 +0x1",
        "",
        "plain",
        "thread 'main' panicked at a.rs:1:1:",
        "ERROR in ./x.js",
        "Caused by: y",
    ];
    let cfg = GroupConfig {
        capacity: 5,
        max_lines: 4,
        max_gap_ns: 50,
    };
    let mut f = Feeder::new(cfg);
    let mut x: u64 = 0xdead_beef_cafe_f00d;
    let mut ts = 0u64;
    for step in 0..5000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let pid = x % 3;
        ts += (x >> 8) % 40;
        f.line(pid, ts, lines[((x >> 16) % lines.len() as u64) as usize]);
        if step % 997 == 0 {
            f.g.clear_process((x >> 24) % 3);
        }
        let g = f.g.groups();
        assert!(g.len() <= 5);
        let mut seen = std::collections::HashSet::new();
        for w in g.windows(2) {
            assert!(w[0].id < w[1].id);
        }
        for gr in &g {
            assert!(!gr.seqs.is_empty() && gr.seqs.len() <= 4);
            assert!(gr.seqs.windows(2).all(|w| w[0] < w[1]));
            assert!(gr.first_ns <= gr.last_ns);
            for s in &gr.seqs {
                assert!(seen.insert(*s), "seq {s} in two groups");
            }
        }
        for p in 0..3 {
            let mine: Vec<_> = g.iter().filter(|gr| gr.process_id == p).collect();
            let open = mine.iter().filter(|gr| !gr.closed).count();
            assert!(open <= 1);
            if open == 1 {
                assert!(
                    !mine.last().unwrap().closed,
                    "only the newest group can be open"
                );
            }
        }
    }
}

/// Issue 21: a log header reporting an error opens the group, and the exception printed right
/// after it (with its frames) joins that group, which takes the exception's kind.
#[test]
fn log_header_opens_the_exception_group() {
    let mut f = Feeder::new(GroupConfig::default());
    for l in [
        "2024-01-01 12:00:00 ERROR [main] c.e.App - Request failed threw exception",
        "java.lang.IllegalStateException: boom",
        "\tat com.example.App.handle(App.java:42)",
        "\tat com.example.App.main(App.java:10)",
        "Caused by: java.io.IOException: disk",
        "\t... 2 more",
        "2024-01-01 12:00:01 INFO  [main] c.e.App - next request",
    ] {
        f.line(1, 0, l);
    }
    let g = f.g.groups();
    assert_eq!(
        summary(&g),
        [(1, ErrorKind::Java, vec![0, 1, 2, 3, 4, 5], true)]
    );
    assert_eq!(
        g[0].first_line,
        b"2024-01-01 12:00:00 ERROR [main] c.e.App - Request failed threw exception"
    );

    // Spring Boot's shape, with ANSI colours and a pid; and a Python logging header followed
    // by its traceback.
    let mut f = Feeder::new(GroupConfig::default());
    for l in [
        "2024-01-01T12:00:00.123Z \x1b[31mERROR\x1b[0m 4242 --- [nio-8080-exec-1] o.a.c.c.C.[.[.[/].[dispatcherServlet] : Servlet.service() threw exception",
        "java.lang.NullPointerException: null",
        "\tat com.example.web.Ctl.get(Ctl.java:7)",
        "ERROR:app:Unhandled error in /users",
        "Traceback (most recent call last):",
        "  File \"/app/views.py\", line 12, in users",
        "    raise KeyError(\"id\")",
        "KeyError: 'id'",
        "127.0.0.1 - - [01/Jan/2024 12:00:00] \"GET / HTTP/1.1\" 200 -",
    ] {
        f.line(2, 0, l);
    }
    assert_eq!(
        summary(&f.g.groups()),
        [
            (2, ErrorKind::Java, vec![0, 1, 2], true),
            (2, ErrorKind::Python, vec![3, 4, 5, 6, 7], true),
        ]
    );
}

/// The header only takes the exception that comes right after it, of the same process.
#[test]
fn log_header_does_not_take_unrelated_errors() {
    let mut f = Feeder::new(GroupConfig::default());
    f.line(
        1,
        0,
        "2024-01-01 12:00:00 ERROR [main] c.e.App - Request failed",
    ); // 0
    f.line(2, 1, "java.lang.IllegalStateException: other process"); // 1
    f.line(1, 2, "2024-01-01 12:00:00 INFO [main] c.e.App - ok"); // 2 closes p1
    f.line(1, 3, "java.lang.IllegalStateException: late"); // 3 own group
    f.line(
        3,
        4,
        "2024-01-01 12:00:00 ERROR [main] c.e.App - Request failed",
    ); // 4
    f.line(3, 5, "TypeError: not an exception it announced"); // 5 own group
    f.line(4, 6, "ERROR something broke"); // 6 not a log header
    f.line(4, 7, "java.lang.IllegalStateException: boom"); // 7 own group
    assert_eq!(
        summary(&f.g.groups()),
        [
            (1, ErrorKind::Generic, vec![0], true),
            (2, ErrorKind::Java, vec![1], false),
            (1, ErrorKind::Java, vec![3], false),
            (3, ErrorKind::Generic, vec![4], true),
            (3, ErrorKind::JavaScript, vec![5], false),
            (4, ErrorKind::Generic, vec![6], true),
            (4, ErrorKind::Java, vec![7], false),
        ]
    );
}
