//! Log store behaviour: the lock-free store and the mutex baselines run the same checks.

mod common;
use lfe::log::enrich::Level;
use lfe::log::{flags, Config, Input, LogStore, Query, Stream};
use lfe::Error;
use lfe_baselines::log::{LogStore as BStore, Mode};

fn manual(cap: usize) -> Config {
    Config {
        capacity: cap,
        manual: true,
        url_capacity: 100_000,
        ..Config::default()
    }
}

/// The same checks against every implementation (they share the API, not a trait).
macro_rules! api_checks {
    ($mk:expr) => {{
        let mk = $mk;
        // Append / read / missed / truncation / stats.
        let s = mk(Config {
            capacity: 4,
            max_line_len: 8,
            ..manual(4)
        });
        for i in 0..6u64 {
            let t = format!("line {i}");
            assert_eq!(s.append(7, Stream::Stdout, 1000 + i, t.as_bytes()), i);
        }
        let seq = s.append(8, Stream::Stderr, 0, b"0123456789abc");
        assert_eq!(seq, 6);
        let r = s.read(0, 100).unwrap();
        assert_eq!(r.missed, 3);
        assert_eq!(r.next, 7);
        let seqs: Vec<u64> = r.lines.iter().map(|l| l.seq).collect();
        assert_eq!(seqs, vec![3, 4, 5, 6]);
        assert_eq!(r.lines[0].text, b"line 3");
        assert_eq!(r.lines[0].ts_ns, 1003);
        assert_eq!(r.lines[3].text, b"01234567");
        assert!(r.lines[3].flags & flags::TRUNCATED != 0);
        assert!(r.lines[3].ts_ns > 0);
        assert_eq!(r.lines[3].stream, Stream::Stderr);
        let st = s.stats();
        assert_eq!((st.appended, st.evicted, st.truncated), (7, 3, 1));
        assert_eq!(st.bytes, 6 * 6 + 8);
        // Cursor read in pieces.
        let a = s.read(3, 2).unwrap();
        assert_eq!(a.lines.len(), 2);
        assert_eq!(a.next, 5);
        let b = s.read(a.next, 10).unwrap();
        assert_eq!(b.lines.len(), 2);
        assert_eq!(s.read(b.next, 10).unwrap().lines.len(), 0);
        // Tail, per process.
        assert_eq!(
            s.tail(2, None).iter().map(|l| l.seq).collect::<Vec<_>>(),
            vec![5, 6]
        );
        assert_eq!(s.tail(10, Some(8)).len(), 1);
        assert_eq!(s.tail(10, Some(7)).len(), 3);
        // Batch.
        let r = s.append_batch(&[
            Input {
                process_id: 1,
                stream: Stream::System,
                ts_ns: 5,
                text: b"a",
            },
            Input {
                process_id: 2,
                stream: Stream::Stdout,
                ts_ns: 6,
                text: b"b",
            },
        ]);
        assert_eq!(r, 7..9);

        // Enrichment, search, URLs, error groups.
        let s = mk(manual(1000));
        s.append(
            1,
            Stream::Stdout,
            10,
            b"INFO server listening on http://localhost:3000",
        );
        s.append(1, Stream::Stderr, 20, b"ERROR: something failed badly");
        s.append(2, Stream::Stdout, 30, b"WARN disk almost full");
        s.append(2, Stream::Stderr, 40, b"TypeError: x is not a function");
        s.append(2, Stream::Stderr, 41, b"    at foo (/app/x.js:1:2)");
        s.sync();
        let urls = s.urls();
        assert_eq!(urls.len(), 1);
        assert_eq!(urls[0].url, b"http://localhost:3000/");
        let lines = s.read(0, 10).unwrap().lines;
        assert!(lines.iter().all(|l| l.flags & flags::ENRICHED != 0));
        assert_eq!(lines[1].level, Level::Error);
        assert!(lines[0].flags & flags::HAS_URL != 0);
        let groups = s.error_groups();
        assert!(groups.iter().any(|g| g.seqs == vec![3, 4]), "{groups:?}");
        // Search: regex, literal, case, filters, limit.
        let q = |p: &'static [u8]| Query {
            pattern: p,
            ..Query::default()
        };
        assert_eq!(s.search(&q(b"fail(ed)? ba")).unwrap().len(), 1);
        assert_eq!(s.search(&q(b"error")).unwrap().len(), 0);
        let ci = Query {
            case_insensitive: true,
            ..q(b"error")
        };
        assert_eq!(s.search(&ci).unwrap().len(), 2);
        let lit = Query {
            literal: true,
            ..q(b"(/app/x.js:1:2)")
        };
        assert_eq!(s.search(&lit).unwrap()[0].seq, 4);
        let proc2 = Query {
            process_id: Some(2),
            ..q(b"")
        };
        assert_eq!(s.search(&proc2).unwrap().len(), 3);
        let lvl = Query {
            min_level: Level::Warn,
            ..q(b"")
        };
        assert!(s
            .search(&lvl)
            .unwrap()
            .iter()
            .all(|l| l.level >= Level::Warn));
        let time = Query {
            since_ns: 20,
            until_ns: 30,
            ..q(b"")
        };
        let seqs = |q: &Query| -> Vec<u64> { s.search(q).unwrap().iter().map(|l| l.seq).collect() };
        assert_eq!(seqs(&time), vec![1, 2]);
        let lim = Query { limit: 2, ..q(b"") };
        assert_eq!(seqs(&lim), vec![3, 4]);
        match s.search(&q(b"(unclosed")) {
            Err(Error::BadPattern(m)) => assert!(!m.is_empty()),
            other => panic!("{other:?}"),
        }
        let big = vec![b'a'; 5000];
        assert_eq!(
            s.search(&Query {
                pattern: &big,
                ..Query::default()
            }),
            Err(Error::TooLarge)
        );
        // Clear one process, then all; sequences stay monotonic.
        s.clear_process(1);
        assert!(s
            .read(0, 100)
            .unwrap()
            .lines
            .iter()
            .all(|l| l.process_id == 2));
        assert!(s.urls().is_empty());
        s.clear();
        assert!(s.read(0, 100).unwrap().lines.is_empty());
        assert!(s.tail(10, None).is_empty());
        assert!(s.error_groups().is_empty());
        assert_eq!(s.append(3, Stream::Stdout, 0, b"after"), 5);
        assert_eq!(s.read(0, 100).unwrap().lines.len(), 1);
    }};
}

