//! Memory bounded in bytes: evicted values are freed promptly (their bytes awaiting
//! reclamation stay within the ring's budget) and all of them once the ring is dropped; the
//! log store's edge contracts (documented maximums, a cursor past the end, UTF-8 cuts).
//!
//! The tests here take one lock: the epoch collector is process-wide, and a test running in
//! parallel that holds a pin would (correctly) hold back reclamation.
use lfe::log::{truncate_at_char, Config, LogStore, Stream, MAX_CAPACITY, MAX_LINE_LEN};
use lfe::ring::{Ring, HANDOVER_BYTES};
use lfe::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Heap bytes held by live `Big` values.
static LIVE: AtomicUsize = AtomicUsize::new(0);

struct Big(Vec<u8>);

impl Big {
    fn new(n: usize) -> Big {
        LIVE.fetch_add(n, Ordering::SeqCst);
        Big(vec![7; n])
    }
}

impl Drop for Big {
    fn drop(&mut self) {
        LIVE.fetch_sub(self.0.len(), Ordering::SeqCst);
    }
}

fn big_bytes(b: &Big) -> usize {
    b.0.len()
}

#[test]
fn evicted_bytes_stay_within_budget_and_are_freed_on_drop() {
    let _serial = serial();
    const LINE: usize = 256 << 10;
    const CAP: usize = 4;
    const BUDGET: usize = 2 << 20;
    let ring = Ring::with_budget(CAP, BUDGET, big_bytes).unwrap();
    assert_eq!(ring.budget(), BUDGET);
    let mut peak = 0;
    for i in 0..2_000 {
        ring.push(Big::new(LINE));
        let live = LIVE.load(Ordering::SeqCst);
        peak = peak.max(live);
        // Ring contents + the budget + one batch being handed over (< HANDOVER_BYTES + a
        // line) + the line that pushed it over.
        assert!(
            live <= CAP * LINE + BUDGET + HANDOVER_BYTES + 2 * LINE,
            "push {i}: {live} bytes live"
        );
        assert!(ring.unreclaimed_bytes() <= BUDGET + HANDOVER_BYTES + 2 * LINE);
    }
    // Before the fix ~2,048 evicted values per thread waited: 500 MiB here.
    assert!(peak < 8 << 20, "peak {peak}");
    drop(ring);
    assert_eq!(
        LIVE.load(Ordering::SeqCst),
        0,
        "all freed once the ring is dropped"
    );
}

#[test]
fn store_reports_unreclaimed_bytes_within_budget() {
    let _serial = serial();
    let s = LogStore::new(Config {
        capacity: 2,
        max_line_len: 1 << 20,
        manual: true,
        max_unreclaimed_bytes: 1,
        ..Config::default()
    })
    .unwrap();
    let line = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        s.try_append(1, Stream::Stdout, 0, &line).unwrap();
        // Budget 1: each append helps until nothing is pending (no reader is pinned here),
        // or the batch it just handed over is still in the current epochs.
        assert!(s.stats().unreclaimed_bytes <= 2 * (1 << 20) + 4096);
    }
    assert_eq!(s.stats().evicted, 62);
    // (A zero budget is refused: `log_store.rs`, `bad_config`.)
}

#[test]
fn maximums_are_accepted_and_one_more_is_invalid() {
    let _serial = serial();
    let cfg = |capacity, max_line_len| Config {
        capacity,
        max_line_len,
        manual: true,
        ..Config::default()
    };
    assert!(matches!(
        LogStore::new(cfg(MAX_CAPACITY + 1, 16)),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        LogStore::new(cfg(4, MAX_LINE_LEN + 1)),
        Err(Error::Invalid(_))
    ));
    // The largest capacity: address space only (zeroed lazily), or NoMem; never an abort.
    match LogStore::new(cfg(MAX_CAPACITY, MAX_LINE_LEN)) {
        Ok(s) => {
            assert_eq!(s.try_append(1, Stream::Stdout, 0, b"x"), Ok(0));
            assert_eq!(s.stats().capacity, MAX_CAPACITY as u64);
        }
        Err(e) => assert_eq!(e, Error::NoMem),
    }
    // A slot array that cannot exist is NoMem, not a panic or an abort.
    assert_eq!(
        Ring::<u8>::with_budget(usize::MAX / 2, 1, |_| 0).err(),
        Some(Error::NoMem)
    );
}

#[test]
fn read_past_the_end_is_invalid() {
    let _serial = serial();
    let s = LogStore::new(Config {
        manual: true,
        ..Config::default()
    })
    .unwrap();
    assert_eq!(s.read(0, 10).unwrap().next, 0);
    assert!(matches!(s.read(1, 10), Err(Error::Invalid(_))));
    s.append(1, Stream::Stdout, 0, b"a");
    s.append(1, Stream::Stdout, 0, b"b");
    let r = s.read(2, 10).unwrap();
    assert_eq!((r.lines.len(), r.next), (0, 2));
    assert!(matches!(s.read(3, 10), Err(Error::Invalid(_))));
    assert!(matches!(s.read(u64::MAX, 0), Err(Error::Invalid(_))));
    assert_eq!(s.read(1, 10).unwrap().lines[0].text, b"b");
}

#[test]
fn truncation_backs_off_over_a_split_utf8_character_only() {
    let _serial = serial();
    let cases: &[(&[u8], usize, &[u8])] = &[
        (b"abc", 5, b"abc"),
        (b"abcdef", 3, b"abc"),
        ("abc\u{20ac}".as_bytes(), 5, b"abc"),
        ("abc\u{20ac}".as_bytes(), 4, b"abc"),
        ("abc\u{20ac}x".as_bytes(), 6, "abc\u{20ac}".as_bytes()),
        ("ab\u{1F600}".as_bytes(), 5, b"ab"),
        ("ab\u{1F600}".as_bytes(), 3, b"ab"),
        ("\u{1F600}".as_bytes(), 3, b""),
        ("a\u{e9}".as_bytes(), 2, b"a"),
        // Not UTF-8: byte-exact.
        (b"abcd\xC3\x28", 5, b"abcd\xC3"),
        (b"abc\xE2\x82\xFF", 5, b"abc\xE2\x82"),
        (b"abc\xE2\x82", 4, b"abc\xE2"), // incomplete even uncut: not valid UTF-8
        (b"ab\xFF\xFF\xFF", 3, b"ab\xFF"),
        (b"a\x80\x80\x80\x80", 3, b"a\x80\x80"),
        (b"\xC0\x80z", 1, b"\xC0"),         // overlong encoding: not UTF-8
        (b"\xED\xA0\x80z", 2, b"\xED\xA0"), // surrogate: not UTF-8
    ];
    for &(text, max, want) in cases {
        assert_eq!(truncate_at_char(text, max), want, "{text:?} at {max}");
    }
    let s = LogStore::new(Config {
        max_line_len: 5,
        manual: true,
        ..Config::default()
    })
    .unwrap();
    s.append(1, Stream::Stdout, 0, "abc\u{20ac}".as_bytes());
    let l = &s.read(0, 1).unwrap().lines[0];
    assert_eq!(l.text, b"abc");
    assert_ne!(l.flags & lfe::log::flags::TRUNCATED, 0);
    assert_eq!(s.stats().truncated, 1);
}
