//! Timing print for `Detector::analyze` (no assertions on time). Run with
//! `cargo test --release --test detect_perf -- --ignored --nocapture`.

use std::hint::black_box;

use lfe::log::enrich::Detector;

/// This thread's CPU time (the build machine is shared and loaded; wall time is noisy).
fn cpu_ns() -> u128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer for the duration of the call.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

fn time(d: &Detector, name: &str, line: &[u8]) {
    let n = 200_000;
    for _ in 0..1000 {
        black_box(d.analyze(black_box(line)));
    }
    let t = cpu_ns();
    for _ in 0..n {
        black_box(d.analyze(black_box(line)));
    }
    let ns = (cpu_ns() - t) as f64 / n as f64;
    println!("{name:32} {:4} bytes {ns:8.1} ns/line", line.len());
}

#[test]
#[ignore]
fn analyze_timing() {
    let d = Detector::new();
    time(
        &d,
        "plain (prefilter rejects)",
        b"GET /api/users/42 200 in 12ms (size 1532 bytes)",
    );
    time(
        &d,
        "plain long",
        "  » handled request for user 42 on shard 7 with cache hit ratio 0.93 and latency 3ms"
            .as_bytes(),
    );
    time(
        &d,
        "ansi plain",
        b"\x1b[2m10:21:04 AM\x1b[22m \x1b[36m\x1b[1mhandled\x1b[22m\x1b[39m request 42",
    );
    time(
        &d,
        "keyword (full scan)",
        b"[INFO] server started on port 3000",
    );
    time(&d, "url", b"  Local:   http://localhost:5173/");
    time(
        &d,
        "error start",
        b"TypeError: Cannot read properties of undefined (reading 'x')",
    );
    time(
        &d,
        "stack frame",
        b"    at Object.<anonymous> (/app/server.js:10:11)",
    ); // The same plain line without the prefilter, for the ratio.
    let line: &[u8] = b"GET /api/users/42 200 in 12ms (size 1532 bytes)";
    let n = 200_000;
    let t = cpu_ns();
    for _ in 0..n {
        black_box(d.analyze_stripped_full(black_box(line)));
    }
    let ns = (cpu_ns() - t) as f64 / n as f64;
    println!("plain, prefilter off             {ns:8.1} ns/line");
}

#[test]
#[ignore]
fn parts_timing() {
    let line: &[u8] = b"GET /api/users/42 200 in 12ms (size 1532 bytes)";
    let n = 200_000;
    let t = cpu_ns();
    for _ in 0..n {
        black_box(lfe::log::enrich::strip_ansi(black_box(line)));
    }
    println!("strip_ansi {:.1} ns", (cpu_ns() - t) as f64 / n as f64);
    let t = cpu_ns();
    for _ in 0..n {
        black_box(lfe::log::enrich::needs_full_scan(black_box(line)));
    }
    println!(
        "needs_full_scan {:.1} ns -> {}",
        (cpu_ns() - t) as f64 / n as f64,
        lfe::log::enrich::needs_full_scan(line)
    );
    let t = cpu_ns();
    for _ in 0..n {
        black_box(lfe::log::urls::find_urls(black_box(line)));
    }
    println!("find_urls {:.1} ns", (cpu_ns() - t) as f64 / n as f64);
}

/// Every line of the bench corpus (`benches/data/*.log`), newline kept off.
fn corpus() -> Vec<Vec<u8>> {
    let dir = format!("{}/benches/data", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|p| {
            std::fs::read(p)
                .unwrap()
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The new detector against the old one (`lfe_baselines::detect::OldDetector`) over the whole
/// bench corpus: CPU ns per line, alternating old/new for `ROUNDS` rounds, medians and ratio.
/// `cargo test --release --test detect_perf -- --ignored --nocapture corpus_timing`
#[test]
#[ignore]
fn corpus_timing() {
    const ROUNDS: usize = 9;
    let lines = corpus();
    let bytes: usize = lines.iter().map(Vec::len).sum();
    let new = Detector::new();
    let old = lfe_baselines::detect::OldDetector::new();
    let reps = 40;
    let run = |f: &dyn Fn(&[u8])| {
        let t = cpu_ns();
        for _ in 0..reps {
            for l in &lines {
                f(black_box(l));
            }
        }
        (cpu_ns() - t) as f64 / (reps * lines.len()) as f64
    };
    let fnew = |l: &[u8]| {
        black_box(new.analyze(l));
    };
    let fold = |l: &[u8]| {
        black_box(old.analyze(l));
    };
    run(&fnew);
    run(&fold);
    let (mut tn, mut to) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        to.push(run(&fold));
        tn.push(run(&fnew));
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (n, o) = (med(&mut tn), med(&mut to));
    let per = bytes as f64 / lines.len() as f64;
    println!(
        "{} lines, {per:.1} bytes/line, {ROUNDS} rounds alternating, median CPU time:",
        lines.len()
    );
    println!("old {o:8.1} ns/line {:7.1} MB/s", per / o * 1e3);
    println!("new {n:8.1} ns/line {:7.1} MB/s", per / n * 1e3);
    println!("old/new = {:.2}x", o / n);
}

/// For profilers (`valgrind --tool=callgrind`): the old and the new detector over the corpus,
/// `LFE_DETECT_REPS` times each (default 3). Prints nothing.
#[test]
#[ignore]
fn corpus_profile() {
    let reps: usize = std::env::var("LFE_DETECT_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let lines = corpus();
    let new = Detector::new();
    let old = lfe_baselines::detect::OldDetector::new();
    for _ in 0..reps {
        for l in &lines {
            black_box(old.analyze(black_box(l)));
        }
        for l in &lines {
            black_box(new.analyze(black_box(l)));
        }
    }
}