#[test]
fn lfe_store_api() {
    api_checks!(|c| LogStore::new(c).unwrap());
}

#[test]
fn baseline_fair_api() {
    api_checks!(|c| BStore::with_mode(c, Mode::Fair).unwrap());
}

#[test]
fn baseline_naive_api() {
    api_checks!(|c| BStore::with_mode(c, Mode::Naive).unwrap());
}

#[test]
fn bad_config() {
    // Each bound that must be above 0, set to 0.
    let zero: [fn(&mut Config); 3] = [
        |c| c.capacity = 0,
        |c| c.max_line_len = 0,
        |c| c.max_unreclaimed_bytes = 0,
    ];
    for set in zero {
        let mut cfg = Config::default();
        set(&mut cfg);
        assert!(LogStore::new(cfg).is_err(), "{cfg:?}");
    }
}

/// Helping: in manual mode with no enrich calls, appending 3x capacity lines still finds every
/// URL and enriches every line before it is evicted.
#[test]
fn no_url_missed_under_helping() {
    let cap = 64;
    let s = LogStore::new(manual(cap)).unwrap();
    let n = 3 * cap as u64;
    for i in 0..n {
        let t = format!("ready on http://localhost:{}/", 1000 + i);
        s.append(i % 3, Stream::Stdout, 0, t.as_bytes());
    }
    s.sync();
    let urls = s.urls();
    assert_eq!(urls.len() as u64, n);
    let st = s.stats();
    assert_eq!(st.enriched, n);
    assert!(st.inline_enriched >= n - cap as u64);
    assert_eq!(st.evicted, n - cap as u64);
}

