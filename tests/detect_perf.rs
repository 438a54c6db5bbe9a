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