/// The same guarantee with concurrent appenders (manual mode: only helpers enrich).
#[test]
fn no_url_missed_concurrent_helpers() {
    let cap = 32;
    let s = std::sync::Arc::new(LogStore::new(manual(cap)).unwrap());
    let per = 500u64;
    let hs: Vec<_> = (0..4u64)
        .map(|p| {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in 0..per {
                    let t = format!("GET http://h{p}.test:{i}/");
                    if i % 7 == 0 {
                        let t2 = format!("GET http://b{p}.test:{i}/");
                        s.append_batch(&[
                            Input {
                                process_id: p,
                                stream: Stream::Stdout,
                                ts_ns: 0,
                                text: t.as_bytes(),
                            },
                            Input {
                                process_id: p,
                                stream: Stream::Stdout,
                                ts_ns: 0,
                                text: t2.as_bytes(),
                            },
                        ]);
                    } else {
                        s.append(p, Stream::Stdout, 0, t.as_bytes());
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    s.sync();
    let expect: u64 = 4 * (per + per.div_ceil(7));
    assert_eq!(s.stats().appended, expect);
    assert_eq!(s.urls().len() as u64, expect);
    assert_eq!(s.stats().enriched, expect);
}

/// With the worker: everything appended is enriched after sync, and drop drains.
#[test]
fn worker_enriches() {
    let s = LogStore::new(Config {
        capacity: 100,
        ..Config::default()
    })
    .unwrap();
    for i in 0..1000u64 {
        s.append(1, Stream::Stdout, 0, format!("ERROR oops {i}").as_bytes());
    }
    s.sync();
    let st = s.stats();
    assert_eq!(st.enrich_lag, 0);
    assert!(s
        .read(0, 1000)
        .unwrap()
        .lines
        .iter()
        .all(|l| l.level == Level::Error));
}

/// The worker gives way to appenders during a burst, but not forever: under a steady stream
/// of appends that never pauses, a URL is still found by the worker (its time bound), with
/// no `sync` or `enrich` call. Same for the fair baseline, which is paced the same way.
#[test]
fn worker_runs_under_a_steady_stream() {
    fn check(append: &dyn Fn(&[u8]), found: &dyn Fn() -> bool) {
        append(b"ready at http://localhost:4173/");
        // Appends go on, one every 20 us (busy-waiting, so the stream has no pause the
        // worker could take for one), until the worker has found the URL. At that rate the
        // lag stays far below half the ring (500,000 lines) for the 5 s the test allows, so
        // only the worker's time bound can end the loop.
        let start = std::time::Instant::now();
        let mut n = 0u64;
        while !found() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(5),
                "URL not found after {n} appends"
            );
            append(format!("GET /asset/{n} 200").as_bytes());
            n += 1;
            let t = std::time::Instant::now();
            while t.elapsed() < std::time::Duration::from_micros(20) {
                std::hint::spin_loop();
            }
        }
    }
    let cfg = Config {
        capacity: 1_000_000,
        ..Config::default()
    };
    let s = LogStore::new(cfg).unwrap();
    check(
        &|t| {
            s.append(1, Stream::Stdout, 0, t);
        },
        &|| s.urls().iter().any(|u| u.url == b"http://localhost:4173/"),
    );
    let b = BStore::with_mode(cfg, Mode::Fair).unwrap();
    check(
        &|t| {
            b.append(1, Stream::Stdout, 0, t);
        },
        &|| b.urls().iter().any(|u| u.url == b"http://localhost:4173/"),
    );
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

#[test]
fn lifecycle_no_thread_left() {
    let before = threads();
    for i in 0..1000u64 {
        let s = LogStore::new(Config {
            capacity: 16,
            ..Config::default()
        })
        .unwrap();
        s.append(i, Stream::Stdout, 0, b"x http://a.test/");
    }
    let b = BStore::new(Config::default()).unwrap();
    drop(b);
    // Other tests in this binary may run threads meanwhile; ours are all joined by drop, so
    // the count cannot have grown by anything like 1000.
    assert!(
        threads() <= before + 8,
        "threads before {before}, after {}",
        threads()
    );
}

/// Model-based stress: concurrent appenders (single and batch) and cursor readers; every
/// reader history and the final state are checked.
#[test]
fn stress_model() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let cap = 128;
    let s = Arc::new(
        LogStore::new(Config {
            capacity: cap,
            max_line_len: 64,
            ..Config::default()
        })
        .unwrap(),
    );
    let done = Arc::new(AtomicBool::new(false));
    let producers = 3u64;
    let per = 4000u64;
    fn text(p: u64, n: u64) -> Vec<u8> {
        let body = format!("p={p} n={n} pad={}", "x".repeat((n % 20) as usize));
        let sum: u64 = body.bytes().map(|b| b as u64).sum();
        format!("{body} sum={sum}").into_bytes()
    }
    fn parse(t: &[u8]) -> (u64, u64) {
        let s = std::str::from_utf8(t).unwrap();
        let (body, sum) = s.rsplit_once(" sum=").unwrap();
        assert_eq!(
            sum.parse::<u64>().unwrap(),
            body.bytes().map(|b| b as u64).sum::<u64>(),
            "torn line"
        );
        let mut it = body.split(' ');
        let p = it.next().unwrap()[2..].parse().unwrap();
        let n = it.next().unwrap()[2..].parse().unwrap();
        assert_eq!(t, &text(p, n)[..]);
        (p, n)
    }
    let hs = common::spawn_n(producers, &s, move |s, p| {
        let mut n = 0;
        while n < per {
            if n % 5 == 0 && n + 3 <= per {
                let t: Vec<Vec<u8>> = (n..n + 3).map(|i| text(p, i)).collect();
                let ins: Vec<Input> = t
                    .iter()
                    .map(|t| Input {
                        process_id: p,
                        stream: Stream::Stdout,
                        ts_ns: 0,
                        text: t,
                    })
                    .collect();
                s.append_batch(&ins);
                n += 3;
            } else {
                s.append(p, Stream::Stdout, 0, &text(p, n));
                n += 1;
            }
        }
    });
    let rs: Vec<_> = (0..2)
        .map(|_| {
            let (s, done) = (s.clone(), done.clone());
            std::thread::spawn(move || {
                let mut cursor = 0;
                let (mut seen, mut missed) = (0u64, 0u64);
                let mut last = vec![None::<u64>; producers as usize];
                loop {
                    let fin = done.load(Ordering::Acquire);
                    let r = s.read(cursor, 50).unwrap();
                    let mut prev = None;
                    for l in &r.lines {
                        assert!(l.seq >= cursor && prev.is_none_or(|p| p < l.seq));
                        prev = Some(l.seq);
                        let (p, n) = parse(&l.text);
                        assert_eq!(p, l.process_id);
                        assert!(last[p as usize].is_none_or(|x| x < n), "order");
                        last[p as usize] = Some(n);
                    }
                    seen += r.lines.len() as u64;
                    missed += r.missed;
                    cursor = r.next;
                    if fin && r.lines.is_empty() && r.missed == 0 {
                        break;
                    }
                    if r.lines.is_empty() {
                        std::thread::yield_now();
                    }
                }
                assert_eq!(seen + missed, cursor);
                cursor
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    done.store(true, Ordering::Release);
    let total = producers * per;
    for r in rs {
        assert_eq!(r.join().unwrap(), total);
    }
    let st = s.stats();
    assert_eq!(st.appended, total);
    let retained = s.read(0, usize::MAX).unwrap().lines;
    assert_eq!(st.evicted + retained.len() as u64, total);
    assert_eq!(retained.len(), cap);
    for w in retained.windows(2) {
        assert_eq!(w[0].seq + 1, w[1].seq);
    }
}

/// The fair baseline gives the same guarantee (it enriches, under its lock, a line it is about
/// to evict before its worker reached it), so benchmarks compare like with like.
#[test]
fn baseline_fair_no_url_missed() {
    let _lockdep = common::lockdep_on();
    let cap = 64;
    let s = lfe_baselines::log::LogStore::with_mode(manual(cap), lfe_baselines::log::Mode::Fair)
        .unwrap();
    let n = 3 * cap as u64;
    for i in 0..n {
        let t = format!("ready on http://localhost:{}/", 1000 + i);
        s.append(i % 3, Stream::Stdout, 0, t.as_bytes());
    }
    s.sync();
    assert_eq!(s.urls().len() as u64, n);
    let st = s.stats();
    assert_eq!(st.enriched, n);
    assert_eq!(st.inline_enriched, n - cap as u64);
    assert_eq!(st.evicted, n - cap as u64);
}

/// A follower that reads, and waits when caught up, sees every line of 3 writers exactly
/// once, in sequence order, each writer's lines in its own order.
#[test]
fn follower_sees_every_line_once_in_order() {
    const WRITERS: u64 = 3;
    const PER: u64 = 5000;
    let s = std::sync::Arc::new(LogStore::new(manual(1 << 16)).unwrap());
    let f = {
        let s = s.clone();
        std::thread::spawn(move || {
            let (mut cursor, mut got) = (0u64, Vec::new());
            while (got.len() as u64) < WRITERS * PER {
                let r = s.read(cursor, 1024).unwrap();
                assert_eq!(r.missed, 0);
                cursor = r.next;
                if r.lines.is_empty() {
                    assert_eq!(s.wait(cursor, None), Ok(true));
                }
                got.extend(r.lines.into_iter().map(|l| (l.seq, l.process_id, l.text)));
            }
            got
        })
    };
    let ws: Vec<_> = (0..WRITERS)
        .map(|w| {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in 0..PER {
                    s.append(w, Stream::Stdout, 1, format!("{i}").as_bytes());
                }
            })
        })
        .collect();
    ws.into_iter().for_each(|w| w.join().unwrap());
    let got = f.join().unwrap();
    let mut next = vec![0u64; WRITERS as usize];
    for (i, (seq, pid, text)) in got.iter().enumerate() {
        assert_eq!(*seq, i as u64);
        assert_eq!(text, format!("{}", next[*pid as usize]).as_bytes());
        next[*pid as usize] += 1;
    }
    assert_eq!(next, vec![PER; WRITERS as usize]);
}

/// Waits: a timeout, an interrupt, a close (which also ends a blocked wait), a bad cursor.
#[test]
fn wait_timeout_interrupt_close() {
    use std::time::Duration;
    let s = std::sync::Arc::new(LogStore::new(manual(8)).unwrap());
    assert_eq!(s.wait(0, Some(Duration::ZERO)), Err(Error::Timeout));
    assert!(matches!(s.wait(5, None), Err(Error::Invalid(_))));
    s.append(1, Stream::Stdout, 1, b"x");
    assert_eq!(s.wait(0, None), Ok(true));
    let blocked = |s: &std::sync::Arc<LogStore>| {
        let s = s.clone();
        std::thread::spawn(move || s.wait(1, None))
    };
    let w = blocked(&s);
    while !w.is_finished() {
        s.interrupt();
        std::thread::yield_now();
    }
    assert_eq!(w.join().unwrap(), Ok(false));
    let w = blocked(&s);
    s.close();
    assert_eq!(w.join().unwrap(), Err(Error::Closed));
    assert_eq!(s.wait(0, None), Err(Error::Closed));
    assert!(s.is_closed());
}
